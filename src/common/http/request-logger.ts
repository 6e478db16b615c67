import type { NextFunction, Request, Response } from 'express';
import { JsonLogger } from '../logging/json-logger';
import { redactUrl } from '../logging/redact';

/** One structured line per request; health probes only at debug level. */
export function requestLogger(logger: JsonLogger) {
  return (request: Request, response: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    response.on('finish', () => {
      const path = request.originalUrl ?? request.url;
      const level = path.startsWith('/health') ? 'debug' : response.statusCode >= 500 ? 'error' : 'info';
      logger.event(level, {
        msg: 'request',
        method: request.method,
        url: redactUrl(path),
        status: response.statusCode,
        ms: Number((process.hrtime.bigint() - started) / 1000n) / 1000,
      });
    });
    next();
  };
}

/** API answers carry user data or tokens: no cache may keep them. */
export function noStore(_request: Request, response: Response, next: NextFunction): void {
  response.setHeader('Cache-Control', 'no-store');
  next();
}
