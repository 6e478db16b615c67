import { registerUser, STRONG_PASSWORD, uniqueName } from './support/accounts';
import { expectProblem } from './support/problems';
import { createTestApp, TestApp } from './support/test-app';

const THROTTLED = /^Request was throttled\. Expected available in \d+ seconds?\.$/;

function expectThrottled(response: { status: number; headers: Record<string, string>; body: { detail?: string } }): void {
  expect(response.status).toBe(429);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(response.body.detail).toMatch(THROTTLED);
  const retryAfter = Number(response.headers['retry-after']);
  expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
}

describe('login throttled per username', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ THROTTLE_LOGIN_PER_USERNAME: '3', THROTTLE_LOGIN_PER_IP: '1000', THROTTLE_WINDOW: '60s' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers 429 with Retry-After once a username has used its attempts, even with the right password', async () => {
    const user = await registerUser(t);
    for (let attempt = 0; attempt < 3; attempt += 1) {
      await t.http().post('/api/auth/login').send({ username: user.username, password: 'wrong-password-123' }).expect(401);
    }
    const blocked = await t.http().post('/api/auth/login').send({ username: user.username, password: user.password });
    expectThrottled(blocked);
    expect(blocked.body).toEqual({ type: 'about:blank', title: 'Too Many Requests', status: 429, detail: blocked.body.detail });
  });

  it('counts a username case-insensitively and across body and HTTP Basic', async () => {
    const user = await registerUser(t);
    await t.http().post('/api/auth/login').send({ username: user.username.toUpperCase(), password: user.password }).expect(200);
    await t.http().post('/api/auth/login').auth(user.username, user.password).expect(200);
    await t.http().post('/api/auth/login').type('form').send({ username: user.username, password: user.password }).expect(200);
    expectThrottled(await t.http().post('/api/auth/login').send({ username: user.username, password: user.password }));
  });

  it('leaves other usernames alone', async () => {
    const victim = await registerUser(t);
    const bystander = await registerUser(t);
    for (let attempt = 0; attempt < 4; attempt += 1) {
      await t.http().post('/api/auth/login').send({ username: victim.username, password: 'nope-nope-nope' });
    }
    await t.http().post('/api/auth/login').send({ username: bystander.username, password: bystander.password }).expect(200);
  });

  it('still validates a login without a username (no username, nothing to count)', async () => {
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const response = await t.http().post('/api/auth/login').send({ password: STRONG_PASSWORD });
      expectProblem(response, 400, 'Invalid input.');
    }
  });
});

describe('login throttled per IP', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ THROTTLE_LOGIN_PER_IP: '4', THROTTLE_LOGIN_PER_USERNAME: '1000' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('limits one address spraying many usernames, and ignores a forged X-Forwarded-For', async () => {
    for (let attempt = 0; attempt < 4; attempt += 1) {
      await t.http().post('/api/auth/login').send({ username: uniqueName(), password: 'whatever-123' }).expect(401);
    }
    expectThrottled(await t.http().post('/api/auth/login').send({ username: uniqueName(), password: 'whatever-123' }));
    const forged = await t.http().post('/api/auth/login').set('X-Forwarded-For', '203.0.113.9').send({ username: uniqueName(), password: 'x-123456789' });
    expectThrottled(forged);
  });

  it('does not throttle other routes', async () => {
    await t.http().get('/health').expect(200);
    await t.http().get('/api/auth/user').expect(401);
  });
});

describe('register throttled per IP', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ THROTTLE_REGISTER_PER_IP: '2' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers 429 after the limit and creates no user for the throttled request', async () => {
    await registerUser(t);
    await registerUser(t);
    const username = uniqueName();
    const response = await t.http().post('/api/auth/register').send({ username, email: `${username}@example.com`, password: STRONG_PASSWORD });
    expectThrottled(response);
    const { rows } = await t.db.query('SELECT 1 FROM users WHERE username = $1', [username]);
    expect(rows).toHaveLength(0);
  });
});

describe('behind a trusted proxy', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ TRUST_PROXY: 'loopback', THROTTLE_LOGIN_PER_IP: '2', THROTTLE_LOGIN_PER_USERNAME: '1000' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('counts each client address the proxy reports separately', async () => {
    const from = (ip: string) => t.http().post('/api/auth/login').set('X-Forwarded-For', ip).send({ username: uniqueName(), password: 'whatever-123' });
    await from('198.51.100.1').expect(401);
    await from('198.51.100.1').expect(401);
    expectThrottled(await from('198.51.100.1'));
    await from('198.51.100.2').expect(401);
  });
});
