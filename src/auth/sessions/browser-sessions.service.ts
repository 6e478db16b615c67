import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { CookieSerializeOptions } from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AUTH_MESSAGES } from '../authorization-header';
import type { Principal } from '../../common/decorators/current-user.decorator';
import { ApiException, unauthorized } from '../../common/http/problem-details';
import type { AppConfig } from '../../config/app-config';
import { parseOrigin } from '../../config/app-config';
import { APP_CONFIG } from '../../config/app-config.module';
import { createCsrfToken, sameToken, sessionBinding, verifyCsrfToken } from './csrf-token';

/** Django's cookie and header names, so Django-minded clients and Postman scripts work unchanged. */
export const SESSION_COOKIE = 'sessionid';
export const CSRF_COOKIE = 'csrftoken';
export const CSRF_HEADER = 'x-csrftoken';
export const CSRF_KEY = Symbol('CSRF_KEY');

/** Django's CsrfViewMiddleware sentences, prefixed by DRF's "CSRF Failed: ". */
export const CSRF_MESSAGES = {
  cookieNotSet: 'CSRF Failed: CSRF cookie not set.',
  missing: 'CSRF Failed: CSRF token missing.',
  incorrect: 'CSRF Failed: CSRF token incorrect.',
  crossSite: 'CSRF Failed: Cross-site request refused.',
  badOrigin: (origin: string): string => `CSRF Failed: Origin checking failed - ${origin} does not match any trusted origins.`,
} as const;

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);
/** Django's CSRF_COOKIE_AGE, in seconds. */
const CSRF_COOKIE_MAX_AGE = 365 * 24 * 3600;

type Request = FastifyRequest;
type Response = FastifyReply;

/**
 * Django-style browser sessions over knox tokens: the `sessionid` cookie holds
 * an ordinary API token (same table, expiry, revocation and limit), and
 * cookie-authenticated unsafe requests must pass the CSRF checks.
 */
