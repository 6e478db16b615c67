import { createServer, Server, Socket, connect } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { createApp } from '../src/app.factory';
import { AppLogger } from '../src/common/logging/app-logger';
import { loadConfig } from '../src/config/app-config';
import { STRONG_PASSWORD, uniqueName } from './support/accounts';
import { rawRequest } from './support/raw-http';
import { browserLogin, cookieHeader, fetchCsrfToken } from './support/browser-session';
import { Answer, header, OpenApiDocument, OpenApiValidator } from './support/openapi-validator';
import { createTestApp, GENEROUS_THROTTLES, TestApp } from './support/test-app';
import { createDatabaseFromTemplate } from './support/test-database';

/**
 * Every answer of a scripted session, success and error alike, judged by the
 * OpenAPI document the app serves: the operation is found by method and path
 * template, the status must be documented for it (route-specific errors
 * explicitly, request-level ones at least by `default`), the Content-Type must
 * be one the document lists for that status, and the body must validate
 * against that content's schema. Each error request is sent twice, without
 * `Accept` and with `Accept: application/problem+json`, and both answers are
 * judged by their own Content-Type (and the second must come as problem
 * details whenever the document lists them for that status). Nothing here knows what a body looks like:
 * the expectations are the document's.
 *
 * Requests that match no operation (a documented path with another method, an
 * unknown path) are judged by `components.responses.MethodNotAllowed` and
 * `components.responses.NotFound`.
 */

const PROBLEM_JSON = 'application/problem+json';
const BIG_BODY = JSON.stringify({ name: 'x'.repeat(200 * 1024) });

interface Call {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  /** `Token <token>` is added as Authorization. */
  token?: string;
  headers?: Record<string, string>;
  /** An object goes as JSON; a string or Buffer goes as is (set `content-type` in `headers`). */
  body?: object | string | Buffer;
  /** Basic credentials. */
  basic?: [string, string];
  /**
   * A request-level refusal (a body type a route without a body never reads, duplicate
   * headers, ...): may be documented by `default` instead of an explicit status.
   */
  generic?: boolean;
}

/** Where requests go: a running app. */
interface Target {
  baseUrl: string;
}

interface Judged {
  operation: string;
  status: number;
  accept: string;
  problems: string[];
}

