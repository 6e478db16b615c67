import type { CorsOptions } from '@nestjs/common/interfaces/external/cors-options.interface';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';

type Directives = Record<string, string[] | null>;

/**
 * The web console's policy: scripts, styles and connections from this origin
 * only, no inline script or style, no framing, forms posting only here.
 */
export const CONSOLE_CSP: Directives = {
  'default-src': ["'self'"],
  'base-uri': ["'self'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'"],
  'connect-src': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'object-src': ["'none'"],
};

/** Swagger UI's page carries an inline <style> and inline style attributes; its scripts stay external. */
export const DOCS_CSP: Directives = { ...CONSOLE_CSP, 'style-src': ["'self'", "'unsafe-inline'"] };

export const DOCS_PATH = '/api/docs';

const headers = (directives: Directives): RequestHandler =>
  helmet({
    // upgrade-insecure-requests is left out: it breaks a console reached over plain HTTP on a LAN address.
    contentSecurityPolicy: { useDefaults: false, directives },
    frameguard: { action: 'deny' },
  });

/** helmet's headers on every response (API, console, errors), with the relaxed policy on the docs page only. */
export function securityHeaders(): RequestHandler {
  const strict = headers(CONSOLE_CSP);
  const docs = headers(DOCS_CSP);
  return (request: Request, response: Response, next: NextFunction) => {
    const path = request.path;
    const isDocs = path === DOCS_PATH || path.startsWith(`${DOCS_PATH}/`);
    return (isDocs ? docs : strict)(request, response, next);
  };
}

/** CORS stays off unless CORS_ORIGINS lists origins; those may call with credentials (cookies). */
export function corsOptions(origins: string[]): CorsOptions | null {
  if (origins.length === 0) return null;
  return {
    origin: origins,
    credentials: true,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'X-CSRFToken', 'X-Requested-With'],
    maxAge: 600,
  };
}
