import { randomBytes } from 'node:crypto';
import type { Response } from 'supertest';
import { PROTOTYPE_KEY_DETAIL, PROTOTYPE_KEYS } from '../src/common/http/body-check';
import { RegisteredUser, registerUser, STRONG_PASSWORD, tokenHeader, uniqueName } from './support/accounts';
import { expectFieldErrors, expectProblem } from './support/problems';
import { brokenBasics, prototypeChanges, PrototypeSnapshot, snapshotPrototypes } from './support/prototypes';
import { createTestApp, TestApp } from './support/test-app';

/**
 * `__proto__`, `constructor` and `prototype` as keys of every body type, at the top
 * level and (JSON) nested, to login, register and lead creation. Each is a 400 with
 * one sentence, stores nothing, and leaves the process as it was: the app runs in
 * this process, so its Object.prototype and Array.prototype are this file's, and a
 * request that damages them is seen here, and in the next request's answer.
 */

type BodyType = 'json' | 'vendor-json' | 'form' | 'multipart';
const BODY_TYPES: BodyType[] = ['json', 'vendor-json', 'form', 'multipart'];
type Entries = Array<[string, unknown]>;

/** What each key would do if copied: replace a prototype, or reach Object.prototype through `constructor.prototype`. */
function pollutingValue(key: string): unknown {
  // Not an object literal keyed `__proto__`: that would set the literal's prototype instead of a key.
  return key === 'constructor' ? { prototype: { polluted: 'yes', isAdmin: true } } : { polluted: 'yes', isAdmin: true, 0: 'zero' };
}

const asFieldText = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

function multipartBody(entries: Entries): { type: string; body: string } {
  const boundary = `proto${randomBytes(6).toString('hex')}`;
  const parts = entries.map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${asFieldText(value)}\r\n`);
  return { type: `multipart/form-data; boundary=${boundary}`, body: `${parts.join('')}--${boundary}--\r\n` };
}

/**
 * The body exactly as a client would send it, as text (supertest sends a string as it is,
 * but serializes a Buffer for a JSON type). Object.fromEntries keeps a `__proto__` entry as
 * an own key, as JSON.parse does.
 */
function encode(type: BodyType, entries: Entries): { type: string; body: string } {
  switch (type) {
    case 'json':
      return { type: 'application/json', body: JSON.stringify(Object.fromEntries(entries)) };
    case 'vendor-json':
      return { type: 'application/vnd.api+json', body: JSON.stringify(Object.fromEntries(entries)) };
    case 'form':
      return {
        type: 'application/x-www-form-urlencoded',
        body: entries.map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(asFieldText(value))}`).join('&'),
      };
    case 'multipart':
      return multipartBody(entries);
  }
}

interface RouteCase {
  name: string;
  path: string;
  /** A body the route accepts: the prototype key is the only thing wrong with what is sent. */
  fields: () => Entries;
  authenticated: boolean;
  /** How many rows the route would have written, counted before and after. */
  rows: () => Promise<number>;
}

