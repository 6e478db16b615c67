import 'reflect-metadata';
import { createHash, pbkdf2Sync, scryptSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as argon2 from 'argon2';
import * as bcrypt from 'bcrypt';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { CreateLeadDto } from '../../src/leads/dto/create-lead.dto';
import { DJANGO_FIXTURES, djangoSecrets, dumpFile, dumpFileOf, DumpRow, FixtureUser as SecretUser } from './django-secrets';

/**
 * The Django fixtures (test/fixtures/django, made by scripts/django-fixtures)
 * checked without Python: every stored hash and digest must follow from the
 * plaintext in secrets.json by the algorithm Django or knox used, the SQLite
 * dump and the PostgreSQL dump must hold the same rows, and the odd leads
 * must be odd for this API's own validator.
 */

const FIXTURES = DJANGO_FIXTURES;
const secrets = djangoSecrets();
const NOW = Date.parse(secrets.now);

function rowsOf(rows: DumpRow[], model: string): DumpRow[] {
  return rows.filter((row) => row.model === model);
}

const sha512 = (bytes: Buffer) => createHash('sha512').update(bytes).digest('hex');

/** Django's PBKDF2PasswordHasher: `<algorithm>$<iterations>$<salt>$<base64>`, a key as long as the digest, salt and password as UTF-8. */
function verifyPbkdf2(password: string, encoded: string): boolean {
  const [algorithm, iterations, salt, hash] = encoded.split('$');
  const digest = algorithm === 'pbkdf2_sha256' ? 'sha256' : 'sha1';
  const length = digest === 'sha256' ? 32 : 20;
  return pbkdf2Sync(Buffer.from(password, 'utf8'), Buffer.from(salt, 'utf8'), Number(iterations), length, digest).toString('base64') === hash;
}

/** Django 4.0's ScryptPasswordHasher: `scrypt$<n>$<salt>$<r>$<p>$<base64 of 64 bytes>`; the parameters come from the hash. */
function verifyScrypt(password: string, encoded: string): boolean {
  const [, n, salt, r, p, hash] = encoded.split('$');
  const [N, blockSize, parallelization] = [Number(n), Number(r), Number(p)];
  const derived = scryptSync(Buffer.from(password, 'utf8'), Buffer.from(salt, 'utf8'), 64, { N, r: blockSize, p: parallelization, maxmem: 256 * N * blockSize });
  return derived.toString('base64') === hash;
}

/** Django's Argon2PasswordHasher stores `argon2` + the PHC string argon2-cffi wrote. */
async function verifyArgon2(password: string, encoded: string): Promise<boolean> {
  return argon2.verify(encoded.slice('argon2'.length), password);
}

/** Django's BCryptPasswordHasher: `bcrypt$` + bcrypt's own string; BCryptSHA256PasswordHasher first takes the lowercase hex SHA-256 of the UTF-8 password. */
async function verifyBcrypt(password: string, encoded: string): Promise<boolean> {
  const [algorithm, bcryptHash] = [encoded.slice(0, encoded.indexOf('$')), encoded.slice(encoded.indexOf('$') + 1)];
  const secret = algorithm === 'bcrypt_sha256' ? createHash('sha256').update(password, 'utf8').digest('hex') : password;
  return bcrypt.compare(secret, bcryptHash);
}

/** One `INSERT INTO public.<table> (<columns>) VALUES (<literals>);` of pg_dump --column-inserts, per table. */
function sqlRows(sql: string): Map<string, Record<string, string | boolean | number | null>[]> {
  const tables = new Map<string, Record<string, string | boolean | number | null>[]>();
  for (const match of sql.matchAll(/^INSERT INTO public\.(\w+) \(([^)]*)\) VALUES \((.*)\);$/gm)) {
    const [, table, columnList, valueList] = match;
    const values = sqlLiterals(valueList);
    const columns = columnList.split(', ');
    expect(values).toHaveLength(columns.length);
    const row = Object.fromEntries(columns.map((column, i) => [column, values[i]]));
    tables.set(table, [...(tables.get(table) ?? []), row]);
  }
  return tables;
}

function sqlLiterals(text: string): (string | boolean | number | null)[] {
  const values: (string | boolean | number | null)[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === "'") {
      let value = '';
      i += 1;
      for (;;) {
        const quote = text.indexOf("'", i);
        if (quote < 0) throw new Error(`unterminated string in ${text}`);
        value += text.slice(i, quote);
        if (text[quote + 1] === "'") {
          value += "'";
          i = quote + 2;
        } else {
          i = quote + 1;
          break;
        }
      }
      values.push(value);
    } else {
      const end = text.indexOf(',', i);
      const word = text.slice(i, end < 0 ? text.length : end).trim();
      values.push(word === 'NULL' ? null : word === 'true' ? true : word === 'false' ? false : Number(word));
      i = end < 0 ? text.length : end;
    }
    if (text.startsWith(', ', i)) i += 2;
    else if (i < text.length) throw new Error(`unexpected ${text.slice(i, i + 10)} in ${text}`);
  }
  return values;
}

