import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest as Request } from 'fastify';
import type { StrategyCreated } from 'passport';
import { Strategy as BearerStrategy } from 'passport-http-bearer';
import { Principal } from '../common/decorators/current-user.decorator';
import { unauthorized } from '../common/http/problem-details';
import { BrowserSessions } from './sessions/browser-sessions.service';
import { AUTH_MESSAGES, parseAuthorizationHeader } from './authorization-header';
import { TokensService } from './tokens.service';

export const TOKEN_STRATEGY = 'token';

type Verify = (token: string, done: (error: unknown, user?: Principal | false) => void) => void;

/**
 * passport-http-bearer's strategy taught knox's header: `Token` as well as
 * `Bearer`, and DRF's exact sentence for each malformed header. Tokens are
 * read from the header only, never from the query string or the body; with
 * no Authorization header at all, the browser session cookie is tried.
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

  /** Only when there is no Authorization header: a request that has one is judged by the header alone. */
  fromSessionCookie(request: Request): Promise<Principal> | undefined {
    if (request.headers.authorization !== undefined || this.sessions.sessionTokenOf(request) === undefined) return undefined;
    return this.sessions.authenticate(request, (token) => this.tokens.authenticate(token));
  }

  // passport's types name Express's request; on Fastify the guard hands over Fastify's.
  override authenticate(this: StrategyCreated<TokenStrategy>, incoming: Parameters<InstanceType<typeof BearerStrategy>['authenticate']>[0]): void {
    const request = incoming as unknown as Request;
    const session = this.fromSessionCookie(request);
    if (session) {
      session.then(
        (user) => {
          request.authenticatedBy = 'session';
          this.success(user);
        },
        (error: Error) => this.error(error),
      );
      return;
    }
    const credential = parseAuthorizationHeader(request.headers.authorization);
    if (credential.kind === 'none') return this.error(unauthorized(AUTH_MESSAGES.notProvided));
    if (credential.kind === 'invalid') return this.error(unauthorized(credential.detail));
    const verify = (this as unknown as { _verify: Verify })._verify;
    verify(credential.token, (error, user) => {
      if (error) return this.error(error as Error);
      if (!user) return this.error(unauthorized(AUTH_MESSAGES.invalidToken));
      request.authenticatedBy = 'header';
      return this.success(user);
    });
  }
}
