import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import { tokenHeader } from './support/accounts';
import { createDjangoDatabase, DjangoDatabase, djangoSecrets, DJANGO_FIXTURES, dumpRows, Fixture, FixtureToken } from './support/django-databases';
import { expectFieldErrors, expectProblem } from './support/problems';
import { createDatabaseFromTemplate, withAdmin } from './support/test-database';
import { createTestApp, TestApp } from './support/test-app';
import { whoAmI } from './support/tokens';
import { transpileSources } from './support/transpile-sources';

jest.setTimeout(120_000);

const ROOT = join(__dirname, '..');
// Compiled once for the whole file: each import is then a plain `node manage.js`, as an operator runs it.
const compiled = transpileSources('django-import-e2e');
const MANAGE = join(compiled.directory, 'cli', 'manage.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npm run manage -- import-django --from <from> ...` into the database at `target`, in a child process. */
function importDjango(target: string, from: string, ...options: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MANAGE, 'import-django', '--from', from, ...options], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'info', DATABASE_URL: target },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const secrets = djangoSecrets();
const MAIN = secrets.fixtures.main;
const LEADS_LEAD = secrets.fixtures['leads-lead'];
const MAIN_DUMP = join(DJANGO_FIXTURES, 'dumpdata.json');
const LEADS_LEAD_DUMP = join(DJANGO_FIXTURES, 'dumpdata-leads-lead.json');

/** Every secret of a fixture: none may ever be printed. */
function secretsOf(fixture: Fixture, dumpFile: string): string[] {
  const hashes = dumpRows(dumpFile, 'auth.user').map((row) => row.fields.password as string);
  return [...hashes, ...fixture.tokens.flatMap((token) => [token.token, ...(token.digest ? [token.digest] : [])])];
}

function expectNoSecrets(run: Run, fixture: Fixture, dumpFile: string): void {
  for (const secret of secretsOf(fixture, dumpFile)) expect(run.stdout + run.stderr).not.toContain(secret);
}

/** How many rows the target holds, and where its identities stand: what "nothing was written" is checked against. */
async function targetState(url: string): Promise<{ users: number; leads: number; tokens: number; userIds: string; leadIds: string }> {
  return withAdmin(url, async (client) => {
    const { rows } = await client.query(
      `SELECT (SELECT count(*) FROM users)::int AS users, (SELECT count(*) FROM leads)::int AS leads, (SELECT count(*) FROM auth_tokens)::int AS tokens,
              (SELECT last_value || ' ' || is_called FROM users_id_seq) AS "userIds", (SELECT last_value || ' ' || is_called FROM leads_id_seq) AS "leadIds"`,
    );
    return rows[0];
  });
}

/** What a refused command printed: its one error, after the progress lines. */
const errorOf = (run: Run): string => run.stderr.slice(run.stderr.indexOf('Error: '));

const EMPTY = { users: 0, leads: 0, tokens: 0, userIds: '1 false', leadIds: '1 false' };

/** A digest of every Django table the import reads, to show it only read them. */
async function sourceSnapshot(url: string): Promise<Record<string, string>> {
  return withAdmin(url, async (client) => {
    const snapshot: Record<string, string> = {};
    for (const table of ['auth_user', 'knox_authtoken', 'authtoken_token', 'leadsapi_leadmodel', 'django_content_type']) {
      const { rows } = await client.query(`SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, ',' ORDER BY t::text)), '') AS digest FROM ${table} t`);
      snapshot[table] = rows[0].digest;
    }
    return snapshot;
  });
}

const liveTokens = (fixture: Fixture): FixtureToken[] => fixture.tokens.filter((token) => token.authenticates_in_django);
const tokenOf = (fixture: Fixture, username: string, kind?: FixtureToken['kind']): string =>
  (liveTokens(fixture).find((token) => token.username === username && (kind === undefined || token.kind === kind)) as FixtureToken).token;

let django: DjangoDatabase;
beforeAll(async () => {
  django = await createDjangoDatabase();
});
afterAll(async () => {
  await django?.drop();
  compiled.remove();
});

