import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { IS_PUBLIC } from '../common/decorators/public.decorator';
import { BrowserSessions } from './sessions/browser-sessions.service';
import { TOKEN_STRATEGY } from './token.strategy';

/** The one global guard: every route needs a token unless it is marked @Public(). */
@Injectable()
export class TokenAuthGuard extends AuthGuard(TOKEN_STRATEGY) {
  constructor(
    private readonly reflector: Reflector,
    private readonly sessions: BrowserSessions,
  ) {
    super();
  }

  override canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]);
    if (isPublic) return true;
    return (super.canActivate(context) as Promise<boolean>).catch((error: unknown) => {
      const http = context.switchToHttp();
      this.sessions.endDeadSession(http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>());
      throw error;
    });
  }
}
