import * as argon2 from 'argon2';
import { RegisteredUser, registerUser, STRONG_PASSWORD, tokenHeader, uniqueName } from './support/accounts';
import { expectFieldErrors, expectProblem } from './support/problems';
import { createTestApp, TestApp } from './support/test-app';
import { login, setActive, tokenRow, whoAmI } from './support/tokens';

const REQUIRED = 'This field is required.';
const BLANK = 'This field may not be blank.';
const NOT_NULL = 'This field may not be null.';
const NUL_CHARACTERS = 'Null characters are not allowed.';
const LOGIN_FAILED = 'Incorrect Credentials Passed.';
const BASIC_LOGIN_FAILED = 'Invalid username/password.';
const BASIC_CHALLENGE = 'Basic realm="api"';
const USERNAME_INVALID = 'Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.';
const DUPLICATE = 'A user with that username already exists.';
const WRONG_OLD = 'Your old password was entered incorrectly. Please enter it again.';
const MISMATCH = 'The two password fields didn\u2019t match.';
const TOO_SHORT = 'This password is too short. It must contain at least 8 characters.';
const TOO_COMMON = 'This password is too common.';
const NUMERIC = 'This password is entirely numeric.';
const SIMILAR_USERNAME = 'The password is too similar to the username.';
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('accounts routes', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const register = (body: Record<string, unknown>) => t.http().post('/api/auth/register').send(body);
  const fresh = (username = uniqueName()) => ({ username, email: `${username}@example.com`, password: STRONG_PASSWORD });

  describe('POST /api/auth/register', () => {
    it('creates the user and answers 200 (as the tutorial\'s RegisterAPI) with the user, a token and its expiry', async () => {
      const body = fresh();
      const before = Date.now();
      const response = await register(body).expect(200);
      // The tutorial's RegisterAPI answers user first; knox's LoginView answers expiry first.
      expect(Object.keys(response.body)).toEqual(['user', 'token', 'expiry']);
      expect(Object.keys(response.body.user)).toEqual(['id', 'username', 'email']);
      expect(response.body.user).toEqual({ id: expect.any(Number), username: body.username, email: body.email });
      expect(response.body.token).toMatch(/^[A-Za-z0-9_]{49}$/);
      expect(response.body.expiry).toMatch(ISO_UTC);
      // Default AUTH_TOKEN_TTL is 10h.
      const ttl = Date.parse(response.body.expiry) - before;
      expect(ttl).toBeGreaterThan(10 * 3600_000 - 60_000);
      expect(ttl).toBeLessThanOrEqual(10 * 3600_000 + 60_000);
      expect(response.headers['cache-control']).toBe('no-store');

      const me = await whoAmI(t, response.body.token).expect(200);
      expect(me.body).toEqual(response.body.user);
    });

    it('accepts form-urlencoded and multipart bodies', async () => {
      await t.http().post('/api/auth/register').type('form').send(fresh()).expect(200);
      const multipart = fresh();
      await t
        .http()
        .post('/api/auth/register')
        .field('username', multipart.username)
        .field('email', multipart.email)
        .field('password', multipart.password)
        .expect(200);
    });

    it('names every missing field (email is optional)', async () => {
      expectFieldErrors(await register({}), { username: [REQUIRED], password: [REQUIRED] });
    });

    it('takes no email, or a blank one, and stores and answers it as "" (Django\'s blank=True)', async () => {
      for (const email of [undefined, '', '   ']) {
        const { username, password } = fresh();
        const response = await register({ username, password, ...(email === undefined ? {} : { email }) }).expect(200);
        expect(response.body.user).toEqual({ id: expect.any(Number), username, email: '' });
        const { rows } = await t.db.query('SELECT email FROM users WHERE id = $1', [response.body.user.id]);
        expect(rows).toEqual([{ email: '' }]);
        expect((await whoAmI(t, response.body.token).expect(200)).body.email).toBe('');
      }
      const formUser = fresh();
      const form = await t.http().post('/api/auth/register').type('form').send({ username: formUser.username, email: '', password: formUser.password }).expect(200);
      expect(form.body.user.email).toBe('');
    });

    it('refuses blank and non-string values with DRF messages', async () => {
      expectFieldErrors(await register({ username: '', email: '   ', password: '' }), {
        username: [BLANK],
        password: [BLANK],
      });
      expectFieldErrors(await register({ ...fresh(), email: 42 }), { email: ['Not a valid string.'] });
      expectFieldErrors(await register({ ...fresh(), username: 42 }), { username: ['Not a valid string.'] });
    });

    it('refuses null values and NUL characters with DRF messages', async () => {
      expectFieldErrors(await register({ username: null, email: null, password: null }), {
        username: [NOT_NULL],
        email: [NOT_NULL],
        password: [NOT_NULL],
      });
      expectFieldErrors(await register({ ...fresh(), password: `${STRONG_PASSWORD}\u0000` }), { password: [NUL_CHARACTERS] });
    });

    it('applies Django\'s username rule', async () => {
      for (const username of ['has space', 'semi;colon', 'slash/', 'quote"', 'emoji😀']) {
        expectFieldErrors(await register({ ...fresh(), username }), { username: [USERNAME_INVALID] });
      }
      for (const username of [`ok.@+-_${uniqueName('')}`, `Jürgen_${uniqueName('')}`, `用户_${uniqueName('')}`]) {
        const response = await register({ ...fresh(), username }).expect(200);
        expect(response.body.user.username).toBe(username);
      }
    });

    it('trims the username and email but never the password', async () => {
      const body = fresh();
      const password = `  ${STRONG_PASSWORD}  `;
      const response = await register({ username: `  ${body.username} `, email: ` ${body.email}`, password }).expect(200);
      expect(response.body.user).toMatchObject({ username: body.username, email: body.email });
      expectFieldErrors(await t.http().post('/api/auth/login').send({ username: body.username, password: STRONG_PASSWORD }), { non_field_errors: [LOGIN_FAILED] });
      await t.http().post('/api/auth/login').send({ username: body.username, password }).expect(200);
    });

    it('enforces 150 characters for the username', async () => {
      const name150 = `u${uniqueName('').slice(1)}`.padEnd(150, 'x');
      await register({ ...fresh(), username: name150, email: 'long@example.com' }).expect(200);
      expectFieldErrors(await register({ ...fresh(), username: `${name150}y` }), {
        username: ['Ensure this field has no more than 150 characters.'],
      });
    });

    it('enforces a valid email of at most 254 characters', async () => {
      expectFieldErrors(await register({ ...fresh(), email: 'not-an-email' }), { email: ['Enter a valid email address.'] });
      const domain = `${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(57)}.com`;
      const email254 = `${'a'.repeat(64)}@${domain}`;
      expect(email254).toHaveLength(254);
      await register({ ...fresh(), email: email254 }).expect(200);
      expectFieldErrors(await register({ ...fresh(), email: `a${email254}` }), {
        email: ['Ensure this field has no more than 254 characters.'],
      });
    });

    it('enforces 4096 characters for the password, counted in code points', async () => {
      const long = 'Zq7#pLm-'.repeat(512);
      expect([...long]).toHaveLength(4096);
      await register({ ...fresh(), password: long }).expect(200);
      expectFieldErrors(await register({ ...fresh(), password: `${long}x` }), {
        password: ['Ensure this field has no more than 4096 characters.'],
      });
      // 4096 emoji are 8192 UTF-16 units but 4096 characters.
      await register({ ...fresh(), password: '🦊🦉🐙🦀'.repeat(1024) }).expect(200);
    });

    it('returns every failing Django password validator message together', async () => {
      const username = `1234567${Math.floor(Math.random() * 1e6)}`;
      expectFieldErrors(await register({ username, email: 'n@example.com', password: username.slice(0, 7) }), {
        password: [SIMILAR_USERNAME, TOO_SHORT, TOO_COMMON, NUMERIC],
      });
    });

    it.each([
      ['too short', 'Zq7#pLm', [TOO_SHORT]],
      ['too common', 'sunshine', [TOO_COMMON]],
      ['too common after lower-casing and trimming', ' PassWord ', [TOO_COMMON]],
      ['entirely numeric', '98712365401', [NUMERIC]],
      ['entirely numeric in Unicode digits', '٩٨٧١٢٣٦٥٤٠١', [NUMERIC]],
    ])('refuses a password that is %s', async (_label, password, messages) => {
      expectFieldErrors(await register({ ...fresh(), password }), { password: messages });
    });

    it('refuses a password too similar to the username or the email address', async () => {
      const username = uniqueName('marigold');
      expectFieldErrors(await register({ username, email: 'x@example.com', password: `${username}!` }), { password: [SIMILAR_USERNAME] });
      expectFieldErrors(await register({ username: uniqueName(), email: 'marigoldfield@example.com', password: 'Marigoldfield#9' }), {
        password: ['The password is too similar to the email address.'],
      });
    });

    it('reports field errors of several fields at once', async () => {
      expectFieldErrors(await register({ username: 'bad name', email: 'nope', password: 'Zq7#pLm' }), {
        username: [USERNAME_INVALID],
        email: ['Enter a valid email address.'],
        password: [TOO_SHORT],
      });
    });

    it('answers 400 under username for a username taken in any letter case', async () => {
      const base = uniqueName('Casey');
      await register(fresh(base)).expect(200);
      for (const variant of [base, base.toLowerCase(), base.toUpperCase()]) {
        expectFieldErrors(await register(fresh(variant)), { username: [DUPLICATE] });
      }
      const { rows } = await t.db.query('SELECT count(*)::int AS n FROM users WHERE lower(username) = lower($1)', [base]);
      expect(rows[0].n).toBe(1);
    });

    it('lets only one of several concurrent registrations of a name succeed', async () => {
      const name = uniqueName('race');
      const responses = await Promise.all(Array.from({ length: 5 }, (_, i) => register(fresh(i % 2 ? name : name.toUpperCase()))));
      expect(responses.map((r) => r.status).sort()).toEqual([200, 400, 400, 400, 400]);
    });

    it('refuses unknown fields', async () => {
      expectFieldErrors(await register({ ...fresh(), is_staff: true }), { is_staff: ['This field is not allowed.'] });
    });

    it('answers 400 for a body that is not an object', async () => {
      const response = await t.http().post('/api/auth/register').set('Content-Type', 'application/json').send('["a"]');
      expectFieldErrors(response, { non_field_errors: ['Invalid data. Expected a dictionary, but got list.'] });
    });
  });

  describe('POST /api/auth/login', () => {
    let alice: RegisteredUser;
    beforeAll(async () => {
      alice = await registerUser(t);
    });

    const expectLoginOk = (body: Record<string, unknown>, user: RegisteredUser) => {
      expect(Object.keys(body)).toEqual(['expiry', 'token', 'user']);
      expect(body.user).toEqual({ id: user.id, username: user.username, email: user.email });
      expect(body.token).toMatch(/^[A-Za-z0-9_]{49}$/);
      expect(body.expiry).toMatch(ISO_UTC);
    };

    it('answers 200 with a new token for JSON credentials', async () => {
      const response = await t.http().post('/api/auth/login').send({ username: alice.username, password: alice.password }).expect(200);
      expectLoginOk(response.body, alice);
      expect(response.body.token).not.toBe(alice.token);
      expect(response.headers['cache-control']).toBe('no-store');
      await whoAmI(t, response.body.token).expect(200);
    });

    it('accepts form-urlencoded credentials', async () => {
      const response = await t.http().post('/api/auth/login').type('form').send({ username: alice.username, password: alice.password }).expect(200);
      expectLoginOk(response.body, alice);
    });

    it('accepts multipart/form-data credentials', async () => {
      const response = await t.http().post('/api/auth/login').field('username', alice.username).field('password', alice.password).expect(200);
      expectLoginOk(response.body, alice);
    });

    it('accepts HTTP Basic credentials, with an optional token name in the body', async () => {
      const response = await t.http().post('/api/auth/login').auth(alice.username, alice.password).expect(200);
      expectLoginOk(response.body, alice);
      const named = await t.http().post('/api/auth/login').auth(alice.username, alice.password).send({ name: 'basic-client' }).expect(200);
      expect((await tokenRow(t, named.body.token))?.name).toBe('basic-client');
    });

    it('accepts a password containing a colon over HTTP Basic', async () => {
      const user = await registerUser(t);
      const password = 'colon:in:the-Middle-77';
      await t
        .http()
        .post('/api/auth/password/change')
        .set(...tokenHeader(user.token))
        .send({ old_password: user.password, new_password1: password, new_password2: password })
        .expect(200);
      await t.http().post('/api/auth/login').auth(user.username, password).expect(200);
    });

    it('refuses wrong Basic credentials with the login failure', async () => {
      expectProblem(await t.http().post('/api/auth/login').auth(alice.username, 'wrong-password-1'), 401, BASIC_LOGIN_FAILED, BASIC_CHALLENGE);
      expectProblem(await t.http().post('/api/auth/login').auth(uniqueName('ghost'), alice.password), 401, BASIC_LOGIN_FAILED, BASIC_CHALLENGE);
      const inactive = await registerUser(t);
      await setActive(t, inactive.id, false);
      expectProblem(await t.http().post('/api/auth/login').auth(inactive.username, inactive.password), 401, BASIC_LOGIN_FAILED, BASIC_CHALLENGE);
    });

    it.each([
      ['Basic', 'Invalid basic header. No credentials provided.'],
      ['Basic abc def', 'Invalid basic header. Credentials string should not contain spaces.'],
      ['Basic !!notbase64!!', 'Invalid basic header. Credentials not correctly base64 encoded.'],
      [`Basic ${Buffer.from('no-colon-here').toString('base64')}`, 'Invalid basic header. Credentials not correctly base64 encoded.'],
    ])('answers 401 for a malformed Basic header %j', async (header, detail) => {
      expectProblem(await t.http().post('/api/auth/login').set('Authorization', header), 401, detail, BASIC_CHALLENGE);
    });

    it('names the missing fields', async () => {
      expectFieldErrors(await t.http().post('/api/auth/login').send({}), { username: [REQUIRED], password: [REQUIRED] });
      expectFieldErrors(await t.http().post('/api/auth/login').send({ username: alice.username }), { password: [REQUIRED] });
      expectFieldErrors(await t.http().post('/api/auth/login').type('form').send({ password: 'x' }), { username: [REQUIRED] });
      expectFieldErrors(await t.http().post('/api/auth/login').send({ username: '', password: '' }), { username: [BLANK], password: [BLANK] });
    });

    it('answers 400, not a login attempt, for null or non-string credentials', async () => {
      expectFieldErrors(await t.http().post('/api/auth/login').send({ username: null, password: null }), {
        username: [NOT_NULL],
        password: [NOT_NULL],
      });
      expectFieldErrors(await t.http().post('/api/auth/login').send({ username: [alice.username], password: alice.password }), {
        username: ['Not a valid string.'],
      });
      expectFieldErrors(await t.http().post('/api/auth/login').send({ username: alice.username, password: 12345678 }), {
        password: ['Not a valid string.'],
      });
    });

    it('refuses NUL characters (which PostgreSQL cannot store) with a 4xx, never a 500', async () => {
      expectFieldErrors(await t.http().post('/api/auth/login').send({ username: 'a\u0000b', password: alice.password }), {
        username: [NUL_CHARACTERS],
      });
      expectFieldErrors(await t.http().post('/api/auth/login').send({ username: alice.username, password: alice.password, name: 'x\u0000' }), {
        name: [NUL_CHARACTERS],
      });
      // HTTP Basic bypasses the body's field checks: a name that cannot exist is simply a failed login.
      expectProblem(await t.http().post('/api/auth/login').auth(`${alice.username}\u0000`, alice.password), 401, BASIC_LOGIN_FAILED, BASIC_CHALLENGE);
    });

    it('gives one answer for a wrong password, an unknown user and an inactive user', async () => {
      expectFieldErrors(await t.http().post('/api/auth/login').send({ username: alice.username, password: 'not-the-Password-9' }), { non_field_errors: [LOGIN_FAILED] });
      expectFieldErrors(await t.http().post('/api/auth/login').send({ username: uniqueName('ghost'), password: alice.password }), { non_field_errors: [LOGIN_FAILED] });

      const carol = await registerUser(t);
      await setActive(t, carol.id, false);
      expectFieldErrors(await t.http().post('/api/auth/login').send({ username: carol.username, password: carol.password }), { non_field_errors: [LOGIN_FAILED] });
    });

    it('finds the user whatever the letter case of the username', async () => {
      const response = await t.http().post('/api/auth/login').send({ username: alice.username.toUpperCase(), password: alice.password }).expect(200);
      expect(response.body.user.username).toBe(alice.username);
    });

    it('stores the optional token name, and refuses one over 64 characters', async () => {
      const token = await login(t, alice, 'work laptop');
      expect((await tokenRow(t, token))?.name).toBe('work laptop');
      expectFieldErrors(await t.http().post('/api/auth/login').send({ username: alice.username, password: alice.password, name: 'n'.repeat(65) }), {
        name: ['Ensure this field has no more than 64 characters.'],
      });
      // 80 characters, half of them variation selectors: validator.js would count 40, varchar(64) counts 80.
      expectFieldErrors(await t.http().post('/api/auth/login').send({ username: alice.username, password: alice.password, name: 'a\ufe0f'.repeat(40) }), {
        name: ['Ensure this field has no more than 64 characters.'],
      });
      const emoji = await login(t, alice, '🔑'.repeat(64));
      expect((await tokenRow(t, emoji))?.name).toBe('🔑'.repeat(64));
    });

    it('records lastLogin on success only', async () => {
      const user = await registerUser(t);
      const lastLogin = async () => (await t.db.query('SELECT last_login FROM users WHERE id = $1', [user.id])).rows[0].last_login as Date | null;
      expect(await lastLogin()).toBeNull();
      await t.http().post('/api/auth/login').send({ username: user.username, password: 'wrong-Password-1' }).expect(400);
      expect(await lastLogin()).toBeNull();
      const before = Date.now();
      await login(t, user);
      const recorded = await lastLogin();
      expect(recorded).toBeInstanceOf(Date);
      expect(recorded!.getTime()).toBeGreaterThanOrEqual(before - 1000);
    });

    it('rehashes a password stored with other argon2 parameters, and the password keeps working', async () => {
      const user = await registerUser(t);
      const weakHash = await argon2.hash(user.password, { type: argon2.argon2id, memoryCost: 4096, timeCost: 1, parallelism: 1 });
      await t.db.query('UPDATE users SET password_hash = $2 WHERE id = $1', [user.id, weakHash]);
      await login(t, user);
      const { rows } = await t.db.query('SELECT password_hash FROM users WHERE id = $1', [user.id]);
      expect(rows[0].password_hash).toMatch(/^\$argon2id\$v=19\$m=12288,(t=3,p=1|p=1,t=3)\$/);
      expect(rows[0].password_hash).not.toBe(weakHash);
      await login(t, user);
    });
  });

  describe('GET /api/auth/user', () => {
    it('answers exactly id, username and email, not cacheable', async () => {
      const user = await registerUser(t);
      const response = await whoAmI(t, user.token).expect(200);
      expect(response.body).toEqual({ id: user.id, username: user.username, email: user.email });
      expect(response.headers['cache-control']).toBe('no-store');
    });
  });

  describe('POST /api/auth/logout', () => {
    it('revokes only the token used', async () => {
      const user = await registerUser(t);
      const other = await login(t, user);
      const response = await t.http().post('/api/auth/logout').set(...tokenHeader(user.token)).expect(204);
      expect(response.text).toBe('');
      expectProblem(await whoAmI(t, user.token), 401, 'Invalid token.');
      expect(await tokenRow(t, user.token)).toBeUndefined();
      await whoAmI(t, other).expect(200);
    });
  });

  describe('POST /api/auth/logoutall', () => {
    it("revokes every token of the caller and none of another user's", async () => {
      const user = await registerUser(t);
      const second = await login(t, user);
      const bystander = await registerUser(t);
      const bystanderSecond = await login(t, bystander);

      await t.http().post('/api/auth/logoutall').set(...tokenHeader(second)).expect(204);

      expectProblem(await whoAmI(t, user.token), 401, 'Invalid token.');
      expectProblem(await whoAmI(t, second), 401, 'Invalid token.');
      const { rows } = await t.db.query('SELECT count(*)::int AS n FROM auth_tokens WHERE user_id = $1', [user.id]);
      expect(rows[0].n).toBe(0);
      await whoAmI(t, bystander.token).expect(200);
      await whoAmI(t, bystanderSecond).expect(200);
    });
  });

  describe('POST /api/auth/password/change', () => {
    const changePassword = (token: string, body: Record<string, unknown>) =>
      t.http().post('/api/auth/password/change').set(...tokenHeader(token)).send(body);
    const NEW_PASSWORD = 'amber-Quarry-73-whistle';
    const twice = (password: string) => ({ new_password1: password, new_password2: password });

    it('changes the password, answers dj-rest-auth\'s 200, keeps the current token and revokes the others', async () => {
      const user = await registerUser(t);
      const other = await login(t, user);
      const bystander = await registerUser(t);

      const response = await changePassword(user.token, { old_password: user.password, ...twice(NEW_PASSWORD) }).expect(200);
      expect(response.body).toEqual({ detail: 'New password has been saved.' });
      expect(response.headers['content-type']).toMatch(/^application\/json/);

      await whoAmI(t, user.token).expect(200);
      expectProblem(await whoAmI(t, other), 401, 'Invalid token.');
      await whoAmI(t, bystander.token).expect(200);
      expectFieldErrors(await t.http().post('/api/auth/login').send({ username: user.username, password: user.password }), { non_field_errors: [LOGIN_FAILED] });
      await login(t, { username: user.username, password: NEW_PASSWORD });
    });

    it('accepts a form body, and the route with a trailing slash', async () => {
      const user = await registerUser(t);
      await t
        .http()
        .post('/api/auth/password/change')
        .set(...tokenHeader(user.token))
        .type('form')
        .send({ old_password: user.password, ...twice(NEW_PASSWORD) })
        .expect(200);
      await t.http().post('/api/auth/password/change/').set(...tokenHeader(user.token)).send({ old_password: NEW_PASSWORD, ...twice(STRONG_PASSWORD) }).expect(200);
    });

    it('no longer answers the v1 route POST /api/auth/password', async () => {
      const user = await registerUser(t);
      const response = await t.http().post('/api/auth/password').set(...tokenHeader(user.token)).send({ currentPassword: user.password, newPassword: NEW_PASSWORD });
      expectProblem(response, 404, 'Not found.');
      await login(t, user);
    });

    it('answers 400 old_password for a wrong old password (alone, even with a weak or mismatched new one) and changes nothing', async () => {
      const user = await registerUser(t);
      const other = await login(t, user);
      for (const body of [twice(NEW_PASSWORD), twice('sunshine'), { new_password1: NEW_PASSWORD, new_password2: 'different-Pass-61' }]) {
        expectFieldErrors(await changePassword(user.token, { old_password: 'wrong-Password-1', ...body }), { old_password: [WRONG_OLD] });
      }
      await whoAmI(t, other).expect(200);
      await login(t, user);
    });

    it('answers 400 new_password2 when the two new passwords differ, with Django\'s typographic apostrophe', async () => {
      const user = await registerUser(t);
      const response = await changePassword(user.token, { old_password: user.password, new_password1: NEW_PASSWORD, new_password2: `${NEW_PASSWORD}!` });
      expectFieldErrors(response, { new_password2: [MISMATCH] });
      expect(response.text).toContain('didn\u2019t');
      await login(t, user);
    });

    it('answers 400 new_password2 with every failing validator, judged against this user', async () => {
      const user = await registerUser(t);
      expectFieldErrors(await changePassword(user.token, { old_password: user.password, ...twice('1234567') }), {
        new_password2: [TOO_SHORT, TOO_COMMON, NUMERIC],
      });
      expectFieldErrors(await changePassword(user.token, { old_password: user.password, ...twice(`${user.username}1`) }), {
        new_password2: [SIMILAR_USERNAME],
      });
      await login(t, user);
    });

    it('names missing fields and refuses unknown ones (the v1 names among them)', async () => {
      const user = await registerUser(t);
      expectFieldErrors(await changePassword(user.token, {}), { old_password: [REQUIRED], new_password1: [REQUIRED], new_password2: [REQUIRED] });
      expectFieldErrors(await changePassword(user.token, { currentPassword: user.password, newPassword: NEW_PASSWORD, old_password: user.password, ...twice(NEW_PASSWORD) }), {
        currentPassword: ['This field is not allowed.'],
        newPassword: ['This field is not allowed.'],
      });
      await login(t, user);
    });
  });

  describe('usernames as Django compares them (NFKC, any letter case)', () => {
    /** ASCII letters and digits as their fullwidth forms (`alice` → `ａｌｉｃｅ`), which NFKC maps back. */
    const fullwidth = (text: string): string => text.replace(/[A-Za-z0-9]/g, (c) => String.fromCodePoint(c.codePointAt(0)! + 0xfee0));
    const fullwidthFirst = (name: string): string => `${fullwidth(name[0])}${name.slice(1)}`;
    const usersNamed = async (name: string): Promise<string[]> => {
      const { rows } = await t.db.query<{ username: string }>('SELECT username FROM users WHERE lower(normalize(username, NFKC)) = lower(normalize($1, NFKC))', [name]);
      return rows.map((row) => row.username);
    };
    const expectDuplicate = (response: Awaited<ReturnType<typeof register>>) => expectFieldErrors(response, { username: [DUPLICATE] });

    it('refuses `ａlice` once `alice` exists, and the reverse, as the duplicate username', async () => {
      const alice = uniqueName('alice');
      await register(fresh(alice)).expect(200);
      for (const variant of [fullwidthFirst(alice), fullwidth(alice), fullwidth(alice.toUpperCase()), ` ${fullwidthFirst(alice)}\u3000`]) {
        expectDuplicate(await register(fresh(variant)));
      }
      expect(await usersNamed(alice)).toEqual([alice]);

      const bob = uniqueName('bob');
      await register(fresh(fullwidthFirst(bob))).expect(200);
      expectDuplicate(await register(fresh(bob)));
      expect(await usersNamed(bob)).toEqual([bob]);
    });

    it('stores and answers the NFKC form, as create_user does', async () => {
      const name = uniqueName('carol');
      const response = await register(fresh(fullwidth(name))).expect(200);
      expect(response.body.user.username).toBe(name);
      const { rows } = await t.db.query('SELECT username FROM users WHERE id = $1', [response.body.user.id]);
      expect(rows).toEqual([{ username: name }]);
      // `ﬁ` (one ligature) and `Ⅻ` (one numeral) are two and three letters once normalised.
      const ligature = await register(fresh(`ﬁⅫ_${uniqueName('')}`)).expect(200);
      expect(ligature.body.user.username).toMatch(/^fiXII__[0-9a-f]{10}$/);
    });

    it('logs `ａlice` in as alice, with alice\'s password, by body and by HTTP Basic', async () => {
      const alice = await registerUser(t, uniqueName('alice'));
      for (const username of [fullwidthFirst(alice.username), fullwidth(alice.username), ` ${fullwidth(alice.username.toUpperCase())} `]) {
        const response = await t.http().post('/api/auth/login').send({ username, password: alice.password }).expect(200);
        expect(response.body.user).toEqual({ id: alice.id, username: alice.username, email: alice.email });
      }
      const basic = await t.http().post('/api/auth/login').auth(fullwidthFirst(alice.username), alice.password).expect(200);
      expect(basic.body.user.id).toBe(alice.id);
      expectFieldErrors(await t.http().post('/api/auth/login').send({ username: fullwidthFirst(alice.username), password: 'not-the-Password-9' }), { non_field_errors: [LOGIN_FAILED] });
    });

    it('logs in every spelling the login throttle counts as one: padded, upper-case, fullwidth', async () => {
      const bob = await registerUser(t, uniqueName('bob'));
      for (const username of [` ${bob.username}`, `${bob.username} `, `${bob.username}\t`, bob.username.toUpperCase(), fullwidthFirst(bob.username)]) {
        const response = await t.http().post('/api/auth/login').send({ username, password: bob.password }).expect(200);
        expect(response.body.user.id).toBe(bob.id);
      }
    });

    it('finds a user stored before normalisation by its NFKC form, and keeps its stored name', async () => {
      // Written straight to the table, as a row from before this release would be.
      const name = uniqueName('dora');
      const stored = fullwidthFirst(name);
      const hash = await argon2.hash(STRONG_PASSWORD, { type: argon2.argon2id });
      const { rows } = await t.db.query('INSERT INTO users (username, email, password_hash) VALUES ($1, $2, $3) RETURNING id', [stored, `${name}@example.com`, hash]);
      for (const username of [name, stored, name.toUpperCase()]) {
        const response = await t.http().post('/api/auth/login').send({ username, password: STRONG_PASSWORD }).expect(200);
        expect(response.body.user).toMatchObject({ id: rows[0].id, username: stored });
      }
      expectDuplicate(await register(fresh(name)));
    });

    it("applies Django's username rules to the normalised form", async () => {
      // ＠ (fullwidth) is not allowed as typed but is @ once normalised; ½ is a number as typed but 1⁄2 (a fraction slash) once normalised.
      const named = (username: string) => ({ ...fresh(), username });
      const fullwidthAt = await register(named(`ann＠${uniqueName('')}`)).expect(200);
      expect(fullwidthAt.body.user.username).toMatch(/^ann@_[0-9a-f]{10}$/);
      expectFieldErrors(await register(named(`half½${uniqueName('')}`)), { username: [USERNAME_INVALID] });
      // 148 code points as typed, 151 once ㍿ becomes 株式会社: too long, as Django counts it after normalising.
      const base = uniqueName('').padEnd(147, 'x');
      expectFieldErrors(await register(named(`${base}㍿`)), { username: ['Ensure this field has no more than 150 characters.'] });
      const fits = await register(named(`${base.slice(0, 146)}㍿`)).expect(200);
      expect([...fits.body.user.username]).toHaveLength(150);
    });

    it('lets only one of concurrent registrations of `ａlice` and `alice` succeed', async () => {
      const name = uniqueName('race');
      const responses = await Promise.all(Array.from({ length: 6 }, (_, i) => register(fresh(i % 2 ? name : fullwidth(name.toUpperCase())))));
      expect(responses.map((r) => r.status).sort()).toEqual([200, 400, 400, 400, 400, 400]);
      expect(await usersNamed(name)).toHaveLength(1);
    });
  });
});
