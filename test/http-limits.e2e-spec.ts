import { FORM_NOT_UTF8, JSON_NOT_UTF8 } from '../src/http/body-parsers';
import { MAX_UNKNOWN_FIELDS_LISTED, UNKNOWN_FIELD_MESSAGE } from '../src/common/http/validation.pipe';
import { registerUser, RegisteredUser, STRONG_PASSWORD, tokenHeader, uniqueName } from './support/accounts';
import { closeFuzzAgent, send } from './support/fuzz-http';
import { createLead, leadRow } from './support/leads';
import { expectFieldErrors, expectProblem, expectProblemDetails, PROBLEM_ACCEPT } from './support/problems';
import { rawRequest } from './support/raw-http';
import { createTestApp, TestApp } from './support/test-app';

const rawGet = (t: TestApp, path: string, extraHeaders = ''): ReturnType<typeof rawRequest> =>
  rawRequest(t.baseUrl, Buffer.from(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${extraHeaders}\r\n`, 'latin1'));

describe('request size limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ HTTP_MAX_HEADER_SIZE: '4096', HTTP_MAX_URL_LENGTH: '1024' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers DRF\'s 414 for a URL over HTTP_MAX_URL_LENGTH', async () => {
    const response = await t.http().get(`/api/leads?search=${'a'.repeat(1100)}`);
    expectProblem(response, 414, 'Request URI is too long.');
  });

  it('still serves a URL just under the limit', async () => {
    const response = await t.http().get(`/health?pad=${'a'.repeat(900)}`);
    expect(response.status).toBe(200);
  });

  it('answers DRF\'s 431 for headers over HTTP_MAX_HEADER_SIZE, and keeps serving', async () => {
    const response = await rawGet(t, '/health', `X-Padding: ${'x'.repeat(6000)}\r\n`);
    expect(response.status).toBe(431);
    // Node refuses the request before it is parsed: there is no Accept to negotiate with, so the default form.
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(response.body)).toEqual({ detail: 'Request header fields are too large.' });
    await t.http().get('/health').expect(200);
  });

  it('answers DRF\'s 400 for bytes that are not HTTP', async () => {
    const response = await rawRequest(t.baseUrl, Buffer.from('HELLO THERE\r\n\r\n', 'latin1'));
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body)).toEqual({ detail: 'Malformed request.' });
  });

  it('answers 413 for a body over the limit and 415 for another body type', async () => {
    const user = await registerUser(t);
    const big = await t.http().post('/api/auth/login').send({ username: user.username, password: 'p'.repeat(120 * 1024) });
    expectProblem(big, 413, 'Request body is too large.');
    const xml = await t.http().post('/api/auth/login').set('Content-Type', 'application/xml').send('<a/>');
    expectProblem(xml, 415, 'Unsupported media type "application/xml" in request.');
  });
});

describe('bodies that parse but would break what reads them', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers 400 for JSON nested deeper than 32 levels', async () => {
    const deep = `{"username":"x","password":${'['.repeat(3000)}${']'.repeat(3000)}}`;
    const response = await t.http().post('/api/auth/register').set('Content-Type', 'application/json').send(deep);
    expectProblem(response, 400, 'JSON parse error - nesting deeper than 32 levels.');
  });

  it('answers 400 for an unpaired surrogate escape in a JSON string', async () => {
    const response = await t.http().post('/api/auth/register').set('Content-Type', 'application/json').send('{"username":"x","email":"\\ud800@example.com","password":"p"}');
    expectProblem(response, 400, 'JSON parse error - the body contains an unpaired surrogate.');
  });

  it('answers 400 for a multipart part without a field name', async () => {
    const body = '--b\r\nContent-Disposition: form-data; name=""\r\n\r\nvalue\r\n--b--\r\n';
    const response = await t.http().post('/api/auth/login').set('Content-Type', 'multipart/form-data; boundary=b').send(body);
    expectProblem(response, 400, 'Multipart form parse error.');
  });

  describe('bytes that are not UTF-8', () => {
    let owner: RegisteredUser;
    beforeAll(async () => {
      owner = await registerUser(t);
    });
    afterAll(() => {
      closeFuzzAgent();
    });

    const INVALID = Buffer.from([0xc3, 0x28]);
    const leadCount = async (): Promise<number> =>
      Number((await t.db.query<{ n: string }>('SELECT count(*) AS n FROM leads WHERE owner_id = $1', [owner.id])).rows[0].n);
    const userCount = async (username: string): Promise<number> =>
      Number((await t.db.query<{ n: string }>('SELECT count(*) AS n FROM users WHERE username = $1', [username])).rows[0].n);
    /** Raw bytes: supertest would serialize a Buffer sent as JSON. */
    const post = (path: string, type: string, body: Buffer, authorization?: string) =>
      send(t.baseUrl, { method: 'POST', path, headers: { 'content-type': type, ...(authorization ? { authorization } : {}) }, body });
    const multipart = (fields: Array<[string, Buffer]>): { type: string; body: Buffer } => ({
      type: 'multipart/form-data; boundary=utf8test',
      body: Buffer.concat([
        ...fields.flatMap(([name, value]) => [Buffer.from(`--utf8test\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n`), value, Buffer.from('\r\n')]),
        Buffer.from('--utf8test--\r\n'),
      ]),
    });

    it('answers 400 for 0xC3 0x28 inside a JSON string, to lead creation and register, and stores nothing', async () => {
      const before = await leadCount();
      const lead = Buffer.concat([Buffer.from('{"name":"Lead '), INVALID, Buffer.from('","email":"bad-utf8@example.com","message":"Hello."}')]);
      for (const type of ['application/json', 'application/json; charset=utf-8', 'application/vnd.api+json']) {
        const response = await post('/api/leads', type, lead, `Token ${owner.token}`);
        expect({ type, status: response.status, body: response.json }).toEqual({ type, status: 400, body: { detail: JSON_NOT_UTF8 } });
      }
      expect(await leadCount()).toBe(before);

      const username = uniqueName();
      const register = Buffer.concat([Buffer.from(`{"username":"${username}","email":"${username}@example.com","password":"${STRONG_PASSWORD}","x":"`), INVALID, Buffer.from('"}')]);
      const response = await post('/api/auth/register', 'application/json', register);
      expect({ status: response.status, body: response.json }).toEqual({ status: 400, body: { detail: JSON_NOT_UTF8 } });
      expect(await userCount(username)).toBe(0);
    });

    it('answers 400 for them in a urlencoded or multipart field, percent-encoded or raw, and stores nothing', async () => {
      const before = await leadCount();
      const fields = (name: Buffer): Array<[string, Buffer]> => [['name', name], ['email', Buffer.from(`bad-${uniqueName()}@example.com`)], ['message', Buffer.from('Hello.')]];
      const urlencoded = (pairs: Array<[string, Buffer]>) => Buffer.concat(pairs.flatMap(([key, value], index) => [Buffer.from(`${index ? '&' : ''}${key}=`), value]));
      const bodies = [
        { type: 'application/x-www-form-urlencoded', body: urlencoded(fields(Buffer.from('Lead%C3%28'))) },
        { type: 'application/x-www-form-urlencoded', body: urlencoded(fields(Buffer.concat([Buffer.from('Lead'), INVALID]))) },
        multipart(fields(Buffer.concat([Buffer.from('Lead'), INVALID]))),
      ];
      for (const { type, body } of bodies) {
        const response = await post('/api/leads', type, body, `Token ${owner.token}`);
        expect({ type, status: response.status, body: response.json }).toEqual({ type, status: 400, body: { detail: FORM_NOT_UTF8 } });
      }
      expect(await leadCount()).toBe(before);
    });

    it('stores UTF-8 text exactly as sent, in every body type', async () => {
      const name = 'Léa 😀 Ünïcödé';
      const email = () => `utf8-${uniqueName()}@example.com`;
      const sent = [
        { type: 'application/json', body: Buffer.from(JSON.stringify({ name, email: email(), message: name })) },
        { type: 'application/x-www-form-urlencoded', body: Buffer.from(`name=${encodeURIComponent(name)}&email=${email()}&message=${name}`) },
        multipart([['name', Buffer.from(name)], ['email', Buffer.from(email())], ['message', Buffer.from(name)]]),
      ];
      for (const { type, body } of sent) {
        const response = await post('/api/leads', type, body, `Token ${owner.token}`);
        expect({ type, status: response.status }).toEqual({ type, status: 201 });
        expect(await leadRow(t, (response.json as { id: number }).id)).toMatchObject({ name, message: name });
      }
    });
  });

  describe('thousands of unknown fields', () => {
    const COUNT = 9000;
    /** 9,000 unknown keys (about 80 kB), then the known fields given. */
    const unknownBody = (known: Record<string, string> = {}): string => {
      const unknown = Array.from({ length: COUNT }, (_, index) => `"u${index}":1`);
      return `{${[...unknown, ...Object.entries(known).map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)}`)].join(',')}}`;
    };
    const listed = Object.fromEntries(Array.from({ length: MAX_UNKNOWN_FIELDS_LISTED }, (_, index) => [`u${index}`, [UNKNOWN_FIELD_MESSAGE]]));

    it(`answers a small 400 naming the first ${MAX_UNKNOWN_FIELDS_LISTED} and counting the rest, on every validated route`, async () => {
      const user = await registerUser(t);
      const lead = await createLead(t, user);
      const body = unknownBody();
      expect(body.length).toBeGreaterThan(70_000);
      const requests = [
        t.http().post('/api/auth/register'),
        t.http().post('/api/auth/login'),
        t.http().post('/api/leads').set(...tokenHeader(user.token)),
        t.http().put(`/api/leads/${lead.id}`).set(...tokenHeader(user.token)),
        t.http().patch(`/api/leads/${lead.id}`).set(...tokenHeader(user.token)),
      ];
      for (const request of requests) {
        const response = await request.set('Content-Type', 'application/json').send(body);
        expect(response.status).toBe(400);
        expect(response.headers['content-type']).toMatch(/^application\/json/);
        expect(Buffer.byteLength(response.text)).toBeLessThan(2048);
        expect(response.body).toMatchObject({ ...listed, non_field_errors: [`${COUNT - MAX_UNKNOWN_FIELDS_LISTED} more unknown fields were not listed.`] });
        const unknownNamed = Object.keys(response.body as object).filter((key) => /^u\d+$/.test(key));
        expect(unknownNamed).toEqual(Object.keys(listed));
      }
      expect(await leadRow(t, lead.id)).toMatchObject({ name: lead.name, email: lead.email });
    });

    it('still reports the errors of the known fields beside them', async () => {
      const response = await t.http().post('/api/auth/register').set('Content-Type', 'application/json').send(unknownBody({ username: '', email: 'not-an-email' }));
      expectFieldErrors(response, {
        ...listed,
        username: ['This field may not be blank.'],
        email: ['Enter a valid email address.'],
        password: ['This field is required.'],
        non_field_errors: [`${COUNT - MAX_UNKNOWN_FIELDS_LISTED} more unknown fields were not listed.`],
      });
    });
  });
});

describe('configurable body limit', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ HTTP_BODY_LIMIT: '2048' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('applies HTTP_BODY_LIMIT to every body type', async () => {
    const json = await t.http().post('/api/auth/login').send({ username: uniqueName(), password: 'p'.repeat(3000) });
    expectProblem(json, 413, 'Request body is too large.');
    const form = await t.http().post('/api/auth/login').type('form').send({ username: uniqueName(), password: 'p'.repeat(3000) });
    expectProblem(form, 413, 'Request body is too large.');
  });
});

describe('handler timeout', () => {
  let t: TestApp;
  beforeAll(async () => {
    // Shorter than one argon2 hash: every registration outlives it.
    t = await createTestApp({ HTTP_HANDLER_TIMEOUT: '1ms' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers DRF\'s 503 with Retry-After when a handler outlives HTTP_HANDLER_TIMEOUT, and the server keeps serving', async () => {
    const username = uniqueName();
    const response = await t.http().post('/api/auth/register').send({ username, email: `${username}@example.com`, password: 'violet-Harbor-42-lantern' });
    expectProblem(response, 503, 'The request took too long to process. Please retry shortly.');
    expect(response.headers['retry-after']).toBe('5');
    const again = await t.http().get('/api/auth/user');
    expect([401, 503]).toContain(again.status);
    expect(again.headers['content-type']).toMatch(/^application\/json/);
    expect(Object.keys(again.body)).toEqual(['detail']);
    // Asked for problem details, the deadline answers in that form, Retry-After kept.
    const asked = await t.http().post('/api/auth/register').set('Accept', PROBLEM_ACCEPT).send({ username: uniqueName(), password: 'violet-Harbor-42-lantern' });
    expectProblemDetails(asked, 503, 'The request took too long to process. Please retry shortly.');
    expect(asked.headers['retry-after']).toBe('5');
  });
});
