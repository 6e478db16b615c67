import { ConflictException, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { uniqueViolation } from '../database/postgres-errors';
import { User } from './user.entity';
import { cleanUsername, LEGACY_USERNAME_UNIQUE_INDEX, USERNAME_MATCH_SQL, USERNAME_UNIQUE_INDEX } from './username';

export interface UserWithHash {
  id: number;
  username: string;
  email: string;
  passwordHash: string;
  isActive: boolean;
}

export class DuplicateUsernameError extends ConflictException {}

const USERNAME_INDEXES = new Set([USERNAME_UNIQUE_INDEX, LEGACY_USERNAME_UNIQUE_INDEX]);

/**
 * The login lookup: the cleaned name against the unique index's own
 * expression, so that it is found through that index and matches exactly
 * the names the index holds unique. $1 is cleanUsername(...) of the input.
 */
export const USER_BY_USERNAME_SQL = `SELECT id, username, email, password_hash, is_active FROM users WHERE ${USERNAME_MATCH_SQL} = lower($1)`;

interface UserWithHashRow {
  id: number;
  username: string;
  email: string;
  password_hash: string;
  is_active: boolean;
}

@Injectable()
export class UsersRepository {
  constructor(@InjectRepository(User) private readonly users: Repository<User>) {}

  /**
   * Stores the username cleaned and NFKC-normalised, as Django's create_user
   * does. Relies on the unique index on lower(normalize(username, NFKC)):
   * concurrent duplicates cannot both land.
   */
  async create(
    fields: { username: string; email: string; passwordHash: string },
    manager: EntityManager = this.users.manager,
  ): Promise<User> {
    try {
      const result = await manager.insert(User, { ...fields, username: cleanUsername(fields.username) });
      const id = result.identifiers[0].id as number;
      return manager.findOneOrFail(User, { where: { id } });
    } catch (error) {
      const index = uniqueViolation(error);
      if (index !== null && USERNAME_INDEXES.has(index)) throw new DuplicateUsernameError();
      throw error;
    }
  }

  /** The user a login (or a management command) names, compared as the unique index compares names. */
  async findByUsernameWithHash(username: string): Promise<UserWithHash | null> {
    const name = cleanUsername(username);
    // PostgreSQL text cannot hold U+0000, so no stored username has one; asking would be a query error.
    if (name.includes('\0')) return null;
    const rows = (await this.users.manager.query(USER_BY_USERNAME_SQL, [name])) as UserWithHashRow[];
    const row = rows[0];
    if (!row) return null;
    return { id: row.id, username: row.username, email: row.email, passwordHash: row.password_hash, isActive: row.is_active };
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