/** A PostgreSQL timestamptz as pg_dump prints it in UTC, written as Django's dumpdata writes it (milliseconds kept, not rounded). */
function asDumpdata(timestamp: string | null): string | null {
  if (timestamp === null) return null;
  const match = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d+))?\+00$/.exec(timestamp);
  if (!match) throw new Error(`not a UTC timestamp: ${timestamp}`);
  const [, date, time, fraction] = match;
  return fraction ? `${date}T${time}.${fraction.padEnd(6, '0').slice(0, 3)}Z` : `${date}T${time}Z`;
}

describe.each(Object.entries(secrets.fixtures))('Django fixture %s', (_name, fixture) => {
  const rows = dumpFile(dumpFileOf(fixture));
  const users = new Map(rowsOf(rows, 'auth.user').map((row) => [row.pk as number, row.fields]));
  const knox = new Map(rowsOf(rows, 'knox.authtoken').map((row) => [row.pk as string, row.fields]));
  const drf = new Map(rowsOf(rows, 'authtoken.token').map((row) => [row.pk as string, row.fields]));
  const leads = rowsOf(rows, fixture.leads_model.toLowerCase());

  it('knows the password of every user, hashed by the hasher it names', async () => {
    expect([...users.keys()].sort((a, b) => a - b)).toEqual(fixture.users.map((user) => user.id));
    for (const user of fixture.users) {
      const fields = users.get(user.id)!;
      const encoded = fields.password as string;
      expect({ id: user.id, username: fields.username, is_active: fields.is_active }).toEqual({ id: user.id, username: user.username, is_active: user.is_active });
      if (user.password === null) {
        // make_password(None): "!" and 40 random characters, which no hasher claims.
        expect({ user: user.username, usable: user.usable, encoded }).toEqual({ user: user.username, usable: false, encoded: expect.stringMatching(/^![A-Za-z0-9]{40}$/) });
        continue;
      }
      expect(encoded.split('$')[0]).toBe(user.hasher);
      let verified: boolean;
      switch (user.hasher) {
        case 'pbkdf2_sha256':
        case 'pbkdf2_sha1':
          verified = verifyPbkdf2(user.password, encoded);
          break;
        case 'scrypt':
          verified = verifyScrypt(user.password, encoded);
          break;
        case 'argon2':
          verified = await verifyArgon2(user.password, encoded);
          break;
        case 'bcrypt':
        case 'bcrypt_sha256':
          expect(encoded).toMatch(/^bcrypt(_sha256)?\$\$2b\$12\$[./A-Za-z0-9]{53}$/);
          verified = await verifyBcrypt(user.password, encoded);
          break;
        default:
          throw new Error(`no check for hasher ${user.hasher}`);
      }
      expect({ user: user.username, hasher: user.hasher, verified }).toEqual({ user: user.username, hasher: user.hasher, verified: true });
    }
  });

  it('tells a wrong password from the right one with the same checks', async () => {
    const wrong = (user: SecretUser) => `${user.password}!`;
    const encoded = (user: SecretUser) => users.get(user.id)!.password as string;
    const iterations = (user: SecretUser) => Number(encoded(user).split('$')[1]);
    const [pbkdf2] = fixture.users.filter((user) => user.hasher?.startsWith('pbkdf2')).sort((a, b) => iterations(a) - iterations(b));
    expect(verifyPbkdf2(pbkdf2.password!, encoded(pbkdf2))).toBe(true);
    expect(verifyPbkdf2(wrong(pbkdf2), encoded(pbkdf2))).toBe(false);
    for (const user of fixture.users.filter((u) => u.hasher === 'scrypt')) expect(verifyScrypt(wrong(user), encoded(user))).toBe(false);
    for (const user of fixture.users.filter((u) => u.hasher === 'argon2')) expect(await verifyArgon2(wrong(user), encoded(user))).toBe(false);
    for (const user of fixture.users.filter((u) => u.hasher?.startsWith('bcrypt'))) expect(await verifyBcrypt(wrong(user), encoded(user))).toBe(false);
  });

  it('holds every token row that secrets.json knows, digested as knox or DRF does', () => {
    const secretDigests = fixture.tokens.filter((token) => token.kind !== 'drf').map((token) => token.digest);
    expect([...knox.keys()].sort()).toEqual([...secretDigests].sort());
    expect([...drf.keys()].sort()).toEqual(fixture.tokens.filter((token) => token.kind === 'drf').map((token) => token.token).sort());
    for (const token of fixture.tokens) {
      expect(fixture.users.find((user) => user.id === token.user_id)?.username).toBe(token.username);
      if (token.kind === 'drf') {
        // DRF keeps its 40-hex key in the clear, as the primary key; one per user.
        expect(token.token).toMatch(/^[0-9a-f]{40}$/);
        expect(drf.get(token.token)!.user).toBe(token.user_id);
        continue;
      }
      const row = knox.get(token.digest!)!;
      const actual =
        token.kind === 'knox5'
          ? // knox 5.x: TOKEN_PREFIX + 64 hex, SHA-512 of the UTF-8 bytes, token_key the first 15 characters.
            { digest: sha512(Buffer.from(token.token, 'utf8')), token_key: token.token.slice(0, 15), body: token.token.slice(token.prefix!.length) }
          : // knox 4.2: 64 hex, SHA-512 of the hex-decoded bytes, token_key the first 8 characters.
            { digest: sha512(Buffer.from(token.token, 'hex')), token_key: token.token.slice(0, 8), body: token.token };
      expect(actual).toEqual({ digest: token.digest, token_key: row.token_key, body: expect.stringMatching(/^[0-9a-f]{64}$/) });
      expect(token.token_key).toBe(row.token_key);
      expect(row.user).toBe(token.user_id);
      expect(row.expiry).toBe(token.expiry);
      expect(token.expired).toBe(token.expiry !== null && Date.parse(token.expiry) <= NOW);
    }
    expect(new Set([...drf.values()].map((row) => row.user)).size).toBe(drf.size);
  });

  it('keeps tokens that are live for decades and expired ones that stay expired', () => {
    const knoxTokens = fixture.tokens.filter((token) => token.kind !== 'drf');
    expect(knoxTokens.some((token) => token.expired)).toBe(true);
    expect(knoxTokens.some((token) => token.expiry === null)).toBe(true);
    for (const token of knoxTokens.filter((t) => !t.expired && t.expiry !== null)) {
      expect({ token: token.token_key, year: new Date(token.expiry!).getUTCFullYear() }).toEqual({ token: token.token_key, year: 2099 });
    }
    for (const token of knoxTokens.filter((t) => t.expired)) expect(Date.parse(token.expiry!)).toBeLessThan(Date.now());
    if (fixture.knox_version === '5') {
      // knox 5 looks a token up by its first 15 characters, so the 8-character token_key of a 4.2 row is never found.
      for (const token of knoxTokens.filter((t) => t.kind === 'knox42')) expect(token.authenticates_in_django).toBe(false);
    }
  });

  it('keeps lead ids with gaps and owners that exist', () => {
    const ids = leads.map((row) => row.pk as number);
    expect(ids).toEqual(fixture.leads.ids);
    expect(ids.some((id, i) => i > 0 && id !== ids[i - 1] + 1)).toBe(true);
    expect([...fixture.leads.reported, ...fixture.leads.imported].sort((a, b) => a - b)).toEqual(ids);
    for (const row of leads) {
      if (row.fields.owner !== null) expect({ lead: row.pk, ownerExists: users.has(row.fields.owner as number) }).toEqual({ lead: row.pk, ownerExists: true });
    }
  });

  it("marks as odd exactly the leads this API's own validator and indexes would refuse", async () => {
    const byId = new Map(leads.map((row) => [row.pk as number, row.fields]));
    for (const odd of fixture.leads.odd) expect({ id: odd.id, present: byId.has(odd.id) }).toEqual({ id: odd.id, present: true });
    const reasons = new Map(fixture.leads.odd.map((odd) => [odd.id, odd.reason]));
    for (const [id, fields] of byId) {
      const errors = await validate(plainToInstance(CreateLeadDto, { name: fields.name, email: fields.email, message: fields.message }));
      const refused = errors.map((error) => error.property).sort().join(',');
      const sameOwnerEarlier = [...byId].some(
        ([other, o]) => other < id && o.owner !== null && o.owner === fields.owner && String(o.email).toLowerCase() === String(fields.email).toLowerCase(),
      );
      const reason =
        fields.owner === null
          ? 'no-owner'
          : refused === 'email'
            ? 'invalid-email'
            : refused === 'message'
              ? 'blank-message'
              : refused
                ? `refused: ${refused}`
                : sameOwnerEarlier
                  ? 'duplicate-email'
                  : null;
      expect({ id, reason }).toEqual({ id, reason: reasons.get(id) ?? null });
    }
    expect(fixture.leads.reported).toEqual(fixture.leads.odd.filter((odd) => odd.reason !== null).map((odd) => odd.id).sort((a, b) => a - b));
  });
});

