import { Pool } from 'pg';
import { buildPoolConfig } from '../src/database/data-source-options';
import { Database, ForeignKeyViolation, Queryable, UniqueViolation } from '../src/database/database';
import { isDatabaseUnavailable } from '../src/database/database-unavailable';
import { ISO_TIMESTAMPS } from '../src/database/timestamptz';
import { createDatabaseFromTemplate } from './support/test-database';
import { createTestApp } from './support/test-app';
import { registerUser, tokenHeader } from './support/accounts';
import { createLead } from './support/leads';

/** The app's handle to PostgreSQL, on a migrated database of this file's own. */
describe('Database', () => {
  let database: { url: string; drop: () => Promise<void> };
  let db: Database;
  let admin: Pool;

  beforeAll(async () => {
    database = await createDatabaseFromTemplate();
    db = await Database.connect(buildPoolConfig(database.url, 3));
    admin = new Pool({ connectionString: database.url, max: 2 });
    // Its idle connections are ended by the server when the database is dropped with FORCE at the end: not a test failure.
    admin.on('error', () => undefined);
  });
  afterAll(async () => {
    await db.close();
    await admin.end();
    await database.drop();
  });

  const insertUser = (connection: Pick<Database, 'rows'>, username: string) =>
    connection.rows<{ id: number }>('INSERT INTO users (username, email, password_hash) VALUES ($1, $2, $3) RETURNING id', [username, '', '!']);
  const usersNamed = async (username: string): Promise<number> =>
    (await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM users WHERE username = $1', [username])).rows[0].n;

  it('turns a unique violation into UniqueViolation naming the index, and a foreign-key violation into ForeignKeyViolation', async () => {
    await insertUser(db, 'dora');
    const duplicate = await insertUser(db, 'DORA').catch((error: unknown) => error);
    expect(duplicate).toBeInstanceOf(UniqueViolation);
    expect((duplicate as UniqueViolation).constraint).toBe('users_username_nfkc_lower_key');

    const orphan = await db
      .rows("INSERT INTO leads (owner_id, name, email, message) VALUES (2147483647, 'n', 'e@example.com', 'm')")
      .catch((error: unknown) => error);
    expect(orphan).toBeInstanceOf(ForeignKeyViolation);
    expect((orphan as ForeignKeyViolation).constraint).toMatch(/owner_id/);
  });

  it('passes every other error through as node-postgres raised it', async () => {
    const error = await db.rows('SELEC 1').catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: '42601' });
    expect(error).not.toBeInstanceOf(UniqueViolation);
  });

  it('keeps serving on the same connection after an error PostgreSQL answered', async () => {
    const single = await Database.connect(buildPoolConfig(database.url, 1));
    try {
      const backend = async () => (await single.rows<{ pid: number }>('SELECT pg_backend_pid() AS pid'))[0].pid;
      const before = await backend();
      await insertUser(single, 'same_backend');
      await expect(insertUser(single, 'SAME_BACKEND')).rejects.toBeInstanceOf(UniqueViolation);
      await expect(single.rows('SELEC 1')).rejects.toMatchObject({ code: '42601' });
      expect(await backend()).toBe(before);
    } finally {
      await single.close();
    }
  });

  it('refuses a statement issued on a transaction after its work has returned', async () => {
    let leaked: Queryable | undefined;
    await db.transaction(async (connection) => {
      leaked = connection;
      await insertUser(connection, 'inside_the_work');
    });
    await expect(insertUser(leaked!, 'after_the_work')).rejects.toThrow(/already ended/);
    expect(await usersNamed('after_the_work')).toBe(0);
  });

  it('commits a transaction whose work succeeds, and rolls back one that throws', async () => {
    await db.transaction((connection) => insertUser(connection, 'committed'));
    expect(await usersNamed('committed')).toBe(1);

    const failure = new Error('work failed');
    await expect(
      db.transaction(async (connection) => {
        await insertUser(connection, 'rolled_back');
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await usersNamed('rolled_back')).toBe(0);
  });

  it('rolls back, and reports as UniqueViolation, a constraint violated inside a transaction', async () => {
    const error = await db
      .transaction(async (connection) => {
        await insertUser(connection, 'first_in_tx');
        await insertUser(connection, 'FIRST_IN_TX');
      })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UniqueViolation);
    expect(await usersNamed('first_in_tx')).toBe(0);
  });

  it('discards a connection the server drops during a transaction, and goes on serving', async () => {
    const error = await db
      .transaction(async (connection) => {
        const [{ pid }] = await connection.rows<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        await admin.query('SELECT pg_terminate_backend($1)', [pid]);
        await insertUser(connection, 'after_the_drop');
      })
      .catch((caught: unknown) => caught);
    // An outage, as the error filter sees it (a 503), not a crash.
    expect(isDatabaseUnavailable(error)).toBe(true);
    expect(await usersNamed('after_the_drop')).toBe(0);
    // Every connection the pool hands out next works.
    const answers = await Promise.all(Array.from({ length: 3 }, () => db.rows<{ one: number }>('SELECT 1 AS one')));
    expect(answers.map((rows) => rows[0].one)).toEqual([1, 1, 1]);
  });

  it('prepares a named statement once per connection and applies its own type parsers', async () => {
    const statement = { name: 'test.now', text: "SELECT '2026-11-23 03:10:24.548123+00'::timestamptz AS at", types: ISO_TIMESTAMPS };
    const connection = await db.transaction(async (tx) => {
      for (let i = 0; i < 3; i++) expect(await tx.rows(statement)).toEqual([{ at: '2026-11-23T03:10:24.548Z' }]);
      return tx.rows<{ count: number }>("SELECT count(*)::int AS count FROM pg_prepared_statements WHERE name = 'test.now'");
    });
    expect(connection).toEqual([{ count: 1 }]);
    // Without `types`, the same column parses as node-postgres does by default.
    const [row] = await db.rows<{ at: unknown }>("SELECT '2026-11-23 03:10:24.548123+00'::timestamptz AS at");
    expect(row.at).toBeInstanceOf(Date);
  });

  it('counts the rows an UPDATE or DELETE affected', async () => {
    await insertUser(db, 'counted');
    await expect(db.run("UPDATE users SET email = 'c@example.com' WHERE username = $1", ['counted'])).resolves.toMatchObject({ count: 1 });
    await expect(db.run('DELETE FROM users WHERE username = $1', ['nobody'])).resolves.toMatchObject({ count: 0 });
  });

  it('refuses to open on a database that does not exist, with PostgreSQL\'s own error', async () => {
    const url = new URL(database.url);
    url.pathname = '/leads_test_missing_database';
    await expect(Database.connect(buildPoolConfig(url.toString(), 1))).rejects.toMatchObject({ code: '3D000' });
  });
});

