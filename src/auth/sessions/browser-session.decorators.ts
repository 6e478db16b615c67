import { applyDecorators, UseInterceptors } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { BrowserLoginInterceptor, BrowserLogoutInterceptor } from './browser-session.interceptors';

/** Marks a route that issues a token: with the csrftoken cookie it becomes a CSRF-checked browser login. */
export const BrowserLogin = (): MethodDecorator =>
  applyDecorators(
    UseInterceptors(BrowserLoginInterceptor),
    ApiHeader({
      name: 'X-CSRFToken',
      required: false,
      description:
        'Browser login: when the request carries the `csrftoken` cookie (from `GET /api/auth/login`), this header ' +
        '(or a `csrfmiddlewaretoken` form field) must repeat it; the answer then also sets the HttpOnly `sessionid` cookie and a new `csrftoken`.',
    }),
  );

/** Marks a route that ends the caller's token: a session-cookie caller also gets the cookie cleared. */
export const BrowserLogout = (): MethodDecorator => applyDecorators(UseInterceptors(BrowserLogoutInterceptor));
