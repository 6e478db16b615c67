import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsDefined, IsEmail, IsNotEmpty, IsOptional, IsString, Matches, MaxLength, ValidateIf } from 'class-validator';
import { DRF } from './drf-messages';

export interface TextFieldOptions {
  maxLength: number;
  required?: boolean;
  /** DRF's CharField trims by default; passwords must not be touched. */
  trim?: boolean;
  email?: boolean;
  pattern?: { regex: RegExp; message: string };
  description?: string;
  example?: string;
  format?: string;
  nullable?: boolean;
}

/**
 * A DRF-like text field: required / blank / type / length checks with DRF's
 * sentences, checked in that order and stopping at the first that fails.
 */
export function TextField(options: TextFieldOptions): PropertyDecorator {
  const required = options.required ?? true;
  const decorators: PropertyDecorator[] = [
    ApiProperty({
      type: String,
      required,
      maxLength: options.maxLength,
      minLength: 1,
      description: options.description,
      example: options.example,
      format: options.email ? 'email' : options.format,
      nullable: options.nullable,
    }),
    required ? IsDefined({ message: DRF.required }) : IsOptional(),
    IsString({ message: DRF.notAString }),
    IsNotEmpty({ message: DRF.blank }),
    MaxLength(options.maxLength, { message: DRF.maxLength(options.maxLength) }),
  ];
  if (options.nullable) decorators.push(ValidateIf((_object, value) => value !== null));
  if (options.trim ?? true) {
    decorators.unshift(Transform(({ value }) => (typeof value === 'string' ? value.trim() : value)));
  }
  if (options.email) decorators.push(IsEmail({}, { message: DRF.invalidEmail }));
  if (options.pattern) decorators.push(Matches(options.pattern.regex, { message: options.pattern.message }));
  return applyDecorators(...decorators);
}
