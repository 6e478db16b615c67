import type { FastifyInstance, FastifyRequest } from 'fastify';

export const CSRF_FORM_FIELD = 'csrfmiddlewaretoken';

const formTokens = new WeakMap<FastifyRequest, string>();

/**
 * Django's HTML forms send the CSRF token as a `csrfmiddlewaretoken` field.
 * It is taken out of the parsed body, before any guard or pipe runs, so that
 * the strict validation of each route never sees it as an unknown field.
 */
export function installCsrfFormField(fastify: FastifyInstance): void {
  fastify.addHook('preValidation', (request, _reply, done) => {
    const body: unknown = request.body;
    if (body && typeof body === 'object' && !Array.isArray(body) && Object.hasOwn(body, CSRF_FORM_FIELD)) {
      const record = body as Record<string, unknown>;
      const value = record[CSRF_FORM_FIELD];
      // A repeated field arrives as a list: kept as a value that can never match.
      formTokens.set(request, typeof value === 'string' ? value : '\u0000');
      delete record[CSRF_FORM_FIELD];
    }
    done();
  });
}

export function csrfFormTokenOf(request: FastifyRequest): string | undefined {
  return formTokens.get(request);
}
