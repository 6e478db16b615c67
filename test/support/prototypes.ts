import { runInThisContext } from 'node:vm';

/**
 * The app runs in the test's own process (createTestApp), inside Jest's sandbox realm:
 * the objects it builds from a request (JSON.parse, the parsers, class-transformer,
 * Nest's pipes) share this file's `Object.prototype`. Node's core modules build theirs
 * in the main realm, which has prototypes of its own. Both are watched.
 */
const REALMS: Array<[string, Record<string, object>]> = [
  ['sandbox', { Object: Object.prototype, Array: Array.prototype, Function: Function.prototype }],
  ['main', runInThisContext('({ Object: Object.prototype, Array: Array.prototype, Function: Function.prototype })') as Record<string, object>],
];

type Descriptor = { value?: unknown; get?: unknown; set?: unknown; writable?: boolean; enumerable?: boolean; configurable?: boolean };

/** Every own property (string and symbol keys) of each watched prototype, with its descriptor. */
export type PrototypeSnapshot = Map<string, Descriptor>;

export function snapshotPrototypes(): PrototypeSnapshot {
  const snapshot: PrototypeSnapshot = new Map();
  for (const [realm, prototypes] of REALMS) {
    for (const [name, prototype] of Object.entries(prototypes)) {
      snapshot.set(`${realm} ${name}.prototype [[Prototype]]`, { value: Object.getPrototypeOf(prototype) });
      for (const key of Reflect.ownKeys(prototype)) {
        snapshot.set(`${realm} ${name}.prototype.${String(key)}`, Object.getOwnPropertyDescriptor(prototype, key)!);
      }
    }
  }
  return snapshot;
}

const FIELDS: Array<keyof Descriptor> = ['value', 'get', 'set', 'writable', 'enumerable', 'configurable'];

/** What was added, removed or changed since `before`, one line each; empty when nothing was. */
export function prototypeChanges(before: PrototypeSnapshot): string[] {
  const after = snapshotPrototypes();
  const changes: string[] = [];
  for (const [key, descriptor] of before) {
    const now = after.get(key);
    if (!now) changes.push(`${key} removed`);
    else if (FIELDS.some((field) => !Object.is(descriptor[field], now[field]))) changes.push(`${key} changed`);
  }
  for (const key of after.keys()) if (!before.has(key)) changes.push(`${key} added`);
  return changes;
}

/**
 * What plain code relies on, checked by behaviour rather than by descriptor: an
 * empty object has no keys of its own or inherited, `__proto__` and `constructor`
 * still mean what they mean. Empty when all hold.
 */
export function brokenBasics(): string[] {
  const empty: Record<string, unknown> = {};
  const list: unknown[] = [];
  const broken: string[] = [];
  const inherited: string[] = [];
  for (const key in empty) inherited.push(key);
  for (const key in list) inherited.push(`[]${key}`);
  if (inherited.length > 0) broken.push(`enumerable inherited keys: ${inherited.join(', ')}`);
  for (const key of ['x', 'polluted', 'isAdmin', 'admin', 'username', 'password', '0', '1']) {
    if (empty[key] !== undefined) broken.push(`({}).${key} is ${String(empty[key])}`);
  }
  if (Object.getPrototypeOf(empty) !== Object.prototype) broken.push('Object.getPrototypeOf({}) is not Object.prototype');
  if ((empty as { __proto__?: unknown }).__proto__ !== Object.prototype) broken.push('({}).__proto__ is not Object.prototype');
  if (empty.constructor !== Object) broken.push('({}).constructor is not Object');
  if (list.constructor !== Array) broken.push('[].constructor is not Array');
  if (JSON.stringify(JSON.parse('{"a":[1]}')) !== '{"a":[1]}') broken.push('JSON round trip changed');
  return broken;
}
