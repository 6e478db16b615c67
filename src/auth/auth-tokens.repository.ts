import { Injectable } from '@nestjs/common';
import { Database, Queryable, Statement } from '../database/database';
import { DATE_TIMESTAMPS } from '../database/timestamptz';
import { AuthToken } from './auth-token.entity';
import type { ImportedTokenRow, TokenCandidates } from './imported-tokens';

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

/**
 * The columns of AuthToken, each under its property's name, so that a row
 * is the entity (the raw token is not among them: it is never stored).
 */
const TOKEN_COLUMNS = 'id, kind, digest, token_key AS "tokenKey", user_id AS "userId", name, created_at AS "createdAt", expiry, last_used_at AS "lastUsedAt"';

/**
 * A presented token names at most two rows (a bare 64-hex token is knox 5
 * or knox 4.2): digest $1 stored as kind $2, or digest $3 as kind $4 ($3 and
 * $4 null when there is one). The row counts only under the kind whose
 * algorithm made the digest that found it. The IN list keeps the plain
 * index scan on the digest that `digest = $1` had.
 */
export const FIND_BY_DIGEST_WITH_USER: Statement = {
  name: 'auth_tokens.find_by_digest_with_user',
  text: `SELECT t.id, t.user_id AS "userId", t.created_at AS "createdAt", t.expiry, t.last_used_at AS "lastUsedAt",
                u.username, u.email, u.is_active AS "isActive"
           FROM auth_tokens t JOIN users u ON u.id = t.user_id
          WHERE t.digest IN ($1, $3) AND t.kind = CASE WHEN t.digest = $1 THEN $2 ELSE $4 END`,
  types: DATE_TIMESTAMPS,
};
/** One statement for any number of rows: parallel arrays, unnested. */
const INSERT_IMPORTED: Statement = {
  name: 'auth_tokens.insert_imported',
  text: `INSERT INTO auth_tokens (kind, digest, token_key, user_id, created_at, expiry)
         SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::int[], $5::timestamptz[], $6::timestamptz[])`,
};
/** Rows per INSERT_IMPORTED, so that a large import never builds one huge message. */
const IMPORT_BATCH_SIZE = 1000;
const INSERT: Statement = {
  name: 'auth_tokens.insert',
  text: `INSERT INTO auth_tokens (digest, token_key, user_id, name, expiry) VALUES ($1, $2, $3, $4, $5) RETURNING ${TOKEN_COLUMNS}`,
  types: DATE_TIMESTAMPS,
};
const COUNT_UNEXPIRED: Statement = {
  name: 'auth_tokens.count_unexpired',
  text: 'SELECT count(*)::int AS count FROM auth_tokens WHERE user_id = $1 AND (expiry IS NULL OR expiry > $2)',
};
const LIST_UNEXPIRED: Statement = {
  name: 'auth_tokens.list_unexpired',
  text: `SELECT ${TOKEN_COLUMNS} FROM auth_tokens WHERE user_id = $1 AND (expiry IS NULL OR expiry > $2) ORDER BY created_at DESC, id DESC`,
  types: DATE_TIMESTAMPS,
};
/** Null leaves a column as it is: one text for a new expiry, a new last use, or both. */
const TOUCH: Statement = {
  name: 'auth_tokens.touch',
  text: 'UPDATE auth_tokens SET expiry = COALESCE($2, expiry), last_used_at = COALESCE($3, last_used_at) WHERE id = $1',
};
const DELETE_BY_ID: Statement = { name: 'auth_tokens.delete_by_id', text: 'DELETE FROM auth_tokens WHERE id = $1' };
const DELETE_BY_DIGEST: Statement = { name: 'auth_tokens.delete_by_digest', text: 'DELETE FROM auth_tokens WHERE digest = $1' };
const DELETE_OWNED: Statement = { name: 'auth_tokens.delete_owned', text: 'DELETE FROM auth_tokens WHERE user_id = $1 AND id = $2' };
const DELETE_ALL_OWNED: Statement = { name: 'auth_tokens.delete_all_owned', text: 'DELETE FROM auth_tokens WHERE user_id = $1' };
const DELETE_ALL_OWNED_EXCEPT: Statement = { name: 'auth_tokens.delete_all_owned_except', text: 'DELETE FROM auth_tokens WHERE user_id = $1 AND id <> $2' };
const DELETE_EXPIRED: Statement = { name: 'auth_tokens.delete_expired', text: 'DELETE FROM auth_tokens WHERE expiry IS NOT NULL AND expiry <= $1' };

