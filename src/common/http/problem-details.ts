import { HttpException, HttpStatus } from '@nestjs/common';

export type FieldErrors = Record<string, string[]>;

/** An error as this API answers it, before the form (DRF body or problem details) is chosen. */
export interface ApiError {
  status: number;
  /** DRF's or knox's sentence: the body's `detail`, or the problem's `detail`. */
  detail: string;
  /** Field errors of a validation failure: the DRF body itself, or the problem's `errors`. */
  errors?: FieldErrors;
  headers?: Record<string, string>;
}

/**
 * An HTTP error thrown with its DRF/knox sentence (and field errors for a
 * validation failure); the exception filter renders it.
 */
export class ApiException extends HttpException {
  declare readonly detail: string;
  declare readonly errors?: FieldErrors;
  declare readonly headers: Record<string, string>;

  constructor(status: number, detail: string, errors?: FieldErrors, headers: Record<string, string> = {}) {
    // The answer to a client's mistake, never logged with a stack: capturing one was the largest
    // single cost of a refused request (a 401 for a revoked token, say; see bench/README.md,
    // "Where the time goes").
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      super(errors ?? { detail }, status);
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
    }
    this.detail = detail;
    this.errors = errors;
    this.headers = headers;
  }

  toApiError(): ApiError {
    return { status: this.getStatus(), detail: this.detail, errors: this.errors, headers: this.headers };
  }
}

/**
 * DRF's and knox's sentences that more than one part of the API answers with: the
 * exception filter for Nest's own exceptions, auth for a missing credential or a user
 * gone, leads for an owner deleted while its request ran.
 */
export const NOT_FOUND = 'Not found.';
export const NOT_AUTHENTICATED = 'Authentication credentials were not provided.';
export const USER_INACTIVE = 'User inactive or deleted.';

export const validationFailed = (errors: FieldErrors): ApiException =>
  new ApiException(HttpStatus.BAD_REQUEST, 'Invalid input.', errors);

export const notFound = (): ApiException => new ApiException(HttpStatus.NOT_FOUND, NOT_FOUND);

export const unauthorized = (detail: string): ApiException =>
  new ApiException(HttpStatus.UNAUTHORIZED, detail, undefined, { 'WWW-Authenticate': 'Token' });