describe.each([
  { from: 'the Django PostgreSQL database', source: () => django.url, microseconds: true, nextLeadId: 46 },
  { from: 'dumpdata.json', source: () => MAIN_DUMP, microseconds: false, nextLeadId: 45 },
])('import-django from $from (the tutorial: leadsapi.LeadModel, knox 5, DRF tokens)', ({ source, microseconds, nextLeadId }) => {
  let t: TestApp;
  let run: Run;
  let before: number;
  let after: number;
  let sourceBefore: Record<string, string>;

  beforeAll(async () => {
    t = await createTestApp();
    sourceBefore = await sourceSnapshot(django.url);
    before = Date.now();
    run = await importDjango(t.db.options.connectionString as string, source(), '--skip-invalid');
    after = Date.now();
  });
  afterAll(async () => {
    await t.close();
  });

  it('imports what can come over, lists every other row by id with its reason, and counts by reason at the end', () => {
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/Reading .*\.\.\.\n/);
    expect(run.stderr).toContain('Writing 12 users, 13 leads, 9 tokens...');
    const lines = run.stdout.trimEnd().split('\n');
    for (const [id, reason] of [
      [10, 'duplicate-email'],
      [12, 'no-owner'],
      [20, 'invalid-fields'],
      [21, 'invalid-fields'],
      [22, 'invalid-fields'],
      [23, 'invalid-fields'],
    ] as const) {
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^  lead ${id}: ${reason}: `)));
    }
    for (const token of MAIN.tokens.filter((token) => token.kind !== 'drf' && token.expired)) {
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^  knox token ${token.token_key} \\(user ${token.user_id}\\): expired: `)));
    }
    for (const token of MAIN.tokens.filter((token) => token.kind === 'knox42' && !token.expired)) {
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^  knox token ${token.token_key} \\(user ${token.user_id}\\): knox42-in-knox5: `)));
    }
    expect(lines).toContainEqual(expect.stringContaining('is_staff and is_superuser have no meaning here and were not imported'));
    expect(lines.at(-2)).toBe('Imported: 12 users, 13 leads, 9 tokens (6 knox 5, 0 knox 4.2, 3 DRF).');
    expect(lines.at(-1)).toMatch(/^Not imported: 0 users; 6 leads \(duplicate-email 1, no-owner 1, invalid-fields 4\); 5 tokens \((expired 3, knox42-in-knox5 2|knox42-in-knox5 2, expired 3)\)\.$/);
    expectNoSecrets(run, MAIN, MAIN_DUMP);
  });

  it('only reads the Django database', async () => {
    expect(await sourceSnapshot(django.url)).toEqual(sourceBefore);
  });

  it('keeps each user: id, username, email, the Django hash as it is, is_active, last_login and date_joined', async () => {
    const { rows } = await t.db.query(
      `SELECT id, username, email, password_hash, is_active, last_login, date_joined, to_char(date_joined AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS joined
         FROM users ORDER BY id`,
    );
    const dumped = dumpRows(MAIN_DUMP, 'auth.user');
    expect(rows.map(({ id, username, email, password_hash, is_active, last_login, date_joined }) => ({ id, username, email, password_hash, is_active, last_login, date_joined }))).toEqual(
      dumped.map((row) => ({
        id: row.pk,
        username: row.fields.username,
        email: row.fields.email,
        password_hash: row.fields.password,
        is_active: row.fields.is_active,
        last_login: row.fields.last_login === null ? null : new Date(row.fields.last_login as string),
        date_joined: new Date(row.fields.date_joined as string),
      })),
    );
    // dumpdata keeps milliseconds, PostgreSQL (and so its import) microseconds.
    expect(rows.find((row) => row.id === 2).joined).toBe(microseconds ? '2021-11-10 08:30:00.123456' : '2021-11-10 08:30:00.123000');
  });

  it("keeps each lead's id, owner and fields; created_at and updated_at are the time of the import", async () => {
    const { rows } = await t.db.query('SELECT id, owner_id, name, email, message, created_at, updated_at FROM leads ORDER BY id');
    const dumped = new Map(dumpRows(MAIN_DUMP, 'leadsapi.leadmodel').map((row) => [row.pk, row.fields]));
    expect(rows.map(({ id, owner_id, name, email, message }) => ({ id, owner_id, name, email, message }))).toEqual(
      MAIN.leads.imported.map((id) => {
        const fields = dumped.get(id) as Record<string, unknown>;
        return { id, owner_id: fields.owner, name: fields.name, email: fields.email, message: fields.message };
      }),
    );
    const instants = new Set(rows.flatMap((row) => [row.created_at.getTime(), row.updated_at.getTime()]));
    expect(instants.size).toBe(1);
    const [instant] = instants;
    expect(instant).toBeGreaterThanOrEqual(before - 1000);
    expect(instant).toBeLessThanOrEqual(after);
    expect(run.stdout).toContain(`each lead's created_at and updated_at is the time of this import, ${new Date(instant).toISOString()}.`);
  });

  it("serves each lead to its owner under its old id, and another user's lead is 404", async () => {
    const ada = tokenOf(MAIN, 'ada', 'knox5');
    const lead = await t.http().get('/api/leads/17').set(...tokenHeader(ada)).expect(200);
    expect(lead.body).toEqual({
      id: 17,
      name: 'Ada Lovelace',
      email: 'ada.lovelace@example.com',
      message: 'Interested in the analytical engine.',
      owner: 2,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    const list = await t.http().get('/api/leads').set(...tokenHeader(ada)).expect(200);
    expect(list.body.map((row: { id: number }) => row.id)).toEqual([3, 7, 17]);

    // Lead 8 is carol's: missing and not-owned look the same, and it is left as it was.
    expectProblem(await t.http().get('/api/leads/8').set(...tokenHeader(ada)), 404, 'Not found.');
    expectProblem(await t.http().delete('/api/leads/8').set(...tokenHeader(ada)), 404, 'Not found.');
    const carols = await t.http().get('/api/leads/8').set(...tokenHeader(tokenOf(MAIN, 'carol'))).expect(200);
    expect(carols.body).toMatchObject({ id: 8, owner: 5, email: 'brewster@example.com' });
  });

  it('authenticates every token that worked in Django (knox 5 with and without a prefix, DRF) as its user', async () => {
    const users = new Map(dumpRows(MAIN_DUMP, 'auth.user').map((row) => [row.pk, row.fields]));
    for (const token of liveTokens(MAIN)) {
      const response = await whoAmI(t, token.token);
      expect({ kind: token.kind, status: response.status, body: response.body }).toEqual({
        kind: token.kind,
        status: 200,
        body: { id: token.user_id, username: token.username, email: users.get(token.user_id)?.email },
      });
    }
  });

  it("refuses the tokens that no longer worked in Django, and answers an inactive user's token as knox does", async () => {
    for (const token of MAIN.tokens.filter((token) => token.expired || token.kind === 'knox42')) {
      expectProblem(await whoAmI(t, token.token), 401, 'Invalid token.');
    }
    const ivans = MAIN.tokens.find((token) => token.username === 'ivan') as FixtureToken;
    expectProblem(await whoAmI(t, ivans.token), 401, 'User inactive or deleted.');
  });

  it('lists imported tokens and revokes them: by id, by logout and by logoutall', async () => {
    const [current, other] = liveTokens(MAIN).filter((token) => token.username === 'ada');
    const list = await t.http().get('/api/auth/tokens').set(...tokenHeader(current.token)).expect(200);
    expect(list.body.map((item: { token_key: string; current: boolean }) => [item.token_key, item.current]).sort()).toEqual(
      [
        [current.token_key, true],
        [other.token_key, false],
      ].sort(),
    );
    const otherId = list.body.find((item: { token_key: string }) => item.token_key === other.token_key).id;
    await t.http().delete(`/api/auth/tokens/${otherId}`).set(...tokenHeader(current.token)).expect(204);
    expectProblem(await whoAmI(t, other.token), 401, 'Invalid token.');
    await whoAmI(t, current.token).expect(200);

    const carol = tokenOf(MAIN, 'carol');
    await t.http().post('/api/auth/logout').set(...tokenHeader(carol)).expect(204);
    expectProblem(await whoAmI(t, carol), 401, 'Invalid token.');

    // admin's knox token logs out everywhere, his DRF token included.
    await t.http().post('/api/auth/logoutall').set(...tokenHeader(tokenOf(MAIN, 'admin', 'knox5'))).expect(204);
    expectProblem(await whoAmI(t, tokenOf(MAIN, 'admin', 'drf')), 401, 'Invalid token.');
  });

  it('lets every user log in with their Django password, rehashed to argon2id on that first login; unusable and inactive ones still cannot', async () => {
    const hashOf = async (id: number): Promise<string> => (await t.db.query('SELECT password_hash FROM users WHERE id = $1', [id])).rows[0].password_hash;
    for (const user of MAIN.users.filter((user) => user.usable && user.is_active)) {
      const response = await t.http().post('/api/auth/login').send({ username: user.username, password: user.password });
      expect({ username: user.username, status: response.status, id: response.body.user?.id }).toEqual({ username: user.username, status: 200, id: user.id });
      expect(await hashOf(user.id)).toMatch(/^\$argon2id\$/);
    }
    for (const user of MAIN.users.filter((user) => !user.usable || !user.is_active)) {
      const hash = await hashOf(user.id);
      expectFieldErrors(await t.http().post('/api/auth/login').send({ username: user.username, password: user.password ?? 'anything' }), {
        non_field_errors: ['Incorrect Credentials Passed.'],
      });
      expect(await hashOf(user.id)).toBe(hash);
    }
  });

  it("gives new users and leads ids past the imported ones (and past Django's own sequence when it is read)", async () => {
    expect(run.stdout).toContain(`The next new user here gets id 15, the next new lead id ${nextLeadId}.`);
    const registered = await t.http().post('/api/auth/register').send({ username: `new_${randomBytes(3).toString('hex')}`, password: 'violet-Harbor-42-lantern' }).expect(200);
    expect(registered.body.user.id).toBe(15);
    const created = await t.http().post('/api/leads').set(...tokenHeader(registered.body.token)).send({ name: 'New', email: 'new@example.com', message: 'After the move.' }).expect(201);
    expect(created.body.id).toBe(nextLeadId);
  });

  it('says so when run again on the same target, and changes nothing', async () => {
    const url = t.db.options.connectionString as string;
    const state = await targetState(url);
    const again = await importDjango(url, source(), '--skip-invalid');
    expect(again.code).toBe(1);
    expect(again.stdout).toBe('');
    expect(errorOf(again)).toMatch(/^Error: Already imported: this database holds 12 users of .* \(same ids and usernames\) among its 13 users, with 14 leads and \d+ tokens\. Nothing was changed\./m);
    expect(await targetState(url)).toEqual(state);
  });
});

