import { generateToken } from '../src/auth/token-crypto';
import { RegisteredUser, registerUser } from './support/accounts';
import { expectProblem } from './support/problems';
import { rawGetWithAuthorization } from './support/raw-http';
import { expireToken, login, setActive, tokenRow } from './support/tokens';
import { createTestApp, TestApp } from './support/test-app';

const NOT_PROVIDED = 'Authentication credentials were not provided.';
const NO_CREDENTIALS = 'Invalid token header. No credentials provided.';
const SPACES = 'Invalid token header. Token string should not contain spaces.';
const INVALID_CHARACTERS = 'Invalid token header. Token string should not contain invalid characters.';
const INVALID_TOKEN = 'Invalid token.';
const INACTIVE = 'User inactive or deleted.';

describe('Authorization header (contract table)', () => {
  let t: TestApp;
  let alice: RegisteredUser;

  beforeAll(async () => {
    t = await createTestApp();
    alice = await registerUser(t);
  });
  afterAll(async () => {
    await t.close();
  });

  const getUser = (authorization?: string) => {
    const request = t.http().get('/api/auth/user');
    return authorization === undefined ? request : request.set('Authorization', authorization);
  };

  describe('accepted forms', () => {
    it.each([
      ['Token', (token: string) => `Token ${token}`],
      ['Bearer (Postman "Bearer Token")', (token: string) => `Bearer ${token}`],
      ['lower-case scheme', (token: string) => `token ${token}`],
      ['upper-case scheme', (token: string) => `BEARER ${token}`],
      ['a run of spaces', (token: string) => `Token     ${token}`],
      ['a tab', (token: string) => `Token\t${token}`],
    ])('authenticates with %s', async (_label, header) => {
      const response = await getUser(header(alice.token)).expect(200);
      expect(response.body).toEqual({ id: alice.id, username: alice.username, email: alice.email });
    });
  });

  describe('refused forms', () => {
    it('answers 401 "not provided" without an Authorization header', async () => {
      expectProblem(await getUser(), 401, NOT_PROVIDED);
    });

    it.each(['Basic dXNlcjpwYXNz', 'Digest abc', 'Tokens abc', 'Bearer_abc'])('treats another scheme (%s) as no credentials', async (header) => {
      expectProblem(await getUser(header), 401, NOT_PROVIDED);
    });

    it.each(['Token', 'Bearer', 'token   '])('answers "No credentials provided." for the scheme alone (%j)', async (header) => {
      expectProblem(await getUser(header), 401, NO_CREDENTIALS);
    });

    it('answers "should not contain spaces" for more than one credential word', async () => {
      expectProblem(await getUser('Token a b'), 401, SPACES);
      expectProblem(await getUser(`Token ${alice.token} extra`), 401, SPACES);
    });

    it('answers "invalid characters" for non-ASCII latin1 bytes in the credential', async () => {
      expectProblem(await getUser(`Token ${alice.token.slice(0, 20)}\u00e9${alice.token.slice(21)}`), 401, INVALID_CHARACTERS);
      expectProblem(await getUser('Bearer caf\u00ff'), 401, INVALID_CHARACTERS);
    });

    it('answers "invalid characters" for raw UTF-8 and high bytes sent on the wire', async () => {
      for (const credential of [Buffer.from('Token tok\u00e9n', 'utf8'), Buffer.from('Token abc\x80def', 'latin1')]) {
        const response = await rawGetWithAuthorization(t.baseUrl, '/api/auth/user', credential);
        expect(response.status).toBe(401);
        expect(response.headers['content-type']).toMatch(/^application\/json/);
        expect(response.headers['www-authenticate']).toBe('Token');
        expect(JSON.parse(response.body)).toEqual({ detail: INVALID_CHARACTERS });
      }
    });

    it.each([
      ['SOH', '\x01'],
      ['DEL', '\x7f'],
    ])('refuses a %s control byte in the header with a 400 (Node rejects it before the app)', async (_name, byte) => {
      const credential = Buffer.from(`Token ${alice.token.slice(0, 10)}${byte}${alice.token.slice(11)}`, 'latin1');
      const response = await rawGetWithAuthorization(t.baseUrl, '/api/auth/user', credential);
      expect(response.status).toBe(400);
    });

    it('answers "Invalid token." for an unknown but well-formed token', async () => {
      expectProblem(await getUser(`Token ${generateToken('').token}`), 401, INVALID_TOKEN);
    });

    it('answers "Invalid token." for a truncated token', async () => {
      expectProblem(await getUser(`Token ${alice.token.slice(0, -1)}`), 401, INVALID_TOKEN);
      expectProblem(await getUser(`Token ${alice.token.slice(0, 8)}`), 401, INVALID_TOKEN);
    });

    it('answers "Invalid token." for a token whose checksum does not match', async () => {
      const last = alice.token.at(-1) === 'A' ? 'B' : 'A';
      expectProblem(await getUser(`Token ${alice.token.slice(0, -1)}${last}`), 401, INVALID_TOKEN);
      const flipped = alice.token[5] === 'x' ? 'y' : 'x';
      expectProblem(await getUser(`Token ${alice.token.slice(0, 5)}${flipped}${alice.token.slice(6)}`), 401, INVALID_TOKEN);
    });

    it('answers "Invalid token." for a revoked token', async () => {
      const token = await login(t, alice);
      await t.http().post('/api/auth/logout').set('Authorization', `Token ${token}`).expect(204);
      expectProblem(await getUser(`Token ${token}`), 401, INVALID_TOKEN);
    });

    it('answers "Invalid token." for an expired token', async () => {
      const token = await login(t, alice);
      await expireToken(t, token);
      expectProblem(await getUser(`Bearer ${token}`), 401, INVALID_TOKEN);
    });

    it('answers "User inactive or deleted." for the token of an inactive user', async () => {
      const bob = await registerUser(t);
      await setActive(t, bob.id, false);
      expectProblem(await getUser(`Token ${bob.token}`), 401, INACTIVE);
      expect(await tokenRow(t, bob.token)).toBeDefined();
      await setActive(t, bob.id, true);
      await getUser(`Token ${bob.token}`).expect(200);
    });
  });

  describe('the token is read from the header only', () => {
    it.each(['token', 'access_token'])('ignores ?%s= in the URL', async (param) => {
      const response = await t.http().get(`/api/auth/user?${param}=${alice.token}`);
      expectProblem(response, 401, NOT_PROVIDED);
    });

    it.each(['token', 'access_token'])('ignores %s in a JSON or form body', async (field) => {
      expectProblem(await t.http().post('/api/auth/logout').send({ [field]: alice.token }), 401, NOT_PROVIDED);
      expectProblem(await t.http().post('/api/auth/logout').type('form').send({ [field]: alice.token }), 401, NOT_PROVIDED);
      await getUser(`Token ${alice.token}`).expect(200);
    });
  });

  it('guards every accounts route that needs a token', async () => {
    const routes: Array<['get' | 'post' | 'delete', string]> = [
      ['get', '/api/auth/user'],
      ['post', '/api/auth/logout'],
      ['post', '/api/auth/logoutall'],
      ['get', '/api/auth/tokens'],
      ['delete', '/api/auth/tokens/1'],
      ['post', '/api/auth/password/change'],
    ];
    for (const [method, path] of routes) {
      expectProblem(await t.http()[method](path), 401, NOT_PROVIDED);
    }
  });
});
