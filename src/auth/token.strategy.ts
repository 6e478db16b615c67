import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { Principal } from '../common/decorators/current-user.decorator';
import { unauthorized } from '../common/http/problem-details';
import { BrowserSessions } from '../sessions/browser-sessions.service';
import { AUTH_MESSAGES, parseAuthorizationHeader } from './authorization-header';
import { TokensService } from './tokens.service';

/**
 * Who a request comes from: knox's `Token` header (or `Bearer`), with DRF's
 * exact sentence for each malformed header. Tokens are read from the header
 * only, never from the query string or the body; with no Authorization
 * header at all, the browser session cookie is tried.
 *
 * Called directly by TokenAuthGuard rather than through passport: passport's
 * per-request machinery (a strategy object, closures and promise wrappers for
 * every request) cost about a quarter of an authenticated request's CPU time
 * for a single strategy (bench/README.md).
 */
@Injectable()
export class TokenStrategy {
  constructor(
    private readonly tokens: TokensService,
    private readonly sessions: BrowserSessions,
  ) {}

  authenticate(request: Request): Promise<Principal> {
    // A request that has an Authorization header is judged by the header alone.
    if (request.headers.authorization === undefined && this.sessions.sessionTokenOf(request) !== undefined) {
      return this.sessions.authenticate(request, (token) => this.tokens.authenticate(token));
    }
    const credential = parseAuthorizationHeader(request.headers.authorization);
    if (credential.kind === 'none') return Promise.reject(unauthorized(AUTH_MESSAGES.notProvided));
    if (credential.kind === 'invalid') return Promise.reject(unauthorized(credential.detail));
    return this.tokens.authenticate(credential.token);
  }
}
