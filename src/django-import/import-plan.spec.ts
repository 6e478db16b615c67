import 'reflect-metadata';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DjangoSource } from './django-source';
import { readDumpdata } from './dumpdata-source';
import { DjangoImportError } from './import-error';
import { isRefusal, planImport, UniquenessKeys } from './import-plan';
import { formatRefusal, formatReport } from './import-report';
import { DJANGO_FIXTURES, djangoSecrets, dumpFile, dumpRows } from '../../test/support/django-secrets';

const FIXTURES = DJANGO_FIXTURES;
const secrets = djangoSecrets();
const NOW = new Date(secrets.now);

/** The target's index expressions, as far as these fixtures need them (JavaScript's lower case agrees with PostgreSQL's here). */
const keys: UniquenessKeys = {
  usernames: async (names) => names.map((name) => name.normalize('NFKC').toLowerCase()),
  emails: async (emails) => emails.map((email) => email.toLowerCase()),
};

const plan = (source: DjangoSource, drfTokenTtlMs: number | null = null) => planImport(source, { now: NOW, drfTokenTtlMs }, keys);

describe('planImport on the fixtures (test/fixtures/django)', () => {
  it('imports the main fixture as secrets.json says: the odd leads reported with their reasons, expired and dead knox rows left behind', async () => {
    const expected = secrets.fixtures.main;
    const result = await plan(await readDumpdata(join(FIXTURES, 'dumpdata.json'), null));

    expect(result.users.map((user) => user.id)).toEqual(expected.users.map((user) => user.id));
    expect(result.leads.map((lead) => lead.id)).toEqual(expected.leads.imported);
    const leadReasons = Object.fromEntries(result.skipped.filter((row) => row.kind === 'lead').map((row) => [Number(row.subject.split(' ')[1]), row]));
    expect(Object.keys(leadReasons).map(Number).sort((a, b) => a - b)).toEqual(expected.leads.reported);
    const REASONS: Record<string, string> = { 'no-owner': 'no-owner', 'duplicate-email': 'duplicate-email', 'invalid-email': 'invalid-fields', 'blank-message': 'invalid-fields' };
    for (const odd of expected.leads.odd.filter((lead) => lead.outcome === 'reported')) {
      expect(leadReasons[odd.id].reason).toBe(REASONS[odd.reason as string]);
      expect(isRefusal(leadReasons[odd.id].reason)).toBe(true);
    }
    expect(leadReasons[21].detail).toContain('message "": This field may not be blank.');
    expect(leadReasons[20].detail).toContain('email "dave-lead@localhost": Enter a valid email address.');
    expect(leadReasons[10].detail).toContain("lead 9's \"Sam@Example.com\"");

    // Every token that authenticates in Django comes over (ivan's too: he comes over inactive, and so does his token); no other does.
    const live = expected.tokens.filter((token) => !token.expired && (token.authenticates_in_django || token.user_id === 12));
    expect(result.tokens.map((token) => [token.kind, token.userId]).sort()).toEqual(live.map((token) => [token.kind, token.user_id]).sort());
    const tokenReasons = result.skipped.filter((row) => row.kind === 'token').map((row) => row.reason);
    expect(tokenReasons.sort()).toEqual(['expired', 'expired', 'expired', 'knox42-in-knox5', 'knox42-in-knox5']);
    expect(tokenReasons.some(isRefusal)).toBe(false);
  });

  it('imports the leads.Lead fixture (knox 4.2, created_at kept) as secrets.json says', async () => {
    const expected = secrets.fixtures['leads-lead'];
    const source = await readDumpdata(join(FIXTURES, 'dumpdata-leads-lead.json'), null);
    expect(source.leadsModel).toMatchObject({ label: 'leads.lead', hasCreatedAt: true, hasUpdatedAt: false });
    expect(source.knox.version).toBe('4.2');
    const result = await plan(source);
    expect(result.leads.map((lead) => lead.id)).toEqual(expected.leads.imported);
    expect(result.leads.find((lead) => lead.id === 16)?.createdAt).toBe('2025-05-31T23:59:59.999Z');
    expect(result.skipped.filter((row) => row.kind === 'lead').map((row) => [row.subject, row.reason])).toEqual([
      ['lead 11', 'invalid-fields'],
      ['lead 13', 'no-owner'],
    ]);
    const live = expected.tokens.filter((token) => !token.expired);
    expect(result.tokens.map((token) => token.secret).sort()).toEqual(live.map((token) => token.digest).sort());
    expect(result.tokens.every((token) => token.kind === 'knox42')).toBe(true);
  });

  it('gives DRF tokens no expiry, or --drf-token-ttl counted from the import', async () => {
    const source = await readDumpdata(join(FIXTURES, 'dumpdata.json'), null);
    const forever = await plan(source);
    expect(forever.tokens.filter((token) => token.kind === 'drf').map((token) => token.expiry)).toEqual([null, null, null]);
    const month = await plan(source, 30 * 86_400_000);
    const expiries = month.tokens.filter((token) => token.kind === 'drf').map((token) => token.expiry?.toISOString());
    expect(expiries).toEqual(Array(3).fill('2025-07-01T12:00:00.000Z'));
  });
});

