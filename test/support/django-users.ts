import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** test/fixtures/django: users whose hashes Django's own hashers wrote, and the passwords behind them. */
const FIXTURES = join(__dirname, '..', 'fixtures', 'django');

export interface DjangoUser {
  id: number;
  username: string;
  /** null for the user Django gave an unusable password. */
  password: string | null;
  /** The hasher's algorithm name, the part of `encoded` before the first `$`. */
  hasher: string | null;
  made_with: string;
  is_active: boolean;
  /** The `password` column Django stored. */
  encoded: string;
}

interface Secrets {
  fixtures: Record<string, { files: string[]; users: Omit<DjangoUser, 'encoded'>[] }>;
}

interface DumpRow {
  model: string;
  pk: number;
  fields: { password: string };
}

/** Every user of every fixture (the dumpdata files), each with the hash Django stored for them. */
export function djangoUsers(): DjangoUser[] {
  const secrets = JSON.parse(readFileSync(join(FIXTURES, 'secrets.json'), 'utf8')) as Secrets;
  return Object.values(secrets.fixtures).flatMap((fixture) => {
    const file = fixture.files.find((name) => name.endsWith('.json'))!;
    const rows = JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as DumpRow[];
    const stored = new Map(rows.filter((row) => row.model === 'auth.user').map((row) => [row.pk, row.fields.password]));
    return fixture.users.map((user) => {
      const encoded = stored.get(user.id);
      if (encoded === undefined) throw new Error(`${file} has no user ${user.id}`);
      return { ...user, encoded };
    });
  });
}
