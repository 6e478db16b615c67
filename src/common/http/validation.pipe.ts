import { ArgumentMetadata, Injectable, Type, ValidationError, ValidationPipe } from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';
import { bodyProblem } from './body-check';
import { ApiException, FieldErrors, validationFailed } from './problem-details';

/** Used by class-validator's whitelist check; a sentence, like every other field error. */
export const UNKNOWN_FIELD_MESSAGE = 'This field is not allowed.';

/**
 * How many unknown fields a 400 names, first come first: a JSON body within the size limit
 * can hold thousands of keys, and naming each made an answer several times the body's size
 * and cost class-validator a lot of CPU (see bench/README.md, "Where the time goes").
 */
export const MAX_UNKNOWN_FIELDS_LISTED = 10;

/**
 * The rest are counted, in one sentence under `non_field_errors` (DRF's key for errors
 * of the whole body), so that the answer keeps DRF's shape and every key in it is a
 * field that was sent.
 */
export const unlistedUnknownFields = (count: number): string =>
  count === 1 ? '1 more unknown field was not listed.' : `${count} more unknown fields were not listed.`;

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
      // The parsers refuse these already; checked again because what follows copies the body.
      const problem = bodyProblem(value);
      if (problem) throw problem;
      return this.transformObject(value as Record<string, unknown>, metadata, metadata.metatype);
    }
    return super.transform(value, metadata);
  }

  /**
   * Unknown fields are found here, against the DTO's validated properties, before
   * class-transformer copies the body and class-validator walks it: both would do so
   * once per key. Only the known fields are then validated, so the answer names the
   * first MAX_UNKNOWN_FIELDS_LISTED unknown ones (in the body's key order) and the
   * errors of the known ones, as class-validator's whitelist would, and counts the rest.
   */
  private async transformObject(body: Record<string, unknown>, metadata: ArgumentMetadata, metatype: Type<unknown>): Promise<unknown> {
    const known = knownProperties(metatype);
    const keys = Object.keys(body);
    const unknown = known.size === 0 ? [] : keys.filter((key) => !known.has(key));
    if (unknown.length === 0) return super.transform(body, metadata);

    const errors: FieldErrors = {};
    for (const key of unknown.slice(0, MAX_UNKNOWN_FIELDS_LISTED)) errors[key] = [UNKNOWN_FIELD_MESSAGE];
    try {
      await super.transform(Object.fromEntries(keys.filter((key) => known.has(key)).map((key) => [key, body[key]])), metadata);
    } catch (error) {
      if (!(error instanceof ApiException) || !error.errors) throw error;
      for (const [field, messages] of Object.entries(error.errors)) errors[field] = [...(errors[field] ?? []), ...messages];
    }
    if (unknown.length > MAX_UNKNOWN_FIELDS_LISTED) {
      errors.non_field_errors = [...(errors.non_field_errors ?? []), unlistedUnknownFields(unknown.length - MAX_UNKNOWN_FIELDS_LISTED)];
    }
    throw validationFailed(errors);
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

const knownPropertiesOf = new WeakMap<Type<unknown>, Set<string>>();

/** The properties class-validator's whitelist allows: those with any validation metadata, inherited ones included. */
function knownProperties(metatype: Type<unknown>): Set<string> {
  let known = knownPropertiesOf.get(metatype);
  if (!known) {
    // The arguments class-validator's own whitelist check passes: no schema, no groups, `always` off.
    const metadatas = getMetadataStorage().getTargetValidationMetadatas(metatype, undefined as unknown as string, false, false);
    known = new Set(metadatas.map((metadata) => metadata.propertyName));
    knownPropertiesOf.set(metatype, known);
  }
  return known;
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
