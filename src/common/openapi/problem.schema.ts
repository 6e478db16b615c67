import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import type { HeadersObject } from '@nestjs/swagger';
import { NOT_FOUND } from '../http/problem-details';

/** DRF's body for every error that is not a validation failure. */
export class DetailErrorSchema {
  @ApiProperty({ example: 'Invalid token.', description: "DRF's or knox's sentence" })
  detail: string;
}

/**
 * DRF's serializer errors, the body of a validation failure: one key per bad field
 * (`non_field_errors` for the whole body), each a list of sentences. A schema object
 * rather than a class: it has no fixed properties.
 */
export const FIELD_ERRORS_SCHEMA = {
  title: 'FieldErrors',
  type: 'object',
  description: 'One key per bad field, and `non_field_errors` for errors of the whole body; each a list of sentences',
  additionalProperties: { type: 'array', items: { type: 'string' } },
  example: { username: ['A user with that username already exists.'], password: ['This password is too common.'] },
} as const;

/** RFC 9457 problem details: the same error, when the request's `Accept` prefers `application/problem+json`. */
export class ProblemDetailsSchema {
  @ApiProperty({ example: 'about:blank' })
  type: string;
  @ApiProperty({ example: 'Unauthorized' })
  title: string;
  @ApiProperty({ type: 'integer', example: 401 })
  status: number;
  @ApiProperty({ example: 'Invalid token.', description: 'The sentence of the DRF body; `Invalid input.` for a validation failure' })
  detail: string;
  @ApiPropertyOptional({
    description: 'Validation failures only: the field errors of the DRF body',
    example: { email: ['Enter a valid email address.'] },
    type: 'object',
    additionalProperties: { type: 'array', items: { type: 'string' } },
  })
  errors?: Record<string, string[]>;
}

/** The headers that come with some errors, documented where they are sent. */
const HEADERS: Record<number, HeadersObject> = {
  401: { 'WWW-Authenticate': { required: true, description: 'The scheme to authenticate with', schema: { type: 'string', example: 'Token' } } },
  429: { 'Retry-After': { required: true, description: 'Seconds until the next attempt may succeed', schema: { type: 'integer', minimum: 1 } } },
  503: { 'Retry-After': { required: true, description: 'Seconds to wait before retrying', schema: { type: 'integer', minimum: 1 } } },
};

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input: one key per bad field (or `{"detail": ...}` for a body that does not parse)',
  401: 'Missing, malformed, unknown, revoked or expired token (with `WWW-Authenticate: Token`)',
  403: 'CSRF Failed: a request authenticated by the `sessionid` cookie (or a login/register carrying the `csrftoken` cookie) without a matching `X-CSRFToken`',
  404: NOT_FOUND,
  413: 'Request body larger than 100 kB',
  415: 'Unsupported body content type',
  429: 'Too many requests (with a `Retry-After` header)',
  503: 'Database unavailable; retry after `Retry-After` seconds',
};

/** Statuses whose DRF body may be field errors rather than `{"detail": ...}`. */
const MAY_CARRY_FIELD_ERRORS = new Set([400]);

/** The `content` of an error response: DRF's body as application/json, problem details on request. */
export function errorContent(status: number): Record<string, { schema: Record<string, unknown> }> {
  const detail = { $ref: getSchemaPath(DetailErrorSchema) };
  return {
    'application/json': { schema: MAY_CARRY_FIELD_ERRORS.has(status) ? { oneOf: [FIELD_ERRORS_SCHEMA, detail] } : detail },
    'application/problem+json': { schema: { $ref: getSchemaPath(ProblemDetailsSchema) } },
  };
}

/** Documents the error answers for the given statuses, in both forms the server sends. */
export function ApiProblems(...statuses: Array<number | [number, string]>): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...statuses.map((entry) => {
      const [status, description] = Array.isArray(entry) ? entry : [entry, DESCRIPTIONS[entry] ?? 'Error'];
      // Both media types the filter really sends: DRF's body by default, problem details on request.
      return ApiResponse({
        status,
        description,
        ...(HEADERS[status] ? { headers: HEADERS[status] } : {}),
        content: errorContent(status),
      });
    }),
  );
}