describe('the PostgreSQL dump', () => {
  const fixture = secrets.fixtures.main;
  const sql = readFileSync(join(FIXTURES, 'postgres.sql'), 'utf8');
  const tables = sqlRows(sql);
  const rows = dumpFile('dumpdata.json');

  it('holds the same users as the dumpdata file', () => {
    const fromSql = (tables.get('auth_user') ?? []).map((row) => ({
      pk: row.id,
      username: row.username,
      password: row.password,
      email: row.email,
      is_active: row.is_active,
      is_staff: row.is_staff,
      is_superuser: row.is_superuser,
      last_login: asDumpdata(row.last_login as string | null),
      date_joined: asDumpdata(row.date_joined as string),
    }));
    const fromJson = rowsOf(rows, 'auth.user').map(({ pk, fields }) => ({
      pk,
      username: fields.username,
      password: fields.password,
      email: fields.email,
      is_active: fields.is_active,
      is_staff: fields.is_staff,
      is_superuser: fields.is_superuser,
      last_login: fields.last_login,
      date_joined: fields.date_joined,
    }));
    expect(fromSql.sort((a, b) => Number(a.pk) - Number(b.pk))).toEqual(fromJson);
    expect(fromJson.map((user) => user.pk)).toEqual(fixture.users.map((user) => user.id));
  });

  it('holds the same knox and DRF token rows', () => {
    const knox = (tables.get('knox_authtoken') ?? [])
      .map((row) => ({ pk: row.digest, token_key: row.token_key, user: row.user_id, created: asDumpdata(row.created as string), expiry: asDumpdata(row.expiry as string | null) }))
      .sort((a, b) => String(a.pk).localeCompare(String(b.pk)));
    expect(knox).toEqual(rowsOf(rows, 'knox.authtoken').map(({ pk, fields }) => ({ pk, ...fields })).sort((a, b) => String(a.pk).localeCompare(String(b.pk))));
    const drf = (tables.get('authtoken_token') ?? []).map((row) => ({ pk: row.key, user: row.user_id, created: asDumpdata(row.created as string) })).sort((a, b) => String(a.pk).localeCompare(String(b.pk)));
    expect(drf).toEqual(rowsOf(rows, 'authtoken.token').map(({ pk, fields }) => ({ pk, ...fields })).sort((a, b) => String(a.pk).localeCompare(String(b.pk))));
    expect(knox.length).toBeGreaterThan(0);
    expect(drf.length).toBeGreaterThan(0);
  });

  it('holds the same leads, and a sequence already past them', () => {
    const leads = (tables.get(fixture.lead_table) ?? []).map((row) => ({ pk: row.id, name: row.name, email: row.email, message: row.message, owner: row.owner_id })).sort((a, b) => Number(a.pk) - Number(b.pk));
    expect(leads).toEqual(rowsOf(rows, fixture.leads_model.toLowerCase()).map(({ pk, fields }) => ({ pk, ...fields })));
    expect(leads.map((lead) => lead.pk)).toEqual(fixture.leads.ids);
    const sequence = new RegExp(`setval\\('public\\.${fixture.lead_table}_id_seq', (\\d+), true\\)`).exec(sql);
    expect(Number(sequence?.[1])).toBeGreaterThanOrEqual(Math.max(...fixture.leads.ids));
  });

  it('is the knox 5 schema a Django migrate wrote, with the tables a deployment has', () => {
    expect(sql).toMatch(/CREATE TABLE public\.knox_authtoken \([^;]*token_key character varying\(25\) NOT NULL/);
    const migrations = (tables.get('django_migrations') ?? []).map((row) => `${row.app}.${row.name}`);
    expect(migrations).toEqual(expect.arrayContaining(['knox.0009_extend_authtoken_field', 'authtoken.0003_tokenproxy', 'leadsapi.0001_initial', 'auth.0012_alter_user_first_name_max_length']));
    for (const table of ['django_content_type', 'auth_permission', 'django_session', 'django_admin_log']) expect(sql).toContain(`CREATE TABLE public.${table} (`);
    // Plain SQL only: no psql meta-command and no COPY block, so node-postgres can run the file as one query.
    expect(sql).not.toMatch(/^\\/m);
    expect(sql).not.toMatch(/^COPY /m);
  });
});
