import type { NextFunction, Request, Response } from 'express';

export const CSRF_FORM_FIELD = 'csrfmiddlewaretoken';

const formTokens = new WeakMap<Request, string>();

/**
 * Django's HTML forms send the CSRF token as a `csrfmiddlewaretoken` field.
 * It is taken out of the body here, after the body parsers, so that the
 * strict validation of each route never sees it as an unknown field.
 */
export function csrfFormField(request: Request, _response: Response, next: NextFunction): void {
  const body: unknown = request.body;
  if (body && typeof body === 'object' && !Array.isArray(body) && Object.hasOwn(body, CSRF_FORM_FIELD)) {
    const record = body as Record<string, unknown>;
    const value = record[CSRF_FORM_FIELD];
    // A repeated field arrives as a list: kept as a value that can never match.
    formTokens.set(request, typeof value === 'string' ? value : '\u0000');
    delete record[CSRF_FORM_FIELD];
  }
  next();
}

export function csrfFormTokenOf(request: Request): string | undefined {
  return formTokens.get(request);
}