describe('planImport on odd users', () => {
  const base = async (): Promise<DjangoSource> => readDumpdata(join(FIXTURES, 'dumpdata-leads-lead.json'), null);

  it('keeps the lower id of two usernames this API takes for one, and leaves the other behind with its leads and tokens', async () => {
    const source = await base();
    const olga = source.users[0];
    source.users.push({ ...olga, id: 9, username: 'OLGA' }, { ...olga, id: 10, username: 'ｏｌｇａ' });
    source.leads.push({ ...source.leads[0], id: 40, ownerId: 9, email: 'other@example.com' });
    source.knox.tokens.push({ digest: 'a'.repeat(128), tokenKey: 'aaaaaaaa', userId: 10, created: '2025-01-01T00:00:00Z', expiry: null });
    const result = await plan(source);
    expect(result.users.map((user) => user.id)).toEqual([1, 3, 4]);
    const skipped = result.skipped.map((row) => [row.subject, row.reason]);
    expect(skipped).toContainEqual(['user 9', 'duplicate-username']);
    expect(skipped).toContainEqual(['user 10', 'duplicate-username']);
    expect(skipped).toContainEqual(['lead 40', 'owner-skipped']);
    expect(skipped).toContainEqual(['knox token aaaaaaaa (user 10)', 'user-skipped']);
    expect(result.skipped.find((row) => row.subject === 'user 9')?.detail).toContain('username "OLGA" is user 1\'s "olga"');
  });

  it("refuses usernames and emails this API's register route refuses, and a password field that is no hash", async () => {
    const source = await base();
    const olga = source.users[0];
    source.users.push({ ...olga, id: 20, username: 'has space' }, { ...olga, id: 21, username: 'x21', email: 'x@localhost' }, { ...olga, id: 22, username: 'x22', password: 'p'.repeat(256) });
    const result = await plan(source);
    expect(result.skipped.map((row) => [row.subject, row.reason])).toEqual(
      expect.arrayContaining([
        ['user 20', 'invalid-username'],
        ['user 21', 'invalid-email'],
        ['user 22', 'invalid-password-hash'],
      ]),
    );
    const text = formatRefusal(source, result);
    expect(text).toContain('user 20: invalid-username: username "has space": Enter a valid username.');
    expect(text).not.toContain('p'.repeat(100));
  });

  it('stores usernames and lead fields as the routes clean them (trimmed, NFKC)', async () => {
    const source = await base();
    source.users[0].username = ' ｏlga ';
    source.leads[0].name = '  Olga Lead  ';
    const result = await plan(source);
    expect(result.users[0].username).toBe('olga');
    expect(result.leads[0].name).toBe('Olga Lead');
  });
});

describe('the report', () => {
  it('names every row left behind and counts by reason, and prints no hash, digest or key', async () => {
    const source = await readDumpdata(join(FIXTURES, 'dumpdata.json'), null);
    const result = await plan(source);
    const count = (kind: string): number => result.tokens.filter((token) => token.kind === kind).length;
    const text = formatReport({
      source,
      dryRun: true,
      importedAt: NOW,
      imported: { users: result.users.length, leads: result.leads.length, tokens: { knox5: count('knox5'), knox42: count('knox42'), drf: count('drf') } },
      skipped: result.skipped,
      nextIds: { users: 15, leads: 45 },
      drfTokenTtlMs: null,
    });
    expect(text).toMatch(/^Dry run: nothing was written\./);
    expect(text).toContain('  lead 12: no-owner: owner is NULL');
    expect(text).toContain('  knox token 720da105 (user 7): knox42-in-knox5:');
    expect(text).toContain('is_staff and is_superuser have no meaning here and were not imported (1 superuser and 1 staff user in the source)');
    expect(text).toContain("leadsapi.leadmodel keeps no created_at: each lead's created_at and updated_at is the time of this import, 2025-06-01T12:00:00.000Z.");
    expect(text.split('\n').slice(-2)).toEqual([
      'Would import: 12 users, 13 leads, 9 tokens (6 knox 5, 0 knox 4.2, 3 DRF).',
      'Not imported: 0 users; 6 leads (duplicate-email 1, no-owner 1, invalid-fields 4); 5 tokens (knox42-in-knox5 2, expired 3).',
    ]);
    for (const user of source.users) expect(text).not.toContain(user.password);
    for (const token of secrets.fixtures.main.tokens) {
      expect(text).not.toContain(token.token);
      if (token.digest) expect(text).not.toContain(token.digest);
    }
  });
});

