import { ConflictException, Injectable } from '@nestjs/common';
import { Database, Queryable, Statement, UniqueViolation } from '../database/database';
import { restartIdentity } from '../database/identity';
import { User } from './user.entity';
import { cleanUsername, LEGACY_USERNAME_UNIQUE_INDEX, USERNAME_MATCH_SQL, USERNAME_UNIQUE_INDEX } from './username';

export interface UserWithHash {
  id: number;
  username: string;
  email: string;
  passwordHash: string;
  isActive: boolean;
}

/** A user as registration returns it: never the hash. */
export type NewUser = Pick<User, 'id' | 'username' | 'email' | 'isActive'>;

/** A user another system made (import-django): its id kept, its timestamps as ISO text to keep their microseconds. */
export interface ImportedUserRow {
  id: number;
  username: string;
  email: string;
  /** The other system's encoded hash, stored as it is; the login replaces it with argon2id. */
  passwordHash: string;
  isActive: boolean;
  lastLogin: string | null;
  dateJoined: string;
}

export class DuplicateUsernameError extends ConflictException {}

const USERNAME_INDEXES = new Set([USERNAME_UNIQUE_INDEX, LEGACY_USERNAME_UNIQUE_INDEX]);

/** The columns of UserWithHash, each under its property's name, so that a row is the object. */
const WITH_HASH = 'id, username, email, password_hash AS "passwordHash", is_active AS "isActive"';

/**
 * The login lookup: the cleaned name against the unique index's own
 * expression, so that it is found through that index and matches exactly
 * the names the index holds unique. $1 is cleanUsername(...) of the input.
 */
export const USER_BY_USERNAME_SQL = `SELECT ${WITH_HASH} FROM users WHERE ${USERNAME_MATCH_SQL} = lower($1)`;

const BY_USERNAME: Statement = { name: 'users.find_by_username', text: USER_BY_USERNAME_SQL };
const BY_ID: Statement = { name: 'users.find_by_id', text: `SELECT ${WITH_HASH} FROM users WHERE id = $1` };
const CREATE: Statement = {
  name: 'users.create',
  text: 'INSERT INTO users (username, email, password_hash) VALUES ($1, $2, $3) RETURNING id, username, email, is_active AS "isActive"',
};
const RECORD_LOGIN: Statement = { name: 'users.record_login', text: 'UPDATE users SET last_login = $2 WHERE id = $1' };
const SET_PASSWORD_HASH: Statement = { name: 'users.set_password_hash', text: 'UPDATE users SET password_hash = $2 WHERE id = $1' };
const SET_ACTIVE: Statement = { name: 'users.set_active', text: 'UPDATE users SET is_active = $2 WHERE id = $1' };
const LOCK: Statement = { name: 'users.lock', text: 'SELECT 1 FROM users WHERE id = $1 FOR UPDATE' };
const REPLACE_PASSWORD_HASH: Statement = {
  name: 'users.replace_password_hash',
  text: 'UPDATE users SET password_hash = $3 WHERE id = $1 AND password_hash = $2',
};
/** Parallel arrays, unnested: one statement for a batch. `id` is GENERATED ALWAYS, so keeping an id needs the override. */
const INSERT_IMPORTED: Statement = {
  name: 'users.insert_imported',
  text: `INSERT INTO users (id, username, email, password_hash, is_active, last_login, date_joined) OVERRIDING SYSTEM VALUE
         SELECT * FROM unnest($1::int[], $2::varchar[], $3::varchar[], $4::varchar[], $5::bool[], $6::timestamptz[], $7::timestamptz[])`,
};
/** Rows per INSERT_IMPORTED, so that a large import never builds one huge message. */
const IMPORT_BATCH_SIZE = 1000;

/**
 * Every method takes an optional `db`: a transaction's connection
 * (Database.transaction) when the statement is part of one.
 */
@Injectable()
export class UsersRepository {
  constructor(private readonly database: Database) {}

  /**
   * Stores the username cleaned and NFKC-normalised, as Django's create_user
   * does. Relies on the unique index on lower(normalize(username, NFKC)):
   * concurrent duplicates cannot both land.
   */
  async create(fields: { username: string; email: string; passwordHash: string }, db: Queryable = this.database): Promise<NewUser> {
    try {
      const rows = await db.rows<NewUser>(CREATE, [cleanUsername(fields.username), fields.email, fields.passwordHash]);
      return rows[0];
    } catch (error) {
      if (error instanceof UniqueViolation && USERNAME_INDEXES.has(error.constraint)) throw new DuplicateUsernameError();
      throw error;
    }
  }

  /**
   * Stores users another system made with their ids, inside the importer's
   * transaction, then moves the id identity past them (and past `nextId`,
   * the other system's own next id, when known), so that a user registered
   * later never takes an id the other system gave out. The usernames are
   * stored cleaned, as create stores them; the unique index still decides.
   */
  async insertImported(users: readonly ImportedUserRow[], nextId: number | null, db: Queryable): Promise<{ count: number; nextId: number }> {
    let count = 0;
    for (let start = 0; start < users.length; start += IMPORT_BATCH_SIZE) {
      const batch = users.slice(start, start + IMPORT_BATCH_SIZE);
      const result = await db.run(INSERT_IMPORTED, [
        batch.map((user) => user.id),
        batch.map((user) => cleanUsername(user.username)),
        batch.map((user) => user.email),
        batch.map((user) => user.passwordHash),
        batch.map((user) => user.isActive),
        batch.map((user) => user.lastLogin),
        batch.map((user) => user.dateJoined),
      ]);
      count += result.count;
    }
    return { count, nextId: await restartIdentity('users', nextId, db) };
  }

  /** The user a login (or a management command) names, compared as the unique index compares names. */
  async findByUsernameWithHash(username: string): Promise<UserWithHash | null> {
    const name = cleanUsername(username);
    // PostgreSQL text cannot hold U+0000, so no stored username has one; asking would be a query error.
    if (name.includes('\0')) return null;
    const rows = await this.database.rows<UserWithHash>(BY_USERNAME, [name]);
    return rows[0] ?? null;
  }

  async findByIdWithHash(id: number): Promise<UserWithHash | null> {
    const rows = await this.database.rows<UserWithHash>(BY_ID, [id]);
    return rows[0] ?? null;
  }

  async recordLogin(id: number, db: Queryable = this.database): Promise<void> {
    await db.run(RECORD_LOGIN, [id, new Date()]);
  }

  async setPasswordHash(id: number, passwordHash: string, db: Queryable = this.database): Promise<void> {
    await db.run(SET_PASSWORD_HASH, [id, passwordHash]);
  }

  async setActive(id: number, isActive: boolean): Promise<void> {
    await this.database.run(SET_ACTIVE, [id, isActive]);
  }

  /** Takes a row lock on the user, serialising work that must see a stable count of their tokens. */
  async lockForUpdate(id: number, db: Queryable): Promise<boolean> {
    const rows = await db.rows(LOCK, [id]);
    return rows.length > 0;
  }

  /**
   * Upgrades the hash a login verified, only if the row still holds it: of
   * two logins rehashing at once the second writes nothing, and a login
   * racing a password change cannot put the old password back.
   */
  async replacePasswordHash(id: number, oldHash: string, newHash: string, db: Queryable = this.database): Promise<boolean> {
    const { count } = await db.run(REPLACE_PASSWORD_HASH, [id, oldHash, newHash]);
    return count > 0;
  }
}
