import { ConflictException, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { uniqueViolation } from '../database/postgres-errors';
import { User } from './user.entity';

export interface UserWithHash {
  id: number;
  username: string;
  email: string;
  passwordHash: string;
  isActive: boolean;
}

export class DuplicateUsernameError extends ConflictException {}

@Injectable()
export class UsersRepository {
  constructor(@InjectRepository(User) private readonly users: Repository<User>) {}

  /** Relies on the unique index on lower(username): concurrent duplicates cannot both land. */
  async create(
    fields: { username: string; email: string; passwordHash: string },
    manager: EntityManager = this.users.manager,
  ): Promise<User> {
    try {
      const result = await manager.insert(User, fields);
      const id = result.identifiers[0].id as number;
      return manager.findOneOrFail(User, { where: { id } });
    } catch (error) {
      if (uniqueViolation(error) === 'users_username_lower_key') throw new DuplicateUsernameError();
      throw error;
    }
  }

  async findByUsernameWithHash(username: string): Promise<UserWithHash | null> {
    // PostgreSQL text cannot hold U+0000, so no stored username has one; asking would be a query error.
    if (username.includes('\0')) return null;
    return this.users
      .createQueryBuilder('user')
      .select(['user.id', 'user.username', 'user.email', 'user.passwordHash', 'user.isActive'])
      .where('lower(user.username) = lower(:username)', { username })
      .getOne();
  }

  findByIdWithHash(id: number): Promise<UserWithHash | null> {
    return this.users
      .createQueryBuilder('user')
      .select(['user.id', 'user.username', 'user.email', 'user.passwordHash', 'user.isActive'])
      .where('user.id = :id', { id })
      .getOne();
  }

  async recordLogin(id: number, manager: EntityManager = this.users.manager): Promise<void> {
    await manager.update(User, { id }, { lastLogin: new Date() });
  }

  async setPasswordHash(id: number, passwordHash: string, manager: EntityManager = this.users.manager): Promise<void> {
    await manager.update(User, { id }, { passwordHash });
  }

  async setActive(id: number, isActive: boolean): Promise<void> {
    await this.users.update({ id }, { isActive });
  }

  /** Takes a row lock on the user, serialising work that must see a stable count of their tokens. */
  async lockForUpdate(id: number, manager: EntityManager): Promise<boolean> {
    const rows: unknown[] = await manager.query('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [id]);
    return rows.length > 0;
  }
}
