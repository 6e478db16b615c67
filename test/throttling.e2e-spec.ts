import type { Response } from 'supertest';
import { registerUser, STRONG_PASSWORD, tokenHeader, uniqueName } from './support/accounts';
import { expectFieldErrors } from './support/problems';
import { createTestApp, TestApp } from './support/test-app';
import { login } from './support/tokens';

const THROTTLED = /^Request was throttled\. Expected available in \d+ seconds?\.$/;

function expectThrottled(response: { status: number; headers: Record<string, string>; body: { detail?: string } }): void {
  expect(response.status).toBe(429);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  expect(Object.keys(response.body)).toEqual(['detail']);
  expect(response.body.detail).toMatch(THROTTLED);
  // DRF's sentence names the same wait as the header.
  expect(response.body.detail).toContain(`in ${response.headers['retry-after']} second`);
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
      await t.http().post('/api/auth/login').send({ username: user.username, password: 'wrong-password-123' }).expect(400);
    }
    const blocked = await t.http().post('/api/auth/login').send({ username: user.username, password: user.password });
    expectThrottled(blocked);
    expect(blocked.body).toEqual({ detail: blocked.body.detail });
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
      expectFieldErrors(response, { username: ['This field is required.'] });
    }
  });
});

/** ASCII letters and digits as their fullwidth forms (`bob` → `ｂｏｂ`), which NFKC maps back. */
const toFullwidth = (text: string): string => text.replace(/[A-Za-z0-9]/g, (c) => String.fromCodePoint(c.codePointAt(0)! + 0xfee0));

/** A login refused for its credentials (not throttled, not let in): the body login's 400, or HTTP Basic's 401. */
function expectLoginRefused(response: Response, source: 'body' | 'basic' = 'body'): void {
  expect({ status: response.status, body: response.body as unknown }).toEqual(
    source === 'body'
      ? { status: 400, body: { non_field_errors: ['Incorrect Credentials Passed.'] } }
      : { status: 401, body: { detail: 'Invalid username/password.' } },
  );
}

describe('login throttled per username, however the username is spelled', () => {
  const LIMIT = 6;
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ THROTTLE_LOGIN_PER_USERNAME: String(LIMIT), THROTTLE_LOGIN_PER_IP: '1000', THROTTLE_WINDOW: '60s' });
  });
  afterAll(async () => {
    await t.close();
  });

  // What login trims, normalises (NFKC) and compares case-insensitively: all one account, so all one budget.
  const spellings = (name: string): string[] => [` ${name}`, `${name} `, `${name}\t`, name.toUpperCase(), `${toFullwidth(name[0])}${name.slice(1)}`];

  it('counts padded, upper-case and fullwidth spellings, in the body and over HTTP Basic, against one limit', async () => {
    const bob = await registerUser(t, uniqueName('bob'));
    for (const username of spellings(bob.username)) {
      expectLoginRefused(await t.http().post('/api/auth/login').send({ username, password: 'wrong-Password-123' }));
    }
    // The sixth attempt, fullwidth throughout and over HTTP Basic, is still within the limit.
    expectLoginRefused(await t.http().post('/api/auth/login').auth(toFullwidth(bob.username), 'wrong-Password-123'), 'basic');

    // The limit is spent for every spelling, the right password included.
    for (const username of [bob.username, ...spellings(bob.username)]) {
      expectThrottled(await t.http().post('/api/auth/login').send({ username, password: bob.password }));
    }
    expectThrottled(await t.http().post('/api/auth/login').auth(` ${bob.username.toUpperCase()}`, bob.password));
  });

  it('gives each spelling of a name the login the name reaches (so none of them is a free budget)', async () => {
    const carol = await registerUser(t, uniqueName('carol'));
    const reached = [];
    for (const username of spellings(carol.username)) {
      const response = await t.http().post('/api/auth/login').send({ username, password: carol.password }).expect(200);
      reached.push(response.body.user.id);
    }
    expect(reached).toEqual(Array(5).fill(carol.id));
    await t.http().post('/api/auth/login').send({ username: carol.username, password: carol.password }).expect(200);
    expectThrottled(await t.http().post('/api/auth/login').send({ username: carol.username, password: carol.password }));
  });

  it('leaves other usernames alone, including ones that only look alike', async () => {
    const victim = await registerUser(t, uniqueName('dave'));
    const lookalike = await registerUser(t, `${victim.username}x`);
    for (let attempt = 0; attempt <= LIMIT; attempt += 1) {
      await t.http().post('/api/auth/login').send({ username: victim.username, password: 'nope-nope-nope' });
    }
    expectThrottled(await t.http().post('/api/auth/login').send({ username: victim.username, password: victim.password }));
    await t.http().post('/api/auth/login').send({ username: lookalike.username, password: lookalike.password }).expect(200);
  });
});

describe('password change throttled per user', () => {
  const LIMIT = 3;
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ THROTTLE_PASSWORD_CHANGE_PER_USER: String(LIMIT), THROTTLE_WINDOW: '60s' });
  });
  afterAll(async () => {
    await t.close();
  });

  const NEW_PASSWORD = 'amber-Quarry-73-whistle';
  const changePassword = (token: string, oldPassword: string) =>
    t
      .http()
      .post('/api/auth/password/change')
      .set(...tokenHeader(token))
      .send({ old_password: oldPassword, new_password1: NEW_PASSWORD, new_password2: NEW_PASSWORD });

  it('answers 429 with Retry-After once a user has used their attempts, with any of their tokens, and changes nothing', async () => {
    const user = await registerUser(t);
    const otherToken = await login(t, user);
    for (let attempt = 0; attempt < LIMIT; attempt += 1) {
      const response = await changePassword(attempt % 2 ? otherToken : user.token, `guess-${attempt}-Password`);
      expect(response.status).toBe(400);
    }
    // The right current password no longer helps, from either token.
    const blocked = await changePassword(user.token, user.password);
    expectThrottled(blocked);
    expect(blocked.body).toEqual({ detail: blocked.body.detail });
    expectThrottled(await changePassword(otherToken, user.password));
    // The password is unchanged and both sessions are still alive.
    await login(t, user);
    await t.http().get('/api/auth/user').set(...tokenHeader(otherToken)).expect(200);
  });

  it('leaves other users alone', async () => {
    const victim = await registerUser(t);
    const bystander = await registerUser(t);
    for (let attempt = 0; attempt <= LIMIT; attempt += 1) {
      await changePassword(victim.token, 'wrong-Password-1');
    }
    expectThrottled(await changePassword(victim.token, victim.password));
    await changePassword(bystander.token, bystander.password).expect(200);
    await login(t, { username: bystander.username, password: NEW_PASSWORD });
  });
});

describe('password change limit off', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ THROTTLE_PASSWORD_CHANGE_PER_USER: 'none' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('never throttles password changes when THROTTLE_PASSWORD_CHANGE_PER_USER=none', async () => {
    const user = await registerUser(t);
    for (let attempt = 0; attempt < 12; attempt += 1) {
      const response = await t
        .http()
        .post('/api/auth/password/change')
        .set(...tokenHeader(user.token))
        .send({ old_password: 'wrong-Password-1', new_password1: 'amber-Quarry-73-whistle', new_password2: 'amber-Quarry-73-whistle' });
      expect(response.status).toBe(400);
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
      await t.http().post('/api/auth/login').send({ username: uniqueName(), password: 'whatever-123' }).expect(400);
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
    await from('198.51.100.1').expect(400);
    await from('198.51.100.1').expect(400);
    expectThrottled(await from('198.51.100.1'));
    await from('198.51.100.2').expect(400);
  });
});
