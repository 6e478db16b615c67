import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { Allow } from 'class-validator';

/**
 * A field the API sets itself. Accepted and ignored in a body, as DRF ignores
 * read-only fields, so that a client can PUT back exactly what it got.
 */
export function ReadOnlyField(schema: { type: 'integer' | 'string'; format?: string; description: string }): PropertyDecorator {
  return applyDecorators(Allow(), ApiProperty({ ...schema, readOnly: true, required: false }));
}