describe('readDumpdata', () => {
  let directory: string;
  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), 'leads-dumpdata-'));
  });
  afterAll(() => rmSync(directory, { recursive: true, force: true }));
  const write = (name: string, content: unknown): string => {
    const path = join(directory, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };
  const main = () => dumpFile('dumpdata.json');

  it('reads JSON lines (--format jsonl) and natural foreign keys (--natural-foreign) alike', async () => {
    const rows = main().map((row) => (row.model === 'leadsapi.leadmodel' && row.fields.owner === 2 ? { ...row, fields: { ...row.fields, owner: ['ada'] } } : row));
    const source = await readDumpdata(write('dump.jsonl', rows.map((row) => JSON.stringify(row)).join('\n')), null);
    expect(source.leads.filter((lead) => lead.ownerId === 2).map((lead) => lead.id)).toEqual([3, 7, 17]);
    expect(source.knox.version).toBe('5');
  });

  it('lists several leads models and takes the one --leads-model names, in any case', async () => {
    const other = dumpRows('dumpdata-leads-lead.json', 'leads.lead');
    const path = write('two-models.json', [...main(), ...other]);
    await expect(readDumpdata(path, null)).rejects.toThrow(
      new DjangoImportError(
        'Several models have the fields of a lead (name, email, message, owner):\n  leadsapi.leadmodel, 19 rows\n  leads.lead, 6 rows\nName the one to import with --leads-model <app_label.Model>; nothing was changed.',
      ),
    );
    expect((await readDumpdata(path, 'leads.Lead')).leads.map((lead) => lead.id)).toEqual([2, 5, 6, 11, 13, 16]);
    await expect(readDumpdata(path, 'crm.Contact')).rejects.toThrow('--leads-model crm.Contact: no model of that name has the fields of a lead');
  });

  it.each([
    ['not JSON', '{"model": ', 'is not JSON written by manage.py dumpdata'],
    ['no users', [{ model: 'leads.lead', pk: 1, fields: { name: 'a', email: 'a@example.com', message: 'm', owner: 1 } }], 'has no auth.user rows'],
    ['no leads model', [{ model: 'auth.user', pk: 1, fields: { username: 'a', email: '', password: '!', is_active: true, date_joined: '2020-01-01T00:00:00Z', last_login: null } }], 'The source has no leads model'],
    ['--natural-primary', [{ model: 'auth.user', fields: { username: 'a', email: '', password: '!', is_active: true } }], 'dump without --natural-primary'],
    ['a bad timestamp', [{ model: 'auth.user', pk: 1, fields: { username: 'a', email: '', password: '!', is_active: true, date_joined: 'yesterday', last_login: null } }], 'auth.user 1: date_joined is not a timestamp'],
  ])('refuses a file with %s, changing nothing', async (_what, content, message) => {
    await expect(readDumpdata(write('bad.json', content), null)).rejects.toThrow(message);
  });

  it('refuses a missing file by its path', async () => {
    await expect(readDumpdata(join(directory, 'missing.json'), null)).rejects.toThrow(`Could not read ${join(directory, 'missing.json')}: no such file.`);
  });

  it('reads a naive timestamp (USE_TZ = False) as UTC, and says so', async () => {
    const rows = main().map((row) => (row.model === 'auth.user' && row.pk === 4 ? { ...row, fields: { ...row.fields, date_joined: '2021-11-12T14:02:11' } } : row));
    const source = await readDumpdata(write('naive.json', rows), null);
    expect(source.users.find((user) => user.id === 4)?.dateJoined).toBe('2021-11-12T14:02:11Z');
    expect(source.notes).toEqual(['The dump has timestamps without a time zone (USE_TZ = False); they were read as UTC.']);
  });
});
