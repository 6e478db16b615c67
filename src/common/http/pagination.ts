import type { FastifyRequest as Request } from 'fastify';
import { FieldErrors } from './problem-details';

/** DRF's LimitOffsetPagination envelope. */
export interface Page<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

export interface PageParams {
  limit: number;
  offset: number;
}

export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 100;
/** OFFSET is a bigint in PostgreSQL; a 32-bit bound keeps absurd values a 400 instead of a database error. */
export const MAX_OFFSET = 2_147_483_647;

/** DRF's IntegerField sentences. */
const INTEGER_MESSAGES = {
  invalid: 'A valid integer is required.',
  min: (min: number): string => `Ensure this value is greater than or equal to ${min}.`,
  max: (max: number): string => `Ensure this value is less than or equal to ${max}.`,
};

/**
 * One query parameter as Django's `QueryDict.get` reads it: the last value
 * when repeated, undefined when absent or empty. A nested value (`a[b]=1`
 * under an extended query parser) is `invalid`.
 */
export function queryParam(query: Record<string, unknown>, name: string): string | undefined | { invalid: true } {
  if (!Object.prototype.hasOwnProperty.call(query, name)) return undefined;
  let value = query[name];
  if (Array.isArray(value)) value = value[value.length - 1];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') return { invalid: true };
  return value.trim() === '' ? undefined : value;
}

function integerParam(query: Record<string, unknown>, name: string, fallback: number, min: number, max: number, errors: FieldErrors): number {
  const raw = queryParam(query, name);
  if (raw === undefined) return fallback;
  const text = typeof raw === 'string' ? raw.trim() : '';
  if (!/^[+-]?\d{1,20}$/.test(text)) {
    errors[name] = [INTEGER_MESSAGES.invalid];
    return fallback;
  }
  const value = Number(text);
  if (value < min) errors[name] = [INTEGER_MESSAGES.min(min)];
  else if (value > max) errors[name] = [INTEGER_MESSAGES.max(max)];
  return value;
}

/** `limit` (1–100, default 20) and `offset` (≥ 0); problems are added to `errors` under the parameter's name. */
export function parsePageParams(query: Record<string, unknown>, errors: FieldErrors): PageParams {
  return {
    limit: integerParam(query, 'limit', DEFAULT_LIMIT, 1, MAX_LIMIT, errors),
    offset: integerParam(query, 'offset', 0, 0, MAX_OFFSET, errors),
  };
}

/**
 * The page with DRF's `next`/`previous` links: the request's own absolute URL
 * with `limit` and `offset` replaced and every other parameter kept as sent.
 */
export function toPage<T>(request: Request, params: PageParams, count: number, results: T[]): Page<T> {
  const { limit, offset } = params;
  const link = (newOffset: number): string => {
    const [path, search = ''] = (request.originalUrl ?? request.url).split(/\?(.*)/s, 2);
    const query = new URLSearchParams(search);
    query.set('limit', String(limit));
    if (newOffset > 0) query.set('offset', String(newOffset));
    else query.delete('offset');
    return absolute(request, path, query.toString());
  };
  return {
    count,
    next: offset + limit < count ? link(offset + limit) : null,
    previous: offset > 0 ? link(Math.max(offset - limit, 0)) : null,
    results,
  };
}

function absolute(request: Request, path: string, search: string): string {
  const relative = `${path}${search ? `?${search}` : ''}`;
  const host = request.host;
  if (!host) return relative;
  try {
    const url = new URL(`${request.protocol}://${host}`);
    url.pathname = path;
    url.search = search;
    return url.toString();
  } catch {
    // A Host header that is not a valid authority cannot make an absolute URL.
    return relative;
  }
}
