import { RegisteredUser, registerUser, STRONG_PASSWORD, tokenHeader, uniqueName } from './support/accounts';
import { expectFieldErrors, expectProblem } from './support/problems';
import { createTestApp, TestApp } from './support/test-app';
import { login, tokenRow } from './support/tokens';

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The contract's "General" section, as seen on the accounts routes. */
describe('accounts: general HTTP behaviour', () => {
  let t: TestApp;
  let user: RegisteredUser;

  beforeAll(async () => {
    t = await createTestApp();
    user = await registerUser(t);
  });
  afterAll(async () => {
    await t.close();
  });

  describe('request bodies', () => {
    it('answers 413 for a body over 100 kB, declared or chunked', async () => {
      const big = JSON.stringify({ username: user.username, password: 'x'.repeat(101 * 1024) });
      expectProblem(await t.http().post('/api/auth/login').set('Content-Type', 'application/json').send(big), 413, 'Request body is too large.');
      const form = `username=${user.username}&password=${'x'.repeat(101 * 1024)}`;
      expectProblem(await t.http().post('/api/auth/register').type('form').send(form), 413, 'Request body is too large.');

      // Without a Content-Length the parser's own limit answers.
      const chunked = t.http().post('/api/auth/login').set('Content-Type', 'application/json');
      chunked.write(big.slice(0, 60_000));
      chunked.write(big.slice(60_000));
      expectProblem(await chunked, 413, 'Request body is too large.');
    });

    it('accepts JSON with a charset, and vendor JSON types such as merge-patch+json', async () => {
      const credentials = JSON.stringify({ username: user.username, password: user.password });
      for (const type of ['application/json; charset=utf-8', 'application/merge-patch+json; charset=UTF-8', 'application/vnd.api+json']) {
        const response = await t.http().post('/api/auth/login').set('Content-Type', type).send(credentials);
        expect({ type, status: response.status }).toEqual({ type, status: 200 });
      }
    });

    it('answers 415 for JSON in a charset other than UTF-8', async () => {
      const response = await t.http().post('/api/auth/login').set('Content-Type', 'application/json; charset=latin1').send('{}');
      expectProblem(response, 415, 'Unsupported request body encoding.');
    });

    it('answers 415 for a text/plain body', async () => {
      const response = await t.http().post('/api/auth/login').set('Content-Type', 'text/plain').send(`${user.username}:${user.password}`);
      expectProblem(response, 415, 'Unsupported media type "text/plain" in request.');
    });

    it('answers 415 for an XML body on an authenticated route too', async () => {
      const response = await t.http().post('/api/auth/password/change').set(...tokenHeader(user.token)).set('Content-Type', 'application/xml').send('<a/>');
      expectProblem(response, 415, 'Unsupported media type "application/xml" in request.');
    });

    it('answers 400 for malformed JSON', async () => {
      const response = await t.http().post('/api/auth/login').set('Content-Type', 'application/json').send('{"username": "a",');
      expect(response.status).toBe(400);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(Object.keys(response.body)).toEqual(['detail']);
      expect(response.body.detail).toMatch(/^JSON parse error - /);
    });

    it('answers 400 for a malformed multipart body', async () => {
      const response = await t
        .http()
        .post('/api/auth/login')
        .set('Content-Type', 'multipart/form-data; boundary=XYZ')
        .send('--XYZ\r\nContent-Disposition: form-data; name="username"\r\n\r\nalice');
      expectProblem(response, 400, 'Multipart form parse error.');
    });

    it('refuses a file upload in a multipart body with a 4xx', async () => {
      const response = await t.http().post('/api/auth/login').field('username', user.username).attach('password', Buffer.from(user.password), 'pw.txt');
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
    });

    it('treats an empty body as no fields', async () => {
      expectFieldErrors(await t.http().post('/api/auth/login').set('Content-Type', 'application/json'), {
        username: ['This field is required.'],
        password: ['This field is required.'],
      });
    });
  });

  describe('answers', () => {
    it('answers unknown routes with DRF\'s 404', async () => {
      for (const path of ['/api/auth/nope', '/api/nothing-here', '/api/auth/tokens/1/extra']) {
        const response = await t.http().get(path).set(...tokenHeader(user.token));
        expectProblem(response, 404, 'Not found.');
      }
    });

    it('sends Cache-Control: no-store on token and user answers, including errors', async () => {
      const responses = [
        await t.http().post('/api/auth/register').send({ username: uniqueName(), email: 'c@example.com', password: STRONG_PASSWORD }),
        await t.http().post('/api/auth/login').send({ username: user.username, password: user.password }),
        await t.http().get('/api/auth/user').set(...tokenHeader(user.token)),
        await t.http().get('/api/auth/tokens').set(...tokenHeader(user.token)),
        await t.http().get('/api/auth/user'),
      ];
      expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200, 401]);
      for (const response of responses) expect(response.headers['cache-control']).toBe('no-store');
    });

    it('sends no X-Powered-By', async () => {
      for (const response of [await t.http().get('/api/auth/user').set(...tokenHeader(user.token)), await t.http().get('/api/auth/nope')]) {
        expect(response.headers['x-powered-by']).toBeUndefined();
      }
    });

    it('writes timestamps as ISO 8601 UTC with Z', async () => {
      const response = await t.http().post('/api/auth/login').send({ username: user.username, password: user.password }).expect(200);
      expect(response.body.expiry).toMatch(ISO_UTC);
      const list = await t.http().get('/api/auth/tokens').set(...tokenHeader(response.body.token)).expect(200);
      for (const item of list.body) {
        expect(item.created).toMatch(ISO_UTC);
        expect(item.expiry).toMatch(ISO_UTC);
        if (item.last_used_at !== null) expect(item.last_used_at).toMatch(ISO_UTC);
      }
    });

    it('answers JSON with a JSON content type', async () => {
      const response = await t.http().get('/api/auth/user').set(...tokenHeader(user.token)).expect(200);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
    });
  });

  describe('trailing slashes (DRF routers use them)', () => {
    it('answers register/ and login/ like register and login', async () => {
      const username = uniqueName();
      const registered = await t.http().post('/api/auth/register/').send({ username, email: `${username}@example.com`, password: STRONG_PASSWORD }).expect(200);
      expect(registered.body.user.username).toBe(username);
      const response = await t.http().post('/api/auth/login/').send({ username, password: STRONG_PASSWORD }).expect(200);
      expect(response.body.user.username).toBe(username);
      expectFieldErrors(await t.http().post('/api/auth/login/').send({ username, password: 'wrong-Password-1' }), { non_field_errors: ['Incorrect Credentials Passed.'] });
    });

    it('answers user/, tokens/, password/change/, logout/ and logoutall/ like their plain forms', async () => {
      const someone = await registerUser(t);
      const me = await t.http().get('/api/auth/user/').set(...tokenHeader(someone.token)).expect(200);
      expect(me.body).toEqual({ id: someone.id, username: someone.username, email: someone.email });
      const tokens = await t.http().get('/api/auth/tokens/').set(...tokenHeader(someone.token)).expect(200);
      expect(tokens.body).toHaveLength(1);
      await t
        .http()
        .post('/api/auth/password/change/')
        .set(...tokenHeader(someone.token))
        .send({ old_password: someone.password, new_password1: 'amber-Quarry-73-whistle', new_password2: 'amber-Quarry-73-whistle' })
        .expect(200);
      const second = await login(t, { username: someone.username, password: 'amber-Quarry-73-whistle' });
      await t.http().post('/api/auth/logout/').set(...tokenHeader(second)).expect(204);
      expect(await tokenRow(t, second)).toBeUndefined();
      await t.http().post('/api/auth/logoutall/').set(...tokenHeader(someone.token)).expect(204);
      expect(await tokenRow(t, someone.token)).toBeUndefined();
      expectProblem(await t.http().get('/api/auth/user/'), 401, 'Authentication credentials were not provided.');
    });
  });
});
