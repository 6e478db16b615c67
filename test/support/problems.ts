import type { Response } from 'supertest';

/**
 * Asserts an RFC 9457 answer with the exact DRF/knox sentence in `detail`.
 * A 401 must also tell the client which scheme to use.
 */
export function expectProblem(response: Response, status: number, detail: string): void {
  expect({ status: response.status, body: response.body as unknown }).toEqual({
    status,
    body: expect.objectContaining({ type: 'about:blank', status, detail }),
  });
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  if (status === 401) expect(response.headers['www-authenticate']).toBe('Token');
}

/** A 400 with DRF's field-error shape, compared exactly. */
export function expectFieldErrors(response: Response, errors: Record<string, string[]>): void {
  expectProblem(response, 400, 'Invalid input.');
  expect(response.body.errors).toEqual(errors);
}
