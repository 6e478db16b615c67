import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { ADMIN_URL_ENV, databaseUrl, withAdmin } from './test-database';
import { DJANGO_FIXTURES } from './django-secrets';

export { DJANGO_FIXTURES, djangoSecrets, dumpRows } from './django-secrets';
export type { DumpRow, Fixture, FixtureToken, FixtureUser } from './django-secrets';

export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

export interface DjangoDatabase extends ScratchDatabase {
  /** A database of its own copied from this one, changed by `arrange` (for a test that needs an odd Django). */
  copy(arrange?: (client: Client) => Promise<void>): Promise<ScratchDatabase>;
}

function adminUrl(): string {
  const url = process.env[ADMIN_URL_ENV];
  if (!url) throw new Error('The e2e global setup did not run (jest --selectProjects e2e)');
  return url;
}

async function scratch(name: string, template?: string): Promise<ScratchDatabase> {
  await withAdmin(adminUrl(), (client) => client.query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`));
  return {
    url: databaseUrl(adminUrl(), name),
    drop: () => withAdmin(adminUrl(), (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

/**
 * The tutorial's Django database, as pg_dump wrote it (test/fixtures/django/postgres.sql,
 * plain statements, loaded by one query), in a scratch database of the test file's own.
 */
export async function createDjangoDatabase(): Promise<DjangoDatabase> {
  const name = `django_source_${process.env.JEST_WORKER_ID ?? '0'}_${randomBytes(4).toString('hex')}`;
  const database = await scratch(name);
  await withAdmin(database.url, (client) => client.query(readFileSync(join(DJANGO_FIXTURES, 'postgres.sql'), 'utf8')));
  return {
    ...database,
    async copy(arrange) {
      const copy = await scratch(`${name}_${randomBytes(3).toString('hex')}`, name);
      if (arrange) await withAdmin(copy.url, arrange);
      return copy;
    },
  };
}
