import { HttpException, HttpStatus } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { STATUS_CODES } from 'node:http';

export type FieldErrors = Record<string, string[]>;

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldErrors;
}

export function problem(status: number, detail: string, errors?: FieldErrors): ProblemDetails {
  return {
    type: 'about:blank',
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail,
    ...(errors ? { errors } : {}),
  };
}

/** Sends `body` as the reply: `application/problem+json`, with any extra headers. */
export function replyWithProblem(reply: FastifyReply, body: ProblemDetails, headers: Record<string, string> = {}): void {
  reply.headers(headers).code(body.status).type('application/problem+json').send(JSON.stringify(body));
}

/**
 * An HTTP error whose body is already in problem-details form. Services throw
 * these with the exact DRF/knox sentence a client expects in `detail`.
 */
export class ApiException extends HttpException {
  declare readonly detail: string;
  declare readonly errors?: FieldErrors;
  declare readonly headers: Record<string, string>;

  constructor(status: number, detail: string, errors?: FieldErrors, headers: Record<string, string> = {}) {
    // The answer to a client's mistake, never logged with a stack: capturing one was the largest
    // single cost of a refused request (a 401 for a revoked token, say).
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      super(problem(status, detail, errors), status);
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
    }
    this.detail = detail;
    this.errors = errors;
    this.headers = headers;
  }
}

export const validationFailed = (errors: FieldErrors): ApiException =>
  new ApiException(HttpStatus.BAD_REQUEST, 'Invalid input.', errors);

export const notFound = (): ApiException => new ApiException(HttpStatus.NOT_FOUND, 'Not found.');

export const unauthorized = (detail: string): ApiException =>
  new ApiException(HttpStatus.UNAUTHORIZED, detail, undefined, { 'WWW-Authenticate': 'Token' });

/**
 * Keys that reach an object's prototype when a body is copied into another object
 * (`target[key] = value`, a merge, a deep walk with `for…in`). Every body parser
 * refuses them, at any depth, before anything copies the body.
 */
export const PROTOTYPE_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype'];

/**
 * The one sentence for such a body, whatever its type. It is a `detail`, not a field
 * error: an error keyed `__proto__` would hand the same hazard to a client that merges
 * the errors it receives into an object of its own.
 */
export const PROTOTYPE_KEY_DETAIL = 'The keys "__proto__", "constructor" and "prototype" are not allowed in a request body.';

export const prototypeKeyRefused = (): ApiException => new ApiException(HttpStatus.BAD_REQUEST, PROTOTYPE_KEY_DETAIL);
