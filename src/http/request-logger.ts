import type { FastifyInstance } from 'fastify';
import type { AppLogger } from '../common/logging/app-logger';
import { redactRequestUrl, TOKEN_SHAPED } from '../common/logging/redact';

/** Where a secret name can take effect: a query (`?token=`), a pair (`password=`, `token:`), or a URL inside the URL. */
const MAY_NAME_SECRETS = /[?=:\s]/;
const SECRET_WORDS = /authorization|bearer|basic|cookie|password|postgres|secret|session|token|api[_-]?key/i;

/**
 * True when the redactor could change something in the URL: a percent-escape
 * (which may hide anything), a token-shaped run, or a secret word where a
 * rule can use it. The common URL (`/api/leads/17`, or with
 * `?ordering=-created_at&search=alice`) is logged after these few tests,
 * without being split, decoded or rewritten; the spec checks that both paths
 * agree on any URL.
 */
export function mayHoldSecrets(url: string): boolean {
  return url.includes('%') || TOKEN_SHAPED.test(url) || (MAY_NAME_SECRETS.test(url) && SECRET_WORDS.test(url));
}

/**
 * The URL as it may be logged: token-shaped strings hidden wherever they are
 * (path segment, query key or value, percent-encoded or not), the values of
 * secret-named parameters and any credential-looking text hidden.
 */
export function loggableUrl(url: string): string {
  return mayHoldSecrets(url) ? redactRequestUrl(url) : url;
}

/** One structured line per request; health probes only at debug level. */
export function installRequestLogger(fastify: FastifyInstance, logger: AppLogger): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    const url = request.originalUrl;
    const status = reply.statusCode;
    const level = url.startsWith('/health') ? 'debug' : status >= 500 ? 'error' : 'info';
    if (logger.enabled(level)) {
      logger.logSafe(level, 'request', {
        method: request.method,
        url: loggableUrl(url),
        status,
        ms: Math.round(reply.elapsedTime * 1000) / 1000,
      });
    }
    done();
  });
}
