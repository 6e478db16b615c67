import { HttpStatus } from '@nestjs/common';
import { ApiException } from './problem-details';

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

export const isPrototypeKey = (key: string): boolean => PROTOTYPE_KEYS.includes(key);

const malformed = (detail: string): ApiException => new ApiException(HttpStatus.BAD_REQUEST, detail);

/** With the `u` flag a surrogate matches only when it is not half of a pair; the quick test without it finds any. */
const LONE_SURROGATE = /\p{Surrogate}/u;
const SURROGATE = /[\ud800-\udfff]/;
const wellFormed = (text: string): boolean => !SURROGATE.test(text) || !LONE_SURROGATE.test(text);

/** Deeper than any body this API takes; deep enough that recursive validators would overflow the stack. */
export const MAX_JSON_DEPTH = 32;

/**
 * A body that parses can still break what reads it: thousands of nested arrays
 * overflow class-transformer's recursion, a lone UTF-16 surrogate (`"\ud800"`)
 * makes the e-mail validator throw, and a prototype key (JSON.parse makes
 * `"__proto__"` an own key) pollutes whatever copies it. All are refused as
 * malformed bodies, iteratively, before any of that code runs. So is an object
 * whose prototype is not a plain object's or an array's, which no parser builds:
 * the validation pipe checks its input with this too.
 */
export function bodyProblem(body: unknown): ApiException | null {
  const surrogate = (): ApiException => malformed('JSON parse error - the body contains an unpaired surrogate.');
  if (typeof body !== 'object' || body === null) return typeof body === 'string' && !wellFormed(body) ? surrogate() : null;
  const stack: Array<[unknown, number]> = [[body, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (typeof value === 'string') {
      if (!wellFormed(value)) return surrogate();
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth > MAX_JSON_DEPTH) return malformed(`JSON parse error - nesting deeper than ${MAX_JSON_DEPTH} levels.`);
    const prototype: unknown = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== Array.prototype && prototype !== null) return prototypeKeyRefused();
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (isPrototypeKey(key)) return prototypeKeyRefused();
      if (!wellFormed(key)) return surrogate();
      stack.push([record[key], depth + 1]);
    }
  }
  return null;
}
