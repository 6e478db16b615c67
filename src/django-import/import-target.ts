import { DatabaseError } from 'pg';
import type { Queryable } from '../database/database';
import { cleanUsername, USERNAME_MATCH_SQL } from '../users/username';
import type { DjangoSource } from './django-source';
import { DjangoImportError } from './import-error';
import type { UniquenessKeys } from './import-plan';

/** How long the import waits for the tables (a running server's statements finish in well under this). */
const LOCK_TIMEOUT = '10s';

/**
 * What the import reads of the database it writes to, inside its own
 * transaction: the lock that keeps everyone else out until it commits, the
 * state it refuses to write over, the instant it happens at, and the keys of
 * the unique indexes. It writes nothing: users and leads are written by their
 * repositories, tokens by TokensService.
 */
export class ImportTarget {
  constructor(private readonly db: Queryable) {}

  /**
   * Locks users, leads and auth_tokens until the transaction ends: nobody can
   * register, or read a half-written import, between the emptiness check and
   * the commit (a server on this database waits, for the few seconds an
   * import takes, instead of answering from a database being filled).
   */
  async lock(): Promise<void> {
    await this.db.run(`SET LOCAL lock_timeout = '${LOCK_TIMEOUT}'`);
    try {
      await this.db.run('LOCK TABLE users, leads, auth_tokens IN ACCESS EXCLUSIVE MODE');
    } catch (error) {
      if (error instanceof DatabaseError && error.code === '55P03') {
        throw new DjangoImportError(`The target's tables stayed in use for ${LOCK_TIMEOUT} (a long transaction on them?); nothing was changed. Try again.`, { cause: error });
      }
      throw error;
    }
  }

  /** The transaction's own now(): the one instant the import happens at, which leads without timestamps are given. */
  async now(): Promise<Date> {
    const rows = await this.db.rows<{ now: Date }>('SELECT now() AS now');
    return rows[0].now;
  }

  /**
   * Refuses a database that already has users: ids are kept, so they could
   * collide with the users there, whose leads and tokens would then mix with
   * the imported ones. A database holding this source's users (same ids and
   * usernames) is told apart: it was imported already.
   */
  async refuseUnlessEmpty(source: DjangoSource): Promise<void> {
    const [here] = await this.db.rows<{ users: number; leads: number; tokens: number }>(
      'SELECT (SELECT count(*) FROM users)::int AS users, (SELECT count(*) FROM leads)::int AS leads, (SELECT count(*) FROM auth_tokens)::int AS tokens',
    );
    if (here.users === 0) return;
    // PostgreSQL text cannot hold U+0000, so no stored name has one, and sending one would be a query error.
    const comparable = source.users.filter((user) => !user.username.includes('\0'));
    const [{ matching }] = await this.db.rows<{ matching: number }>(
      `SELECT count(*)::int AS matching FROM users u JOIN unnest($1::int[], $2::varchar[]) AS s(id, username) ON u.id = s.id AND u.username = s.username`,
      [comparable.map((user) => user.id), comparable.map((user) => cleanUsername(user.username))],
    );
    const fresh = 'To import again, use a database without users (a new one, after `npm run manage -- migrate`).';
    if (matching > 0) {
      throw new DjangoImportError(
        `Already imported: this database holds ${plural(matching, 'user')} of ${source.description} (same ids and usernames) among its ${plural(here.users, 'user')}, ` +
          `with ${plural(here.leads, 'lead')} and ${plural(here.tokens, 'token')}. Nothing was changed. ${fresh}`,
      );
    }
    throw new DjangoImportError(
      `The target database already has ${plural(here.users, 'user')}, none of them from ${source.description}. import-django imports only into a database ` +
        `without users, so that every user and lead keeps its id. Nothing was changed. ${fresh}`,
    );
  }

  /** The target's own expressions for its unique indexes, so that "the same" means here what the indexes mean. */
  keys(): UniquenessKeys {
    return {
      usernames: async (names) =>
        (await this.db.rows<{ key: string }>(`SELECT ${USERNAME_MATCH_SQL} AS key FROM unnest($1::varchar[]) WITH ORDINALITY AS t(username, n) ORDER BY n`, [names])).map(
          (row) => row.key,
        ),
      emails: async (emails) =>
        (await this.db.rows<{ key: string }>('SELECT lower(email) AS key FROM unnest($1::varchar[]) WITH ORDINALITY AS t(email, n) ORDER BY n', [emails])).map((row) => row.key),
    };
  }
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
