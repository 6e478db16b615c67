import { applyDecorators, ExecutionContext, HttpStatus, Injectable, SetMetadata, UseGuards } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { normalizeIp, ThrottlerGuard, ThrottlerOptions } from '@nestjs/throttler';
import type { ThrottlerLimitDetail } from '@nestjs/throttler';
import type { FastifyRequest as Request } from 'fastify';
import { parseBasicHeader } from '../basic-header';
import type { AppConfig } from '../../config/app-config';
import { ApiException } from '../../common/http/problem-details';
import { usernameThrottleKey } from '../../users/username';

const THROTTLED_ROUTE = 'leads:throttled-route';
type ThrottledRoute = 'login' | 'register' | 'password-change';

/**
 * Rate-limits a brute-force target (login, register, password change).
 * Applied per route rather than globally, so ordinary API calls pay nothing
 * for it. A route guard runs after the global token guard, so on an
 * authenticated route the user is known here.
 */
export const ThrottleAuth = (route: ThrottledRoute): MethodDecorator & ClassDecorator =>
  applyDecorators(SetMetadata(THROTTLED_ROUTE, route), UseGuards(AuthThrottleGuard));

/**
 * The account a login attempt targets, as its throttle key: the username the
 * login route will look up (from the body, or HTTP Basic when the body has
 * neither credential, as the route reads it), trimmed, NFKC-normalised and
 * case-folded by the same function as the lookup, so that `" bob"`, `"BOB"`
 * and `"ｂob"` count as the one account they reach.
 */
export function loginUsername(request: Request): string | null {
  const body: unknown = request.body;
  const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  if (typeof fields.username === 'string') return usernameThrottleKey(fields.username);
  if (fields.username === undefined && fields.password === undefined) {
    const basic = parseBasicHeader(request.headers.authorization);
    if (basic.kind === 'ok') return usernameThrottleKey(basic.username);
  }
  return null;
}

/** The authenticated user's id, set on the request by the global token guard (passport's `request.user`). */
function userIdOf(request: Request): string | null {
  return request.user ? String(request.user.id) : null;
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
  if (config.passwordChangePerUser !== null) {
    throttlers.push({
      name: 'password-change-user',
      limit: config.passwordChangePerUser,
      ttl,
      // Without a user the token guard has already refused the request; nothing to count.
      skipIf: (context) => onRoute('password-change')(context) || userIdOf(context.switchToHttp().getRequest<Request>()) === null,
      getTracker: (request) => userIdOf(request as unknown as Request) ?? '',
    });
  }
  return throttlers;
}

/** DRF's Throttled sentence; `wait` is the seconds, or a placeholder where the docs show it. */
export const throttledMessage = (wait: number | '<n>'): string => `Request was throttled. Expected available in ${wait} second${wait === 1 ? '' : 's'}.`;

/** @nestjs/throttler's guard, answering in problem details with DRF's sentence and a plain `Retry-After`. */
@Injectable()
export class AuthThrottleGuard extends ThrottlerGuard {
  protected override async throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const wait = Math.max(1, detail.timeToBlockExpire);
    throw new ApiException(
      HttpStatus.TOO_MANY_REQUESTS,
      throttledMessage(wait),
      undefined,
      { 'Retry-After': String(wait) },
    );
  }
}
