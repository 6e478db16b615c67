import { HttpException, HttpStatus } from '@nestjs/common';
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

/**
 * An HTTP error whose body is already in problem-details form. Services throw
 * these with the exact DRF/knox sentence a client expects in `detail`.
 */
export class ApiException extends HttpException {
  constructor(
    status: number,
    readonly detail: string,
    readonly errors?: FieldErrors,
    readonly headers: Record<string, string> = {},
  ) {
    super(problem(status, detail, errors), status);
  }
}

export const validationFailed = (errors: FieldErrors): ApiException =>
  new ApiException(HttpStatus.BAD_REQUEST, 'Invalid input.', errors);

export const notFound = (): ApiException => new ApiException(HttpStatus.NOT_FOUND, 'Not found.');

export const unauthorized = (detail: string): ApiException =>
  new ApiException(HttpStatus.UNAUTHORIZED, detail, undefined, { 'WWW-Authenticate': 'Token' });