/**
 * Every method that reads or removes a user's tokens takes the user id
 * first. An optional `db` is a transaction's connection
 * (Database.transaction) when the statement is part of one.
 */
@Injectable()
export class AuthTokensRepository {
  constructor(private readonly database: Database) {}

  /** The single indexed query that authenticates a request: the row one of the candidates names, with its owner. */
  async findByDigestWithUser(candidates: TokenCandidates): Promise<TokenWithUser | null> {
    const [first, second] = candidates;
    const rows = await this.database.rows<TokenWithUser>(FIND_BY_DIGEST_WITH_USER, [first.digest, first.kind, second?.digest ?? null, second?.kind ?? null]);
    return rows[0] ?? null;
  }

  /** Stores tokens another system issued, inside the importer's transaction; how many rows were written. */
  async insertImported(rows: readonly ImportedTokenRow[], db: Queryable): Promise<number> {
    let count = 0;
    for (let start = 0; start < rows.length; start += IMPORT_BATCH_SIZE) {
      const batch = rows.slice(start, start + IMPORT_BATCH_SIZE);
      const result = await db.run(INSERT_IMPORTED, [
        batch.map((row) => row.kind),
        batch.map((row) => row.digest),
        batch.map((row) => row.tokenKey),
        batch.map((row) => row.userId),
        batch.map((row) => row.createdAt),
        batch.map((row) => row.expiry),
      ]);
      count += result.count;
    }
    return count;
  }

  async insert(fields: Pick<AuthToken, 'digest' | 'tokenKey' | 'userId' | 'name' | 'expiry'>, db: Queryable = this.database): Promise<AuthToken> {
    const rows = await db.rows<AuthToken>(INSERT, [fields.digest, fields.tokenKey, fields.userId, fields.name, fields.expiry]);
    return rows[0];
  }

  async countUnexpired(userId: number, now: Date, db: Queryable = this.database): Promise<number> {
    const rows = await db.rows<{ count: number }>(COUNT_UNEXPIRED, [userId, now]);
    return rows[0].count;
  }

  /**
   * Moves the expiry and/or last-use time forward. Conditional on the row still
   * existing: a token revoked in the meantime simply updates nothing.
   */
  async touch(id: number, changes: { expiry?: Date; lastUsedAt?: Date }): Promise<void> {
    await this.database.run(TOUCH, [id, changes.expiry ?? null, changes.lastUsedAt ?? null]);
  }

  async deleteById(id: number): Promise<void> {
    await this.database.run(DELETE_BY_ID, [id]);
  }

  /** Revokes the token with this digest, whoever holds it; false when there was none. */
  async deleteByDigest(digest: string): Promise<boolean> {
    return (await this.database.run(DELETE_BY_DIGEST, [digest])).count > 0;
  }

  listUnexpired(userId: number, now: Date): Promise<AuthToken[]> {
    return this.database.rows<AuthToken>(LIST_UNEXPIRED, [userId, now]);
  }

  async deleteOwned(userId: number, id: number): Promise<boolean> {
    return (await this.database.run(DELETE_OWNED, [userId, id])).count > 0;
  }

  async deleteAllOwned(userId: number, db: Queryable = this.database): Promise<number> {
    return (await db.run(DELETE_ALL_OWNED, [userId])).count;
  }

  async deleteAllOwnedExcept(userId: number, keepId: number, db: Queryable = this.database): Promise<number> {
    return (await db.run(DELETE_ALL_OWNED_EXCEPT, [userId, keepId])).count;
  }

  async deleteExpired(now: Date): Promise<number> {
    return (await this.database.run(DELETE_EXPIRED, [now])).count;
  }
}
