import { Client, Pool, PoolClient } from 'pg';
import { registerUser, RegisteredUser, tokenHeader } from './support/accounts';
import { imported, importTokens, legacyToken } from './support/legacy-tokens';
import { login } from './support/tokens';
import { createTestApp, TestApp } from './support/test-app';

/**
 * Every statement the app sends to PostgreSQL, counted on the wire side of
 * node-postgres (so nothing that bypasses TypeORM escapes), minus the test's
 * own connections. The budget: one statement to authenticate (the token
 * joined to its user) and one for the resource.
 */
class StatementLog {
  readonly statements: string[] = [];
  private readonly ignored = new WeakSet<object>();
  private readonly original = Client.prototype.query;

  install(testPool: Pool): void {
    testPool.on('connect', (client: PoolClient) => this.ignored.add(client));
    const { ignored, statements, original } = this;
    Client.prototype.query = function (this: Client, ...args: unknown[]) {
      if (!ignored.has(this)) {
        const config = args[0] as string | { text?: string };
        statements.push(typeof config === 'string' ? config : (config.text ?? ''));
      }
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof Client.prototype.query;
  }

  uninstall(): void {
    Client.prototype.query = this.original;
  }

  async during(work: () => Promise<unknown>): Promise<string[]> {
    const start = this.statements.length;
    await work();
    return this.statements.slice(start).map((sql) => sql.replace(/\s+/g, ' ').trim());
  }
}

const AUTH_STATEMENT =
  /^SELECT .* FROM auth_tokens t JOIN users u ON u\.id = t\.user_id WHERE t\.digest IN \(\$1, \$3\) AND t\.kind = CASE WHEN t\.digest = \$1 THEN \$2 ELSE \$4 END$/;

describe('statements per request', () => {
  let t: TestApp;
  let user: RegisteredUser;
  let leadIds: number[];
  const log = new StatementLog();

  beforeAll(async () => {
    t = await createTestApp();
    log.install(t.db);
    user = await registerUser(t);
    leadIds = [];
    for (let i = 0; i < 10; i++) {
      const response = await t
        .http()
        .post('/api/leads')
        .set(...tokenHeader(user.token))
        .send({ name: `Lead ${i}`, email: `lead${i}@example.com`, message: 'Counting statements.' })
        .expect(201);
      leadIds.push(response.body.id as number);
    }
  });
  afterAll(async () => {
    log.uninstall();
    await t.close();
  });

  const get = (path: string, token = user.token) => t.http().get(path).set(...tokenHeader(token));

  it('authenticates GET /api/auth/user with one statement: the token joined to its user', async () => {
    const statements = await log.during(() => get('/api/auth/user').expect(200));
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatch(AUTH_STATEMENT);
  });

  it('answers GET /api/leads/:id with two statements: authentication, then the owner-scoped lead', async () => {
    const statements = await log.during(() => get(`/api/leads/${leadIds[3]}`).expect(200));
    expect(statements).toHaveLength(2);
    expect(statements[0]).toMatch(AUTH_STATEMENT);
    expect(statements[1]).toMatch(/FROM leads WHERE owner_id = \$1 AND id = \$2$/);
  });

  const PAGE_STATEMENT =
    /^SELECT p\.id, .*, c\.total FROM \(SELECT count\(\*\)::int AS total FROM leads WHERE owner_id = \$1\) c LEFT JOIN LATERAL \(SELECT .* FROM leads WHERE owner_id = \$1 ORDER BY .* LIMIT \$2 OFFSET \$3\) p ON true ORDER BY .*$/;

  const LIST_STATEMENT = /^SELECT id, name, email, message, owner_id, created_at, updated_at FROM leads WHERE owner_id = \$1 ORDER BY id ASC LIMIT \$2$/;

  it.each([
    ['the plain list', '/api/leads', 10],
    ['the plain list with a trailing slash and an ignored offset', '/api/leads/?offset=3', 10],
    ['a searched plain list', '/api/leads?search=Lead%201', 1],
  ])('answers %s of GET /api/leads with two statements: authentication, then the leads', async (label, path, length) => {
    let body: unknown[] = [];
    const statements = await log.during(async () => {
      body = (await get(path).expect(200)).body;
    });
    expect(body).toHaveLength(length);
    expect(statements).toHaveLength(2);
    expect(statements[0]).toMatch(AUTH_STATEMENT);
    expect(statements[1]).toMatch(label.includes('search') ? /FROM leads WHERE owner_id = \$1 AND \(name ILIKE \$2 .* ORDER BY id ASC LIMIT \$3$/ : LIST_STATEMENT);
  });

  it.each([
    ['a short page', '/api/leads?limit=20', 10, 10],
    ['a full page (the count is part of the statement)', '/api/leads?limit=5', 10, 5],
    ['an empty page past the end (the count still comes back)', '/api/leads?limit=20&offset=50', 10, 0],
    ['a searched page', '/api/leads?search=Lead%201&limit=1', 1, 1],
  ])('answers %s of GET /api/leads with two statements: authentication, then the page with its count', async (_label, path, count, results) => {
    let body: { count: number; results: unknown[] } = { count: -1, results: [] };
    const statements = await log.during(async () => {
      body = (await get(path).expect(200)).body;
    });
    expect(body.count).toBe(count);
    expect(body.results).toHaveLength(results);
    expect(statements).toHaveLength(2);
    expect(statements[0]).toMatch(AUTH_STATEMENT);
    expect(statements[1]).toMatch(path.includes('search') ? /FROM leads WHERE owner_id = \$1 AND \(name ILIKE \$2/ : PAGE_STATEMENT);
  });

  it('refuses a revoked token after one statement, and a malformed one without any', async () => {
    const revoked = await login(t, user);
    await t.http().post('/api/auth/logout').set(...tokenHeader(revoked)).expect(204);

    const revokedStatements = await log.during(() => get('/api/auth/user', revoked).expect(401));
    expect(revokedStatements).toHaveLength(1);
    expect(revokedStatements[0]).toMatch(AUTH_STATEMENT);

    const badChecksum = `${user.token.slice(0, -1)}${user.token.endsWith('A') ? 'B' : 'A'}`;
    expect(await log.during(() => get('/api/auth/user', badChecksum).expect(401))).toEqual([]);
  });

  it('stamps lastUsedAt on a fresh token once (one extra UPDATE), not on the requests that follow', async () => {
    const fresh = await login(t, user);
    const first = await log.during(() => get('/api/auth/user', fresh).expect(200));
    expect(first).toHaveLength(2);
    expect(first[0]).toMatch(AUTH_STATEMENT);
    expect(first[1]).toMatch(/^UPDATE auth_tokens SET .*last_used_at/);

    const second = await log.during(() => get('/api/auth/user', fresh).expect(200));
    expect(second).toHaveLength(1);
  });

  describe('tokens imported from Django', () => {
    const kinds = [
      ['knox 5 with a prefix', () => legacyToken('knox5', 'leadsprod_')],
      ['knox 5 without a prefix', () => legacyToken('knox5')],
      ['knox 4.2', () => legacyToken('knox42')],
      ['DRF', () => legacyToken('drf')],
    ] as const;

    it.each(kinds)('authenticates %s with one statement (and stamps its first use once)', async (_label, make) => {
      const token = make();
      await importTokens(t, [imported(token, user.id)]);
      const first = await log.during(() => get('/api/auth/user', token.raw).expect(200));
      expect(first).toHaveLength(2);
      expect(first[0]).toMatch(AUTH_STATEMENT);
      expect(first[1]).toMatch(/^UPDATE auth_tokens SET .*last_used_at/);

      const second = await log.during(() => get(`/api/leads/${leadIds[3]}`, token.raw).expect(200));
      expect(second).toHaveLength(2);
      expect(second[0]).toMatch(AUTH_STATEMENT);
      expect(second[1]).toMatch(/FROM leads WHERE owner_id = \$1 AND id = \$2$/);
    });

    it.each([
      ['a 64-hex token', () => legacyToken('knox42').raw],
      ['a knox 5 token with a prefix', () => legacyToken('knox5', 'lk_').raw],
      ['a 40-hex key', () => legacyToken('drf').raw],
    ])('refuses %s that matches no row after one statement', async (_label, make) => {
      const statements = await log.during(() => get('/api/auth/user', make()).expect(401));
      expect(statements).toHaveLength(1);
      expect(statements[0]).toMatch(AUTH_STATEMENT);
    });

    it.each([
      ['uppercase hex', () => legacyToken('knox42').raw.toUpperCase()],
      ['63 hex', () => legacyToken('knox42').raw.slice(1)],
      ['41 hex', () => `${legacyToken('drf').raw}0`],
      ['a prefix of 11 characters', () => `abcdefghijk${legacyToken('knox42').raw}`],
      ['base64url', () => 'A'.repeat(43)],
    ])('refuses %s, which no kind of token can be, without any statement', async (_label, make) => {
      expect(await log.during(() => get('/api/auth/user', make()).expect(401))).toEqual([]);
    });
  });
});
