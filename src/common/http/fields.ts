import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsDefined, IsEmail, IsNotEmpty, IsOptional, IsString, Matches, ValidateBy, ValidateIf, ValidationArguments } from 'class-validator';
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
  /** DRF's `allow_blank` (a model field with `blank=True`, as Django's `User.email`): `""` is a valid value. */
  allowBlank?: boolean;
}

/** DRF tells a missing field ("required") from an explicit null ("may not be null"). */
const present = IsDefined({ message: ({ value }: ValidationArguments) => (value === null ? DRF.notNull : DRF.required) });

/**
 * A DRF-like text field: required / null / type / blank / length / null-character
 * checks with DRF's sentences, checked in that order and stopping at the
 * first that fails. Length is counted in code points, as Django and
 * PostgreSQL's varchar count it, and U+0000 is refused as DRF's CharField
 * refuses it (PostgreSQL cannot store it, so it would otherwise be a 500).
 */
export function TextField(options: TextFieldOptions): PropertyDecorator {
  const required = options.required ?? true;
  // An optional field may be left out; only a nullable one may also be null.
  const presence = required ? [present] : options.nullable ? [IsOptional()] : [ValidateIf((_object, value) => value !== undefined), present];
  const decorators: PropertyDecorator[] = [
    ApiProperty({
      type: String,
      required,
      maxLength: options.maxLength,
      minLength: options.allowBlank ? undefined : 1,
      description: options.description,
      example: options.example,
      format: options.email ? 'email' : options.format,
      nullable: options.nullable,
    }),
    ...presence,
    IsString({ message: DRF.notAString }),
    ...(options.allowBlank ? [] : [IsNotEmpty({ message: DRF.blank })]),
    ValidateBy({
      name: 'maxCodePoints',
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || [...value].length <= options.maxLength,
        defaultMessage: () => DRF.maxLength(options.maxLength),
      },
    }),
    ValidateBy({
      name: 'noNullCharacters',
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || !value.includes('\0'),
        defaultMessage: () => DRF.nullCharacters,
      },
    }),
  ];
  if (options.nullable) decorators.push(ValidateIf((_object, value) => value !== null));
  // A blank value passes every check below (a string, short, no null character), so none of them needs to judge it.
  if (options.allowBlank) decorators.push(ValidateIf((_object, value) => value !== ''));
  if (options.trim ?? true) {
    decorators.unshift(Transform(({ value }) => (typeof value === 'string' ? value.trim() : value)));
  }
  if (options.email) decorators.push(IsEmail({}, { message: DRF.invalidEmail }));
  if (options.pattern) decorators.push(Matches(options.pattern.regex, { message: options.pattern.message }));
  return applyDecorators(...decorators);
}
