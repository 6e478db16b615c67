import type { FastifyInstance } from 'fastify';
import { JsonLogger } from '../logging/json-logger';
import { redactText, redactUrl } from '../logging/redact';

/** Characters without which a URL holds nothing the redactor would hide. */
const MAY_HOLD_SECRETS = /[?=:\s]/;

/**
 * The URL as it may be logged: secret query parameters and any `name=value`
 * or credential-looking text hidden. The common URL (a path without a query)
 * costs one quick test instead of parsing and three replacements.
 */
export function loggableUrl(url: string): string {
  return MAY_HOLD_SECRETS.test(url) ? redactText(redactUrl(url)) : url;
}

/** One structured line per request; health probes only at debug level. */
export function installRequestLogger(fastify: FastifyInstance, logger: JsonLogger): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    const url = request.originalUrl;
    const status = reply.statusCode;
    const level = url.startsWith('/health') ? 'debug' : status >= 500 ? 'error' : 'info';
    if (logger.enabled(level)) {
      logger.redactedEvent(level, {
        msg: 'request',
        method: request.method,
        url: loggableUrl(url),
        status,
        ms: Math.round(reply.elapsedTime * 1000) / 1000,
      });
    }
    done();
  });
}
