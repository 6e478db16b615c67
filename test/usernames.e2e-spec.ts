import { randomBytes } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import { DataSource, QueryFailedError } from 'typeorm';
import { CommandError } from '../src/cli/cli-errors';
import { ManageModule } from '../src/cli/manage.module';
import { ManagementService } from '../src/cli/management.service';
import type { PasswordSource } from '../src/cli/password-input';
import { loadConfig } from '../src/config/app-config';
import { buildDataSourceOptions, MIGRATIONS } from '../src/database/data-source-options';
import { NormalizeUsernames1796119522468 } from '../src/database/migrations/1796119522468-NormalizeUsernames';
import { USER_BY_USERNAME_SQL } from '../src/users/users.repository';
import { cleanUsername, usernameThrottleKey } from '../src/users/username';
import { STRONG_PASSWORD, uniqueName } from './support/accounts';
import { ADMIN_URL_ENV, databaseUrl, withAdmin } from './support/test-database';

jest.setTimeout(60_000);

const NEW_INDEX = 'users_username_nfkc_lower_key';
const OLD_INDEX = 'users_username_lower_key';
const MIGRATION = NormalizeUsernames1796119522468;
const BEFORE = MIGRATIONS.slice(0, MIGRATIONS.indexOf(MIGRATION));
/** Up to and including the migration under test: later ones are not what these tests apply and undo. */
const THROUGH = MIGRATIONS.slice(0, MIGRATIONS.indexOf(MIGRATION) + 1);

/** ASCII letters and digits as their fullwidth forms (`alice` → `ａｌｉｃｅ`), which NFKC maps back. */
const fullwidth = (text: string): string => text.replace(/[A-Za-z0-9]/g, (c) => String.fromCodePoint(c.codePointAt(0)! + 0xfee0));