describe('the app and PostgreSQL', () => {
  it('holds one pool of DATABASE_POOL_SIZE connections, however many requests arrive at once', async () => {
    const t = await createTestApp({ DATABASE_POOL_SIZE: '3' });
    try {
      const user = await registerUser(t);
      const answers = await Promise.all(Array.from({ length: 30 }, () => t.http().get('/api/leads').set(...tokenHeader(user.token))));
      expect(answers.map((answer) => answer.status)).toEqual(Array(30).fill(200));
      const { rows } = await t.db.query<{ connections: number }>(
        "SELECT count(*)::int AS connections FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'leads-api'",
      );
      expect(rows[0].connections).toBeGreaterThan(0);
      expect(rows[0].connections).toBeLessThanOrEqual(3);
    } finally {
      await t.close();
    }
  });

  it('serves the next request on the same connection after a duplicate email', async () => {
    const t = await createTestApp({ DATABASE_POOL_SIZE: '1' });
    try {
      const user = await registerUser(t);
      const lead = await createLead(t, user);
      const backends = async () =>
        (
          await t.db.query<{ pid: number }>(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'leads-api' ORDER BY pid",
          )
        ).rows.map((row) => row.pid);
      const before = await backends();
      expect(before).toHaveLength(1);
      const duplicate = await t.http().post('/api/leads').set(...tokenHeader(user.token)).send({ name: 'Again', email: lead.email, message: 'Hi.' });
      expect(duplicate.status).toBe(400);
      const list = await t.http().get('/api/leads').set(...tokenHeader(user.token));
      expect(list.status).toBe(200);
      expect(await backends()).toEqual(before);
    } finally {
      await t.close();
    }
  });
});
