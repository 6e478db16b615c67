import { Logger } from '@nestjs/common';
import type { FastifyRequest as Request } from 'fastify';
import { TOKEN_SHAPED } from '../logging/redact';
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

/**
 * `limit` (1–100) and `offset` (≥ 0) as DRF's LimitOffsetPagination reads
 * them; problems are added to `errors` under the parameter's name. Null when
 * the answer is not paginated: no `limit` and no default (DRF's PAGE_SIZE
 * unset). `offset` is still checked then, but has no effect, as in DRF.
 */
export function parsePageParams(query: Record<string, unknown>, errors: FieldErrors, defaultLimit: number | null): PageParams | null {
  const paginated = defaultLimit !== null || queryParam(query, 'limit') !== undefined;
  const limit = integerParam(query, 'limit', defaultLimit ?? 1, 1, MAX_LIMIT, errors);
  const offset = integerParam(query, 'offset', 0, 0, MAX_OFFSET, errors);
  return paginated ? { limit, offset } : null;
}

/**
 * The page with DRF's `next`/`previous` links: the request's own URL with
 * `limit` and `offset` replaced and every other parameter kept as sent, made
 * absolute by `links` (PUBLIC_URL, or an allowed Host).
 */
export function toPage<T>(request: Request, params: PageParams, count: number, results: T[], links: PageLinks): Page<T> {
  const { limit, offset } = params;
  const link = (newOffset: number): string => {
    const [path, search = ''] = (request.originalUrl ?? request.url).split(/\?(.*)/s, 2);
    const query = new URLSearchParams(search);
    query.set('limit', String(limit));
    if (newOffset > 0) query.set('offset', String(newOffset));
    else query.delete('offset');
    return links.build(request, path, query.toString());
  };
  return {
    count,
    next: offset + limit < count ? link(offset + limit) : null,
    previous: offset > 0 ? link(Math.max(offset - limit, 0)) : null,
    results,
  };
}

export interface PageLinkSettings {
  /** `scheme://host[:port][/prefix]` without a trailing slash (config PUBLIC_URL), or null. */
  publicUrl: string | null;
  /** Django's ALLOWED_HOSTS patterns, lower-case: `api.example.com`, `.example.com`, `[::1]`, `*`. */
  allowedHosts: readonly string[];
}

/** Django's `host_validation_re`: a name or IPv4 address, or a bracketed IPv6 address, and an optional port. */
const HOST_HEADER = /^([a-z0-9.-]+|\[[a-f0-9]*:[a-f0-9.:]+\])(:\d{1,5})?$/;
/** Any absolute URL will do: only the path and query of a relative link are kept. */
const RELATIVE_BASE = 'http://relative.invalid';

/**
 * Where absolute links point, decided without trusting the client:
 *
 * 1. PUBLIC_URL when it is set (a path prefix included), whatever the request says;
 * 2. else the request's host, `X-Forwarded-Host`/`X-Forwarded-Proto` only from a
 *    proxy TRUST_PROXY trusts (Fastify's `request.host`/`request.protocol`), when
 *    that host is in ALLOWED_HOSTS (Django's rules: exact name, `.example.com`
 *    for the domain and its subdomains, `*` for any, port ignored);
 * 3. else a relative link (`/api/leads?limit=20&offset=20`).
 *
 * Why relative rather than Django's 400 `Invalid HTTP_HOST header` for every
 * such request, or the listen address: the Host only matters for these links,
 * so refusing the whole request would break health checks and clients that
 * reach the API by an IP or an internal name for no gain; the listen address
 * (0.0.0.0, a container's 127.0.0.1) is not an address clients can use and
 * would leak the internal topology. A relative reference resolves against the
 * URL the client requested (RFC 3986, section 5), so a client that resolves
 * links still follows it to the right place, and a forged Host can never
 * appear in an answer (or in a cache keyed without it).
 */
export class PageLinks {
  private readonly logger = new Logger('Pagination');
  private warned = false;

  constructor(private readonly settings: PageLinkSettings) {}

  /** An absolute link to `path?search`, or a relative one when no trusted origin is known. */
  build(request: Request, path: string, search: string): string {
    const base = this.settings.publicUrl ?? this.requestOrigin(request);
    const url = new URL(base ?? RELATIVE_BASE);
    url.pathname = `${url.pathname.replace(/\/$/, '')}${path}`;
    url.search = search;
    if (base !== null) return url.toString();
    // `//host/x` would be a network-path reference, read as another host: keep one leading slash.
    return `${url.pathname.replace(/^\/{2,}/, '/')}${url.search}`;
  }

  /** `scheme://host[:port]` of the request when its host is allowed, else null. */
  private requestOrigin(request: Request): string | null {
    const host = (request.host ?? '').toLowerCase();
    const match = HOST_HEADER.exec(host);
    if (!match || !isAllowedHost(match[1], this.settings.allowedHosts)) {
      if (host !== '' && !this.warned) {
        this.warned = true;
        // The name helps an operator; one that could be a secret, or is malformed, is left out.
        const name = match && !TOKEN_SHAPED.test(match[1]) ? ` "${match[1]}"` : '';
        this.logger.warn(
          `a request's Host${name} is not in ALLOWED_HOSTS, so pagination links are relative; ` +
            'set PUBLIC_URL, or add the name to ALLOWED_HOSTS (reported once)',
        );
      }
      return null;
    }
    const protocol = String(request.protocol ?? '').toLowerCase() === 'https' ? 'https' : 'http';
    return `${protocol}://${host}`;
  }
}

/** Django's `validate_host`: the domain (port stripped, trailing dot removed) against each pattern. */
export function isAllowedHost(domain: string, patterns: readonly string[]): boolean {
  const name = domain.endsWith('.') ? domain.slice(0, -1) : domain;
  return patterns.some(
    (pattern) => pattern === '*' || pattern === name || (pattern.startsWith('.') && (name.endsWith(pattern) || name === pattern.slice(1))),
  );
}
