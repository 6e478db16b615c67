import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import type { StrategyCreated } from 'passport';
import { Strategy as BearerStrategy } from 'passport-http-bearer';
import { Principal } from '../common/decorators/current-user.decorator';
import { unauthorized } from '../common/http/problem-details';
import { AUTH_MESSAGES, parseAuthorizationHeader } from './authorization-header';
import { BrowserSessions } from './sessions/browser-sessions.service';
import { TokensService } from './tokens.service';

export const TOKEN_STRATEGY = 'token';

type BearerRequest = Parameters<InstanceType<typeof BearerStrategy>['authenticate']>[0];

/**
 * passport-http-bearer's strategy taught knox's header: `Token` as well as
 * `Bearer`, and DRF's exact sentence for each malformed header. Tokens are
 * read from the header only, never from the query string or the body; with
 * no Authorization header at all, the browser session cookie is tried.
 *
 * Only `authenticate` is replaced (passport's documented extension point): it
 * reads the request itself and calls `validate` directly, as PassportStrategy
 * would through the verify callback, so nothing of passport-http-bearer's
 * private state is read.
 */
@Injectable()
export class TokenStrategy extends PassportStrategy(BearerStrategy, TOKEN_STRATEGY) {
  constructor(
    private readonly tokens: TokensService,
    private readonly sessions: BrowserSessions,
  ) {
    super();
  }

  validate(token: string): Promise<Principal> {
    return this.tokens.authenticate(token);
  }

  /**
   * Who made the request, and by which credential (recorded on the request).
   * A request with an Authorization header is judged by the header alone; the
   * session cookie counts only without one.
   */
  async authenticateRequest(request: FastifyRequest): Promise<Principal> {
    const authorization = request.headers.authorization;
    if (authorization === undefined && this.sessions.sessionTokenOf(request) !== undefined) {
      const principal = await this.sessions.authenticate(request, (token) => this.validate(token));
      request.authenticatedBy = 'session';
      return principal;
    }
    const credential = parseAuthorizationHeader(authorization);
    if (credential.kind === 'none') throw unauthorized(AUTH_MESSAGES.notProvided);
    if (credential.kind === 'invalid') throw unauthorized(credential.detail);
    const principal = await this.validate(credential.token);
    request.authenticatedBy = 'header';
    return principal;
  }

  /**
   * Every refusal goes through `error` with DRF's answer, never `fail`, which
   * would answer with passport's own challenge. passport's types name
   * Express's request; on Fastify the guard hands over Fastify's.
   */
  override authenticate(this: StrategyCreated<TokenStrategy>, request: BearerRequest): void {
    this.authenticateRequest(request as unknown as FastifyRequest).then(
      (principal) => this.success(principal),
      (error: Error) => this.error(error),
    );
  }
}