/** A TCP relay in front of PostgreSQL that can be cut: the app then sees the database vanish, as in an outage. */
async function startCuttableRelay(target: URL): Promise<{ port: number; cut(): void; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let open = true;
  const server: Server = createServer((client) => {
    if (!open) return client.destroy();
    const upstream = connect(Number(target.port), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => socket.destroy());
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    cut() {
      open = false;
      for (const socket of sockets) socket.destroy();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('real answers conform to the OpenAPI document', () => {
  let t: TestApp;
  let validator: OpenApiValidator;
  const records: Judged[] = [];

  beforeAll(async () => {
    t = await createTestApp();
    const response = await t.http().get('/api/docs-json').expect(200);
    validator = new OpenApiValidator(response.body as OpenApiDocument);
  });
  afterAll(async () => {
    await t?.close();
  });

  /** Sends a call with the given Accept (none when undefined) and returns the raw answer. */
  async function send(baseUrl: string, call: Call, accept: string | undefined): Promise<Answer> {
    let req = request(baseUrl)[call.method.toLowerCase() as 'get'](call.path).buffer(true).parse((res, done) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => done(null, text));
    });
    if (accept !== undefined) req = req.set('Accept', accept);
    if (call.token !== undefined) req = req.set('Authorization', `Token ${call.token}`);
    if (call.basic) req = req.auth(...call.basic);
    for (const [name, value] of Object.entries(call.headers ?? {})) req = req.set(name, value);
    if (call.body !== undefined) {
      if (typeof call.body === 'string' || Buffer.isBuffer(call.body)) req = req.send(call.body);
      else if (call.headers?.['content-type'] === 'application/x-www-form-urlencoded') req = req.send(new URLSearchParams(call.body as Record<string, string>).toString());
      else req = req.set('Content-Type', call.headers?.['content-type'] ?? 'application/json').send(JSON.stringify(call.body));
    }
    const response = await req;
    return { status: response.status, headers: response.headers as Answer['headers'], text: typeof response.body === 'string' ? response.body : '' };
  }

  /** Judges one answer and records it; returns the verdict's problems. */
  function judge(call: Call, accept: string | undefined, answer: Answer): string[] {
    const label = `${call.method} ${call.path}${accept ? ` (Accept: ${accept})` : ''} → ${answer.status}`;
    const matched = validator.findOperation(call.method, call.path);
    let problems: string[];
    let operation: string;
    if (matched) {
      operation = `${matched.method} ${matched.template}`;
      const verdict = validator.checkOperationAnswer(matched.operation, answer);
      problems = [...verdict.problems];
      if (verdict.responseKey === 'default' && !call.generic) problems.push(`status ${answer.status} is only covered by \`default\`; document it for this operation`);
      if (verdict.responseKey !== undefined) {
        const documented = validator.resolveResponse(matched.operation.responses[verdict.responseKey]);
        problems.push(...missingHeaders(documented.headers, answer));
        // Content negotiation: asked for a media type the document lists for this status, the answer comes in it.
        if (accept !== undefined && accept in (documented.content ?? {}) && verdict.mediaType !== accept) {
          problems.push(`asked for ${accept}, which is documented for ${answer.status}, but got ${String(header(answer.headers, 'content-type'))}`);
        }
      }
    } else {
      const template = validator.findTemplate(call.path);
      operation = template === undefined ? 'unknown path' : `${call.method} ${template} (undocumented method)`;
      const name = template === undefined ? 'NotFound' : 'MethodNotAllowed';
      const response = validator.document.components?.responses?.[name];
      if (!response) problems = [`no components.responses.${name} documents the answer to a request that matches no operation`];
      else {
        problems = [...validator.checkResponse(response, answer).problems, ...missingHeaders(response.headers, answer)];
        const expected = template === undefined ? 404 : 405;
        if (answer.status !== expected) problems.push(`expected ${expected} for a request that matches no operation`);
        if (template !== undefined) {
          // The Allow header of a 405 names exactly the documented methods of the path, besides HEAD and OPTIONS
          // (which OpenAPI 3.0 documents nowhere unless a route has them of its own).
          const allowed = (header(answer.headers, 'allow') ?? '').split(',').map((method) => method.trim()).filter((method) => !['HEAD', 'OPTIONS'].includes(method));
          if ([...allowed].sort().join() !== [...validator.methodsOf(template)].sort().join()) {
            problems.push(`Allow "${header(answer.headers, 'allow')}" differs from the documented ${validator.methodsOf(template).join(', ')}`);
          }
        }
      }
    }
    records.push({ operation, status: answer.status, accept: accept ?? '', problems });
    return problems.map((problem) => `${label}: ${problem}`);
  }

  function missingHeaders(headers: Record<string, unknown> | undefined, answer: Answer): string[] {
    return Object.entries(headers ?? {})
      .filter(([, spec]) => (spec as { required?: boolean }).required === true)
      .filter(([name]) => header(answer.headers, name) === undefined)
      .map(([name]) => `the documented required header ${name} is missing`);
  }

  /**
   * A request the session needs to succeed: sent once, judged, and a 2xx is
   * required to carry on. Returns the parsed body (undefined for none).
   */
  async function succeed<T = Record<string, unknown>>(app: Target, call: Call, failures: string[]): Promise<T> {
    const answer = await send(app.baseUrl, call, undefined);
    failures.push(...judge(call, undefined, answer));
    if (answer.status < 200 || answer.status >= 300) throw new Error(`${call.method} ${call.path} was expected to succeed: ${answer.status} ${answer.text.slice(0, 300)}`);
    return (answer.text ? JSON.parse(answer.text) : undefined) as T;
  }

  /**
   * A request meant to be refused: sent without Accept and again with
   * `Accept: application/problem+json`; both answers must be errors and are judged.
   * Returns the statuses.
   */
  async function refuse(app: Target, call: Call, failures: string[]): Promise<number[]> {
    const statuses: number[] = [];
    for (const accept of [undefined, PROBLEM_JSON]) {
      const answer = await send(app.baseUrl, call, accept);
      statuses.push(answer.status);
      if (answer.status < 400) failures.push(`${call.method} ${call.path} (Accept: ${accept ?? 'none'}) was expected to be refused: ${answer.status}`);
      failures.push(...judge(call, accept, answer));
    }
    return statuses;
  }

  /** Whatever comes (a throttle counting down): judged, and an error is also asked for as problem details. */
  async function either(app: Target, call: Call, failures: string[]): Promise<number> {
    const answer = await send(app.baseUrl, call, undefined);
    failures.push(...judge(call, undefined, answer));
    if (answer.status >= 400) failures.push(...judge(call, PROBLEM_JSON, await send(app.baseUrl, call, PROBLEM_JSON)));
    return answer.status;
  }

  const credentials = (username: string) => ({ username, email: `${username}@example.com`, password: STRONG_PASSWORD });

  /** The body-type refusals every route that reads a body can give. */
  async function refuseBodies(app: Target, call: Call, failures: string[], generic = false): Promise<void> {
    await refuse(app, { ...call, generic, headers: { ...call.headers, 'content-type': 'text/plain' }, body: 'hello' }, failures);
    await refuse(app, { ...call, generic, headers: { ...call.headers, 'content-type': 'application/json' }, body: '{"name": ' }, failures);
    await refuse(app, { ...call, generic, headers: { ...call.headers, 'content-type': 'application/json' }, body: BIG_BODY }, failures);
  }

  it('answers the account routes as documented', async () => {
    const failures: string[] = [];
    const alice = credentials(uniqueName('alice'));
    const registered = await succeed<{ token: string; user: { id: number } }>(t, { method: 'POST', path: '/api/auth/register', body: alice }, failures);
    await refuse(t, { method: 'POST', path: '/api/auth/register', body: alice }, failures);
    await refuse(t, { method: 'POST', path: '/api/auth/register', body: {} }, failures);
    await refuse(t, { method: 'POST', path: '/api/auth/register', body: { ...credentials(uniqueName()), password: '123' } }, failures);
    await refuseBodies(t, { method: 'POST', path: '/api/auth/register' }, failures);

    const login = await succeed<{ token: string }>(t, { method: 'POST', path: '/api/auth/login', body: { username: alice.username, password: alice.password, name: 'laptop' } }, failures);
    await succeed(t, { method: 'POST', path: '/api/auth/login', basic: [alice.username, alice.password] }, failures);
    await refuse(t, { method: 'POST', path: '/api/auth/login', body: { username: alice.username, password: 'wrong-password-1' } }, failures);
    await refuse(t, { method: 'POST', path: '/api/auth/login', body: {} }, failures);
    await refuse(t, { method: 'POST', path: '/api/auth/login', basic: [alice.username, 'wrong-password-1'] }, failures);
    await refuseBodies(t, { method: 'POST', path: '/api/auth/login' }, failures);

    await succeed(t, { method: 'GET', path: '/api/auth/user', token: registered.token }, failures);
    await refuse(t, { method: 'GET', path: '/api/auth/user' }, failures);
    await refuse(t, { method: 'GET', path: '/api/auth/user', token: 'not-a-token' }, failures);

    const tokens = await succeed<Array<{ id: number }>>(t, { method: 'GET', path: '/api/auth/tokens', token: registered.token }, failures);
    await refuse(t, { method: 'GET', path: '/api/auth/tokens' }, failures);
    // Newest first: the Basic login's token, which nothing below uses.
    const other = tokens[0];
    await succeed(t, { method: 'DELETE', path: `/api/auth/tokens/${other.id}`, token: registered.token }, failures);
    await refuse(t, { method: 'DELETE', path: `/api/auth/tokens/${other.id}`, token: registered.token }, failures);
    await refuse(t, { method: 'DELETE', path: '/api/auth/tokens/not-an-id', token: registered.token }, failures);
    await refuse(t, { method: 'DELETE', path: '/api/auth/tokens/1' }, failures);

    await refuse(t, { method: 'POST', path: '/api/auth/password/change', token: login.token, body: { old_password: 'wrong-password-1', new_password1: 'another-Harbor-43-lantern', new_password2: 'another-Harbor-43-lantern' } }, failures);
    await refuse(t, { method: 'POST', path: '/api/auth/password/change', token: login.token, body: {} }, failures);
    await refuse(t, { method: 'POST', path: '/api/auth/password/change', token: login.token, body: { old_password: alice.password, new_password1: 'another-Harbor-43-lantern', new_password2: 'another-Harbor-44-lantern' } }, failures);
    await refuse(t, { method: 'POST', path: '/api/auth/password/change', body: { old_password: alice.password, new_password1: 'another-Harbor-43-lantern', new_password2: 'another-Harbor-43-lantern' } }, failures);
    await refuseBodies(t, { method: 'POST', path: '/api/auth/password/change', token: login.token }, failures);
    await succeed(t, { method: 'POST', path: '/api/auth/password/change', token: login.token, body: { old_password: alice.password, new_password1: 'another-Harbor-43-lantern', new_password2: 'another-Harbor-43-lantern' } }, failures);

    // Routes that read no body still refuse one they cannot parse: a request-level answer.
    await refuseBodies(t, { method: 'POST', path: '/api/auth/logout', token: login.token }, failures, true);
    await succeed(t, { method: 'POST', path: '/api/auth/logout', token: login.token }, failures);
    await refuse(t, { method: 'POST', path: '/api/auth/logout', token: login.token }, failures);
    const again = await succeed<{ token: string }>(t, { method: 'POST', path: '/api/auth/login', body: { username: alice.username, password: 'another-Harbor-43-lantern' } }, failures);
    await succeed(t, { method: 'POST', path: '/api/auth/logoutall', token: again.token }, failures);
    await refuse(t, { method: 'POST', path: '/api/auth/logoutall', token: again.token }, failures);
    await refuse(t, { method: 'POST', path: '/api/auth/logoutall' }, failures);
    expect(failures).toEqual([]);
  });

  it('answers the browser-session flow as documented, CSRF refusals included', async () => {
    const failures: string[] = [];
    const bob = credentials(uniqueName('bob'));
    await succeed(t, { method: 'POST', path: '/api/auth/register', body: bob }, failures);
    await succeed(t, { method: 'GET', path: '/api/auth/login' }, failures);
    const csrf = await fetchCsrfToken(t);
    // The csrftoken cookie makes login and register browser requests: without X-CSRFToken they are 403.
    await refuse(t, { method: 'POST', path: '/api/auth/login', headers: { cookie: cookieHeader({ csrftoken: csrf }) }, body: { username: bob.username, password: bob.password } }, failures);
    await refuse(t, { method: 'POST', path: '/api/auth/register', headers: { cookie: cookieHeader({ csrftoken: csrf }) }, body: credentials(uniqueName()) }, failures);

    const session = await browserLogin(t, bob);
    const lead = await succeed<{ id: number }>(
      t,
      { method: 'POST', path: '/api/leads', headers: { cookie: session.cookie, 'x-csrftoken': session.csrftoken }, body: { name: 'Session lead', email: 'session@example.com', message: 'Hi.' } },
      failures,
    );
    const cookieOnly = { cookie: session.cookie };
    const unsafe: Call[] = [
      { method: 'POST', path: '/api/leads', headers: cookieOnly, body: { name: 'N', email: 'n@example.com', message: 'M' } },
      { method: 'PUT', path: `/api/leads/${lead.id}`, headers: cookieOnly, body: { name: 'N', email: 'n@example.com', message: 'M' } },
      { method: 'PATCH', path: `/api/leads/${lead.id}`, headers: cookieOnly, body: { name: 'N' } },
      { method: 'DELETE', path: `/api/leads/${lead.id}`, headers: cookieOnly },
      { method: 'DELETE', path: '/api/auth/tokens/1', headers: cookieOnly },
      { method: 'POST', path: '/api/auth/password/change', headers: cookieOnly, body: { old_password: bob.password, new_password1: 'another-Harbor-43-lantern', new_password2: 'another-Harbor-43-lantern' } },
      { method: 'POST', path: '/api/auth/logout', headers: cookieOnly },
      { method: 'POST', path: '/api/auth/logoutall', headers: cookieOnly },
    ];
    for (const call of unsafe) {
      const statuses = await refuse(t, call, failures);
      if (statuses.some((status) => status !== 403)) failures.push(`${call.method} ${call.path} with the session cookie and no X-CSRFToken: ${statuses.join(', ')} instead of a CSRF refusal`);
    }
    await succeed(t, { method: 'GET', path: '/api/auth/user', headers: cookieOnly }, failures);
    await succeed(t, { method: 'POST', path: '/api/auth/logout', headers: { cookie: session.cookie, 'x-csrftoken': session.csrftoken } }, failures);
    await refuse(t, { method: 'GET', path: '/api/auth/user', headers: cookieOnly }, failures);
    expect(failures).toEqual([]);
  });

  it('answers the lead routes as documented', async () => {
    const failures: string[] = [];
    const owner = await succeed<{ token: string }>(t, { method: 'POST', path: '/api/auth/register', body: credentials(uniqueName('owner')) }, failures);
    const stranger = await succeed<{ token: string }>(t, { method: 'POST', path: '/api/auth/register', body: credentials(uniqueName('stranger')) }, failures);
    const token = owner.token;
    const body = (n: number) => ({ name: `Lead ${n}`, email: `lead-${n}@example.com`, message: 'Interested.' });

    await succeed(t, { method: 'GET', path: '/api/leads', token }, failures);
    const first = await succeed<{ id: number }>(t, { method: 'POST', path: '/api/leads', token, body: body(1) }, failures);
    const second = await succeed<{ id: number }>(t, { method: 'POST', path: '/api/leads', token, body: body(2), headers: { 'content-type': 'application/x-www-form-urlencoded' } }, failures);
    await succeed(t, { method: 'POST', path: '/api/leads', token, body: body(3) }, failures);
    // Without `limit` the list is a plain array, with it the envelope: the document's oneOf must take both.
    const plain = await succeed<unknown>(t, { method: 'GET', path: '/api/leads?ordering=-name&search=lead', token }, failures);
    if (!Array.isArray(plain)) failures.push('GET /api/leads without limit: not an array');
    const page = await succeed<unknown>(t, { method: 'GET', path: '/api/leads?limit=1&offset=1&ordering=-name&search=lead', token }, failures);
    if (Array.isArray(page)) failures.push('GET /api/leads?limit=1: an array instead of the envelope');
    // A Host outside ALLOWED_HOSTS gets relative pagination links.
    await succeed(t, { method: 'GET', path: '/api/leads?limit=1&offset=1', token, headers: { host: 'elsewhere.example' } }, failures);
    await refuse(t, { method: 'GET', path: '/api/leads?limit=0', token }, failures);
    await refuse(t, { method: 'GET', path: '/api/leads?ordering=nope&offset=-1', token }, failures);
    await refuse(t, { method: 'GET', path: '/api/leads' }, failures);

    // A duplicate email (per owner) is DRF's 400 on `email`.
    await refuse(t, { method: 'POST', path: '/api/leads', token, body: body(1) }, failures);
    await refuse(t, { method: 'POST', path: '/api/leads', token, body: { name: '', email: 'nope', extra: 1 } }, failures);
    await refuse(t, { method: 'POST', path: '/api/leads', token, body: { __proto__: null, constructor: 1 } }, failures);
    await refuse(t, { method: 'POST', path: '/api/leads', body: body(9) }, failures);
    await refuseBodies(t, { method: 'POST', path: '/api/leads', token }, failures);

    await succeed(t, { method: 'GET', path: `/api/leads/${first.id}`, token }, failures);
    await refuse(t, { method: 'GET', path: `/api/leads/${first.id}`, token: stranger.token }, failures);
    await refuse(t, { method: 'GET', path: '/api/leads/abc', token }, failures);
    await refuse(t, { method: 'GET', path: `/api/leads/${first.id}` }, failures);

    for (const method of ['PUT', 'PATCH'] as const) {
      const path = `/api/leads/${first.id}`;
      await succeed(t, { method, path, token, body: method === 'PUT' ? body(1) : { message: `Patched by ${method}.` } }, failures);
      await refuse(t, { method, path, token, body: { ...body(1), email: `lead-2@example.com` } }, failures);
      await refuse(t, { method, path, token, body: { name: '' } }, failures);
      await refuse(t, { method, path, token: stranger.token, body: body(1) }, failures);
      await refuse(t, { method, path: '/api/leads/999999999', token, body: body(1) }, failures);
      await refuse(t, { method, path, body: body(1) }, failures);
      await refuseBodies(t, { method, path, token }, failures);
    }

    await refuse(t, { method: 'DELETE', path: `/api/leads/${second.id}`, token: stranger.token }, failures);
    await refuse(t, { method: 'DELETE', path: `/api/leads/${second.id}` }, failures);
    await succeed(t, { method: 'DELETE', path: `/api/leads/${second.id}`, token }, failures);
    await refuse(t, { method: 'DELETE', path: `/api/leads/${second.id}`, token }, failures);
    expect(failures).toEqual([]);
  });

  it('answers health, request-level refusals and requests that match no operation as documented', async () => {
    const failures: string[] = [];
    await succeed(t, { method: 'GET', path: '/health' }, failures);
    await succeed(t, { method: 'GET', path: '/health/ready' }, failures);
    // Two Host headers: refused before routing, whatever the route (Node keeps them apart only in rawHeaders).
    const { token } = await succeed<{ token: string }>(t, { method: 'POST', path: '/api/auth/register', body: credentials(uniqueName()) }, failures);
    for (const accept of ['', `Accept: ${PROBLEM_JSON}\r\n`]) {
      const head = `GET /api/auth/user HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: elsewhere.example\r\nAuthorization: Token ${token}\r\n${accept}Connection: close\r\n\r\n`;
      const raw = await rawRequest(t.baseUrl, Buffer.from(head, 'latin1'));
      if (raw.status !== 400) failures.push(`two Host headers: ${raw.status}`);
      failures.push(...judge({ method: 'GET', path: '/api/auth/user', generic: true }, accept ? PROBLEM_JSON : undefined, { status: raw.status, headers: raw.headers, text: raw.body }));
    }
    // A documented path with a method it does not have, and a path the document does not have. (OPTIONS is left
    // out: without CORS_ORIGINS it is 404 although a 405's Allow lists it; the document has no OPTIONS either way.)
    for (const template of Object.keys(validator.document.paths)) {
      const path = template.replace(/\{[^}]+\}/g, '1');
      const missing = (['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const).find((method) => !validator.methodsOf(template).includes(method));
      if (missing) await refuse(t, { method: missing, path, token }, failures);
    }
    await refuse(t, { method: 'GET', path: '/api/nothing-here', token }, failures);
    expect(failures).toEqual([]);
  });

  // passport keeps strategies process-wide: the last app built authenticates for all, so the apps
  // with other settings run one at a time, after the main app's last request.
  it('answers throttles and the token limit as documented', async () => {
    const failures: string[] = [];
    // Tight limits: each throttle and the token limit are reached in a few requests.
    const tight = await createTestApp({
      THROTTLE_LOGIN_PER_IP: '6',
      THROTTLE_LOGIN_PER_USERNAME: '1000',
      THROTTLE_REGISTER_PER_IP: '3',
      THROTTLE_PASSWORD_CHANGE_PER_USER: '2',
      THROTTLE_WINDOW: '60s',
      AUTH_TOKEN_LIMIT_PER_USER: '2',
    });
    try {
      const carol = credentials(uniqueName('carol'));
      const registered = await succeed<{ token: string }>(tight, { method: 'POST', path: '/api/auth/register', body: carol }, failures);
      // The register token and one login reach AUTH_TOKEN_LIMIT_PER_USER=2: the next login is 403.
      await succeed(tight, { method: 'POST', path: '/api/auth/login', body: { username: carol.username, password: carol.password } }, failures);
      await refuse(tight, { method: 'POST', path: '/api/auth/login', body: { username: carol.username, password: carol.password } }, failures);
      /** Sends `call` until it is throttled (at most ten times); true when it was. */
      const untilThrottled = async (call: Call): Promise<boolean> => {
        for (let attempt = 0; attempt < 10; attempt += 1) if ((await either(tight, call, failures)) === 429) return true;
        return false;
      };
      const throttled = {
        login: await untilThrottled({ method: 'POST', path: '/api/auth/login', body: { username: carol.username, password: 'wrong-password-1' } }),
        register: await untilThrottled({ method: 'POST', path: '/api/auth/register', body: credentials(uniqueName()) }),
        password: await untilThrottled({
          method: 'POST',
          path: '/api/auth/password/change',
          token: registered.token,
          body: { old_password: 'wrong-password-1', new_password1: 'another-Harbor-43-lantern', new_password2: 'another-Harbor-43-lantern' },
        }),
      };
      expect(throttled).toEqual({ login: true, register: true, password: true });
    } finally {
      await tight.close();
    }
    expect(failures).toEqual([]);
  });

  it('answers with the database gone as documented', async () => {
    const failures: string[] = [];
    const database = await createDatabaseFromTemplate();
    const target = new URL(database.url);
    const relay = await startCuttableRelay(target);
    const relayed = new URL(database.url);
    relayed.hostname = '127.0.0.1';
    relayed.port = String(relay.port);
    const dataDir = mkdtempSync(join(tmpdir(), 'leads-api-test-data-'));
    const config = loadConfig({ LOG_LEVEL: 'silent', DATABASE_URL: relayed.toString(), DATA_DIR: dataDir, DATABASE_CONNECT_TIMEOUT: '2s', ...GENEROUS_THROTTLES });
    const app = await createApp(config, relayed.toString(), new AppLogger(config.logLevel));
    try {
      await app.listen(0, '127.0.0.1');
      const address = app.getHttpServer().address();
      const baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
      const down: Target = { baseUrl };
      const dave = credentials(uniqueName('dave'));
      const { token } = await succeed<{ token: string }>(down, { method: 'POST', path: '/api/auth/register', body: dave }, failures);
      const lead = await succeed<{ id: number }>(down, { method: 'POST', path: '/api/leads', token, body: { name: 'L', email: 'l@example.com', message: 'M' } }, failures);
      relay.cut();
      const calls: Call[] = [
        { method: 'GET', path: '/health/ready' },
        { method: 'POST', path: '/api/auth/register', body: credentials(uniqueName()) },
        { method: 'POST', path: '/api/auth/login', body: { username: dave.username, password: dave.password } },
        { method: 'GET', path: '/api/auth/user', token },
        { method: 'GET', path: '/api/auth/tokens', token },
        { method: 'DELETE', path: '/api/auth/tokens/1', token },
        { method: 'POST', path: '/api/auth/password/change', token, body: { old_password: dave.password, new_password1: 'another-Harbor-43-lantern', new_password2: 'another-Harbor-43-lantern' } },
        { method: 'POST', path: '/api/auth/logout', token },
        { method: 'POST', path: '/api/auth/logoutall', token },
        { method: 'GET', path: '/api/leads', token },
        { method: 'POST', path: '/api/leads', token, body: { name: 'L', email: 'l2@example.com', message: 'M' } },
        { method: 'GET', path: `/api/leads/${lead.id}`, token },
        { method: 'PUT', path: `/api/leads/${lead.id}`, token, body: { name: 'L', email: 'l@example.com', message: 'M' } },
        { method: 'PATCH', path: `/api/leads/${lead.id}`, token, body: { name: 'L' } },
        { method: 'DELETE', path: `/api/leads/${lead.id}`, token },
      ];
      for (const call of calls) {
        const statuses = await refuse(down, call, failures);
        if (statuses.some((status) => status !== 503)) failures.push(`${call.method} ${call.path} with the database gone: ${statuses.join(', ')}`);
      }
      await succeed(down, { method: 'GET', path: '/health' }, failures);
    } finally {
      await app.close();
      await relay.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
    expect(failures).toEqual([]);
  });

  it('leaves no answer\'s shape open in the document (an undocumented key fails the checks above)', () => {
    expect(validator.openResponseSchemas()).toEqual([]);
  });

  describe('coverage of the document', () => {
    const seenStatuses = (operation: string): Set<string> => new Set(records.filter((record) => record.operation === operation).map((record) => String(record.status)));

    it('exercised every documented operation', () => {
      const unexercised = validator.operations().filter((operation) => seenStatuses(operation).size === 0);
      expect(unexercised).toEqual([]);
    });

    it('saw every documented success status', () => {
      const unseen = validator.operations().flatMap((operation) => {
        const [method, template] = operation.split(' ');
        return Object.keys(validator.document.paths[template][method.toLowerCase()].responses)
          .filter((status) => /^2\d\d$/.test(status) && !seenStatuses(operation).has(status))
          .map((status) => `${operation} ${status}`);
      });
      expect(unseen).toEqual([]);
    });

    it('saw every documented error status', () => {
      const unseen = validator.operations().flatMap((operation) => {
        const [method, template] = operation.split(' ');
        return Object.keys(validator.document.paths[template][method.toLowerCase()].responses)
          .filter((status) => /^[45]\d\d$/.test(status) && !seenStatuses(operation).has(status))
          .map((status) => `${operation} ${status}`);
      });
      expect(unseen).toEqual([]);
    });

    it('asked for every error both ways, and judged every answer by its own Content-Type', () => {
      const errors = records.filter((record) => record.status >= 400);
      expect(errors.filter((record) => record.accept === PROBLEM_JSON).length).toBeGreaterThan(0);
      expect(errors.filter((record) => record.accept === '').length).toBe(errors.filter((record) => record.accept === PROBLEM_JSON).length);
    });
  });
});