/** An empty database of its own, migrated up to (not including) the migration under test. */
async function databaseBeforeMigration(): Promise<{ url: string; drop: () => Promise<void> }> {
  const adminUrl = process.env[ADMIN_URL_ENV];
  if (!adminUrl) throw new Error('The e2e global setup did not run');
  const name = `leads_test_migration_${randomBytes(4).toString('hex')}`;
  await withAdmin(adminUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = databaseUrl(adminUrl, name);
  await withDataSource(url, BEFORE, (dataSource) => dataSource.runMigrations({ transaction: 'each' }));
  return {
    url,
    drop: () => withAdmin(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

async function withDataSource<T>(url: string, migrations: unknown[], work: (dataSource: DataSource) => Promise<T>): Promise<T> {
  const dataSource = new DataSource({ ...buildDataSourceOptions(url, 2), migrations: migrations as never });
  await dataSource.initialize();
  try {
    return await work(dataSource);
  } finally {
    await dataSource.destroy();
  }
}

/** The management commands' own Nest context (ManageModule) over `url`, as `npm run manage` boots it. */
async function withManagement<T>(url: string, work: (manage: ManagementService, dataSource: DataSource) => Promise<T>): Promise<T> {
  const config = loadConfig({ DATABASE_URL: url, LOG_LEVEL: 'silent' });
  const module = ManageModule.forCommand({ config, database: { url, description: 'the test database' }, statementMs: 15_000, waitSeconds: 0, onWaiting: () => undefined });
  const context = await NestFactory.createApplicationContext(module, { logger: false, abortOnError: false });
  try {
    return await work(context.get(ManagementService), context.get(DataSource));
  } finally {
    await context.close();
  }
}

const usernameIndexes = async (dataSource: DataSource): Promise<Record<string, string>> => {
  const rows = (await dataSource.query(`SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'users' AND indexname LIKE 'users\\_username%'`)) as {
    indexname: string;
    indexdef: string;
  }[];
  return Object.fromEntries(rows.map((row) => [row.indexname, row.indexdef]));
};

const insertUser = async (dataSource: DataSource, username: string): Promise<number> => {
  const rows = (await dataSource.query(`INSERT INTO users (username, email, password_hash) VALUES ($1, '', 'not-a-hash') RETURNING id`, [username])) as { id: number }[];
  return rows[0].id;
};

const uniqueViolationOf = async (work: Promise<unknown>): Promise<string | undefined> => {
  const error = await work.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(QueryFailedError);
  const driverError = (error as QueryFailedError).driverError as { code?: string; constraint?: string };
  expect(driverError.code).toBe('23505');
  return driverError.constraint;
};

describe('migration NormalizeUsernames', () => {
  let database: { url: string; drop: () => Promise<void> };
  afterEach(async () => {
    await database.drop();
  });

  it('replaces the lower(username) index by lower(normalize(username, NFKC)), leaves stored names alone, and reverts', async () => {
    database = await databaseBeforeMigration();
    await withDataSource(database.url, THROUGH, async (dataSource) => {
      expect(Object.keys(await usernameIndexes(dataSource))).toEqual([OLD_INDEX]);
      const eve = fullwidth('eve');
      await insertUser(dataSource, eve);
      await insertUser(dataSource, 'Frank');

      const applied = await dataSource.runMigrations({ transaction: 'each' });
      expect(applied.map((migration) => migration.name)).toEqual([new MIGRATION().name]);
      const indexes = await usernameIndexes(dataSource);
      expect(Object.keys(indexes)).toEqual([NEW_INDEX]);
      // PostgreSQL 15 writes the column as (username)::text, 18 writes normalize in capitals.
      expect(indexes[NEW_INDEX]).toMatch(/^CREATE UNIQUE INDEX \S+ ON public\.users USING btree \(lower\(normalize\(\(?username\)?(::text)?, NFKC\)\)\)$/i);
      const { username } = ((await dataSource.query('SELECT username FROM users WHERE id = (SELECT min(id) FROM users)')) as { username: string }[])[0];
      expect(username).toBe(eve);
      for (const duplicate of ['eve', 'EVE', fullwidth('EVE'), 'frank', fullwidth('frank')]) {
        expect(await uniqueViolationOf(insertUser(dataSource, duplicate))).toBe(NEW_INDEX);
      }

      await dataSource.undoLastMigration({ transaction: 'each' });
      expect(Object.keys(await usernameIndexes(dataSource))).toEqual([OLD_INDEX]);
      // Back to comparing lower(username) only: the fullwidth name no longer blocks its ASCII twin, case still does.
      await insertUser(dataSource, 'eve');
      expect(await uniqueViolationOf(insertUser(dataSource, 'FRANK'))).toBe(OLD_INDEX);
      const executed = (await dataSource.query('SELECT name FROM typeorm_migrations ORDER BY id')) as { name: string }[];
      expect(executed.map((row) => row.name)).toEqual(BEFORE.map((Migration) => new Migration().name));
    });
  });

  it('refuses, naming every group of usernames the new index would merge, and changes nothing', async () => {
    database = await databaseBeforeMigration();
    await withDataSource(database.url, THROUGH, async (dataSource) => {
      const alice = await insertUser(dataSource, fullwidth('alice'));
      const Alice = await insertUser(dataSource, 'Alice');
      await insertUser(dataSource, 'carol');
      const bob = await insertUser(dataSource, 'bob');
      const BOB = await insertUser(dataSource, fullwidth('BOB'));
      const Bob = await insertUser(dataSource, `${fullwidth('B')}ob`);

      const error = await dataSource.runMigrations({ transaction: 'each' }).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(Error);
      const message = (error as Error).message;
      expect(message).toContain('2 group(s) of users share one username');
      expect(message).toContain(`"${fullwidth('alice')}" (id ${alice}) = "Alice" (id ${Alice})`);
      expect(message).toContain(`"bob" (id ${bob}) = "${fullwidth('BOB')}" (id ${BOB}) = "${fullwidth('B')}ob" (id ${Bob})`);
      expect(message).not.toContain('carol');
      expect(message).toContain('Nothing was changed.');

      expect(Object.keys(await usernameIndexes(dataSource))).toEqual([OLD_INDEX]);
      const executed = (await dataSource.query('SELECT name FROM typeorm_migrations')) as { name: string }[];
      expect(executed.map((row) => row.name)).not.toContain(new MIGRATION().name);

      // Once an operator has renamed the duplicates, the migration goes through.
      await dataSource.query(`UPDATE users SET username = username || '_' || id WHERE id IN ($1, $2, $3)`, [Alice, BOB, Bob]);
      await dataSource.runMigrations({ transaction: 'each' });
      expect(Object.keys(await usernameIndexes(dataSource))).toEqual([NEW_INDEX]);
    });
  });
});

describe('the login lookup', () => {
  let database: { url: string; drop: () => Promise<void> };
  beforeAll(async () => {
    database = await databaseBeforeMigration();
    await withDataSource(database.url, THROUGH, async (dataSource) => {
      await dataSource.runMigrations({ transaction: 'each' });
      await dataSource.query(`INSERT INTO users (username, email, password_hash) SELECT 'bulk_' || i, '', 'not-a-hash' FROM generate_series(1, 5000) AS i`);
      await dataSource.query('ANALYZE users');
    });
  });
  afterAll(async () => {
    await database.drop();
  });

  it('finds its user through the unique index, never by reading the table', async () => {
    await withDataSource(database.url, [], async (dataSource) => {
      const [row] = (await dataSource.query(`EXPLAIN (FORMAT JSON) ${USER_BY_USERNAME_SQL}`, [cleanUsername(fullwidth('BULK_42'))])) as { 'QUERY PLAN': { Plan: PlanNode }[] }[];
      const nodes = flatten(row['QUERY PLAN'][0].Plan);
      expect(nodes.map((node) => node['Node Type'])).not.toContain('Seq Scan');
      expect(nodes.some((node) => node['Node Type'].startsWith('Index') && node['Index Name'] === NEW_INDEX)).toBe(true);
      const found = (await dataSource.query(USER_BY_USERNAME_SQL, [cleanUsername(fullwidth(' BULK_42'))])) as { username: string }[];
      expect(found.map((user) => user.username)).toEqual(['bulk_42']);
    });
  });

  it('gives one throttle key to every spelling the database takes for one username', async () => {
    await withDataSource(database.url, [], async (dataSource) => {
      const spellings = ['bob', ' BOB', 'ｂob', 'ＢＯＢ\t', 'İbo', 'ibo', 'IBO', 'i\u0307bo', 'ΟΔΟΣ', 'ΟΔΟς', 'οδοσ', 'οδος', 'Ǆemal', 'ǅemal', 'ǆemal', 'DŽemal', 'ﬁona', 'FIONA', 'Kelvin', 'kelvin', 'straße', 'STRASSE', 'Ⅻ', 'xii', 'ａlice', 'ALICE'];
      const collations = ['default', ...((await dataSource.query(`SELECT collname FROM pg_collation WHERE collname IN ('und-x-icu', 'C.utf8', 'en_US.utf8')`)) as { collname: string }[]).map((c) => c.collname)];
      for (const collation of collations) {
        const collate = collation === 'default' ? '' : ` COLLATE "${collation}"`;
        const rows = (await dataSource.query(
          `SELECT a, b FROM unnest($1::text[]) AS a, unnest($1::text[]) AS b
            WHERE a < b AND lower(normalize(a, NFKC)${collate}) = lower(normalize(b, NFKC)${collate})`,
          [spellings.map(cleanUsername)],
        )) as { a: string; b: string }[];
        const split = rows.filter(({ a, b }) => usernameThrottleKey(a) !== usernameThrottleKey(b)).map(({ a, b }) => `${collation}: ${a} / ${b}`);
        expect(split).toEqual([]);
        // The check has something to check: the database does take some of these for one another.
        expect(rows.length).toBeGreaterThan(5);
      }
    });
  });
});

describe('management CLI createuser', () => {
  let database: { url: string; drop: () => Promise<void> };
  beforeAll(async () => {
    database = await databaseBeforeMigration();
    await withDataSource(database.url, MIGRATIONS, (dataSource) => dataSource.runMigrations({ transaction: 'each' }));
  });
  afterAll(async () => {
    await database.drop();
  });

  const password: PasswordSource = {
    obtain: async (check) => {
      expect(await check(STRONG_PASSWORD)).toEqual([]);
      return STRONG_PASSWORD;
    },
  };

  it('stores the NFKC form and refuses the same name in another spelling, as register does', async () => {
    await withManagement(database.url, async (manage, dataSource) => {
      const name = uniqueName('gail');
      const created = await manage.createUser(` ${fullwidth(name)} `, 'gail@example.com', password);
      expect(created.username).toBe(name);
      const stored = (await dataSource.query('SELECT username FROM users WHERE id = $1', [created.id])) as { username: string }[];
      expect(stored).toEqual([{ username: name }]);

      for (const again of [name.toUpperCase(), `${fullwidth(name[0])}${name.slice(1)}`]) {
        await expect(manage.createUser(again, 'other@example.com', password)).rejects.toThrow(new CommandError('A user with that username already exists.'));
      }
      // The other commands find the user by any spelling of the name.
      await expect(manage.setActive(fullwidth(name.toUpperCase()), false)).resolves.toEqual({ username: name, changed: true });
    });
  });
});

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function flatten(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(flatten)];
}
