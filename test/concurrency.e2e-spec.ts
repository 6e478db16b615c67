import { generateToken } from '../src/auth/token-crypto';
import { registerUser, RegisteredUser, STRONG_PASSWORD, tokenHeader, uniqueName } from './support/accounts';
import { expectFieldErrors } from './support/problems';
import { createTestApp, TestApp } from './support/test-app';
import { tokenCount } from './support/tokens';

// 50 argon2 verifications on a shared 2-core machine take several seconds.
jest.setTimeout(60_000);

const statuses = (responses: Array<{ status: number }>): Record<number, number> =>
  responses.reduce<Record<number, number>>((counts, { status }) => ({ ...counts, [status]: (counts[status] ?? 0) + 1 }), {});

/** A user with no tokens at all, so that counts below are only what the test issued. */
async function userWithoutTokens(t: TestApp): Promise<RegisteredUser> {
  const user = await registerUser(t);
  await t.http().post('/api/auth/logout').set(...tokenHeader(user.token)).expect(204);
  return user;
}

const parallelLogins = (t: TestApp, user: RegisteredUser, count: number) =>
  Promise.all(Array.from({ length: count }, () => t.http().post('/api/auth/login').send({ username: user.username, password: user.password })));

describe('50 parallel logins against a login throttle of 5', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ THROTTLE_LOGIN_PER_USERNAME: '5', THROTTLE_LOGIN_PER_IP: '1000' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('lets exactly 5 through, throttles 45, and leaves exactly 5 tokens', async () => {
    const user = await userWithoutTokens(t);
    const responses = await parallelLogins(t, user, 50);
    expect(statuses(responses)).toEqual({ 200: 5, 429: 45 });
    expect(await tokenCount(t, user.id)).toBe(5);
  });
});

describe('50 parallel logins against a token limit of 5', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ AUTH_TOKEN_LIMIT_PER_USER: '5' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('issues exactly 5 tokens and refuses 45 with 403', async () => {
    const user = await userWithoutTokens(t);
    const responses = await parallelLogins(t, user, 50);
    expect(statuses(responses)).toEqual({ 200: 5, 403: 45 });
    const refused = responses.find((response) => response.status === 403);
    expect(refused?.body.detail).toBe('Maximum amount of tokens allowed per user exceeded.');
    expect(await tokenCount(t, user.id)).toBe(5);
  });
});

describe('parallel writes of one unique value', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('20 parallel creates of one lead email leave one lead and 19 answers of 400 on email', async () => {
    const user = await registerUser(t);
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        t
          .http()
          .post('/api/leads')
          .set(...tokenHeader(user.token))
          // The email differs only in case: uniqueness is case-insensitive.
          .send({ name: `Lead ${index}`, email: index % 2 ? 'Same@Example.com' : 'same@example.com', message: 'Hello.' }),
      ),
    );
    expect(statuses(responses)).toEqual({ 201: 1, 400: 19 });
    for (const response of responses.filter(({ status }) => status === 400)) {
      expectFieldErrors(response, { email: ['lead with this email already exists.'] });
    }
    const { rows } = await t.db.query('SELECT count(*)::int AS count FROM leads WHERE owner_id = $1', [user.id]);
    expect(rows[0].count).toBe(1);
  });

  it('10 parallel registrations of one username create one user and answer 400 under username to the rest', async () => {
    const username = uniqueName();
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        t
          .http()
          .post('/api/auth/register')
          .send({ username: index % 2 ? username.toUpperCase() : username, email: `${username}${index}@example.com`, password: STRONG_PASSWORD }),
      ),
    );
    expect(statuses(responses)).toEqual({ 200: 1, 400: 9 });
    for (const response of responses.filter(({ status }) => status === 400)) {
      expect(response.body).toEqual({ username: ['A user with that username already exists.'] });
    }
    const { rows } = await t.db.query('SELECT count(*)::int AS count FROM users WHERE lower(username) = lower($1)', [username]);
    expect(rows[0].count).toBe(1);
    const tokens = await t.db.query('SELECT count(*)::int AS count FROM auth_tokens t JOIN users u ON u.id = t.user_id WHERE lower(u.username) = lower($1)', [username]);
    expect(tokens.rows[0].count).toBe(1);
  });
});

describe('a token used while it is being revoked', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('never answers 5xx, and the token is dead afterwards', async () => {
    const user = await registerUser(t);
    const seen = new Set<number>();
    for (let round = 0; round < 15; round += 1) {
      const { token, digest, tokenKey } = generateToken('');
      const { rows } = await t.db.query<{ id: number }>(
        `INSERT INTO auth_tokens (digest, token_key, user_id, expiry) VALUES ($1, $2, $3, now() + interval '1 hour') RETURNING id`,
        [digest, tokenKey, user.id],
      );
      const auth = tokenHeader(token);
      const revoke = [
        () => t.http().post('/api/auth/logout').set(...auth),
        () => t.http().post('/api/auth/logoutall').set(...auth),
        () => t.http().delete(`/api/auth/tokens/${rows[0].id}`).set(...auth),
      ][round % 3];
      const responses = await Promise.all([
        t.http().get('/api/auth/user').set(...auth),
        t.http().get('/api/leads').set(...auth),
        revoke(),
        t.http().get('/api/auth/tokens').set(...auth),
        t.http().post('/api/leads').set(...auth).send({ name: 'Race', email: `race${round}@example.com`, message: 'Hi.' }),
        t.http().post('/api/auth/logout').set(...auth),
        t.http().get('/api/auth/user').set(...auth),
      ]);
      for (const response of responses) {
        seen.add(response.status);
        expect(response.status).toBeLessThan(500);
      }
      await t.http().get('/api/auth/user').set(...auth).expect(401);
    }
    // Both sides of the race were reached: some requests got in before the revocation, some after.
    expect(seen.has(401)).toBe(true);
    expect([...seen].some((status) => status < 300)).toBe(true);
  });
});
