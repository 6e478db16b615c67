import type { Principal } from '../common/decorators/current-user.decorator';
import { ApiException, unauthorized } from '../common/http/problem-details';
import type { AppConfig } from '../config/app-config';
import { AUTH_MESSAGES } from './authorization-header';
import { BrowserSessions } from './sessions/browser-sessions.service';
import { TokenStrategy } from './token.strategy';
import type { TokensService } from './tokens.service';

const TOKEN = 'lp_well-formed-token';
const ALICE: Principal = { id: 3, username: 'alice', email: 'alice@example.com', tokenId: 11 };

type Outcome = { kind: 'success'; user: unknown } | { kind: 'error'; error: unknown } | { kind: 'fail' };

interface FakeRequest {
  method: string;
  headers: Record<string, string>;
  cookies: Record<string, string>;
  query: Record<string, string>;
  body: Record<string, string> | undefined;
  user: Principal | null;
  authenticatedBy: 'header' | 'session' | null;
  deadSessionCookie: boolean;
  csrfFormToken: string | null;
}

function fakeRequest(fields: Partial<FakeRequest> = {}): FakeRequest {
  return {
    method: 'GET',
    headers: {},
    cookies: {},
    query: {},
    body: undefined,
    user: null,
    authenticatedBy: null,
    deadSessionCookie: false,
    csrfFormToken: null,
    ...fields,
  };
}

function setup(authenticate: (token: string) => Promise<Principal> = async () => ALICE) {
  const tokens = { authenticate: jest.fn(authenticate) };
  const sessions = new BrowserSessions({ corsOrigins: [] } as unknown as AppConfig, Buffer.alloc(32, 1));
  const strategy = new TokenStrategy(tokens as unknown as TokensService, sessions);

  /** Runs the strategy as passport.authenticate() does: on a fresh object whose prototype is the strategy. */
  function run(request: FakeRequest): Promise<Outcome> {
    return new Promise((resolve) => {
      const created = Object.assign(Object.create(strategy) as TokenStrategy, {
        success: (user: unknown) => resolve({ kind: 'success', user }),
        error: (error: unknown) => resolve({ kind: 'error', error }),
        fail: () => resolve({ kind: 'fail' }),
        pass: () => resolve({ kind: 'fail' }),
        redirect: () => resolve({ kind: 'fail' }),
      });
      created.authenticate(request as unknown as Parameters<TokenStrategy['authenticate']>[0]);
    });
  }
  return { tokens, run };
}

function expectRefusal(outcome: Outcome, status: number, detail: string): void {
  expect(outcome.kind).toBe('error');
  const error = (outcome as { error: unknown }).error;
  expect(error).toBeInstanceOf(ApiException);
  expect((error as ApiException).getStatus()).toBe(status);
  expect((error as ApiException).detail).toBe(detail);
}

describe('TokenStrategy.authenticate', () => {
  describe('with an Authorization header', () => {
    it.each([`Token ${TOKEN}`, `Bearer ${TOKEN}`, `token\t${TOKEN}`, `BEARER   ${TOKEN}`])('verifies the token of %j and records the header', async (header) => {
      const { tokens, run } = setup();
      const request = fakeRequest({ headers: { authorization: header } });
      expect(await run(request)).toEqual({ kind: 'success', user: ALICE });
      expect(tokens.authenticate).toHaveBeenCalledWith(TOKEN);
      expect(request.authenticatedBy).toBe('header');
    });

    it.each([
      ['the scheme alone', 'Token', AUTH_MESSAGES.noCredentials],
      ['the scheme and blanks', 'Bearer   ', AUTH_MESSAGES.noCredentials],
      ['two credential words', 'Token a b', AUTH_MESSAGES.spaces],
      ['a non-ASCII credential', 'Token caf\u00e9', AUTH_MESSAGES.invalidCharacters],
      ['another scheme', 'Basic dXNlcjpwYXNz', AUTH_MESSAGES.notProvided],
      ['a scheme that only starts like ours', 'Tokens abc', AUTH_MESSAGES.notProvided],
      ['an empty header', '', AUTH_MESSAGES.notProvided],
    ])('refuses %s with DRF’s sentence, without a lookup', async (_label, header, detail) => {
      const { tokens, run } = setup();
      const request = fakeRequest({ headers: { authorization: header } });
      expectRefusal(await run(request), 401, detail);
      expect(tokens.authenticate).not.toHaveBeenCalled();
      expect(request.authenticatedBy).toBeNull();
    });

    it('passes on the verdict of TokensService for a token it refuses', async () => {
      const { run } = setup(async () => {
        throw unauthorized(AUTH_MESSAGES.inactive);
      });
      const request = fakeRequest({ headers: { authorization: `Token ${TOKEN}` } });
      expectRefusal(await run(request), 401, AUTH_MESSAGES.inactive);
      expect(request.authenticatedBy).toBeNull();
    });

    it('judges by the header alone when a session cookie is there too', async () => {
      const { tokens, run } = setup();
      const request = fakeRequest({ headers: { authorization: 'Token a b' }, cookies: { sessionid: TOKEN } });
      expectRefusal(await run(request), 401, AUTH_MESSAGES.spaces);
      expect(tokens.authenticate).not.toHaveBeenCalled();
      expect(request.deadSessionCookie).toBe(false);
    });
  });

  describe('without an Authorization header', () => {
    it('answers "not provided" when there is no credential at all', async () => {
      const { tokens, run } = setup();
      expectRefusal(await run(fakeRequest()), 401, AUTH_MESSAGES.notProvided);
      expect(tokens.authenticate).not.toHaveBeenCalled();
    });

    it('never takes a token from the query string or the body', async () => {
      const { tokens, run } = setup();
      const request = fakeRequest({ method: 'POST', query: { access_token: TOKEN, token: TOKEN }, body: { access_token: TOKEN, token: TOKEN } });
      expectRefusal(await run(request), 401, AUTH_MESSAGES.notProvided);
      expect(tokens.authenticate).not.toHaveBeenCalled();
    });

    it('authenticates by the session cookie and records it', async () => {
      const { tokens, run } = setup();
      const request = fakeRequest({ cookies: { sessionid: TOKEN } });
      expect(await run(request)).toEqual({ kind: 'success', user: ALICE });
      expect(tokens.authenticate).toHaveBeenCalledWith(TOKEN);
      expect(request.authenticatedBy).toBe('session');
      expect(request.deadSessionCookie).toBe(false);
    });

    it('marks a session cookie naming a dead token, and answers as if there were no credentials', async () => {
      const { run } = setup(async () => {
        throw unauthorized(AUTH_MESSAGES.invalidToken);
      });
      const request = fakeRequest({ cookies: { sessionid: TOKEN } });
      expectRefusal(await run(request), 401, AUTH_MESSAGES.notProvided);
      expect(request.deadSessionCookie).toBe(true);
      expect(request.authenticatedBy).toBeNull();
    });

    it('refuses an unsafe request by session cookie without the CSRF checks passing', async () => {
      const { run } = setup();
      const request = fakeRequest({ method: 'POST', cookies: { sessionid: TOKEN } });
      expectRefusal(await run(request), 403, 'CSRF Failed: CSRF cookie not set.');
      expect(request.authenticatedBy).toBeNull();
    });
  });
});
