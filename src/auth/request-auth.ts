import type { FastifyInstance } from 'fastify';

/** The credential that authenticated a request: the Authorization header, or the browser's session cookie. */
export type AuthenticatedBy = 'header' | 'session';

declare module 'fastify' {
  interface FastifyRequest {
    /** Which credential the global token guard accepted; null until it accepts one, and on a public route. */
    authenticatedBy: AuthenticatedBy | null;
    /** The session cookie named a revoked or expired token: the refusal also clears it from the browser. */
    deadSessionCookie: boolean;
  }
}

/**
 * Declares what the token guard learns about a request (the principal, the
 * credential, a dead session cookie) on Fastify's request, so that every
 * request starts with the same fields and a reader sees from the type how a
 * request was authenticated. Called before Fastify starts.
 */
export function decorateAuthRequest(fastify: FastifyInstance): void {
  fastify.decorateRequest('user', null);
  fastify.decorateRequest('authenticatedBy', null);
  fastify.decorateRequest('deadSessionCookie', false);
}
