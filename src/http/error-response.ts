import type { FastifyReply } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { ApiError, FieldErrors } from '../common/http/problem-details';

/** RFC 9457 problem details: the form an error takes when the client asks for `application/problem+json`. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldErrors;
}

export const PROBLEM_JSON = 'application/problem+json';

export function problem(status: number, detail: string, errors?: FieldErrors): ProblemDetails {
  return {
    type: 'about:blank',
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail,
    ...(errors ? { errors } : {}),
  };
}

/** DRF's body for an error: the serializer's errors for a validation failure, else `{"detail": ...}`. */
export function drfBody(error: Pick<ApiError, 'detail' | 'errors'>): FieldErrors | { detail: string } {
  return error.errors ?? { detail: error.detail };
}

/**
 * Whether an `Accept` header prefers problem details to plain JSON (RFC 9110 §12.5.1):
 * each type gets the quality of the most specific range that matches it
 * (`application/problem+json`, then `application/*`, then `*` + `/*`). Problem details
 * win on a higher quality, or on the same quality from a more specific range
 * (`application/problem+json, *` + `/*`); any other tie, an absent header or one that
 * names neither, is DRF's JSON body.
 */
export function prefersProblemJson(accept: string | string[] | undefined): boolean {
  if (accept === undefined) return false;
  const header = Array.isArray(accept) ? accept.join(',') : accept;
  if (!/problem/i.test(header)) return false;
  const best = { problem: { q: 0, specificity: -1 }, json: { q: 0, specificity: -1 } };
  // A header is at most a few ranges; one past a sane count is not worth reading further.
  for (const range of header.split(',', 32)) {
    const [mediaRange, ...params] = range.split(';');
    const type = mediaRange.trim().toLowerCase();
    let q = 1;
    for (const param of params) {
      const [name, value] = param.split('=', 2).map((part) => part.trim());
      if (name.toLowerCase() === 'q') {
        const parsed = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/.test(value ?? '') ? Number(value) : NaN;
        q = Number.isNaN(parsed) ? 0 : parsed;
      }
    }
    const specificity = (target: string): number =>
      type === target ? 2 : type === 'application/*' ? 1 : type === '*/*' ? 0 : -1;
    for (const [key, target] of [['problem', PROBLEM_JSON], ['json', 'application/json']] as const) {
      const s = specificity(target);
      if (s > best[key].specificity) best[key] = { q, specificity: s };
    }
  }
  const { problem: p, json: j } = best;
  return p.q > j.q || (p.q === j.q && p.q > 0 && p.specificity > j.specificity);
}

/** The body and media type of `error` in the form `accept` asks for. */
export function renderError(error: ApiError, accept: string | string[] | undefined): { contentType: string; body: string } {
  return prefersProblemJson(accept)
    ? { contentType: PROBLEM_JSON, body: JSON.stringify(problem(error.status, error.detail, error.errors)) }
    : { contentType: 'application/json; charset=utf-8', body: JSON.stringify(drfBody(error)) };
}

/**
 * Sends `error` as the reply, in the form the request negotiated, with its headers.
 * The one way every error leaves this server: the exception filter, the early
 * Fastify hooks (URL limits, duplicate headers, handler deadline) and the router's refusals.
 */
export function replyWithError(reply: FastifyReply, error: ApiError): void {
  const { contentType, body } = renderError(error, reply.request?.headers.accept);
  // The body depends on Accept: a shared cache must not hand one form to a client that asked for the other.
  const vary = reply.getHeader('vary');
  reply
    .header('vary', vary === undefined || vary === '' ? 'Accept' : `${String(vary)}, Accept`)
    .headers(error.headers ?? {})
    .code(error.status)
    .type(contentType)
    .send(body);
}