describe('import-django from dumpdata-leads-lead.json (leads.Lead with created_at, knox 4.2)', () => {
  let t: TestApp;
  let run: Run;

  beforeAll(async () => {
    t = await createTestApp();
    run = await importDjango(t.db.options.connectionString as string, LEADS_LEAD_DUMP, '--skip-invalid');
  });
  afterAll(async () => {
    await t.close();
  });

  it('imports and reports as the fixture says', () => {
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('  lead 11: invalid-fields: message "": This field may not be blank.');
    expect(run.stdout).toContain('  lead 13: no-owner: ');
    expect(run.stdout).toContain('  knox token bd0b035d (user 1): expired: ');
    expect(run.stdout).toContain("leads.lead keeps no updated_at: each lead's updated_at is its created_at.");
    expect(run.stdout.trimEnd().split('\n').slice(-2)).toEqual([
      'Imported: 3 users, 4 leads, 3 tokens (0 knox 5, 3 knox 4.2, 0 DRF).',
      'Not imported: 0 users; 2 leads (invalid-fields 1, no-owner 1); 1 token (expired 1).',
    ]);
    expectNoSecrets(run, LEADS_LEAD, LEADS_LEAD_DUMP);
  });

  it("keeps each lead's created_at, to the millisecond dumpdata wrote", async () => {
    const response = await t.http().get('/api/leads/16').set(...tokenHeader(tokenOf(LEADS_LEAD, 'rita'))).expect(200);
    expect(response.body).toEqual({
      id: 16,
      name: 'Rita Lead',
      email: 'rita-second@example.com',
      message: 'Newest lead.',
      owner: 4,
      created_at: '2025-05-31T23:59:59.999Z',
      updated_at: '2025-05-31T23:59:59.999Z',
    });
    expectProblem(await t.http().get('/api/leads/2').set(...tokenHeader(tokenOf(LEADS_LEAD, 'rita'))), 404, 'Not found.');
  });

  it('authenticates the knox 4.2 tokens, lists them and revokes them', async () => {
    for (const token of liveTokens(LEADS_LEAD)) await whoAmI(t, token.token).expect(200);
    expectProblem(await whoAmI(t, (LEADS_LEAD.tokens.find((token) => token.expired) as FixtureToken).token), 401, 'Invalid token.');
    const olga = tokenOf(LEADS_LEAD, 'olga');
    const list = await t.http().get('/api/auth/tokens').set(...tokenHeader(olga)).expect(200);
    expect(list.body).toEqual([expect.objectContaining({ token_key: 'b77d02c9', current: true, expiry: '2099-01-01T00:00:00.000Z' })]);
    await t.http().post('/api/auth/logout').set(...tokenHeader(olga)).expect(204);
    expectProblem(await whoAmI(t, olga), 401, 'Invalid token.');
  });

  it('lets its users log in with their Django passwords', async () => {
    for (const user of LEADS_LEAD.users) {
      await t.http().post('/api/auth/login').send({ username: user.username, password: user.password }).expect(200);
    }
  });
});

