import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/** Who made an authenticated request, and with which token. */
export interface Principal {
  id: number;
  username: string;
  email: string;
  tokenId: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Who the global token guard authenticated (passport's `request.user`); null on a public route. */
    user: Principal | null;
  }
}

export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  const request = context.switchToHttp().getRequest<FastifyRequest>();
  if (!request.user) throw new Error('CurrentUser used on a route without authentication');
  return request.user;
});
