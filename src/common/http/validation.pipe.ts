import { ArgumentMetadata, Injectable, ValidationError, ValidationPipe } from '@nestjs/common';
import { FieldErrors, validationFailed } from './problem-details';

/** Used by class-validator's whitelist check; a sentence, like every other field error. */
export const UNKNOWN_FIELD_MESSAGE = 'This field is not allowed.';

/**
 * class-validator with DRF's error shape: one key per bad field, each a list
 * of sentences, and `non_field_errors` for a body that is not an object.
 */
@Injectable()
export class ApiValidationPipe extends ValidationPipe {
  constructor() {
    super({
      transform: true,
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      stopAtFirstError: true,
      validationError: { target: false, value: false },
      exceptionFactory: (errors: ValidationError[]) => validationFailed(toFieldErrors(errors)),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && metadata.metatype && !isPrimitiveType(metadata.metatype)) {
      if (value === undefined || value === null || value === '') value = {};
      if (typeof value !== 'object' || Array.isArray(value)) {
        const got = Array.isArray(value) ? 'list' : typeof value === 'string' ? 'str' : typeof value === 'number' ? 'int' : typeof value;
        throw validationFailed({ non_field_errors: [`Invalid data. Expected a dictionary, but got ${got}.`] });
      }
    }
    return super.transform(value, metadata);
  }

  /**
   * Path parameters reach their own pipes (IntIdPipe) exactly as sent: the
   * default `+value` conversion would turn ids like `0x10` or `1e1` into
   * numbers that then look valid.
   */
  protected override transformPrimitive(value: unknown, metadata: ArgumentMetadata): unknown {
    return metadata.type === 'param' ? value : super.transformPrimitive(value, metadata);
  }
}

function isPrimitiveType(metatype: unknown): boolean {
  return [String, Boolean, Number, Array, Object].includes(metatype as never);
}

export function toFieldErrors(errors: ValidationError[], parent = ''): FieldErrors {
  const result: FieldErrors = {};
  for (const error of errors) {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const constraints = error.constraints ?? {};
    // A constraint may carry several sentences joined by newlines (the password validators do).
    const messages = Object.entries(constraints).flatMap(([name, message]) =>
      name === 'whitelistValidation' ? [UNKNOWN_FIELD_MESSAGE] : message.split('\n'),
    );
    if (messages.length > 0) result[field] = messages;
    if (error.children?.length) Object.assign(result, toFieldErrors(error.children, field));
  }
  return result;
}