describe('import-django refusals: nothing is written', () => {
  let target: { url: string; drop: () => Promise<void> };
  beforeEach(async () => {
    target = await createDatabaseFromTemplate();
  });
  afterEach(async () => {
    await target.drop();
  });

  it('refuses by default when rows cannot come over, listing all of them', async () => {
    const run = await importDjango(target.url, django.url);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    const lines = errorOf(run).split('\n');
    expect(lines[0]).toMatch(/^Error: 6 rows of postgres:\/\/.* cannot come over; nothing was written:$/);
    expect(lines.slice(1, 7).map((line) => line.split(':')[0])).toEqual(MAIN.leads.reported.map((id) => `  lead ${id}`));
    expect(run.stderr).toContain('or pass --skip-invalid to import the 12 users, 13 leads and 9 tokens that can, leaving these behind.');
    expect(run.stderr).toMatch(/Left behind either way, as they no longer work in Django: 5 tokens/);
    expect(await targetState(target.url)).toEqual(EMPTY);
  });

  it('--dry-run prints what would be imported and skipped, and writes nothing', async () => {
    const run = await importDjango(target.url, django.url, '--dry-run', '--skip-invalid');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Dry run: nothing was written\. Read postgres:\/\//);
    expect(run.stdout).toContain('  lead 12: no-owner: ');
    expect(run.stdout).toContain('Would import: 12 users, 13 leads, 9 tokens (6 knox 5, 0 knox 4.2, 3 DRF).');
    expect(await targetState(target.url)).toEqual(EMPTY);
  });

  it('a failed import leaves the target empty, its ids untouched, and can simply be run again', async () => {
    await withAdmin(target.url, (client) =>
      client.query(`
        CREATE FUNCTION refuse_lead_44() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.id = 44 THEN RAISE EXCEPTION 'lead 44 refused by the test'; END IF; RETURN NEW; END $$;
        CREATE TRIGGER refuse_lead_44 BEFORE INSERT ON leads FOR EACH ROW EXECUTE FUNCTION refuse_lead_44();`),
    );
    const failed = await importDjango(target.url, MAIN_DUMP, '--skip-invalid');
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('lead 44 refused by the test');
    // Users were written before the leads: they went with the rollback.
    expect(await targetState(target.url)).toEqual(EMPTY);

    await withAdmin(target.url, (client) => client.query('DROP TRIGGER refuse_lead_44 ON leads'));
    const retried = await importDjango(target.url, MAIN_DUMP, '--skip-invalid');
    expect(retried.code).toBe(0);
    expect(await targetState(target.url)).toMatchObject({ users: 12, leads: 13, tokens: 9 });
  });

  it('refuses a target that already has users of its own', async () => {
    await withAdmin(target.url, (client) => client.query(`INSERT INTO users (username, email, password_hash) VALUES ('alice', '', '!')`));
    const state = await targetState(target.url);
    const run = await importDjango(target.url, MAIN_DUMP, '--skip-invalid');
    expect(run.code).toBe(1);
    expect(errorOf(run)).toBe(
      `Error: The target database already has 1 user, none of them from ${MAIN_DUMP}. import-django imports only into a database without users, ` +
        'so that every user and lead keeps its id. Nothing was changed. To import again, use a database without users (a new one, after `npm run manage -- migrate`).\n',
    );
    expect(await targetState(target.url)).toEqual(state);
  });

  it('lists the candidates when several models have the fields of a lead, and imports the one --leads-model names', async () => {
    const source = await django.copy(async (client: Client) => {
      await client.query(`
        CREATE TABLE public.leads_lead (
          id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, name varchar(100) NOT NULL, email varchar(254) NOT NULL, message text NOT NULL,
          owner_id integer REFERENCES public.auth_user (id), created_at timestamptz NOT NULL);
        INSERT INTO public.django_content_type (app_label, model) VALUES ('leads', 'lead');
        INSERT INTO public.leads_lead (id, name, email, message, owner_id, created_at)
          VALUES (7, 'From the other model', 'other@example.com', 'Hello.', 2, '2024-02-03 04:05:06.789012+00');`);
    });
    try {
      const ambiguous = await importDjango(target.url, source.url, '--skip-invalid');
      expect(ambiguous.code).toBe(1);
      expect(errorOf(ambiguous)).toBe(
        'Error: Several models have the fields of a lead (name, email, message, owner):\n' +
          '  leads.lead (table leads_lead), 1 row\n' +
          '  leadsapi.leadmodel (table leadsapi_leadmodel), 19 rows\n' +
          'Name the one to import with --leads-model <app_label.Model>; nothing was changed.\n',
      );
      expect(await targetState(target.url)).toEqual(EMPTY);

      const chosen = await importDjango(target.url, source.url, '--skip-invalid', '--leads-model', 'leads.Lead');
      expect(chosen.code).toBe(0);
      const { rows } = await withAdmin(target.url, (client) =>
        client.query(`SELECT id, owner_id, name, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS created FROM leads`),
      );
      expect(rows).toEqual([{ id: 7, owner_id: 2, name: 'From the other model', created: '2024-02-03 04:05:06.789012' }]);
    } finally {
      await source.drop();
    }
  });

  it('refuses usernames Django tells apart and this API does not, with what depends on them; --skip-invalid keeps the lower id', async () => {
    const source = await django.copy(async (client: Client) => {
      await client.query(`
        INSERT INTO public.auth_user (id, password, is_superuser, username, first_name, last_name, email, is_staff, is_active, date_joined)
          VALUES (20, '!unusable', false, 'Bob', '', '', 'big-bob@example.com', false, true, '2024-01-01 00:00:00+00');
        INSERT INTO public.leadsapi_leadmodel (id, name, email, message, owner_id) VALUES (50, 'Big Bob Lead', 'bigbob-lead@example.com', 'Hi.', 20);
        INSERT INTO public.authtoken_token (key, created, user_id) VALUES ('${randomBytes(20).toString('hex')}', '2024-01-01 00:00:00+00', 20);`);
    });
    try {
      const refused = await importDjango(target.url, source.url);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`  user 20: duplicate-username: username "Bob" is user 4's "bob" under this API's rule (Unicode NFKC, any letter case)`);
      expect(refused.stderr).toContain('  lead 50: owner-skipped: its owner, user 20, is skipped (duplicate-username)');
      expect(refused.stderr).toContain('  DRF token of user 20: user-skipped: its user, 20, is skipped (duplicate-username)');
      expect(await targetState(target.url)).toEqual(EMPTY);

      const skipped = await importDjango(target.url, source.url, '--skip-invalid');
      expect(skipped.code).toBe(0);
      const { rows } = await withAdmin(target.url, (client) => client.query(`SELECT id FROM users WHERE lower(username) = 'bob'`));
      expect(rows).toEqual([{ id: 4 }]);
      expect(skipped.stdout).toContain('The next new user here gets id 21,');
    } finally {
      await source.drop();
    }
  });

  it('gives DRF tokens the expiry --drf-token-ttl asks, counted from the import', async () => {
    const before = Date.now();
    const run = await importDjango(target.url, MAIN_DUMP, '--skip-invalid', '--drf-token-ttl', '7d');
    expect(run.code).toBe(0);
    const { rows } = await withAdmin(target.url, (client) => client.query(`SELECT expiry FROM auth_tokens WHERE kind = 'drf'`));
    expect(rows).toHaveLength(3);
    for (const { expiry } of rows) {
      expect(expiry.getTime()).toBeGreaterThanOrEqual(before + 7 * 86_400_000 - 1000);
      expect(expiry.getTime()).toBeLessThanOrEqual(Date.now() + 7 * 86_400_000);
    }
    expect(run.stdout).toMatch(/DRF tokens expire at \S+ \(--drf-token-ttl, counted from the import\)\./);
  });

  it('reports an unreachable Django database with its password hidden', async () => {
    const run = await importDjango(target.url, 'postgres://django:hunter2-secret@127.0.0.1:1/leads');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Error: Could not connect to the Django database postgres://django:[REDACTED]@127.0.0.1:1/leads: ');
    expect(run.stderr).not.toContain('hunter2-secret');
    expect(await targetState(target.url)).toEqual(EMPTY);
  });
});
