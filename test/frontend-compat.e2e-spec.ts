import { createTestApp, TestApp } from './support/test-app';

/**
 * One ordinary session of the tutorial's React + Redux front end, as a black box over HTTP, written
 * from the wire contract (v2) alone. The front end is axios: JSON bodies, `Authorization: Token …`,
 * axios's default `Accept`, and no redirects followed silently. It maps over the leads list, and its
 * alerts read field errors at the top level of the body (`username`, `email`, `message`,
 * `non_field_errors`), each an array of sentences. Each step leans on the state of the steps before.
 */

const AXIOS_ACCEPT = 'application/json, text/plain, */*';
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;

const TOO_SHORT = 'This password is too short. It must contain at least 8 characters.';
const TOO_COMMON = 'This password is too common.';
const ENTIRELY_NUMERIC = 'This password is entirely numeric.';
const TOO_SIMILAR_TO_USERNAME = 'The password is too similar to the username.';
const INCORRECT_CREDENTIALS = { non_field_errors: ['Incorrect Credentials Passed.'] };
const NOT_FOUND = { detail: 'Not found.' };
const NO_CREDENTIALS = { detail: 'Authentication credentials were not provided.' };
const INVALID_TOKEN = { detail: 'Invalid token.' };
const DUPLICATE_LEAD_EMAIL = { email: ['lead with this email already exists.'] };

interface Reply {
  status: number;
  headers: Headers;
  text: string;
  body: unknown;
}

interface CallOptions {
  token?: string;
  /** Sent as axios sends an object: `JSON.stringify` with `Content-Type: application/json`. */
  json?: unknown;
  /** `axios.post(url, null, tokenConfig)`: `Content-Type: application/json` and no body at all. */
  nullBody?: boolean;
  accept?: string;
}

interface Lead {
  id: number;
  name: string;
  email: string;
  message: string;
  owner: number;
  created_at: string;
  updated_at: string;
}

