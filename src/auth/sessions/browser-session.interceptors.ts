import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyReply as Response, FastifyRequest as Request } from 'fastify';
import { mergeMap, Observable, tap } from 'rxjs';
import { TokensService } from '../tokens.service';
import { BrowserSessions } from './browser-sessions.service';

interface IssuedTokenBody {
  token: string;
  expiry: Date | string | null;
}

/**
 * Login and register: a request that carries the csrftoken cookie comes from
 * a browser, so it must pass the CSRF checks (no login CSRF), and on success
 * it also gets the session cookie. Without that cookie it is a plain API call.
 */
@Injectable()
export class BrowserLoginInterceptor implements NestInterceptor {
  constructor(
    private readonly sessions: BrowserSessions,
    private readonly tokens: TokensService,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<Request>();
    const response = context.switchToHttp().getResponse<Response>();
    if (!this.sessions.hasCsrfCookie(request)) return next.handle();
    this.sessions.enforceCsrf(request);
    const replaced = this.sessions.sessionTokenOf(request);
    return next.handle().pipe(
      mergeMap(async (body: IssuedTokenBody) => {
        // As Django cycles the session at login: the session this browser held before is revoked,
        // so a copy of the old cookie (whoever's it was) does not outlive the new sign-in.
        if (replaced !== undefined && replaced !== body.token) await this.tokens.revokeByToken(replaced);
        return body;
      }),
      tap((body: IssuedTokenBody) => {
        const expiry = body.expiry === null ? null : new Date(body.expiry);
        this.sessions.startSession(request, response, body.token, expiry);
      }),
    );
  }
}

/** Logout and logout-all: when the session cookie authenticated the request, the browser forgets it. */
@Injectable()
export class BrowserLogoutInterceptor implements NestInterceptor {
  constructor(private readonly sessions: BrowserSessions) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<Request>();
    const response = context.switchToHttp().getResponse<Response>();
    return next.handle().pipe(
      tap(() => {
        if (request.authenticatedBy === 'session') this.sessions.endSession(request, response);
      }),
    );
  }
}
