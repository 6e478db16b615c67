import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiResponse, getSchemaPath } from '@nestjs/swagger';

/** RFC 9457 problem details, as every error of this API is answered. */
export class ProblemDetailsSchema {
  @ApiProperty({ example: 'about:blank' })
  type: string;
  @ApiProperty({ example: 'Unauthorized' })
  title: string;
  @ApiProperty({ example: 401 })
  status: number;
  @ApiProperty({ example: 'Invalid token.', description: "The DRF/knox sentence clients read as `.detail`" })
  detail: string;
  @ApiPropertyOptional({
    description: 'Per-field messages (validation errors only), the DRF field-error shape',
    example: { email: ['Enter a valid email address.'] },
    type: 'object',
    additionalProperties: { type: 'array', items: { type: 'string' } },
  })
  errors?: Record<string, string[]>;
}

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input: `errors` names each bad field',
  401: 'Missing, malformed, unknown, revoked or expired token',
  403: 'Forbidden',
  404: 'Not found.',
  409: 'Conflict with an existing record',
  413: 'Request body larger than 100 kB',
  415: 'Unsupported body content type',
  429: 'Too many requests',
  503: 'Database unavailable; retry after `Retry-After` seconds',
};

/** Documents problem-details answers for the given statuses. */
export function ApiProblems(...statuses: Array<number | [number, string]>): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...statuses.map((entry) => {
      const [status, description] = Array.isArray(entry) ? entry : [entry, DESCRIPTIONS[entry] ?? 'Error'];
      // Documented under the media type the filter really sends, not application/json.
      return ApiResponse({
        status,
        description,
        content: { 'application/problem+json': { schema: { $ref: getSchemaPath(ProblemDetailsSchema) } } },
      });
    }),
  );
}