@Injectable()
export class BrowserSessions {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CSRF_KEY) private readonly csrfKey: Buffer,
  ) {}

  sessionTokenOf(request: Request): string | undefined {
    return cookieOf(request, SESSION_COOKIE);
  }

  hasCsrfCookie(request: Request): boolean {
    return cookieOf(request, CSRF_COOKIE) !== undefined;
  }

  /**
   * Authenticates by the session cookie, then applies CSRF protection to
   * unsafe methods, in DRF's order: a dead session is anonymous (401) before
   * CSRF is considered. A dead cookie is also removed from the browser.
   */
  async authenticate(request: Request, authenticateToken: (token: string) => Promise<Principal>): Promise<Principal> {
    const token = this.sessionTokenOf(request);
    if (token === undefined) throw unauthorized(AUTH_MESSAGES.notProvided);
    let principal: Principal;
    try {
      principal = await authenticateToken(token);
    } catch (error) {
      if (!(error instanceof ApiException) || error.getStatus() !== HttpStatus.UNAUTHORIZED) throw error;
      request.deadSessionCookie = true;
      throw error.detail === AUTH_MESSAGES.invalidToken ? unauthorized(AUTH_MESSAGES.notProvided) : error;
    }
    if (!SAFE_METHODS.has(request.method)) this.enforceCsrf(request);
    return principal;
  }

  /**
   * Django's checks for one unsafe request: a trusted Origin (and no
   * cross-site fetch), the csrftoken cookie, the same value submitted in the
   * X-CSRFToken header or csrfmiddlewaretoken field, and a valid signature
   * bound to the session cookie the request carries.
   */
  enforceCsrf(request: Request): void {
    const origin = headerOf(request, 'origin');
    const trustedOrigin = origin !== undefined && this.isTrustedOrigin(request, origin);
    if (origin !== undefined && !trustedOrigin) throw csrfFailed(CSRF_MESSAGES.badOrigin(origin.slice(0, 200)));
    if (headerOf(request, 'sec-fetch-site') === 'cross-site' && !(origin !== undefined && this.config.corsOrigins.includes(parseOrigin(origin) ?? ''))) {
      throw csrfFailed(CSRF_MESSAGES.crossSite);
    }

    const cookie = cookieOf(request, CSRF_COOKIE);
    if (cookie === undefined) throw csrfFailed(CSRF_MESSAGES.cookieNotSet);
    // An empty form field defers to the header, as Django's middleware does.
    const submitted = request.csrfFormToken || headerOf(request, CSRF_HEADER);
    if (submitted === undefined || submitted === '') throw csrfFailed(CSRF_MESSAGES.missing);
    const valid = sameToken(submitted, cookie) && verifyCsrfToken(this.csrfKey, sessionBinding(this.sessionTokenOf(request)), cookie);
    if (!valid) throw csrfFailed(CSRF_MESSAGES.incorrect);
  }

  /** After a refused request: a session cookie that named a dead token is removed from the browser. */
  endDeadSession(request: Request, response: Response): void {
    if (request.deadSessionCookie && !response.sent) this.endSession(request, response);
  }

  /** Sets a fresh csrftoken cookie bound to `sessionToken` (or to no session) and returns its value. */
  issueCsrfToken(request: Request, response: Response, sessionToken: string | undefined): string {
    const token = createCsrfToken(this.csrfKey, sessionBinding(sessionToken));
    // Expires as well as Max-Age, as Django sets both.
    response.setCookie(CSRF_COOKIE, token, {
      ...this.cookieOptions(request),
      httpOnly: false,
      maxAge: CSRF_COOKIE_MAX_AGE,
      expires: new Date(Date.now() + CSRF_COOKIE_MAX_AGE * 1000),
    });
    return token;
  }

  /** After a browser login: the session cookie holds the new token, and the CSRF token is rotated onto it. */
  startSession(request: Request, response: Response, token: string, expiry: Date | null): void {
    response.setCookie(SESSION_COOKIE, token, { ...this.cookieOptions(request), httpOnly: true, expires: this.cookieExpiry(expiry) });
    this.issueCsrfToken(request, response, token);
  }

  /** Forgets the session in the browser; the new CSRF token lets the login form work straight away. */
  endSession(request: Request, response: Response): void {
    response.clearCookie(SESSION_COOKIE, { ...this.cookieOptions(request), httpOnly: true });
    this.issueCsrfToken(request, response, undefined);
  }

  private isTrustedOrigin(request: Request, origin: string): boolean {
    const normalised = parseOrigin(origin);
    if (normalised === null) return false;
    if (this.config.corsOrigins.includes(normalised)) return true;
    // request.protocol and request.host follow X-Forwarded-* only under TRUST_PROXY.
    return request.host !== undefined && normalised === parseOrigin(`${request.protocol}://${request.host}`);
  }

  private cookieOptions(request: Request): CookieSerializeOptions {
    return { path: '/', sameSite: 'lax', secure: this.config.cookieSecure || request.protocol === 'https' };
  }

  /**
   * The cookie lives as long as its token can: until the token's expiry, or
   * with auto-refresh (which moves the expiry on the server) until the
   * refresh cap, or for the browser session when there is none.
   */
  private cookieExpiry(expiry: Date | null): Date | undefined {
    if (expiry === null) return undefined;
    const { autoRefresh, autoRefreshMaxTtlMs } = this.config.auth;
    if (!autoRefresh) return new Date(expiry);
    return autoRefreshMaxTtlMs === null ? undefined : new Date(Date.now() + autoRefreshMaxTtlMs);
  }
}

function csrfFailed(detail: string): ApiException {
  return new ApiException(HttpStatus.FORBIDDEN, detail);
}

function cookieOf(request: Request, name: string): string | undefined {
  const cookies = request.cookies as Record<string, unknown> | undefined;
  const value = cookies?.[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function headerOf(request: Request, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}
