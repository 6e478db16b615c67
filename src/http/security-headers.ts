import type { CorsOptions } from '@nestjs/common/interfaces/external/cors-options.interface';
import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';

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

/**
 * helmet's headers for one policy, worked out once: they do not depend on the
 * request, so each response copies a ready-made set instead of running helmet.
 */
function helmetHeaders(directives: Directives): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string | number) => void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  };
  // upgrade-insecure-requests is left out: it breaks a console reached over plain HTTP on a LAN address.
  const middleware = helmet({ contentSecurityPolicy: { useDefaults: false, directives }, frameguard: { action: 'deny' } });
  let finished = false;
  middleware({} as IncomingMessage, response as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error;
    finished = true;
  });
  if (!finished) throw new Error('helmet did not finish synchronously');
  return headers;
}

const isDocsPath = (path: string): boolean => path === DOCS_PATH || path.startsWith(`${DOCS_PATH}/`) || path.startsWith(`${DOCS_PATH}?`);
const isApiPath = (path: string): boolean => path.startsWith('/api') && (path.length === 4 || path[4] === '/' || path[4] === '?');

let headerSets: { strict: Record<string, string>; strictApi: Record<string, string>; docsApi: Record<string, string> } | undefined;

/**
 * The headers every response to `url` carries: helmet's, with the relaxed
 * policy on the docs page only; and, since API answers carry user data or
 * tokens, `Cache-Control: no-store` on everything under /api.
 */
export function securityHeadersFor(url: string): Record<string, string> {
  if (!headerSets) {
    const strict = helmetHeaders(CONSOLE_CSP);
    headerSets = {
      strict,
      strictApi: { ...strict, 'cache-control': 'no-store' },
      docsApi: { ...helmetHeaders(DOCS_CSP), 'cache-control': 'no-store' },
    };
  }
  if (!isApiPath(url)) return headerSets.strict;
  return isDocsPath(url) ? headerSets.docsApi : headerSets.strictApi;
}

/** The security headers on every response: API, console and errors. */
export function installSecurityHeaders(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.headers(securityHeadersFor(request.url));
    done();
  });
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
