import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { digestToken, generateToken } from '../src/auth/token-crypto';
import { PROTOTYPE_KEY_DETAIL, PROTOTYPE_KEYS } from '../src/common/http/body-check';
import { registerUser, RegisteredUser, STRONG_PASSWORD } from './support/accounts';
import { closeFuzzAgent, FuzzResponse, percentEncode, send } from './support/fuzz-http';
import { brokenBasics, prototypeChanges, PrototypeSnapshot, snapshotPrototypes } from './support/prototypes';
import { createTestApp, TestApp } from './support/test-app';

/**
 * Thousands of generated requests against every route, as nobody, as one
 * user and as another. After each: no 5xx, every error in the form its Accept negotiated (DRF body or problem details),
 * nothing of another user's comes back. At the end the database holds exactly
 * what the accepted (2xx) requests wrote, tracked in a model as they happen,
 * `__proto__`, `constructor` and `prototype` sent as keys in every body type were
 * all refused, the prototypes the app shares with this process are as they were,
 * and a known request still gets its known answer.
 */

jest.setTimeout(180_000);

type Identity = 'anon' | 'a' | 'b' | 'bad';

interface LeadModel {
  id: number;
  owner: number;
  name: string;
  email: string;
  message: string;
}

interface Actor extends RegisteredUser {
  markers: string[];
}

const hex = (bytes = 5): string => randomBytes(bytes).toString('hex');

// Placeholders filled in at send time from the model, so generated requests can
// aim at real rows of the caller or of the other user.
const OWN_LEAD = '__OWN_LEAD__';
const OTHER_LEAD = '__OTHER_LEAD__';
const OWN_TOKEN = '__OWN_TOKEN__';
const OTHER_TOKEN = '__OTHER_TOKEN__';
const CURRENT_PASSWORD = '__CURRENT_PASSWORD__';
const SAME_AS_NEW_PASSWORD1 = Symbol('same as new_password1');
const HUGE_NUMBER = '__HUGE_NUMBER__';
const DEEP_JSON = '__DEEP_JSON__';

const boundaryString = fc.constantFrom(
  '',
  ' ',
  '   \t ',
  '\u0000',
  'nul\u0000inside',
  'a',
  'a'.repeat(100),
  'a'.repeat(101),
  'a'.repeat(150),
  'a'.repeat(151),
  `${'a'.repeat(244)}@example.com`,
  'm'.repeat(500),
  'm'.repeat(501),
  'p'.repeat(4097),
  '😀'.repeat(60),
  'e\u0301\u0301\u0301',
  '\u202Egnp.exe',
  '\uFEFFbom',
  '\uD800',
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  '"; DROP TABLE users; --',
  '${jndi:ldap://x}',
  '{{7*7}}',
  '../../etc/passwd',
  '%00%2e%2e',
  'null',
  'NaN',
  '-1',
  '1e309',
  '0x10',
  '١٢٣٤٥٦٧٨٩٠١٢',
  'İıß',
  '\r\nX-Injected: 1',
  '@',
  'a@b',
  'user@example.com',
  'USER@EXAMPLE.COM',
  '__proto__',
  'constructor',
  'prototype',
);

const scalar = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
  { weight: 4, arbitrary: boundaryString },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.constantFrom(Number.MAX_SAFE_INTEGER, 2 ** 53 + 1, 1e308, -1, 0, 2 ** 31, HUGE_NUMBER, DEEP_JSON) },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
);

/**
 * A generated value as text. Objects and arrays go through JSON: fc.jsonValue builds objects without a
 * prototype (a "__proto__" key) or with a "toString" key holding a string, which String() cannot print.
 */
const asText = (value: unknown): string => (typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value));

const anyValue = fc.oneof({ weight: 5, arbitrary: scalar }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) });

const validEmail = fc.stringMatching(/^[a-z0-9]{1,12}$/).map((local) => `${local}.${hex(2)}@example.com`);
const validName = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }).map((name) => `Lead ${name}`.slice(0, 100));
const strongPassword = fc.constantFrom(STRONG_PASSWORD, 'Quiet-river-88-canyon', 'orbit-Maple-19-thunder');
const leadIdRef = fc.oneof(
  { weight: 4, arbitrary: fc.constant(OWN_LEAD) },
  { weight: 2, arbitrary: fc.constant(OTHER_LEAD) },
  { weight: 4, arbitrary: fc.constantFrom('0', '-1', '99999999', '2147483648', '99999999999999999999', '0x10', '1e3', '1.0', ' 1', '%20', 'abc', '%F0%9F%98%80', '%', '%zz') },
);
const tokenIdRef = fc.constantFrom(OWN_TOKEN, OTHER_TOKEN, OTHER_TOKEN, '0', '-5', '2147483648', 'x', '%00');

/** A field is absent, right, or anything at all; right often enough that whole bodies are sometimes valid. */
const field = (valid: fc.Arbitrary<unknown>) =>
  fc.oneof({ weight: 1, arbitrary: fc.constant(undefined) }, { weight: 4, arbitrary: valid }, { weight: 2, arbitrary: anyValue });

