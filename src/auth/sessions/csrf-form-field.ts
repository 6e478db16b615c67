import type { FastifyInstance } from 'fastify';

export const CSRF_FORM_FIELD = 'csrfmiddlewaretoken';

declare module 'fastify' {
  interface FastifyRequest {
    /** The csrfmiddlewaretoken field taken out of the body; null when the body had none. */
    csrfFormToken: string | null;
  }
}

/**
 * Django's HTML forms send the CSRF token as a `csrfmiddlewaretoken` field.
 * It is taken out of the parsed body, before any guard or pipe runs, so that
 * the strict validation of each route never sees it as an unknown field.
 */
export function installCsrfFormField(fastify: FastifyInstance): void {
  fastify.decorateRequest('csrfFormToken', null);
  fastify.addHook('preValidation', (request, _reply, done) => {
    const body: unknown = request.body;
    if (body && typeof body === 'object' && !Array.isArray(body) && Object.hasOwn(body, CSRF_FORM_FIELD)) {
      const record = body as Record<string, unknown>;
      const value = record[CSRF_FORM_FIELD];
      // A repeated field arrives as a list: kept as a value that can never match.
      request.csrfFormToken = typeof value === 'string' ? value : '\u0000';
      delete record[CSRF_FORM_FIELD];
    }
    done();
  });
}