describe('the tutorial front end, through one session (contract v2)', () => {
  let t: TestApp;

  const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const alice = { username: `fe_${run}_alice`, email: `alice.${run}@example.com`, password: `Corr3ct-Horse-${run}` };
  const bob = { username: `fe_${run}_bob`, password: `Batt3ry-Staple-${run}` };
  const aliceNewPassword = `N3w-Stapler-${run}`;

  let aliceId: number | undefined;
  let aliceRegisterToken: string | undefined;
  let aliceToken: string | undefined;
  let bobId: number | undefined;
  let bobToken: string | undefined;
  let firstLead: Lead | undefined;
  let secondLead: Lead | undefined;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  async function call(method: string, pathOrUrl: string, options: CallOptions = {}): Promise<Reply> {
    const headers: Record<string, string> = { Accept: options.accept ?? AXIOS_ACCEPT };
    if (options.token !== undefined) headers.Authorization = `Token ${options.token}`;
    let body: string | undefined;
    if (options.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.nullBody) {
      headers['Content-Type'] = 'application/json';
    }
    const url = /^https?:\/\//.test(pathOrUrl) ? pathOrUrl : `${t.baseUrl}${pathOrUrl}`;
    // A redirect (e.g. /api/leads/ -> /api/leads) would turn the front end's POST into a GET: it must show.
    const response = await fetch(url, { method, headers, body, redirect: 'manual' });
    const text = await response.text();
    let parsed: unknown;
    if (text !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
    }
    return { status: response.status, headers: response.headers, text, body: parsed };
  }

  /** Status and body in one expectation, so a failure shows both. */
  function expectReply(reply: Reply, status: number, body: unknown): void {
    expect({ status: reply.status, body: reply.body }).toEqual({ status, body });
  }

  /** DRF's error bodies are plain JSON unless the client asks for problem details. */
  function expectDrfError(reply: Reply, status: number, body: unknown): void {
    expectReply(reply, status, body);
    expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
  }

  function expectUnauthorized(reply: Reply, body: unknown): void {
    expectDrfError(reply, 401, body);
    expect(reply.headers.get('www-authenticate')).toBe('Token');
  }

  function field<T>(value: unknown, key: string): T | undefined {
    return typeof value === 'object' && value !== null ? ((value as Record<string, unknown>)[key] as T) : undefined;
  }

  it('1. registers with username, email and password, and without an email', async () => {
    // Both users first, so that later steps still have them when an assertion here fails.
    const reply = await call('POST', '/api/auth/register', { json: alice });
    aliceRegisterToken = field<string>(reply.body, 'token');
    aliceId = field<number>(field(reply.body, 'user'), 'id');
    const withoutEmail = await call('POST', '/api/auth/register', { json: bob });
    bobToken = field<string>(withoutEmail.body, 'token');
    bobId = field<number>(field(withoutEmail.body, 'user'), 'id');

    expectReply(reply, 200, {
      user: { id: expect.any(Number), username: alice.username, email: alice.email },
      token: expect.any(String),
      expiry: expect.stringMatching(ISO_UTC),
    });
    expect(Number.isInteger(aliceId)).toBe(true);
    expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
    expect(reply.headers.get('cache-control')).toMatch(/no-store/);

    expectReply(withoutEmail, 200, {
      user: { id: expect.any(Number), username: bob.username, email: '' },
      token: expect.any(String),
      expiry: expect.stringMatching(ISO_UTC),
    });
    expect(bobId).not.toBe(aliceId);
  });

  it('2. refuses the same username again, with the error at the top level under username', async () => {
    const again = await call('POST', '/api/auth/register', { json: alice });
    expectDrfError(again, 400, { username: ['A user with that username already exists.'] });

    const otherCase = await call('POST', '/api/auth/register', {
      json: { ...alice, username: alice.username.toUpperCase() },
    });
    expectDrfError(otherCase, 400, { username: ['A user with that username already exists.'] });
  });

  it("3. refuses weak passwords with Django's sentences under password", async () => {
    const username = `fe_${run}_weak`;

    const short = await call('POST', '/api/auth/register', { json: { username, password: 'Xq7' } });
    expectDrfError(short, 400, { password: [TOO_SHORT] });

    const common = await call('POST', '/api/auth/register', { json: { username, password: 'password' } });
    expectDrfError(common, 400, { password: [TOO_COMMON] });

    const similar = await call('POST', '/api/auth/register', { json: { username, password: `${username}9` } });
    expectDrfError(similar, 400, { password: [TOO_SIMILAR_TO_USERNAME] });

    // Every failing validator speaks, not only the first.
    const numeric = await call('POST', '/api/auth/register', { json: { username, password: '1234' } });
    expect(numeric.status).toBe(400);
    const sentences = field<unknown>(numeric.body, 'password');
    expect(Array.isArray(sentences)).toBe(true);
    expect([...(sentences as string[])].sort()).toEqual([TOO_SHORT, TOO_COMMON, ENTIRELY_NUMERIC].sort());

    // None of these created the user.
    const login = await call('POST', '/api/auth/login', { json: { username, password: 'password' } });
    expectDrfError(login, 400, INCORRECT_CREDENTIALS);
  });

  it('4. refuses a wrong login with non_field_errors, and missing fields per field', async () => {
    const wrongPassword = await call('POST', '/api/auth/login', {
      json: { username: alice.username, password: `${alice.password}x` },
    });
    expectDrfError(wrongPassword, 400, INCORRECT_CREDENTIALS);

    const unknownUser = await call('POST', '/api/auth/login', {
      json: { username: `fe_${run}_nobody`, password: alice.password },
    });
    expectDrfError(unknownUser, 400, INCORRECT_CREDENTIALS);

    const noUsername = await call('POST', '/api/auth/login', { json: { password: alice.password } });
    expectDrfError(noUsername, 400, { username: ['This field is required.'] });

    const noPassword = await call('POST', '/api/auth/login', { json: { username: alice.username } });
    expectDrfError(noPassword, 400, { password: ['This field is required.'] });

    const empty = await call('POST', '/api/auth/login', { json: {} });
    expectDrfError(empty, 400, { username: ['This field is required.'], password: ['This field is required.'] });
  });

  it('5. logs in and gets {expiry, token, user}', async () => {
    const reply = await call('POST', '/api/auth/login', {
      json: { username: alice.username, password: alice.password },
    });
    aliceToken = field<string>(reply.body, 'token');
    expectReply(reply, 200, {
      expiry: expect.stringMatching(ISO_UTC),
      token: expect.any(String),
      user: { id: aliceId, username: alice.username, email: alice.email },
    });
    expect(aliceToken).not.toBe(aliceRegisterToken);
    expect(reply.headers.get('cache-control')).toMatch(/no-store/);
  });

  it('6. loads the user with the Token header', async () => {
    const reply = await call('GET', '/api/auth/user', { token: aliceToken });
    expectReply(reply, 200, { id: aliceId, username: alice.username, email: alice.email });

    const bobUser = await call('GET', '/api/auth/user', { token: bobToken });
    expectReply(bobUser, 200, { id: bobId, username: bob.username, email: '' });
  });

  it('7. lists the leads as a plain array, empty at first, that the front end can map over', async () => {
    const reply = await call('GET', '/api/leads/', { token: aliceToken });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
    expect(Array.isArray(reply.body)).toBe(true);
    expect(reply.body).toEqual([]);
    expect((reply.body as Lead[]).map((lead) => lead.name)).toEqual([]);
  });

  it('8. adds leads and gets each back as a snake_case lead owned by the user', async () => {
    // Both leads first, so that later steps still have them when an assertion here fails.
    const first = { name: 'Ada Lovelace', email: `ada.${run}@example.com`, message: 'Read the tutorial, wants a demo' };
    const reply = await call('POST', '/api/leads/', { token: aliceToken, json: first });
    firstLead = reply.body as Lead;
    const second = { name: 'Grace Hopper', email: `grace.${run}@example.com`, message: 'Found us via the tutorial' };
    const secondReply = await call('POST', '/api/leads/', { token: aliceToken, json: second });
    secondLead = secondReply.body as Lead;

    expectReply(reply, 201, {
      id: expect.any(Number),
      ...first,
      owner: aliceId,
      created_at: expect.stringMatching(ISO_UTC),
      updated_at: expect.stringMatching(ISO_UTC),
    });
    expect(Number.isInteger(firstLead.id)).toBe(true);

    expectReply(secondReply, 201, {
      id: expect.any(Number),
      ...second,
      owner: aliceId,
      created_at: expect.stringMatching(ISO_UTC),
      updated_at: expect.stringMatching(ISO_UTC),
    });
    expect(secondLead.id).toBeGreaterThan(firstLead.id);
  });

  it('9. refuses a second lead with the same email, and a blank message, per field', async () => {
    const duplicate = await call('POST', '/api/leads/', {
      token: aliceToken,
      json: { name: 'Ada again', email: firstLead?.email, message: 'Second form' },
    });
    expectDrfError(duplicate, 400, DUPLICATE_LEAD_EMAIL);

    const duplicateOtherCase = await call('POST', '/api/leads/', {
      token: aliceToken,
      json: { name: 'Ada again', email: firstLead?.email.toUpperCase(), message: 'Second form' },
    });
    expectDrfError(duplicateOtherCase, 400, DUPLICATE_LEAD_EMAIL);

    const blank = await call('POST', '/api/leads/', {
      token: aliceToken,
      json: { name: 'Blank message', email: `blank.${run}@example.com`, message: '' },
    });
    expectDrfError(blank, 400, { message: ['This field may not be blank.'] });
  });

  it('10. lists the leads in id order, and as an envelope with absolute next/previous when limited', async () => {
    const list = await call('GET', '/api/leads/', { token: aliceToken });
    expectReply(list, 200, [firstLead, secondLead]);

    const page = await call('GET', '/api/leads/?limit=1&search=tutorial&ordering=id', { token: aliceToken });
    expectReply(page, 200, { count: 2, next: expect.any(String), previous: null, results: [firstLead] });

    const next = new URL(field<string>(page.body, 'next') ?? '');
    expect(next.host).toBe(new URL(t.baseUrl).host);
    expect(next.pathname).toMatch(/^\/api\/leads\/?$/);
    expect(next.searchParams.get('limit')).toBe('1');
    expect(next.searchParams.get('offset')).toBe('1');
    expect(next.searchParams.get('search')).toBe('tutorial');
    expect(next.searchParams.get('ordering')).toBe('id');

    const nextPage = await call('GET', next.href, { token: aliceToken });
    expectReply(nextPage, 200, { count: 2, next: null, previous: expect.any(String), results: [secondLead] });

    const previous = new URL(field<string>(nextPage.body, 'previous') ?? '');
    expect(previous.host).toBe(new URL(t.baseUrl).host);
    expect(previous.searchParams.get('limit')).toBe('1');
    expect(previous.searchParams.get('search')).toBe('tutorial');
    expect(previous.searchParams.get('ordering')).toBe('id');
    expect([null, '0']).toContain(previous.searchParams.get('offset'));
  });

  it('11. deletes a lead: 204, gone from the list, and 404 Not found. after', async () => {
    const deleted = await call('DELETE', `/api/leads/${firstLead?.id}/`, { token: aliceToken });
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');

    const list = await call('GET', '/api/leads/', { token: aliceToken });
    expectReply(list, 200, [secondLead]);

    const gone = await call('GET', `/api/leads/${firstLead?.id}/`, { token: aliceToken });
    expectDrfError(gone, 404, NOT_FOUND);

    const again = await call('DELETE', `/api/leads/${firstLead?.id}/`, { token: aliceToken });
    expectDrfError(again, 404, NOT_FOUND);
  });

  it("12. answers 404 for another user's lead on GET/PUT/PATCH/DELETE and leaves it untouched", async () => {
    const path = `/api/leads/${secondLead?.id}/`;
    const replacement = { name: 'Taken over', email: `taken.${run}@example.com`, message: 'Not yours' };

    expectDrfError(await call('GET', path, { token: bobToken }), 404, NOT_FOUND);
    expectDrfError(await call('PUT', path, { token: bobToken, json: replacement }), 404, NOT_FOUND);
    expectDrfError(await call('PATCH', path, { token: bobToken, json: { message: 'Not yours' } }), 404, NOT_FOUND);
    expectDrfError(await call('DELETE', path, { token: bobToken }), 404, NOT_FOUND);

    const untouched = await call('GET', path, { token: aliceToken });
    expectReply(untouched, 200, secondLead);

    // Unique per owner: Bob holding the same address must not learn that Alice has it.
    const sameEmail = { name: 'Grace for Bob', email: secondLead?.email, message: 'Bob met her too' };
    const bobLead = await call('POST', '/api/leads/', { token: bobToken, json: sameEmail });
    expectReply(bobLead, 201, {
      id: expect.any(Number),
      ...sameEmail,
      owner: bobId,
      created_at: expect.stringMatching(ISO_UTC),
      updated_at: expect.stringMatching(ISO_UTC),
    });

    expectReply(await call('GET', '/api/leads/', { token: bobToken }), 200, [bobLead.body]);
    expectReply(await call('GET', '/api/leads/', { token: aliceToken }), 200, [secondLead]);
  });

  it('13. sends errors as application/json, and as problem details with the same sentences on request', async () => {
    const problem = 'application/problem+json';
    const duplicate = { name: 'Grace again', email: secondLead?.email, message: 'Second form' };

    const plain = await call('POST', '/api/leads/', { token: aliceToken, json: duplicate, accept: 'application/json' });
    expectDrfError(plain, 400, DUPLICATE_LEAD_EMAIL);

    const validation = await call('POST', '/api/leads/', { token: aliceToken, json: duplicate, accept: problem });
    expectReply(validation, 400, {
      type: 'about:blank',
      title: 'Bad Request',
      status: 400,
      detail: expect.any(String),
      errors: DUPLICATE_LEAD_EMAIL,
    });
    expect(validation.headers.get('content-type')).toMatch(/^application\/problem\+json/);

    const login = await call('POST', '/api/auth/login', {
      json: { username: alice.username, password: 'not-her-password' },
      accept: problem,
    });
    expectReply(login, 400, {
      type: 'about:blank',
      title: 'Bad Request',
      status: 400,
      detail: expect.any(String),
      errors: INCORRECT_CREDENTIALS,
    });
    expect(login.headers.get('content-type')).toMatch(/^application\/problem\+json/);

    const notFound = await call('GET', `/api/leads/${firstLead?.id}/`, { token: aliceToken, accept: problem });
    expectReply(notFound, 404, { type: 'about:blank', title: 'Not Found', status: 404, detail: 'Not found.' });
    expect(notFound.headers.get('content-type')).toMatch(/^application\/problem\+json/);

    const unauthorized = await call('GET', '/api/leads/', { accept: problem });
    expectReply(unauthorized, 401, {
      type: 'about:blank',
      title: 'Unauthorized',
      status: 401,
      detail: NO_CREDENTIALS.detail,
    });
    expect(unauthorized.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(unauthorized.headers.get('www-authenticate')).toBe('Token');
  });

  it('14. answers 401 with WWW-Authenticate: Token when no token is sent', async () => {
    expectUnauthorized(await call('GET', '/api/leads/'), NO_CREDENTIALS);
    expectUnauthorized(await call('GET', '/api/auth/user'), NO_CREDENTIALS);
    expectUnauthorized(
      await call('POST', '/api/leads/', { json: { name: 'Anon', email: `anon.${run}@example.com`, message: 'Hi' } }),
      NO_CREDENTIALS,
    );
  });

  it("15. logs out at /api/auth/logout/ with {} and with the front end's null body, revoking that token", async () => {
    const logout = await call('POST', '/api/auth/logout/', { token: aliceToken, json: {} });
    expect(logout.status).toBe(204);
    expect(logout.text).toBe('');
    expectUnauthorized(await call('GET', '/api/auth/user', { token: aliceToken }), INVALID_TOKEN);

    // knox's logout revokes the token used, not the user's others.
    const registerTokenUser = await call('GET', '/api/auth/user', { token: aliceRegisterToken });
    expectReply(registerTokenUser, 200, { id: aliceId, username: alice.username, email: alice.email });

    // The tutorial's front end: axios.post('/api/auth/logout/', null, tokenConfig) sends the JSON
    // content type with no body at all.
    const nullLogout = await call('POST', '/api/auth/logout/', { token: aliceRegisterToken, nullBody: true });
    expect(nullLogout.status).toBe(204);
    expect(nullLogout.text).toBe('');
    expectUnauthorized(await call('GET', '/api/auth/user', { token: aliceRegisterToken }), INVALID_TOKEN);
  });

  it('16. changes the password, refusing a mismatch and a wrong old password', async () => {
    const credentials = { username: alice.username, password: alice.password };
    const first = await call('POST', '/api/auth/login', { json: credentials });
    const second = await call('POST', '/api/auth/login', { json: credentials });
    expect([first.status, second.status]).toEqual([200, 200]);
    const token = field<string>(first.body, 'token');
    const otherToken = field<string>(second.body, 'token');

    const mismatched = await call('POST', '/api/auth/password/change', {
      token,
      json: { old_password: alice.password, new_password1: aliceNewPassword, new_password2: `${aliceNewPassword}x` },
    });
    expectDrfError(mismatched, 400, { new_password2: ['The two password fields didn’t match.'] });

    const wrongOld = await call('POST', '/api/auth/password/change', {
      token,
      json: { old_password: `${alice.password}x`, new_password1: aliceNewPassword, new_password2: aliceNewPassword },
    });
    expectDrfError(wrongOld, 400, {
      old_password: ['Your old password was entered incorrectly. Please enter it again.'],
    });

    const weak = await call('POST', '/api/auth/password/change', {
      token,
      json: { old_password: alice.password, new_password1: 'Xq7', new_password2: 'Xq7' },
    });
    expectDrfError(weak, 400, { new_password2: [TOO_SHORT] });

    const changed = await call('POST', '/api/auth/password/change', {
      token,
      json: { old_password: alice.password, new_password1: aliceNewPassword, new_password2: aliceNewPassword },
    });
    expectReply(changed, 200, { detail: 'New password has been saved.' });

    expectReply(await call('GET', '/api/auth/user', { token }), 200, {
      id: aliceId,
      username: alice.username,
      email: alice.email,
    });
    expectUnauthorized(await call('GET', '/api/auth/user', { token: otherToken }), INVALID_TOKEN);

    const oldLogin = await call('POST', '/api/auth/login', { json: credentials });
    expectDrfError(oldLogin, 400, INCORRECT_CREDENTIALS);
    const newLogin = await call('POST', '/api/auth/login', {
      json: { username: alice.username, password: aliceNewPassword },
    });
    expect(newLogin.status).toBe(200);
  });
});
