import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { readRows, ReadStatement } from '../database/read-rows';
import { AuthToken } from './auth-token.entity';

/** A token joined to its owner, as one authentication needs it. */
export interface TokenWithUser {
  id: number;
  userId: number;
  createdAt: Date;
  expiry: Date | null;
  lastUsedAt: Date | null;
  username: string;
  email: string;
  isActive: boolean;
}

interface TokenWithUserRow {
  id: number;
  user_id: number;
  created_at: Date;
  expiry: Date | null;
  last_used_at: Date | null;
  username: string;
  email: string;
  is_active: boolean;
}

export const FIND_BY_DIGEST_WITH_USER: ReadStatement = {
  name: 'auth_tokens.find_by_digest_with_user',
  text: `SELECT t.id, t.user_id, t.created_at, t.expiry, t.last_used_at, u.username, u.email, u.is_active
           FROM auth_tokens t JOIN users u ON u.id = t.user_id
          WHERE t.digest = $1`,
};

/** Every method that reads or removes a user's tokens takes the user id first. */
@Injectable()
export class AuthTokensRepository {
  constructor(@InjectRepository(AuthToken) private readonly tokens: Repository<AuthToken>) {}

  get manager(): EntityManager {
    return this.tokens.manager;
  }

  /** The single indexed query that authenticates a request. */
  async findByDigestWithUser(digest: string): Promise<TokenWithUser | null> {
    const rows = await readRows<TokenWithUserRow>(this.tokens.manager.connection, FIND_BY_DIGEST_WITH_USER, [digest]);
    const row = rows[0];
    if (!row) return null;
    return {
      id: row.id,
      userId: row.user_id,
      createdAt: row.created_at,
      expiry: row.expiry,
      lastUsedAt: row.last_used_at,
      username: row.username,
      email: row.email,
      isActive: row.is_active,
    };
  }

  async insert(
    fields: Pick<AuthToken, 'digest' | 'tokenKey' | 'userId' | 'name' | 'expiry'>,
    manager: EntityManager = this.manager,
  ): Promise<AuthToken> {
    const result = await manager.insert(AuthToken, fields);
    return manager.findOneOrFail(AuthToken, { where: { id: result.identifiers[0].id as number } });
  }

  async countUnexpired(userId: number, now: Date, manager: EntityManager = this.manager): Promise<number> {
    const rows: Array<{ count: string }> = await manager.query(
      'SELECT count(*) AS count FROM auth_tokens WHERE user_id = $1 AND (expiry IS NULL OR expiry > $2)',
      [userId, now],
    );
    return Number(rows[0].count);
  }

  /**
   * Moves the expiry and/or last-use time forward. Conditional on the row still
   * existing: a token revoked in the meantime simply updates nothing.
   */
  async touch(id: number, changes: { expiry?: Date; lastUsedAt?: Date }): Promise<void> {
    await this.manager.update(AuthToken, { id }, changes);
  }

  async deleteById(id: number): Promise<void> {
    await this.manager.delete(AuthToken, { id });
  }

  async deleteByDigest(digest: string): Promise<void> {
    await this.manager.delete(AuthToken, { digest });
  }

  listUnexpired(userId: number, now: Date): Promise<AuthToken[]> {
    return this.tokens
      .createQueryBuilder('token')
      .where('token.userId = :userId', { userId })
      .andWhere('(token.expiry IS NULL OR token.expiry > :now)', { now })
      .orderBy('token.createdAt', 'DESC')
      .addOrderBy('token.id', 'DESC')
      .getMany();
  }

  async deleteOwned(userId: number, id: number): Promise<boolean> {
    const result = await this.manager.delete(AuthToken, { userId, id });
    return (result.affected ?? 0) > 0;
  }

  async deleteAllOwned(userId: number, manager: EntityManager = this.manager): Promise<number> {
    const result = await manager.delete(AuthToken, { userId });
    return result.affected ?? 0;
  }

  async deleteAllOwnedExcept(userId: number, keepId: number, manager: EntityManager = this.manager): Promise<number> {
    const result = await manager
      .createQueryBuilder()
      .delete()
      .from(AuthToken)
      .where('user_id = :userId AND id <> :keepId', { userId, keepId })
      .execute();
    return result.affected ?? 0;
  }

  async deleteExpired(now: Date): Promise<number> {
    const result = await this.manager
      .createQueryBuilder()
      .delete()
      .from(AuthToken)
      .where('expiry IS NOT NULL AND expiry <= :now', { now })
      .execute();
    return result.affected ?? 0;
  }
}
