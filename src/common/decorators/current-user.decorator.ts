import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest as Request } from 'fastify';

/** Who made an authenticated request, and with which token. */
export interface Principal {
  id: number;
  username: string;
  email: string;
  tokenId: number;
}

export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  const request = context.switchToHttp().getRequest<Request & { user?: Principal }>();
  if (!request.user) throw new Error('CurrentUser used on a route without authentication');
  return request.user;
});
