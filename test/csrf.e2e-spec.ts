import { randomBytes } from 'node:crypto';
import { RegisteredUser, registerUser, tokenHeader } from './support/accounts';
import { BrowserSession, browserLogin, cookieHeader, fetchCsrfToken, setCookies } from './support/browser-session';
import { expectFieldErrors, expectProblem } from './support/problems';
import { createTestApp, TestApp } from './support/test-app';

const MISSING = 'CSRF Failed: CSRF token missing.';
const INCORRECT = 'CSRF Failed: CSRF token incorrect.';
const NO_COOKIE = 'CSRF Failed: CSRF cookie not set.';
/** An unsafe request that answers 404 once it gets past authentication and CSRF. */
const PROBE = '/api/auth/tokens/2147483647';

describe('CSRF protection of browser sessions', () => {
  let t: TestApp;
  let alice: RegisteredUser;
  let bob: RegisteredUser;

  beforeAll(async () => {
    t = await createTestApp();
    alice = await registerUser(t);
    bob = await registerUser(t);
  });
  afterAll(async () => {
    await t.close();
  });

  describe('GET /api/auth/login', () => {
    it('sets a script-readable csrftoken cookie and returns the same value', async () => {
      const response = await t.http().get('/api/auth/login').expect(200);
      const cookie = setCookies(response).csrftoken;
      expect(response.body).toEqual({ csrf_token: cookie.value });
      expect(cookie.value).toMatch(/^[A-Za-z0-9_-]{64}$/);
      expect(cookie.attributes).toMatchObject({ path: '/', samesite: 'Lax' });
      expect(cookie.attributes.httponly).toBeUndefined();
      expect(cookie.attributes.secure).toBeUndefined();
      expect(response.headers['cache-control']).toBe('no-store');
    });

    it('gives a new token each time', async () => {
      expect(await fetchCsrfToken(t)).not.toBe(await fetchCsrfToken(t));
    });
  });

  describe('POST /api/auth/login', () => {
    const credentials = (user: RegisteredUser) => ({ username: user.username, password: user.password });

    it('without the csrftoken cookie is a plain API login that sets no cookie', async () => {
      const response = await t.http().post('/api/auth/login').send(credentials(alice)).expect(200);
      expect(response.body.token).toEqual(expect.any(String));
      expect(response.headers['set-cookie']).toBeUndefined();
    });

    it('with the cookie but no header is refused as missing', async () => {
      const csrf = await fetchCsrfToken(t);
      const response = await t.http().post('/api/auth/login').set('Cookie', cookieHeader({ csrftoken: csrf })).send(credentials(alice));
      expectProblem(response, 403, MISSING);
      expect(setCookies(response).sessionid).toBeUndefined();
    });

    it('with a header that does not match the cookie is refused as incorrect', async () => {
      const csrf = await fetchCsrfToken(t);
      const other = await fetchCsrfToken(t);
      const response = await t
        .http()
        .post('/api/auth/login')
        .set('Cookie', cookieHeader({ csrftoken: csrf }))
        .set('X-CSRFToken', other)
        .send(credentials(alice));
      expectProblem(response, 403, INCORRECT);
    });

    it.each([
      ['too short', 'abc'],
      ['one character short', 'x'.repeat(63)],
      ['far too long', 'A'.repeat(5000)],
    ])('with a header of the wrong length (%s) is refused as incorrect, not a 500', async (_label, header) => {
      const csrf = await fetchCsrfToken(t);
      const response = await t
        .http()
        .post('/api/auth/login')
        .set('Cookie', cookieHeader({ csrftoken: csrf }))
        .set('X-CSRFToken', header)
        .send(credentials(alice));
      expectProblem(response, 403, INCORRECT);
    });

    it('refuses a self-made cookie even when the header repeats it (the token is signed)', async () => {
      const forged = randomBytes(48).toString('base64url');
      expect(forged).toHaveLength(64);
      const response = await t
        .http()
        .post('/api/auth/login')
        .set('Cookie', cookieHeader({ csrftoken: forged }))
        .set('X-CSRFToken', forged)
        .send(credentials(alice));
      expectProblem(response, 403, INCORRECT);
    });

    it('with the matching header logs in, sets an HttpOnly Lax session cookie and rotates the CSRF token', async () => {
      const csrf = await fetchCsrfToken(t);
      const response = await t
        .http()
        .post('/api/auth/login')
        .set('Cookie', cookieHeader({ csrftoken: csrf }))
        .set('X-CSRFToken', csrf)
        .send(credentials(alice))
        .expect(200);
      expect(response.body).toEqual({ expiry: expect.any(String), token: expect.any(String), user: { id: alice.id, username: alice.username, email: alice.email } });
      const cookies = setCookies(response);
      expect(cookies.sessionid.value).toBe(response.body.token);
      expect(cookies.sessionid.attributes).toMatchObject({ path: '/', samesite: 'Lax', httponly: true });
      expect(cookies.sessionid.attributes.secure).toBeUndefined();
      expect(new Date(cookies.sessionid.attributes.expires as string).getTime()).toBe(Math.floor(new Date(response.body.expiry).getTime() / 1000) * 1000);
      expect(cookies.csrftoken.value).toMatch(/^[A-Za-z0-9_-]{64}$/);
      expect(cookies.csrftoken.value).not.toBe(csrf);

      const user = await t.http().get('/api/auth/user').set('Cookie', cookieHeader({ sessionid: cookies.sessionid.value })).expect(200);
      expect(user.body).toEqual({ id: alice.id, username: alice.username, email: alice.email });
    });

    it('accepts the token in the csrfmiddlewaretoken field of a urlencoded form', async () => {
      const csrf = await fetchCsrfToken(t);
      const response = await t
        .http()
        .post('/api/auth/login')
        .set('Cookie', cookieHeader({ csrftoken: csrf }))
        .type('form')
        .send({ username: alice.username, password: alice.password, csrfmiddlewaretoken: csrf })
        .expect(200);
      expect(setCookies(response).sessionid.value).toBe(response.body.token);
    });

    it('accepts the token in the csrfmiddlewaretoken field of a multipart form', async () => {
      const csrf = await fetchCsrfToken(t);
      const response = await t
        .http()
        .post('/api/auth/login')
        .set('Cookie', cookieHeader({ csrftoken: csrf }))
        .field('username', alice.username)
        .field('password', alice.password)
        .field('csrfmiddlewaretoken', csrf)
        .expect(200);
      expect(setCookies(response).sessionid).toBeDefined();
    });

    it('refuses a wrong csrfmiddlewaretoken field', async () => {
      const csrf = await fetchCsrfToken(t);
      const response = await t
        .http()
        .post('/api/auth/login')
        .set('Cookie', cookieHeader({ csrftoken: csrf }))
        .type('form')
        .send({ username: alice.username, password: alice.password, csrfmiddlewaretoken: 'nope' });
      expectProblem(response, 403, INCORRECT);
    });

    it('refuses a browser login from a foreign Origin even with a valid token', async () => {
      const csrf = await fetchCsrfToken(t);
      const response = await t
        .http()
        .post('/api/auth/login')
        .set('Cookie', cookieHeader({ csrftoken: csrf }))
        .set('X-CSRFToken', csrf)
        .set('Origin', 'https://evil.example')
        .send(credentials(alice));
      expectProblem(response, 403, 'CSRF Failed: Origin checking failed - https://evil.example does not match any trusted origins.');
    });

    it('still answers a wrong password with the login failure (400) after the CSRF check passes', async () => {
      const csrf = await fetchCsrfToken(t);
      const response = await t
        .http()
        .post('/api/auth/login')
        .set('Cookie', cookieHeader({ csrftoken: csrf }))
        .set('X-CSRFToken', csrf)
        .send({ username: alice.username, password: 'wrong-password-123' });
      expectFieldErrors(response, { non_field_errors: ['Incorrect Credentials Passed.'] });
      expect(setCookies(response).sessionid).toBeUndefined();
    });
  });

  describe('unsafe requests authenticated by the session cookie', () => {
    let session: BrowserSession;
    beforeAll(async () => {
      session = await browserLogin(t, alice);
    });

    const probe = (cookies: Record<string, string | undefined>) => t.http().delete(PROBE).set('Cookie', cookieHeader(cookies));

    it('pass with the X-CSRFToken header matching the cookie', async () => {
      const response = await probe({ sessionid: session.sessionid, csrftoken: session.csrftoken }).set('X-CSRFToken', session.csrftoken);
      expectProblem(response, 404, 'Not found.');
    });

    it('need no CSRF token for safe methods', async () => {
      await t.http().get('/api/auth/user').set('Cookie', cookieHeader({ sessionid: session.sessionid })).expect(200);
      await t.http().get('/api/auth/tokens').set('Cookie', cookieHeader({ sessionid: session.sessionid })).expect(200);
    });

    it('are refused without the csrftoken cookie', async () => {
      expectProblem(await probe({ sessionid: session.sessionid }).set('X-CSRFToken', session.csrftoken), 403, NO_COOKIE);
    });

    it('are refused without the header', async () => {
      expectProblem(await probe({ sessionid: session.sessionid, csrftoken: session.csrftoken }), 403, MISSING);
    });

    it('are refused with a wrong header', async () => {
      const other = await fetchCsrfToken(t, session.sessionid);
      const response = await probe({ sessionid: session.sessionid, csrftoken: session.csrftoken }).set('X-CSRFToken', other);
      expectProblem(response, 403, INCORRECT);
    });

    it('are refused with a header of the wrong length', async () => {
      const response = await probe({ sessionid: session.sessionid, csrftoken: session.csrftoken }).set('X-CSRFToken', session.csrftoken.slice(1));
      expectProblem(response, 403, INCORRECT);
    });

    it('are refused with the token from before login (it was rotated)', async () => {
      const before = await fetchCsrfToken(t);
      const response = await probe({ sessionid: session.sessionid, csrftoken: before }).set('X-CSRFToken', before);
      expectProblem(response, 403, INCORRECT);
    });

    it("are refused with another session's token, even when cookie and header agree", async () => {
      const bobs = await browserLogin(t, bob);
      const response = await probe({ sessionid: session.sessionid, csrftoken: bobs.csrftoken }).set('X-CSRFToken', bobs.csrftoken);
      expectProblem(response, 403, INCORRECT);
      // ...and another session of the same user is a different binding too.
      const second = await browserLogin(t, alice);
      const again = await probe({ sessionid: session.sessionid, csrftoken: second.csrftoken }).set('X-CSRFToken', second.csrftoken);
      expectProblem(again, 403, INCORRECT);
    });

    it('pass with a fresh token fetched for this session from GET /api/auth/login', async () => {
      const fresh = await fetchCsrfToken(t, session.sessionid);
      const response = await probe({ sessionid: session.sessionid, csrftoken: fresh }).set('X-CSRFToken', fresh);
      expectProblem(response, 404, 'Not found.');
    });

    it('pass with the csrfmiddlewaretoken form field', async () => {
      const response = await t
        .http()
        .post('/api/auth/password/change')
        .set('Cookie', cookieHeader({ sessionid: session.sessionid, csrftoken: session.csrftoken }))
        .type('form')
        .send({
          old_password: 'not-the-password-1',
          new_password1: 'another-Strong-pass-77',
          new_password2: 'another-Strong-pass-77',
          csrfmiddlewaretoken: session.csrftoken,
        });
      // Past CSRF and unknown-field checks: the password check itself answers.
      expectFieldErrors(response, { old_password: ['Your old password was entered incorrectly. Please enter it again.'] });
    });

    it('are refused from a foreign Origin even with a valid token', async () => {
      const response = await probe({ sessionid: session.sessionid, csrftoken: session.csrftoken })
        .set('X-CSRFToken', session.csrftoken)
        .set('Origin', 'https://evil.example');
      expectProblem(response, 403, 'CSRF Failed: Origin checking failed - https://evil.example does not match any trusted origins.');
    });

    it('are refused from an opaque Origin (null)', async () => {
      const response = await probe({ sessionid: session.sessionid, csrftoken: session.csrftoken }).set('X-CSRFToken', session.csrftoken).set('Origin', 'null');
      expectProblem(response, 403, 'CSRF Failed: Origin checking failed - null does not match any trusted origins.');
    });

    it('pass from their own origin', async () => {
      const response = await probe({ sessionid: session.sessionid, csrftoken: session.csrftoken })
        .set('X-CSRFToken', session.csrftoken)
        .set('Origin', t.baseUrl)
        .set('Sec-Fetch-Site', 'same-origin');
      expectProblem(response, 404, 'Not found.');
    });

    it('are refused with Sec-Fetch-Site: cross-site even with a valid token', async () => {
      const response = await probe({ sessionid: session.sessionid, csrftoken: session.csrftoken })
        .set('X-CSRFToken', session.csrftoken)
        .set('Sec-Fetch-Site', 'cross-site');
      expectProblem(response, 403, 'CSRF Failed: Cross-site request refused.');
    });
  });

  describe('requests with an Authorization header', () => {
    it('never need a CSRF token, even when a session cookie is present', async () => {
      const bobs = await browserLogin(t, bob);
      const response = await t.http().delete(PROBE).set(...tokenHeader(alice.token)).set('Cookie', cookieHeader({ sessionid: bobs.sessionid }));
      expectProblem(response, 404, 'Not found.');
    });

    it('are judged by the header alone', async () => {
      const bobs = await browserLogin(t, bob);
      const user = await t.http().get('/api/auth/user').set(...tokenHeader(alice.token)).set('Cookie', cookieHeader({ sessionid: bobs.sessionid })).expect(200);
      expect(user.body.username).toBe(alice.username);

      const basic = await t.http().get('/api/auth/user').set('Authorization', 'Basic Zm9vOmJhcg==').set('Cookie', cookieHeader({ sessionid: bobs.sessionid }));
      expectProblem(basic, 401, 'Authentication credentials were not provided.');

      const bad = await t.http().get('/api/auth/user').set('Authorization', 'Token nope').set('Cookie', cookieHeader({ sessionid: bobs.sessionid }));
      expectProblem(bad, 401, 'Invalid token.');
    });
  });
});
