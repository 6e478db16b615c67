import { applyDecorators, ExecutionContext, HttpStatus, Injectable, SetMetadata, UseGuards } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { normalizeIp, ThrottlerGuard, ThrottlerOptions } from '@nestjs/throttler';
import type { ThrottlerLimitDetail } from '@nestjs/throttler';
import type { FastifyRequest as Request } from 'fastify';
import { parseBasicHeader } from '../auth/auth.service';
import type { AppConfig } from '../config/app-config';
import { ApiException } from '../common/http/problem-details';

const THROTTLED_ROUTE = 'leads:throttled-route';
type ThrottledRoute = 'login' | 'register';

/**
 * Rate-limits a brute-force target (login, register). Applied per route
 * rather than globally, so ordinary API calls pay nothing for it.
 */
export const ThrottleAuth = (route: ThrottledRoute): MethodDecorator & ClassDecorator =>
  applyDecorators(SetMetadata(THROTTLED_ROUTE, route), UseGuards(AuthThrottleGuard));

/**
 * The username a login attempt targets, lower-cased as usernames are unique
 * case-insensitively; from the body, or HTTP Basic as the login route reads it.
 */
export function loginUsername(request: Request): string | null {
  const body: unknown = request.body;
  const fromBody = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).username : undefined;
  if (typeof fromBody === 'string') return fromBody.toLowerCase();
  if (fromBody === undefined) {
    const basic = parseBasicHeader(request.headers.authorization);
    if (basic.kind === 'ok') return basic.username.toLowerCase();
  }
  return null;
}

const routeOf = (reflector: Reflector, context: ExecutionContext): ThrottledRoute | undefined =>
  reflector.get<ThrottledRoute | undefined>(THROTTLED_ROUTE, context.getHandler());

const ipTracker = (raw: Record<string, unknown>): string => {
  const request = raw as unknown as Request;
  return normalizeIp(request.ip ?? request.socket.remoteAddress ?? 'unknown');
};

/** The named limits: each applies to one route and counts one thing. Keys are hashed by the guard. */
export function buildThrottlers(config: AppConfig['throttle'], reflector: Reflector): ThrottlerOptions[] {
  const onRoute = (route: ThrottledRoute) => (context: ExecutionContext) => routeOf(reflector, context) !== route;
  const throttlers: ThrottlerOptions[] = [];
  const ttl = config.windowMs;
  if (config.loginPerIp !== null) {
    throttlers.push({ name: 'login-ip', limit: config.loginPerIp, ttl, skipIf: onRoute('login'), getTracker: ipTracker });
  }
  if (config.loginPerUsername !== null) {
    throttlers.push({
      name: 'login-username',
      limit: config.loginPerUsername,
      ttl,
      skipIf: (context) => onRoute('login')(context) || loginUsername(context.switchToHttp().getRequest<Request>()) === null,
      getTracker: (request) => loginUsername(request as unknown as Request) ?? '',
    });
  }
  if (config.registerPerIp !== null) {
    throttlers.push({ name: 'register-ip', limit: config.registerPerIp, ttl, skipIf: onRoute('register'), getTracker: ipTracker });
  }
  return throttlers;
}

/** @nestjs/throttler's guard, answering in problem details with DRF's sentence and a plain `Retry-After`. */
@Injectable()
export class AuthThrottleGuard extends ThrottlerGuard {
  protected override async throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const wait = Math.max(1, detail.timeToBlockExpire);
    throw new ApiException(
      HttpStatus.TOO_MANY_REQUESTS,
      `Request was throttled. Expected available in ${wait} second${wait === 1 ? '' : 's'}.`,
      undefined,
      { 'Retry-After': String(wait) },
    );
  }
}