/** Like field(), but right three times in four: a login needs two of them right at once. */
const credential = (valid: fc.Arbitrary<unknown>) =>
  fc.oneof({ weight: 1, arbitrary: fc.constant(undefined) }, { weight: 12, arbitrary: valid }, { weight: 3, arbitrary: anyValue });

const leadBody = fc.record(
  {
    name: field(validName),
    email: field(validEmail),
    message: field(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 })),
    id: field(fc.integer()),
    owner: field(fc.integer()),
    created_at: field(fc.constant('2020-01-01T00:00:00Z')),
    updated_at: field(fc.constant('2020-01-01T00:00:00Z')),
  },
);

const registerBody = fc.record(
  {
    username: field(fc.stringMatching(/^[a-zA-Z0-9@.+_-]{1,20}$/).map((name) => `${name}${hex(2)}`)),
    email: field(validEmail),
    password: field(fc.oneof(strongPassword, fc.string({ minLength: 8, maxLength: 20 }))),
  },
);

interface RouteSpec {
  method: string;
  name: string;
  path: fc.Arbitrary<string>;
  body: fc.Arbitrary<unknown>;
  runs: number;
  /** Routes that revoke tokens get a throwaway token, so the callers' main tokens live on. */
  disposableToken?: boolean;
  /**
   * Public GET routes that read no input: the body of a GET is ignored, as HTTP
   * says, so every request is rightly accepted and none can be refused.
   */
  acceptsEverything?: boolean;
}

const noBody = fc.option(anyValue, { freq: 4, nil: undefined });
const listQuery = fc
  .record(
    {
      limit: field(fc.constantFrom('1', '20', '100', '101', '0', '-1', 'abc', '1e2', '99999999999999999999')),
      offset: field(fc.constantFrom('0', '5', '-1', 'x', '2147483648', '9'.repeat(30))),
      search: field(fc.string({ unit: 'grapheme', maxLength: 20 })),
      ordering: field(fc.constantFrom('id', '-name', 'email,-created_at', '-updated_at', 'createdAt', 'owner', 'password', '--id', 'id,id', ',', 'name;DROP')),
    },
    { requiredKeys: [] },
  )
  .map((query) => {
    const pairs = Object.entries(query).filter(([, value]) => value !== undefined);
    return pairs.length ? `?${pairs.map(([key, value]) => `${key}=${percentEncode(asText(value))}`).join('&')}` : '';
  });

// Runs are sized so that every route both accepts and refuses some requests in all but about one
// run in a million: register, password and PUT accept only about 3-9% of what they are sent.
const ROUTES: RouteSpec[] = [
  { method: 'GET', name: '/health', path: fc.constantFrom('/health', '/health/'), body: noBody, runs: 60, acceptsEverything: true },
  { method: 'GET', name: '/health/ready', path: fc.constantFrom('/health/ready', '/health/ready/'), body: noBody, runs: 60, acceptsEverything: true },
  { method: 'POST', name: '/api/auth/register', path: fc.constantFrom('/api/auth/register', '/api/auth/register/'), body: registerBody, runs: 150 },
  {
    method: 'POST', name: '/api/auth/login',
    path: fc.constantFrom('/api/auth/login', '/api/auth/login/'),
    body: fc.record(
      // Weighted towards the right credentials: with plain field() odds about one login in thirty was
      // accepted, and 60 runs left the route without a single accepted request in about one run in eight.
      {
        username: credential(fc.constantFrom('__LOGIN_USER__', '__LOGIN_USER__', '__LOGIN_USER__', '__LOGIN_USER_UPPER__', 'nobody-here')),
        password: credential(fc.constantFrom('__LOGIN_PASSWORD__', '__LOGIN_PASSWORD__', '__LOGIN_PASSWORD__', 'wrong-password-1')),
        name: field(fc.string({ maxLength: 70 })),
      },
    ),
    runs: 100,
  },
  { method: 'GET', name: '/api/auth/login', path: fc.constantFrom('/api/auth/login', '/api/auth/login/'), body: noBody, runs: 150, acceptsEverything: true },
  { method: 'GET', name: '/api/auth/user', path: fc.constantFrom('/api/auth/user', '/api/auth/user/'), body: noBody, runs: 200 },
  { method: 'GET', name: '/api/auth/tokens', path: fc.constantFrom('/api/auth/tokens', '/api/auth/tokens/'), body: noBody, runs: 200 },
  { method: 'POST', name: '/api/auth/logout', path: fc.constantFrom('/api/auth/logout', '/api/auth/logout/'), body: noBody, runs: 120, disposableToken: true },
  { method: 'POST', name: '/api/auth/logoutall', path: fc.constantFrom('/api/auth/logoutall', '/api/auth/logoutall/'), body: noBody, runs: 80, disposableToken: true },
  { method: 'DELETE', name: '/api/auth/tokens/:id', path: tokenIdRef.map((id) => `/api/auth/tokens/${id}`), body: noBody, runs: 150, disposableToken: true },
  {
    method: 'POST', name: '/api/auth/password/change',
    path: fc.constantFrom('/api/auth/password/change', '/api/auth/password/change/'),
    body: fc
      .record(
        // Weighted towards acceptable changes: with even odds, 40 runs left the route without a single
        // accepted request in about one run in thirty, and the "accepted and refused" check failed.
        {
          old_password: credential(fc.constantFrom(CURRENT_PASSWORD, CURRENT_PASSWORD, CURRENT_PASSWORD, 'not-it-at-all-1')),
          new_password1: credential(fc.oneof({ weight: 3, arbitrary: strongPassword }, { weight: 1, arbitrary: scalar })),
          // Mostly the same as new_password1 (a change can only be accepted then), else anything.
          new_password2: fc.oneof({ weight: 5, arbitrary: fc.constant(SAME_AS_NEW_PASSWORD1) }, { weight: 1, arbitrary: field(strongPassword) }),
        },
      )
      .map((body) => ({ ...body, new_password2: body.new_password2 === SAME_AS_NEW_PASSWORD1 ? body.new_password1 : body.new_password2 })),
    runs: 200,
    disposableToken: true,
  },
  { method: 'GET', name: '/api/leads', path: fc.tuple(fc.constantFrom('/api/leads', '/api/leads/'), listQuery).map(([path, query]) => path + query), body: noBody, runs: 250 },
  { method: 'POST', name: '/api/leads', path: fc.constantFrom('/api/leads', '/api/leads/'), body: leadBody, runs: 300 },
  { method: 'GET', name: '/api/leads/:id', path: leadIdRef.map((id) => `/api/leads/${id}`), body: noBody, runs: 200 },
  { method: 'PUT', name: '/api/leads/:id', path: leadIdRef.map((id) => `/api/leads/${id}`), body: leadBody, runs: 500 },
  { method: 'PATCH', name: '/api/leads/:id', path: leadIdRef.map((id) => `/api/leads/${id}/`), body: leadBody, runs: 200 },
  { method: 'DELETE', name: '/api/leads/:id', path: leadIdRef.map((id) => `/api/leads/${id}`), body: noBody, runs: 150 },
];

