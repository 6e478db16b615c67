import type { Response } from 'supertest';
import { STATUS_CODES } from 'node:http';

/** The `Accept` header that asks for RFC 9457 problem details instead of DRF's bodies. */
export const PROBLEM_ACCEPT = 'application/problem+json';

const expectJson = (response: Response): void => expect(response.headers['content-type']).toMatch(/^application\/json(;|$)/);

/**
 * Asserts DRF's error body, compared exactly: `{"detail": "<DRF's or knox's sentence>"}` and nothing
 * else, as application/json. A 401 must also tell the client which scheme to use (`Token`, unless said).
 */
export function expectProblem(response: Response, status: number, detail: string, challenge = 'Token'): void {
  expect({ status: response.status, body: response.body as unknown }).toEqual({ status, body: { detail } });
  expectJson(response);
  if (status === 401) expect(response.headers['www-authenticate']).toBe(challenge);
}

/** A 400 with DRF's serializer errors as the whole body (one key per field, `non_field_errors`), compared exactly. */
export function expectFieldErrors(response: Response, errors: Record<string, string[]>): void {
  expect({ status: response.status, body: response.body as unknown }).toEqual({ status: 400, body: errors });
  expectJson(response);
}

/**
 * The same error as RFC 9457 problem details, for a request whose `Accept` prefers them: compared
 * exactly, `errors` only for a validation failure (whose `detail` is `Invalid input.`).
 */
export function expectProblemDetails(response: Response, status: number, detail: string, errors?: Record<string, string[]>): void {
  const text = response.text;
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json(;|$)/);
  // supertest leaves an unknown media type unparsed: read the text.
  expect({ status: response.status, body: JSON.parse(text) as unknown }).toEqual({
    status,
    body: { type: 'about:blank', title: STATUS_CODES[status], status, detail, ...(errors ? { errors } : {}) },
  });
  if (status === 401 && response.headers['www-authenticate'] === undefined) throw new Error('a 401 without WWW-Authenticate');
}
