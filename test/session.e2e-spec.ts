import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegisteredUser, registerUser, STRONG_PASSWORD, tokenHeader, uniqueName } from './support/accounts';
import { BrowserSession, browserLogin, cookieHeader, fetchCsrfToken, setCookies } from './support/browser-session';
import { expectProblem } from './support/problems';
import { createTestApp, TestApp } from './support/test-app';
import { expireToken, tokenCount, tokenRow } from './support/tokens';

const NOT_PROVIDED = 'Authentication credentials were not provided.';

function expectSessionCleared(response: { headers: Record<string, unknown> } & Parameters<typeof setCookies>[0]): void {
  const cookies = setCookies(response);
  expect(cookies.sessionid.value).toBe('');
  expect(new Date(cookies.sessionid.attributes.expires as string).getTime()).toBeLessThan(Date.now());
  // A fresh anonymous CSRF token, so the login form works straight away.
  expect(cookies.csrftoken.value).toMatch(/^[A-Za-z0-9_-]{64}$/);
}

describe('browser sessions', () => {
  let t: TestApp;
  let alice: RegisteredUser;

  beforeAll(async () => {
    t = await createTestApp();
    alice = await registerUser(t);
  });
  afterAll(async () => {
    await t.close();
  });

  const unsafe = (session: BrowserSession, path: string) =>
    t.http().post(path).set('Cookie', session.cookie).set('X-CSRFToken', session.csrftoken);

  it('holds an ordinary token: stored by digest, shown in the token list as current', async () => {
    const session = await browserLogin(t, alice);
    const row = await tokenRow(t, session.sessionid);
    expect(row).toMatchObject({ user_id: alice.id });
    const list = await t.http().get('/api/auth/tokens').set('Cookie', session.cookie).expect(200);
    const current = list.body.filter((item: { current: boolean }) => item.current);
    expect(current).toEqual([expect.objectContaining({ id: row?.id, current: true })]);
  });

  it('logout revokes the session token and clears the cookie; the old cookie is then refused', async () => {
    const session = await browserLogin(t, alice);
    const response = await unsafe(session, '/api/auth/logout').expect(204);
    expectSessionCleared(response);
    expect(await tokenRow(t, session.sessionid)).toBeUndefined();

    const after = await t.http().get('/api/auth/user').set('Cookie', session.cookie);
    expectProblem(after, 401, NOT_PROVIDED);
    expectSessionCleared(after);
  });

  it('logout needs the CSRF token like any unsafe request', async () => {
    const session = await browserLogin(t, alice);
    const response = await t.http().post('/api/auth/logout').set('Cookie', session.cookie);
    expectProblem(response, 403, 'CSRF Failed: CSRF token missing.');
    expect(await tokenRow(t, session.sessionid)).toBeDefined();
  });

  it('logout with a header token leaves the browser session alone', async () => {
    const session = await browserLogin(t, alice);
    const other = await registerUser(t);
    const response = await t.http().post('/api/auth/logout').set(...tokenHeader(other.token)).set('Cookie', session.cookie).expect(204);
    expect(response.headers['set-cookie']).toBeUndefined();
    await t.http().get('/api/auth/user').set('Cookie', session.cookie).expect(200);
  });

  it('"log out everywhere" from the API ends browser sessions too', async () => {
    const user = await registerUser(t);
    const session = await browserLogin(t, user);
    await t.http().post('/api/auth/logoutall').set(...tokenHeader(user.token)).expect(204);
    expectProblem(await t.http().get('/api/auth/user').set('Cookie', session.cookie), 401, NOT_PROVIDED);
    expect(await tokenCount(t, user.id)).toBe(0);
  });

  it('"log out everywhere" from the browser clears its own cookie and ends API tokens', async () => {
    const user = await registerUser(t);
    const session = await browserLogin(t, user);
    const response = await unsafe(session, '/api/auth/logoutall').expect(204);
    expectSessionCleared(response);
    expectProblem(await t.http().get('/api/auth/user').set(...tokenHeader(user.token)), 401, 'Invalid token.');
  });

  it('revoking the session token from the token list ends the browser session', async () => {
    const user = await registerUser(t);
    const session = await browserLogin(t, user);
    const row = await tokenRow(t, session.sessionid);
    await t.http().delete(`/api/auth/tokens/${row?.id}`).set(...tokenHeader(user.token)).expect(204);
    expectProblem(await t.http().get('/api/auth/user').set('Cookie', session.cookie), 401, NOT_PROVIDED);
  });

  it('an expired session is refused, deleted and cleared from the browser', async () => {
    const session = await browserLogin(t, alice);
    await expireToken(t, session.sessionid);
    const response = await t.http().get('/api/auth/user').set('Cookie', session.cookie);
    expectProblem(response, 401, NOT_PROVIDED);
    expectSessionCleared(response);
    expect(await tokenRow(t, session.sessionid)).toBeUndefined();
  });

  it('a deactivated user’s session answers "User inactive or deleted."', async () => {
    const user = await registerUser(t);
    const session = await browserLogin(t, user);
    await t.db.query('UPDATE users SET is_active = false WHERE id = $1', [user.id]);
    expectProblem(await t.http().get('/api/auth/user').set('Cookie', session.cookie), 401, 'User inactive or deleted.');
  });

  it.each([
    ['garbage', 'not-a-token'],
    ['a well-formed token nobody issued', 'A'.repeat(49)],
    ['an empty value', ''],
  ])('a session cookie holding %s is treated as no credentials', async (_label, value) => {
    const response = await t.http().get('/api/auth/user').set('Cookie', `sessionid=${value}`);
    expectProblem(response, 401, NOT_PROVIDED);
  });

  it('a session authenticates the other protected routes too', async () => {
    const session = await browserLogin(t, alice);
    const response = await unsafe(session, '/api/auth/password/change')
      .send({ old_password: STRONG_PASSWORD, new_password1: 'quiet-Meadow-93-violin', new_password2: 'quiet-Meadow-93-violin' })
      .expect(200);
    expect(response.body).toEqual({ detail: 'New password has been saved.' });
    expect(response.headers['set-cookie']).toBeUndefined();
    // The password change keeps the session that made it and ends every other token.
    await t.http().get('/api/auth/user').set('Cookie', session.cookie).expect(200);
    expectProblem(await t.http().get('/api/auth/user').set(...tokenHeader(alice.token)), 401, 'Invalid token.');
    alice = { ...alice, password: 'quiet-Meadow-93-violin' };
  });

  it('register with the csrftoken cookie is a browser register: CSRF-checked, then signed in', async () => {
    const username = uniqueName();
    const body = { username, email: `${username}@example.com`, password: STRONG_PASSWORD };
    const csrf = await fetchCsrfToken(t);

    const refused = await t.http().post('/api/auth/register').set('Cookie', cookieHeader({ csrftoken: csrf })).send(body);
    expectProblem(refused, 403, 'CSRF Failed: CSRF token missing.');

    const response = await t.http().post('/api/auth/register').set('Cookie', cookieHeader({ csrftoken: csrf })).set('X-CSRFToken', csrf).send(body).expect(200);
    const cookies = setCookies(response);
    expect(cookies.sessionid.value).toBe(response.body.token);
    expect(cookies.csrftoken.value).not.toBe(csrf);
    const user = await t.http().get('/api/auth/user').set('Cookie', cookieHeader({ sessionid: cookies.sessionid.value })).expect(200);
    expect(user.body.username).toBe(username);
  });

  it('signing in again from a browser revokes the session it replaces', async () => {
    const user = await registerUser(t);
    const first = await browserLogin(t, user);
    const again = await t
      .http()
      .post('/api/auth/login')
      .set('Cookie', first.cookie)
      .set('X-CSRFToken', first.csrftoken)
      .send({ username: user.username, password: user.password })
      .expect(200);
    const second = setCookies(again).sessionid.value;
    expect(second).not.toBe(first.sessionid);

    const old = await t.http().get('/api/auth/user').set('Cookie', cookieHeader({ sessionid: first.sessionid }));
    expectProblem(old, 401, 'Authentication credentials were not provided.');
    await t.http().get('/api/auth/user').set('Cookie', cookieHeader({ sessionid: second })).expect(200);
  });

  it('register without the cookie sets no cookie', async () => {
    const username = uniqueName();
    const response = await t.http().post('/api/auth/register').send({ username, email: `${username}@example.com`, password: STRONG_PASSWORD }).expect(200);
    expect(response.headers['set-cookie']).toBeUndefined();
  });

  it('ignores a client-written X-Forwarded-Proto when no proxy is trusted (no Secure flag)', async () => {
    const csrf = await fetchCsrfToken(t);
    // TRUST_PROXY is off in this app: a client-written X-Forwarded-Proto changes nothing.
    const response = await t
      .http()
      .post('/api/auth/login')
      .set('X-Forwarded-Proto', 'https')
      .set('Cookie', cookieHeader({ csrftoken: csrf }))
      .set('X-CSRFToken', csrf)
      .send({ username: alice.username, password: alice.password })
      .expect(200);
    expect(setCookies(response).sessionid.attributes.secure).toBeUndefined();
  });
});