type Encoding = 'json' | 'form' | 'multipart' | 'text' | 'none' | 'json-no-type' | 'garbage-json' | 'merge-json';
const encoding = fc.constantFrom<Encoding>('json', 'json', 'json', 'form', 'multipart', 'text', 'none', 'json-no-type', 'garbage-json', 'merge-json');

const malformedAuthorization = fc.oneof(
  fc.constantFrom('Token', 'Token ', 'Bearer', 'Token a b', 'Basic Zm9vOmJhcg==', 'Basic !!!', 'token    ' + 'A'.repeat(5000), 'Digest x', '  '),
  fc.string({ unit: 'grapheme', maxLength: 80 }).map((value) => `Token ${value}`),
  fc.string({ maxLength: 80 }).map((value) => `Bearer ${value}`),
  fc.string({ maxLength: 80 }),
);

/** The generated Accept values that prefer problem details; every other one gets DRF's bodies. */
const PROBLEM_FORM = new Set(['application/problem+json', 'application/json;q=0.5, application/problem+json']);

const extraHeaders = fc.record(
  {
    cookie: fc.constantFrom('sessionid=abc', 'csrftoken=x; sessionid=' + 'y'.repeat(300), 'csrftoken=', '=;;=', 'sessionid=%E0%A4%A'),
    'x-csrftoken': fc.string({ maxLength: 70 }),
    origin: fc.constantFrom('https://evil.example', 'null', 'http://127.0.0.1'),
    'sec-fetch-site': fc.constantFrom('cross-site', 'same-origin', 'none', '???'),
    accept: fc.constantFrom('application/xml', '*/*', 'text/html;q=0.1', '', 'application/problem+json', 'application/json;q=0.5, application/problem+json', 'application/problem+json;q=0'),
    'x-forwarded-for': fc.constantFrom('1.2.3.4', 'garbage', '::1, 10.0.0.1'),
    'accept-encoding': fc.constantFrom('gzip', 'br', 'identity;q=0'),
  },
  { requiredKeys: [] },
);

const requestArb = (route: RouteSpec) =>
  fc.record({
    identity: fc.constantFrom<Identity>('anon', 'a', 'a', 'b', 'b', 'bad'),
    path: route.path,
    body: route.body,
    encoding,
    badAuthorization: malformedAuthorization,
    headers: extraHeaders,
    duplicateFields: fc.boolean(),
  });

function substitute(value: unknown, fill: (placeholder: string) => string | number): unknown {
  if (typeof value === 'string') {
    return [OWN_LEAD, OTHER_LEAD, OWN_TOKEN, OTHER_TOKEN, CURRENT_PASSWORD, '__LOGIN_USER__', '__LOGIN_USER_UPPER__', '__LOGIN_PASSWORD__'].includes(value) ? fill(value) : value;
  }
  if (Array.isArray(value)) return value.map((item) => substitute(item, fill));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, substitute(item, fill)]));
  }
  return value;
}