describe('prototype keys in request bodies', () => {
  let t: TestApp;
  let loginUser: RegisteredUser;
  let owner: RegisteredUser;
  let before: PrototypeSnapshot;
  let usualAnswer: { status: number; body: unknown };
  let routes: RouteCase[];

  const count = async (sql: string, params: unknown[]): Promise<number> => Number((await t.db.query<{ n: string }>(sql, params)).rows[0].n);
  const registerUsernameOf: { last?: string } = {};

  /** The answer that broke once Object.prototype was damaged: `{"username": {"a": 1}}` to register. */
  const usualRequest = (): Promise<Response> => t.http().post('/api/auth/register').set('Content-Type', 'application/json').send('{"username":{"a":1}}');

  async function expectUndamaged(): Promise<void> {
    expect(prototypeChanges(before)).toEqual([]);
    expect(brokenBasics()).toEqual([]);
    const again = await usualRequest();
    expect({ status: again.status, body: again.body as unknown }).toEqual(usualAnswer);
  }

  async function expectLoginWorks(): Promise<void> {
    const response = await t.http().post('/api/auth/login').send({ username: loginUser.username, password: loginUser.password });
    expect(response.status).toBe(200);
    expect(response.body.token).toEqual(expect.any(String));
  }

  async function post(route: RouteCase, type: BodyType, entries: Entries): Promise<Response> {
    const { type: contentType, body } = encode(type, entries);
    const request = t.http().post(route.path).set('Content-Type', contentType);
    if (route.authenticated) request.set(...tokenHeader(owner.token));
    return request.send(body);
  }

  beforeAll(async () => {
    // Before the app is built: nothing it does, from start to close, may change a prototype.
    before = snapshotPrototypes();
    t = await createTestApp();
    loginUser = await registerUser(t);
    owner = await registerUser(t);
    const usual = await usualRequest();
    usualAnswer = { status: usual.status, body: usual.body as unknown };
    expect(usualAnswer.status).toBe(400);
    routes = [
      {
        name: 'login',
        path: '/api/auth/login',
        fields: () => [['username', loginUser.username], ['password', loginUser.password]],
        authenticated: false,
        rows: () => count('SELECT count(*) AS n FROM auth_tokens WHERE user_id = $1', [loginUser.id]),
      },
      {
        name: 'register',
        path: '/api/auth/register',
        fields: () => {
          const username = uniqueName('proto');
          registerUsernameOf.last = username;
          return [['username', username], ['email', `${username}@example.com`], ['password', STRONG_PASSWORD]];
        },
        authenticated: false,
        rows: () => count('SELECT count(*) AS n FROM users', []),
      },
      {
        name: 'lead create',
        path: '/api/leads',
        fields: () => {
          const suffix = randomBytes(4).toString('hex');
          return [['name', `Lead ${suffix}`], ['email', `lead-${suffix}@example.com`], ['message', 'Hello there.']];
        },
        authenticated: true,
        rows: () => count('SELECT count(*) AS n FROM leads WHERE owner_id = $1', [owner.id]),
      },
    ];
  });

  afterAll(async () => {
    await t.close();
    // Closing runs code too (TypeORM, Fastify's hooks): still nothing changed.
    expect(prototypeChanges(before)).toEqual([]);
  });

  it('the valid bodies used below are accepted as they are, in every body type', async () => {
    for (const route of routes) {
      for (const type of BODY_TYPES) {
        const response = await post(route, type, route.fields());
        expect({ route: route.name, type, status: response.status, body: response.status >= 400 ? response.body : undefined }).toEqual({ route: route.name, type, status: route.name === 'login' || route.name === 'register' ? 200 : 201, body: undefined });
      }
    }
  });

  describe.each(BODY_TYPES)('%s', (type) => {
    const placements: Array<[string, (fields: Entries, key: string) => Entries]> = [
      ['first, at the top level', (fields, key) => [[key, type === 'json' || type === 'vendor-json' ? pollutingValue(key) : 'x'], ...fields]],
      ['last, at the top level', (fields, key) => [...fields, [key, type === 'json' || type === 'vendor-json' ? pollutingValue(key) : 'x']]],
    ];
    if (type === 'json' || type === 'vendor-json') {
      placements.push(
        ['as the key of a field value', (fields, key) => [[fields[0][0], Object.fromEntries([[key, pollutingValue(key)]])], ...fields.slice(1)]],
        ['deep in a list in a field value', (fields, key) => [...fields.slice(0, -1), [fields[fields.length - 1][0], [{ a: [Object.fromEntries([[key, pollutingValue(key)]])] }]]]],
      );
    }
    const cases = ['login', 'register', 'lead create'].flatMap((route) =>
      PROTOTYPE_KEYS.flatMap((key) => placements.map(([where, place]) => [route, key, where, place] as const)),
    );

    it.each(cases)('%s with "%s" %s: 400, nothing stored, the process unharmed', async (routeName, key, _where, place) => {
      const route = routes.find((candidate) => candidate.name === routeName)!;
      const rowsBefore = await route.rows();
      const response = await post(route, type, place(route.fields(), key));
      expectProblem(response, 400, PROTOTYPE_KEY_DETAIL);
      expect(await route.rows()).toBe(rowsBefore);
      if (routeName === 'register') {
        expect(await count('SELECT count(*) AS n FROM users WHERE username = $1', [registerUsernameOf.last])).toBe(0);
      }
      await expectUndamaged();
    });

    it('a valid login still works after all of the above', async () => {
      await expectLoginWorks();
    });
  });

  it('the multipart login of the report (`-F __proto__=x`) is refused, and register then answers as usual', async () => {
    const { type, body } = multipartBody([['__proto__', 'x'], ['username', 'a'], ['password', 'b']]);
    const response = await t.http().post('/api/auth/login').set('Content-Type', type).send(body);
    expectProblem(response, 400, PROTOTYPE_KEY_DETAIL);
    await expectUndamaged();
    await expectLoginWorks();
  });

  it('refuses a prototype key repeated, and beside csrfmiddlewaretoken, in forms', async () => {
    for (const type of ['form', 'multipart'] as const) {
      for (const entries of [
        [['__proto__', 'x'], ['__proto__', 'y'], ['username', 'a'], ['password', 'b']],
        [['csrfmiddlewaretoken', 'x'.repeat(64)], ['constructor', 'x'], ['username', 'a'], ['password', 'b']],
        [['csrfmiddlewaretoken', 'x'.repeat(64)], ['csrfmiddlewaretoken', '__proto__'], ['prototype', 'x']],
      ] as Entries[]) {
        const { type: contentType, body } = encode(type, entries);
        expectProblem(await t.http().post('/api/auth/login').set('Content-Type', contentType).send(body), 400, PROTOTYPE_KEY_DETAIL);
      }
    }
    await expectUndamaged();
  });

  it('takes names that only look like prototype paths (`__proto__[x]`, `toString`) as the unknown fields they are', async () => {
    for (const type of ['form', 'multipart'] as const) {
      for (const name of ['__proto__[polluted]', 'constructor[prototype][polluted]', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__']) {
        const { type: contentType, body } = encode(type, [[name, 'yes'], ['username', loginUser.username], ['password', loginUser.password]]);
        const response = await t.http().post('/api/auth/login').set('Content-Type', contentType).send(body);
        expectFieldErrors(response, { [name]: ['This field is not allowed.'] });
      }
    }
    await expectUndamaged();
  });

  it('takes prototype keys in the query string as the ignored parameters they are', async () => {
    const query = '__proto__=x&constructor=y&prototype=z&__proto__[polluted]=yes&constructor[prototype][polluted]=yes&toString=1&limit=5';
    const response = await t.http().get(`/api/leads?${query}`).set(...tokenHeader(owner.token));
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ count: expect.any(Number), results: expect.any(Array) });
    await expectUndamaged();
  });

  it('refuses a JSON body that is a list of objects with a prototype key', async () => {
    const response = await t.http().post('/api/auth/register').set('Content-Type', 'application/json').send('[{"__proto__":{"polluted":"yes"}}]');
    expectProblem(response, 400, PROTOTYPE_KEY_DETAIL);
    await expectUndamaged();
  });

  it('still logs in after everything above', async () => {
    await expectLoginWorks();
    await expectUndamaged();
  });
});