describe('browser sessions with other settings', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'leads-secret-'));
  });
  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('respects the token limit, TRUST_PROXY and COOKIE_SECURE', async () => {
    const t = await createTestApp({ AUTH_TOKEN_LIMIT_PER_USER: '2', TRUST_PROXY: 'loopback', SECRET_KEY: 'k'.repeat(40) });
    try {
      const user = await registerUser(t);
      const csrf = await fetchCsrfToken(t);
      const login = () =>
        t.http().post('/api/auth/login').set('Cookie', cookieHeader({ csrftoken: csrf })).set('X-CSRFToken', csrf).send({ username: user.username, password: user.password });
      const secure = await login().set('X-Forwarded-Proto', 'https').set('Origin', t.baseUrl.replace('http:', 'https:')).expect(200);
      const cookies = setCookies(secure);
      expect(cookies.sessionid.attributes.secure).toBe(true);
      expect(cookies.csrftoken.attributes.secure).toBe(true);
      // Behind the proxy the origin is https://host: the plain-HTTP origin no longer matches.
      expectProblem(
        await login().set('X-Forwarded-Proto', 'https').set('Origin', t.baseUrl),
        403,
        `CSRF Failed: Origin checking failed - ${t.baseUrl} does not match any trusted origins.`,
      );
      expectProblem(await login(), 403, 'Maximum amount of tokens allowed per user exceeded.');
    } finally {
      await t.close();
    }
    const s = await createTestApp({ COOKIE_SECURE: 'true', SECRET_KEY: 'k'.repeat(40) });
    try {
      const response = await s.http().get('/api/auth/login').expect(200);
      expect(setCookies(response).csrftoken.attributes.secure).toBe(true);
    } finally {
      await s.close();
    }
  });

  it('keeps a generated key in DATA_DIR/secret-key (0600), so a restart keeps CSRF tokens valid; another key refuses them', async () => {
    const first = await createTestApp({ DATA_DIR: dataDir });
    let csrf: string;
    try {
      csrf = await fetchCsrfToken(first);
    } finally {
      await first.close();
    }
    const file = join(dataDir, 'secret-key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim().length).toBeGreaterThanOrEqual(32);

    const restarted = await createTestApp({ DATA_DIR: dataDir });
    const otherKey = await createTestApp({ DATA_DIR: dataDir, SECRET_KEY: 'another-secret-key-of-enough-length-123' });
    try {
      const user = await registerUser(restarted);
      const attempt = (t: TestApp) =>
        t.http().post('/api/auth/login').set('Cookie', cookieHeader({ csrftoken: csrf })).set('X-CSRFToken', csrf).send({ username: user.username, password: user.password });
      await attempt(restarted).expect(200);
      expectProblem(await attempt(otherKey), 403, 'CSRF Failed: CSRF token incorrect.');
    } finally {
      await restarted.close();
      await otherKey.close();
    }
  });
});