function encodeJson(body: unknown): string {
  return JSON.stringify(body)
    .replaceAll(`"${HUGE_NUMBER}"`, '123456789012345678901234567890123456789')
    .replaceAll(`"${DEEP_JSON}"`, `${'['.repeat(3000)}${']'.repeat(3000)}`);
}

function formPairs(body: unknown, duplicate: boolean): Array<[string, string]> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return [['value', asText(body)]];
  const pairs: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(body)) {
    if (value === undefined) continue;
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    pairs.push([key, text]);
    if (duplicate) pairs.push([key, `${text}-again`]);
  }
  return pairs;
}

function encodeBody(body: unknown, how: Encoding, duplicate: boolean): { type?: string; bytes?: Buffer } {
  if (body === undefined || how === 'none') return {};
  switch (how) {
    case 'json':
      return { type: 'application/json', bytes: Buffer.from(encodeJson(body)) };
    case 'merge-json':
      return { type: 'application/merge-patch+json; charset=utf-8', bytes: Buffer.from(encodeJson(body)) };
    case 'json-no-type':
      return { bytes: Buffer.from(encodeJson(body)) };
    case 'garbage-json':
      return { type: 'application/json', bytes: Buffer.from(encodeJson(body).slice(0, -1) + '\u0000{') };
    case 'text':
      return { type: 'text/plain', bytes: Buffer.from(asText(body)) };
    case 'form':
      return {
        type: 'application/x-www-form-urlencoded',
        bytes: Buffer.from(formPairs(body, duplicate).map(([key, value]) => `${percentEncode(key)}=${percentEncode(value)}`).join('&')),
      };
    case 'multipart': {
      const boundary = `fuzz${hex(6)}`;
      const parts = formPairs(body, duplicate).map(([key, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${key.replace(/["\r\n]/g, '_')}"\r\n\r\n${value}\r\n`);
      return { type: `multipart/form-data; boundary=${boundary}`, bytes: Buffer.from(`${parts.join('')}--${boundary}--\r\n`) };
    }
  }
}

const decodable = (path: string): boolean => {
  try {
    decodeURI(path);
    return true;
  } catch {
    return false;
  }
};

/** The body encodings that carry keys; `nested` puts the key inside a field's value, which only JSON can. */
const PROTOTYPE_KEY_ENCODINGS: Array<{ encoding: Encoding; nested: boolean }> = [
  { encoding: 'json', nested: false },
  { encoding: 'json', nested: true },
  { encoding: 'merge-json', nested: false },
  { encoding: 'merge-json', nested: true },
  { encoding: 'form', nested: false },
  { encoding: 'multipart', nested: false },
];

/** What each key would do if it were copied: replace a prototype, or reach Object.prototype as `constructor.prototype`. */
const pollutingValue = fc.oneof(
  { weight: 2, arbitrary: anyValue },
  { weight: 1, arbitrary: fc.constant({ polluted: 'yes', isAdmin: true, 0: 'zero' }) },
  { weight: 1, arbitrary: fc.constant({ prototype: { polluted: 'yes' } }) },
);
const wrapping = fc.constantFrom<(inner: object) => unknown>((inner) => inner, (inner) => [inner], (inner) => ({ a: [1, inner] }));

/**
 * The generated body with `key` added as an own key (Object.fromEntries defines it, as
 * JSON.parse would, where an object literal would set the prototype instead): at the top
 * level, at `position` among the fields, or inside the value of one of them.
 */
function withPrototypeKey(body: unknown, key: string, value: unknown, nested: boolean, position: number, wrap: (inner: object) => unknown): Record<string, unknown> {
  const fields = body && typeof body === 'object' && !Array.isArray(body) ? Object.entries(body).filter(([, item]) => item !== undefined) : [];
  const own = Object.fromEntries([[key, value]]) as object;
  if (nested && fields.length > 0) {
    const index = position % fields.length;
    return Object.fromEntries(fields.map(([name, item], at) => [name, at === index ? wrap(own) : item]));
  }
  const at = position % (fields.length + 1);
  return Object.fromEntries([...fields.slice(0, at), [key, nested ? wrap(own) : value], ...fields.slice(at)]);
}

describe('fuzzing every route', () => {
  let t: TestApp;
  let a: Actor;
  let b: Actor;
  let loginUser: RegisteredUser;
  const leads = new Map<number, LeadModel>();
  const tokens = new Map<number, Set<number>>();
  const mainTokenId = new Map<number, number>();
  const passwords = new Map<number, string>();
  const usernames = new Set<string>();
  let requests = 0;
  /** The prototypes before the app was built, and the answer to a known request before any fuzzing. */
  let prototypesBefore: PrototypeSnapshot;
  let knownAnswer: { status: number; json: unknown };
  const knownRequest = (): Promise<FuzzResponse> =>
    send(t.baseUrl, { method: 'POST', path: '/api/auth/register', headers: { 'content-type': 'application/json' }, body: Buffer.from('{"username":{"a":1}}') });
  /** Per route: how many generated requests were accepted and refused, so a fuzz that only ever hits 400 shows. */
  const outcomes = new Map<string, { accepted: number; refused: number }>();

  const tokenIdOf = async (raw: string): Promise<{ id: number; userId: number }> => {
    const { rows } = await t.db.query<{ id: number; user_id: number }>('SELECT id, user_id FROM auth_tokens WHERE digest = $1', [digestToken(raw)]);
    if (!rows[0]) throw new Error('an issued token is not in the database');
    return { id: rows[0].id, userId: rows[0].user_id };
  };

  /** A token written straight to the table: as real as a login's, without argon2 per request. */
  const issueToken = async (userId: number): Promise<{ token: string; id: number }> => {
    const { token, digest, tokenKey } = generateToken('');
    const { rows } = await t.db.query<{ id: number }>(
      `INSERT INTO auth_tokens (digest, token_key, user_id, expiry) VALUES ($1, $2, $3, now() + interval '10 hours') RETURNING id`,
      [digest, tokenKey, userId],
    );
    tokens.get(userId)?.add(rows[0].id);
    return { token, id: rows[0].id };
  };

  const ensureMainToken = async (actor: Actor): Promise<void> => {
    if (tokens.get(actor.id)?.has(mainTokenId.get(actor.id) ?? -1)) return;
    const issued = await issueToken(actor.id);
    actor.token = issued.token;
    mainTokenId.set(actor.id, issued.id);
  };

  const seedLead = async (owner: Actor, marker: string): Promise<void> => {
    const { rows } = await t.db.query<LeadModel>(
      `INSERT INTO leads (name, email, message, owner_id) VALUES ($1, $2, $3, $4) RETURNING id, owner_id AS owner, name, email, message`,
      [`Lead ${marker}`, `${marker}@example.com`, `Message ${marker}`, owner.id],
    );
    leads.set(rows[0].id, rows[0]);
    owner.markers.push(marker);
  };

  beforeAll(async () => {
    prototypesBefore = snapshotPrototypes();
    t = await createTestApp();
    const makeActor = async (prefix: string): Promise<Actor> => {
      const user = await registerUser(t, `${prefix}${hex()}`);
      usernames.add(user.username);
      const { id } = await tokenIdOf(user.token);
      tokens.set(user.id, new Set([id]));
      mainTokenId.set(user.id, id);
      passwords.set(user.id, user.password);
      // The token's first characters are its public tokenKey, shown in token lists.
      return { ...user, markers: [user.username, user.email, user.token.slice(0, 8)] };
    };
    a = await makeActor('fuzzA');
    b = await makeActor('fuzzB');
    loginUser = await registerUser(t, `fuzzC${hex()}`);
    usernames.add(loginUser.username);
    tokens.set(loginUser.id, new Set([(await tokenIdOf(loginUser.token)).id]));
    for (let index = 0; index < 3; index += 1) {
      await seedLead(a, `secret-a-${hex()}`);
      await seedLead(b, `secret-b-${hex()}`);
    }
    const known = await knownRequest();
    knownAnswer = { status: known.status, json: known.json };
    expect(knownAnswer.status).toBe(400);
  });

  afterAll(async () => {
    closeFuzzAgent();
    await t.close();
  });

  /** Walks a JSON answer: every lead-shaped object must be the caller's. */
  function foreignOwners(value: unknown, callerId: number | null, found: unknown[] = []): unknown[] {
    if (Array.isArray(value)) value.forEach((item) => foreignOwners(item, callerId, found));
    else if (value && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      if ('owner' in record && record.owner !== callerId) found.push(record);
      Object.values(record).forEach((item) => foreignOwners(item, callerId, found));
    }
    return found;
  }

  function checkAnswer(method: string, path: string, identity: Identity, response: FuzzResponse, accept?: string): void {
    const where = `${method} ${path} as ${identity} (Accept: ${accept}) -> ${response.status} ${response.text.slice(0, 300)}`;
    if (response.status >= 500) throw new Error(`5xx: ${where}`);
    if (response.status >= 400 && method !== 'HEAD') {
      const body = response.json as Record<string, unknown> | undefined;
      const type = String(response.headers['content-type']);
      const ok = PROBLEM_FORM.has(accept ?? '')
        ? type.startsWith('application/problem+json') &&
          body?.type === 'about:blank' &&
          body.status === response.status &&
          typeof body.title === 'string' &&
          typeof body.detail === 'string' &&
          (body.errors === undefined || isFieldErrors(body.errors))
        : type.startsWith('application/json') && (isDetail(body) || (response.status === 400 && isFieldErrors(body)));
      if (!ok) throw new Error(`not the negotiated error form: ${where}`);
    }
    const caller = identity === 'a' ? a : identity === 'b' ? b : null;
    const forbidden = [a, b].filter((actor) => actor !== caller).flatMap((actor) => actor.markers);
    const leaked = forbidden.find((marker) => response.text.toLowerCase().includes(marker.toLowerCase()));
    if (leaked) throw new Error(`another user's data (${leaked}) in: ${where}`);
    const foreign = foreignOwners(response.json, caller?.id ?? null);
    if (foreign.length > 0) throw new Error(`an object of another owner in: ${where}`);
  }

  /** DRF's `{"detail": "..."}` and nothing else. */
  function isDetail(body: unknown): boolean {
    return typeof body === 'object' && body !== null && Object.keys(body).length === 1 && typeof (body as { detail?: unknown }).detail === 'string';
  }

  /** DRF's serializer errors: at least one key, each a non-empty list of sentences. */
  function isFieldErrors(body: unknown): boolean {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
    const values = Object.values(body);
    return values.length > 0 && values.every((value) => Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === 'string'));
  }

  /** What an accepted request wrote, applied to the model. */
  async function record(route: RouteSpec, path: string, caller: Actor | null, usedTokenId: number | null, response: FuzzResponse): Promise<void> {
    if (response.status < 200 || response.status >= 300) return;
    const body = response.json as Record<string, unknown> | undefined;
    const leadId = Number(/^\/api\/leads\/(\d+)/.exec(path)?.[1]);
    const mine = (id: number) => {
      const lead = leads.get(id);
      if (!caller || !lead || lead.owner !== caller.id) throw new Error(`${route.method} ${path} succeeded on a lead that is not the caller's`);
    };
    if (route.method === 'POST' && path.startsWith('/api/leads') && caller && body) {
      leads.set(body.id as number, { id: body.id as number, owner: caller.id, name: body.name as string, email: body.email as string, message: body.message as string });
    } else if ((route.method === 'PUT' || route.method === 'PATCH') && path.startsWith('/api/leads/') && body) {
      mine(leadId);
      leads.set(leadId, { id: leadId, owner: caller!.id, name: body.name as string, email: body.email as string, message: body.message as string });
    } else if (route.method === 'DELETE' && path.startsWith('/api/leads/')) {
      mine(leadId);
      leads.delete(leadId);
    } else if (path.startsWith('/api/auth/register') && body) {
      const user = body.user as { id: number; username: string };
      usernames.add(user.username);
      tokens.set(user.id, new Set([(await tokenIdOf(body.token as string)).id]));
    } else if (route.method === 'POST' && path.startsWith('/api/auth/login') && body) {
      const issued = await tokenIdOf(body.token as string);
      tokens.get(issued.userId)?.add(issued.id);
    } else if (path.startsWith('/api/auth/logoutall') && caller) {
      tokens.get(caller.id)?.clear();
    } else if (path.startsWith('/api/auth/logout') && caller && usedTokenId !== null) {
      tokens.get(caller.id)?.delete(usedTokenId);
    } else if (route.method === 'DELETE' && path.startsWith('/api/auth/tokens/') && caller) {
      const id = Number(path.split('/')[4]);
      if (!tokens.get(caller.id)?.delete(id)) throw new Error(`DELETE ${path} succeeded on a token that is not the caller's`);
    } else if (path.startsWith('/api/auth/password/change') && caller && usedTokenId !== null) {
      tokens.set(caller.id, new Set([usedTokenId]));
      passwords.set(caller.id, pendingPassword ?? '');
    }
  }

  let pendingPassword: string | undefined;

  it.each(ROUTES.map((route) => [`${route.method} ${route.name}`, route] as const))(
    '%s: no 5xx, the negotiated error form, no foreign data',
    async (_name, route) => {
      await fc.assert(
        fc.asyncProperty(requestArb(route), async (generated) => {
          const caller = generated.identity === 'a' ? a : generated.identity === 'b' ? b : null;
          const other = caller === a ? b : a;
          let usedTokenId: number | null = null;
          let authorization: string | undefined;
          if (caller) {
            await ensureMainToken(caller);
            if (route.disposableToken) {
              const issued = await issueToken(caller.id);
              authorization = `Token ${issued.token}`;
              usedTokenId = issued.id;
            } else {
              authorization = `Token ${caller.token}`;
              usedTokenId = mainTokenId.get(caller.id) ?? null;
            }
          } else if (generated.identity === 'bad') {
            authorization = generated.badAuthorization;
          }
          const pick = (owner: Actor | null, pool: 'lead' | 'token'): number => {
            const ids = pool === 'lead' ? [...leads.values()].filter((lead) => lead.owner === owner?.id).map((lead) => lead.id) : [...(tokens.get(owner?.id ?? -1) ?? [])];
            return ids.length ? ids[requests % ids.length] : 424242;
          };
          const fill = (placeholder: string): string | number => {
            switch (placeholder) {
              case OWN_LEAD:
                return pick(caller, 'lead');
              case OTHER_LEAD:
                return pick(other, 'lead');
              case OWN_TOKEN:
                return pick(caller, 'token');
              case OTHER_TOKEN:
                return pick(other, 'token');
              case CURRENT_PASSWORD:
                return passwords.get(caller?.id ?? -1) ?? 'no-password';
              case '__LOGIN_USER__':
                return loginUser.username;
              case '__LOGIN_USER_UPPER__':
                return loginUser.username.toUpperCase();
              default:
                return loginUser.password;
            }
          };
          const path = generated.path.replace(/__[A-Z_]+__/g, (placeholder) => String(fill(placeholder)));
          const body = substitute(generated.body, fill);
          pendingPassword = body && typeof body === 'object' ? ((body as Record<string, unknown>).new_password2 as string | undefined) : undefined;
          const encoded = encodeBody(body, generated.encoding, generated.duplicateFields);
          const headers: Record<string, string> = { ...generated.headers };
          if (authorization !== undefined) headers.authorization = authorization;
          if (encoded.type) headers['content-type'] = encoded.type;
          requests += 1;
          const response = await send(t.baseUrl, { method: route.method, path, headers, body: encoded.bytes });
          checkAnswer(route.method, path, generated.identity, response, headers.accept);
          await record(route, path, caller, usedTokenId, response);
          const tally = outcomes.get(`${route.method} ${route.name}`) ?? { accepted: 0, refused: 0 };
          if (response.status < 300) tally.accepted += 1;
          else tally.refused += 1;
          outcomes.set(`${route.method} ${route.name}`, tally);
        }),
        { numRuns: route.runs, endOnFailure: true },
      );
    },
  );

  it('odd paths and methods: no 5xx, DRF error bodies', async () => {
    const segment = fc.oneof(
      fc.constantFrom('api', 'auth', 'leads', 'tokens', 'health', 'docs', '..', '.', '', '%2e%2e', '%2F', '%00', '%', '%zz', 'API', 'Leads', '1', '-1', '😀', '%F0%9F%98%80', ';', 'user;x=1', '*'),
      fc.string({ unit: 'grapheme', maxLength: 12 }).map(percentEncode),
    );
    const oddRequest = fc.record({
      method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'TRACE', 'PROPFIND', 'MKCOL', 'PURGE', 'SEARCH', 'LINK', 'FOO', 'get'),
      segments: fc.array(segment, { maxLength: 6 }),
      query: fc.option(fc.constantFrom('?', '??', '?a=1&a=2&a[b]=3', '?limit[]=1', '?__proto__[x]=1', '?%', '?search=%ff', '?' + 'q=1&'.repeat(200)), { nil: '' }),
      identity: fc.constantFrom<Identity>('anon', 'a', 'b', 'bad'),
      badAuthorization: malformedAuthorization,
    });
    await fc.assert(
      fc.asyncProperty(oddRequest, async (generated) => {
        const path = `/${generated.segments.join('/')}${generated.query}`;
        // Writes go out unauthenticated: an odd spelling of a real route (Express
        // matches case-insensitively) could otherwise change rows the model tracks.
        const write = !['GET', 'HEAD', 'OPTIONS'].includes(generated.method);
        const identity: Identity = write && (generated.identity === 'a' || generated.identity === 'b') ? 'anon' : generated.identity;
        const caller = identity === 'a' ? a : identity === 'b' ? b : null;
        if (caller) await ensureMainToken(caller);
        const headers: Record<string, string> = {};
        if (caller) headers.authorization = `Token ${caller.token}`;
        if (identity === 'bad') headers.authorization = generated.badAuthorization;
        requests += 1;
        let response: FuzzResponse;
        try {
          response = await send(t.baseUrl, { method: generated.method, path, headers });
        } catch (error) {
          // Node's client refuses some of these before sending (lower-case or unknown method).
          if (error instanceof TypeError || (error as { code?: string }).code === 'ERR_INVALID_HTTP_TOKEN') return;
          throw error;
        }
        checkAnswer(generated.method, path, identity, response);
      }),
      { numRuns: 600, endOnFailure: true },
    );
  });

  it('refuses __proto__, constructor and prototype as keys in every body type, on every route that takes a body', async () => {
    const bodyRoutes = ROUTES.filter((route) => ['POST', 'PUT', 'PATCH'].includes(route.method));
    const otherParseProblems = new Set([
      'JSON parse error - the body contains an unpaired surrogate.',
      'JSON parse error - nesting deeper than 32 levels.',
    ]);
    // Every combination is sent even when one fails, so that the prototype check below sees what all of them did.
    const failures: string[] = [];
    for (const key of PROTOTYPE_KEYS) {
      for (const { encoding: how, nested } of PROTOTYPE_KEY_ENCODINGS) {
        const sent = fc.assert(
          fc.asyncProperty(
            // The route by its index: a counterexample then prints the request, not the route's arbitraries.
            fc.nat({ max: bodyRoutes.length - 1 }).chain((index) =>
              fc.record({ route: fc.constant(index), path: bodyRoutes[index].path, body: bodyRoutes[index].body, identity: fc.constantFrom<Identity>('anon', 'a', 'b', 'bad') }),
            ),
            pollutingValue,
            fc.nat(),
            wrapping,
            fc.boolean(),
            malformedAuthorization,
            async ({ route: routeIndex, path: rawPath, body, identity }, value, position, wrap, duplicate, badAuthorization) => {
              const route = bodyRoutes[routeIndex];
              const caller = identity === 'a' ? a : identity === 'b' ? b : null;
              if (caller) await ensureMainToken(caller);
              // Placeholders stay as they are: nothing here may be accepted, so none needs to be right.
              const path = rawPath.replace(/__[A-Z_]+__/g, '1');
              const polluted = withPrototypeKey(body, key, value, nested, position, wrap);
              const encoded = encodeBody(polluted, how, duplicate);
              const headers: Record<string, string> = { 'content-type': encoded.type! };
              if (caller) headers.authorization = `Token ${caller.token}`;
              else if (identity === 'bad') headers.authorization = badAuthorization;
              requests += 1;
              const response = await send(t.baseUrl, { method: route.method, path, headers, body: encoded.bytes });
              checkAnswer(route.method, path, identity, response);
              const where = `${route.method} ${path} (${how}${nested ? ', nested' : ''}, "${key}") -> ${response.status} ${response.text.slice(0, 300)}`;
              const detail = (response.json as { detail?: unknown } | undefined)?.detail;
              // The body parser answers before any guard: the same 400 for every caller, on every path.
              if (response.status !== 400) throw new Error(`not refused as a bad body: ${where}`);
              // A path that is not valid percent-encoding (`/api/leads/%zz`) is refused before any body is read.
              const otherProblem =
                ((how === 'json' || how === 'merge-json') && otherParseProblems.has(detail as string)) ||
                (detail === 'Malformed request.' && !decodable(path)) ||
                // A part with no name, or a name over the parser's 200 bytes, is refused as it is read: before a later key.
                (how === 'multipart' && detail === 'Multipart form parse error.' && formPairs(polluted, duplicate).some(([name]) => name === '' || Buffer.byteLength(name) > 200));
              if (detail !== PROTOTYPE_KEY_DETAIL && !otherProblem) throw new Error(`not the prototype-key sentence: ${where}`);
            },
          ),
          { numRuns: 8, endOnFailure: true },
        );
        await sent.catch((error: Error) => {
          // fast-check keeps the property's own error as the cause; its message names the request and the answer.
          const cause = error.cause instanceof Error ? error.cause.message : error.message;
          failures.push(`"${key}" in ${how}${nested ? ', nested' : ''}: ${cause.slice(0, 400)}`);
        });
      }
    }
    expect(failures).toEqual([]);
  });

  it('leaves the database holding exactly what the accepted requests wrote', async () => {
    expect(requests).toBeGreaterThan(2500);
    // Every route accepted some of what it was sent, and each that reads input also refused some.
    const acceptsEverything = new Set(ROUTES.filter((route) => route.acceptsEverything).map((route) => `${route.method} ${route.name}`));
    const oneSided = [...outcomes.entries()]
      .filter(([route, tally]) => tally.accepted === 0 || (tally.refused === 0 && !acceptsEverything.has(route)))
      .map(([route]) => route);
    expect(oneSided).toEqual([]);
    const stored = await t.db.query<LeadModel>('SELECT id, owner_id AS owner, name, email, message FROM leads ORDER BY id');
    expect(stored.rows).toEqual([...leads.values()].sort((x, y) => x.id - y.id));

    const users = await t.db.query<{ username: string }>('SELECT username FROM users');
    expect(users.rows.map((row) => row.username).sort()).toEqual([...usernames].sort());

    const storedTokens = await t.db.query<{ id: number; user_id: number }>('SELECT id, user_id FROM auth_tokens ORDER BY id');
    const expected = [...tokens.entries()].flatMap(([userId, ids]) => [...ids].map((id) => ({ id, user_id: userId }))).sort((x, y) => x.id - y.id);
    expect(storedTokens.rows).toEqual(expected);
  });

  it('leaves Object.prototype and Array.prototype as they were, and a known request gets its known answer', async () => {
    // The app runs in this process: what a request did to the prototypes it shares shows here.
    expect(prototypeChanges(prototypesBefore)).toEqual([]);
    expect(brokenBasics()).toEqual([]);
    const known = await knownRequest();
    expect({ status: known.status, json: known.json }).toEqual(knownAnswer);
    const login = await send(t.baseUrl, {
      method: 'POST',
      path: '/api/auth/login',
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(JSON.stringify({ username: loginUser.username, password: loginUser.password })),
    });
    expect(login.status).toBe(200);
    expect((login.json as { user?: { username?: string } }).user?.username).toBe(loginUser.username);
  });
});
