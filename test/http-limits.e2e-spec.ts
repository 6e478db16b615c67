import { registerUser, uniqueName } from './support/accounts';
import { expectProblem } from './support/problems';
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

  it('answers 414 problem details for a URL over HTTP_MAX_URL_LENGTH', async () => {
    const response = await t.http().get(`/api/leads?search=${'a'.repeat(1100)}`);
    expectProblem(response, 414, 'Request URI is too long.');
  });

  it('still serves a URL just under the limit', async () => {
    const response = await t.http().get(`/health?pad=${'a'.repeat(900)}`);
    expect(response.status).toBe(200);
  });

  it('answers 431 problem details for headers over HTTP_MAX_HEADER_SIZE, and keeps serving', async () => {
    const response = await rawGet(t, '/health', `X-Padding: ${'x'.repeat(6000)}\r\n`);
    expect(response.status).toBe(431);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(response.body)).toEqual({ type: 'about:blank', title: 'Request Header Fields Too Large', status: 431, detail: 'Request header fields are too large.' });
    await t.http().get('/health').expect(200);
  });

  it('answers 400 problem details for bytes that are not HTTP', async () => {
    const response = await rawRequest(t.baseUrl, Buffer.from('HELLO THERE\r\n\r\n', 'latin1'));
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body)).toMatchObject({ status: 400, detail: 'Malformed request.' });
  });

  it('answers 413 for a body over the limit and 415 for another body type', async () => {
    const user = await registerUser(t);
    const big = await t.http().post('/api/auth/login').send({ username: user.username, password: 'p'.repeat(120 * 1024) });
    expectProblem(big, 413, 'Request body is too large.');
    const xml = await t.http().post('/api/auth/login').set('Content-Type', 'application/xml').send('<a/>');
    expect(xml.status).toBe(415);
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

  it('answers 503 problem details with Retry-After when a handler outlives HTTP_HANDLER_TIMEOUT, and the server keeps serving', async () => {
    const username = uniqueName();
    const response = await t.http().post('/api/auth/register').send({ username, email: `${username}@example.com`, password: 'violet-Harbor-42-lantern' });
    expectProblem(response, 503, 'The request took too long to process. Please retry shortly.');
    expect(response.headers['retry-after']).toBe('5');
    const again = await t.http().get('/api/auth/user');
    expect([401, 503]).toContain(again.status);
    expect(again.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});
