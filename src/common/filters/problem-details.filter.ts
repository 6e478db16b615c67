import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger, NotFoundException, Optional } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Request, Response } from 'express';
import { isDatabaseUnavailable } from '../../database/database-unavailable';
import { ApiException, problem, ProblemDetails } from '../http/problem-details';

/**
 * Every error leaves as RFC 9457 problem details with the DRF sentence in
 * `detail`. Unexpected errors are logged with their stack here and answered
 * with a generic 500 that reveals nothing.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Exceptions');

  constructor(@Optional() private readonly adapterHost?: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const response = http.getResponse<Response>();
    const request = http.getRequest<Request>();
    if (response.headersSent) return;

    const { body, headers } = this.toProblem(exception, request);
    for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
    response.status(body.status).type('application/problem+json').send(JSON.stringify(body));
  }

  private toProblem(exception: unknown, request: Request): { body: ProblemDetails; headers: Record<string, string> } {
    if (exception instanceof ApiException) {
      return { body: problem(exception.getStatus(), exception.detail, exception.errors), headers: exception.headers };
    }
    if (exception instanceof NotFoundException && !(request as { route?: unknown }).route) {
      // No route matched this method; if one matches the path, DRF answers 405 and lists what is allowed.
      const allowed = this.allowedMethods(request.path);
      if (allowed.length > 0) {
        return {
          body: problem(HttpStatus.METHOD_NOT_ALLOWED, `Method "${request.method}" not allowed.`),
          headers: { Allow: allowed.join(', ') },
        };
      }
    }
    if (exception instanceof HttpException) {
      // Body-parser and multer errors reach us wrapped by the HTTP adapter.
      const parserProblem = asBodyParserError(exception.cause);
      if (parserProblem) return { body: parserProblem, headers: {} };
      const status = exception.getStatus();
      return { body: problem(status, defaultDetail(status, exception)), headers: {} };
    }
    const bodyParserError = asBodyParserError(exception);
    if (bodyParserError) return { body: bodyParserError, headers: {} };

    if (isDatabaseUnavailable(exception)) {
      this.logger.warn(`database unavailable during ${request.method} ${request.path}`);
      return {
        body: problem(HttpStatus.SERVICE_UNAVAILABLE, 'The service is temporarily unavailable. Please retry shortly.'),
        headers: { 'Retry-After': '5' },
      };
    }
    this.logger.error(
      `unhandled error during ${request.method} ${request.path}`,
      exception instanceof Error ? exception.stack : String(exception),
    );
    return { body: problem(HttpStatus.INTERNAL_SERVER_ERROR, 'A server error occurred.'), headers: {} };
  }

  private allowedMethods(path: string): string[] {
    const instance = this.adapterHost?.httpAdapter?.getInstance?.() as { router?: { stack?: RouteLayer[] } } | undefined;
    const methods = new Set<string>();
    for (const layer of instance?.router?.stack ?? []) {
      if (!layer.route || typeof layer.match !== 'function' || !layer.match(path)) continue;
      for (const [method, handled] of Object.entries(layer.route.methods)) {
        if (handled && method !== '_all') methods.add(method.toUpperCase());
      }
    }
    if (methods.has('GET')) methods.add('HEAD');
    if (methods.size > 0) methods.add('OPTIONS');
    return [...methods];
  }
}

interface RouteLayer {
  route?: { methods: Record<string, boolean> };
  match?: (path: string) => boolean;
}

function defaultDetail(status: number, exception: HttpException): string {
  switch (status) {
    case 404:
      return 'Not found.';
    case 405:
      return 'Method not allowed.';
    case 401:
      return 'Authentication credentials were not provided.';
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

interface BodyParserError {
  type?: string;
  status?: number;
  statusCode?: number;
  expose?: boolean;
}

/** body-parser / multer errors carry a status of their own: keep it, never the 500 fallback. */
function asBodyParserError(exception: unknown): ProblemDetails | null {
  if (typeof exception !== 'object' || exception === null) return null;
  const error = exception as BodyParserError & { code?: string };
  switch (error.type) {
    case 'entity.parse.failed':
      return problem(400, 'JSON parse error - the request body is not valid JSON.');
    case 'entity.too.large':
      return problem(413, 'Request body is too large.');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return problem(415, 'Unsupported request body encoding.');
    case 'request.aborted':
      return problem(400, 'The request body was not received in full.');
    case 'parameters.too.many':
      return problem(413, 'Too many form fields.');
  }
  // multer's own errors (missing field name, too many parts...) are the client's malformed form.
  if ((exception as { name?: unknown }).name === 'MulterError' && !(typeof error.code === 'string' && error.code.startsWith('LIMIT_'))) {
    return problem(400, 'Multipart form parse error.');
  }
  if (typeof error.code === 'string' && error.code.startsWith('LIMIT_')) {
    return problem(error.code === 'LIMIT_FIELD_VALUE' || error.code === 'LIMIT_FILE_SIZE' ? 413 : 400, 'Multipart form parse error.');
  }
  if (error.code === 'MULTIPART_PARSE_ERROR' || (exception instanceof Error && /^(Multipart|Unexpected end of form|Malformed part header)/i.test(exception.message))) {
    return problem(400, 'Multipart form parse error.');
  }
  const status = error.status ?? error.statusCode;
  if (error.expose && typeof status === 'number' && status >= 400 && status < 500) {
    return problem(status, 'Malformed request.');
  }
  return null;
}
