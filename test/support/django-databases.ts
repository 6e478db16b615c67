import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { ADMIN_URL_ENV, databaseUrl, withAdmin } from './test-database';

export const DJANGO_FIXTURES = join(__dirname, '..', 'fixtures', 'django');

export interface FixtureToken {
  kind: 'knox5' | 'knox42' | 'drf';
  /** The raw token a client holds. */
  token: string;
  username: string;
  user_id: number;
  token_key: string | null;
  digest: string | null;
  expired: boolean;
  authenticates_in_django: boolean;
}

export interface FixtureUser {
  id: number;
  username: string;
  password: string | null;
  usable: boolean;
  is_active: boolean;
}

export interface Fixture {
  leads_model: string;
  users: FixtureUser[];
  tokens: FixtureToken[];
  leads: { ids: number[]; reported: number[]; imported: number[]; odd: { id: number; outcome: string; reason: string | null }[] };
}

/** test/fixtures/django/secrets.json: the plaintext passwords and raw tokens Django never stored. */
export function djangoSecrets(): { now: string; fixtures: Record<'main' | 'leads-lead', Fixture> } {
  return JSON.parse(readFileSync(join(DJANGO_FIXTURES, 'secrets.json'), 'utf8'));
}

export interface DumpRow {
  model: string;
  pk: number | string;
  fields: Record<string, unknown>;
}

/** The rows of one model in a dumpdata file (a path). */
export function dumpRows(path: string, model: string): DumpRow[] {
  return (JSON.parse(readFileSync(path, 'utf8')) as DumpRow[]).filter((row) => row.model === model);
}

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
