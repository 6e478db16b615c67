import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger, NotFoundException, Optional } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isDatabaseUnavailable } from '../database/database-unavailable';
import { RouteTable } from './route-table';
import { ApiError, ApiException, NOT_AUTHENTICATED, NOT_FOUND } from '../common/http/problem-details';
import { BODY_INCOMPLETE, BODY_TOO_LARGE } from './body-parsers';
import { replyWithError } from './error-response';
import { MALFORMED_REQUEST } from './http-limits';

/**
 * Every error leaves as DRF's body (`{"detail": ...}`, or the field errors of a
 * validation failure), or as RFC 9457 problem details with the same sentences
 * when the request's `Accept` prefers them. Unexpected errors are logged with their stack here and answered
 * with a generic 500 that reveals nothing.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Exceptions');

  constructor(@Optional() private readonly adapterHost?: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    if (reply.sent) return;

    replyWithError(reply, this.toApiError(exception, request));
  }

  private toApiError(exception: unknown, request: FastifyRequest): ApiError {
    if (exception instanceof ApiException) return exception.toApiError();
    if (exception instanceof NotFoundException && request.is404) {
      // No route matched this method; if one matches the path, DRF answers 405 and lists what is allowed.
      const allowed = RouteTable.of(this.adapterHost?.httpAdapter?.getInstance?.())?.allowedMethods(pathOf(request)) ?? [];
      if (allowed.length > 0 && !allowed.includes(request.method)) {
        return { status: HttpStatus.METHOD_NOT_ALLOWED, detail: `Method "${request.method}" not allowed.`, headers: { Allow: allowed.join(', ') } };
      }
    }
    if (exception instanceof HttpException) {
      // Fastify's own refusals reach us wrapped by the adapter.
      const fastifyProblem = asFastifyError(exception.cause, request);
      if (fastifyProblem) return fastifyProblem;
      const status = exception.getStatus();
      return { status, detail: defaultDetail(status, exception) };
    }
    const fastifyError = asFastifyError(exception, request);
    if (fastifyError) return fastifyError;

    if (isDatabaseUnavailable(exception)) {
      this.logger.warn(`database unavailable during ${request.method} ${pathOf(request)}`);
      return { status: HttpStatus.SERVICE_UNAVAILABLE, detail: 'The service is temporarily unavailable. Please retry shortly.', headers: { 'Retry-After': '5' } };
    }
    this.logger.error(
      `unhandled error during ${request.method} ${pathOf(request)}`,
      exception instanceof Error ? exception.stack : String(exception),
    );
    return { status: HttpStatus.INTERNAL_SERVER_ERROR, detail: 'A server error occurred.' };
  }
}

const pathOf = (request: FastifyRequest): string => request.url.split('?', 1)[0];

function defaultDetail(status: number, exception: HttpException): string {
  switch (status) {
    case 404:
      return NOT_FOUND;
    case 405:
      return 'Method not allowed.';
    case 401:
      return NOT_AUTHENTICATED;
    case 403:
      return 'You do not have permission to perform this action.';
    case 429:
      return 'Request was throttled.';
    default: {
      const response = exception.getResponse();
      const message = typeof response === 'object' && response && 'message' in response ? response.message : response;
      return typeof message === 'string' ? message : exception.message;
    }
  }
}

/**
 * Fastify's own refusals (FST_ERR_*): a body type no parser takes, a body over
 * the limit, a bad Content-Length or URL. All are the client's: keep their
 * status with a clear sentence.
 */
function asFastifyError(exception: unknown, request: FastifyRequest): ApiError | null {
  const error = exception as { code?: unknown; statusCode?: unknown };
  if (typeof error !== 'object' || error === null || typeof error.code !== 'string' || !error.code.startsWith('FST_')) return null;
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': {
      const type = (request.headers['content-type'] ?? '').split(';')[0].trim().slice(0, 100);
      return { status: 415, detail: `Unsupported media type "${type}" in request.` };
    }
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, detail: BODY_TOO_LARGE };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { status: 400, detail: BODY_INCOMPLETE };
  }
  const status = typeof error.statusCode === 'number' ? error.statusCode : 0;
  return status >= 400 && status < 500 ? { status, detail: MALFORMED_REQUEST } : null;
}
