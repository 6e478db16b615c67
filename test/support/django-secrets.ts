import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

/** test/fixtures/django: a real Django project's dumps, and secrets.json, what Django never stored about them. */
export const DJANGO_FIXTURES = join(__dirname, '..', 'fixtures', 'django');

export type FixtureName = 'main' | 'leads-lead';

export interface FixtureUser {
  id: number;
  username: string;
  /** null for the user Django gave an unusable password. */
  password: string | null;
  /** The hasher's algorithm name, the part of the stored hash before the first `$`. */
  hasher: string | null;
  made_with: string;
  usable: boolean;
  is_active: boolean;
}

export interface FixtureToken {
  kind: 'knox5' | 'knox42' | 'drf';
  /** The raw token a client holds. */
  token: string;
  username: string;
  user_id: number;
  token_key: string | null;
  digest: string | null;
  prefix: string | null;
  created: string;
  expiry: string | null;
  expired: boolean;
  authenticates_in_django: boolean;
}

export interface OddLead {
  id: number;
  outcome: 'reported' | 'imported';
  reason: 'no-owner' | 'duplicate-email' | 'invalid-email' | 'blank-message' | null;
}

export interface Fixture {
  files: string[];
  leads_model: string;
  lead_table: string;
  knox_version: '5' | '4.2';
  users: FixtureUser[];
  tokens: FixtureToken[];
  leads: { ids: number[]; reported: number[]; imported: number[]; odd: OddLead[] };
}

export interface DjangoSecrets {
  now: string;
  fixtures: Record<FixtureName, Fixture>;
}

/** test/fixtures/django/secrets.json: the plaintext passwords and raw tokens Django never stored. */
export function djangoSecrets(): DjangoSecrets {
  return JSON.parse(readFileSync(join(DJANGO_FIXTURES, 'secrets.json'), 'utf8')) as DjangoSecrets;
}

export interface DumpRow {
  model: string;
  pk: number | string;
  fields: Record<string, unknown>;
}

/** Every row of a dumpdata file: a name in test/fixtures/django, or a path. */
export function dumpFile(file: string): DumpRow[] {
  return JSON.parse(readFileSync(isAbsolute(file) ? file : join(DJANGO_FIXTURES, file), 'utf8')) as DumpRow[];
}

/** The rows of one model in a dumpdata file. */
export function dumpRows(file: string, model: string): DumpRow[] {
  return dumpFile(file).filter((row) => row.model === model);
}

/** The dumpdata file of a fixture (its other file is the PostgreSQL dump). */
export const dumpFileOf = (fixture: Pick<Fixture, 'files'>): string => fixture.files.find((file) => file.endsWith('.json')) as string;
