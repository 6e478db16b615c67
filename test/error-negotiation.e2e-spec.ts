import { registerUser, RegisteredUser, tokenHeader, uniqueName } from './support/accounts';
import { expectFieldErrors, expectProblem, expectProblemDetails, PROBLEM_ACCEPT } from './support/problems';
import { rawRequest } from './support/raw-http';
import { createTestApp, TestApp } from './support/test-app';

/**
 * Errors are DRF's bodies unless the request's Accept prefers application/problem+json:
 * then the same error, with the same sentences and headers, as RFC 9457 problem details.
 */
describe('error form by content negotiation', () => {
  let t: TestApp;
  let user: RegisteredUser;
  beforeAll(async () => {
    t = await createTestApp({ THROTTLE_LOGIN_PER_USERNAME: '2', THROTTLE_LOGIN_PER_IP: '1000', HTTP_MAX_URL_LENGTH: '1024' });
    user = await registerUser(t);
  });
  afterAll(async () => {
    await t.close();
  });

  describe('Accept: application/problem+json', () => {
    it('a validation failure: 400 with detail "Invalid input." and the field errors under errors', async () => {
      const response = await t.http().post('/api/auth/register').set('Accept', PROBLEM_ACCEPT).send({ email: 'nope' });
      expectProblemDetails(response, 400, 'Invalid input.', {
        username: ['This field is required.'],
        email: ['Enter a valid email address.'],
        password: ['This field is required.'],
      });
    });

    it('a failed body login: 400 with non_field_errors under errors', async () => {
      const response = await t.http().post('/api/auth/login').set('Accept', PROBLEM_ACCEPT).send({ username: uniqueName('ghost'), password: 'wrong-Password-1' });
      expectProblemDetails(response, 400, 'Invalid input.', { non_field_errors: ['Incorrect Credentials Passed.'] });
    });

    it('a 401, with WWW-Authenticate as in the DRF form', async () => {
      const response = await t.http().get('/api/auth/user').set('Accept', PROBLEM_ACCEPT);
      expectProblemDetails(response, 401, 'Authentication credentials were not provided.');
      expect(response.headers['www-authenticate']).toBe('Token');
      const basic = await t.http().post('/api/auth/login').set('Accept', PROBLEM_ACCEPT).auth(uniqueName('ghost'), 'wrong-Password-1');
      expectProblemDetails(basic, 401, 'Invalid username/password.');
      expect(basic.headers['www-authenticate']).toBe('Basic realm="api"');
    });

    it('a 404, for an unknown route and for an unknown token id', async () => {
      expectProblemDetails(await t.http().get('/api/nothing-here').set('Accept', PROBLEM_ACCEPT), 404, 'Not found.');
      expectProblemDetails(await t.http().delete('/api/auth/tokens/99999999').set(...tokenHeader(user.token)).set('Accept', PROBLEM_ACCEPT), 404, 'Not found.');
    });

    it('a 405 with Allow', async () => {
      const response = await t.http().put('/api/auth/login').set('Accept', PROBLEM_ACCEPT).send({});
      expectProblemDetails(response, 405, 'Method "PUT" not allowed.');
      expect(response.headers.allow.split(', ').sort()).toEqual(['GET', 'HEAD', 'OPTIONS', 'POST']);
    });

    it('a 415 and a 413 from the body parsers', async () => {
      const plain = await t.http().post('/api/auth/login').set('Accept', PROBLEM_ACCEPT).set('Content-Type', 'text/plain').send('x');
      expectProblemDetails(plain, 415, 'Unsupported media type "text/plain" in request.');
      const big = await t.http().post('/api/auth/login').set('Accept', PROBLEM_ACCEPT).send({ username: 'x', password: 'p'.repeat(120 * 1024) });
      expectProblemDetails(big, 413, 'Request body is too large.');
      const broken = await t.http().post('/api/auth/login').set('Accept', PROBLEM_ACCEPT).set('Content-Type', 'application/json').send('{"username":');
      expect(broken.status).toBe(400);
      expect(broken.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(JSON.parse(broken.text)).toEqual({ type: 'about:blank', title: 'Bad Request', status: 400, detail: expect.stringMatching(/^JSON parse error - /) });
    });

    it('a 429 with Retry-After, the same wait in the sentence', async () => {
      const throttled = await registerUser(t);
      for (let attempt = 0; attempt < 2; attempt += 1) {
        await t.http().post('/api/auth/login').send({ username: throttled.username, password: 'wrong-Password-1' }).expect(400);
      }
      const response = await t.http().post('/api/auth/login').set('Accept', PROBLEM_ACCEPT).send({ username: throttled.username, password: throttled.password });
      const wait = response.headers['retry-after'];
      expect(Number(wait)).toBeGreaterThanOrEqual(1);
      expectProblemDetails(response, 429, `Request was throttled. Expected available in ${wait} second${wait === '1' ? '' : 's'}.`);
      // And without asking: DRF's body, same sentence, same header.
      const plain = await t.http().post('/api/auth/login').send({ username: throttled.username, password: throttled.password });
      expect(plain.status).toBe(429);
      expect(plain.body).toEqual({ detail: expect.stringMatching(/^Request was throttled\. Expected available in \d+ seconds?\.$/) });
      expect(plain.headers['retry-after']).toMatch(/^\d+$/);
    });

    it('the early hooks answer in the negotiated form too: 414, duplicate Host, an undecodable URL', async () => {
      expectProblemDetails(await t.http().get(`/api/leads?search=${'a'.repeat(1100)}`).set('Accept', PROBLEM_ACCEPT), 414, 'Request URI is too long.');
      expectProblemDetails(await t.http().get('/api/leads/%zz').set(...tokenHeader(user.token)).set('Accept', PROBLEM_ACCEPT), 400, 'Malformed request.');
      const head = 'GET /health HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\nAccept: application/problem+json\r\nConnection: close\r\n\r\n';
      const duplicate = await rawRequest(t.baseUrl, Buffer.from(head, 'latin1'));
      expect(duplicate.status).toBe(400);
      expect(duplicate.headers['content-type']).toMatch(/^application\/problem\+json(;|$)/);
      expect(JSON.parse(duplicate.body)).toEqual({ type: 'about:blank', title: 'Bad Request', status: 400, detail: 'Multiple "Host" headers are not allowed.' });
    });

    it('honours q-values: problem details only when preferred', async () => {
      const ask = (accept: string) => t.http().get('/api/auth/user').set('Accept', accept);
      expectProblemDetails(await ask('application/json;q=0.5, application/problem+json'), 401, 'Authentication credentials were not provided.');
      expectProblemDetails(await ask('application/problem+json, */*;q=0.1'), 401, 'Authentication credentials were not provided.');
      expectProblem(await ask('application/problem+json;q=0.4, application/json'), 401, 'Authentication credentials were not provided.');
      expectProblem(await ask('application/problem+json;q=0, */*'), 401, 'Authentication credentials were not provided.');
    });

    it('leaves successful answers alone', async () => {
      const response = await t.http().get('/api/auth/user').set(...tokenHeader(user.token)).set('Accept', PROBLEM_ACCEPT).expect(200);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(response.body).toEqual({ id: user.id, username: user.username, email: user.email });
    });
  });

  describe.each([
    ['application/json', 'application/json'],
    ['*/*', '*/*'],
    ['no Accept header', undefined],
    ['a type nobody serves', 'text/html'],
  ])('%s', (_label, accept) => {
    const withAccept = <R extends { set(name: string, value: string): R }>(request: R): R => (accept === undefined ? request : request.set('Accept', accept));

    it("gets DRF's bodies: field errors at the top level, non_field_errors, or {detail} alone", async () => {
      expectFieldErrors(await withAccept(t.http().post('/api/auth/register')).send({ username: user.username, password: 'violet-Harbor-42-lantern' }), {
        username: ['A user with that username already exists.'],
      });
      // A fresh name each time: this app throttles a username after two failures.
      expectFieldErrors(await withAccept(t.http().post('/api/auth/login')).send({ username: uniqueName('ghost'), password: 'wrong-Password-1' }), {
        non_field_errors: ['Incorrect Credentials Passed.'],
      });
      expectProblem(await withAccept(t.http().get('/api/auth/user')), 401, 'Authentication credentials were not provided.');
      expectProblem(await withAccept(t.http().get('/api/nothing-here')), 404, 'Not found.');
      const notAllowed = await withAccept(t.http().delete('/api/auth/login'));
      expectProblem(notAllowed, 405, 'Method "DELETE" not allowed.');
      expect(notAllowed.headers.allow).toBeDefined();
      expectProblem(await withAccept(t.http().post('/api/auth/login')).set('Content-Type', 'text/plain').send('x'), 415, 'Unsupported media type "text/plain" in request.');
    });
  });

  it('marks error answers Vary: Accept, since their form depends on it', async () => {
    const response = await t.http().get('/api/auth/user');
    expect(response.status).toBe(401);
    expect(String(response.headers.vary).split(/,\s*/)).toContain('Accept');
  });
});
