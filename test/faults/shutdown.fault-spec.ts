import { connect, Socket } from 'node:net';
import { call, ControlledPostgres, register, startControlledPostgres, startServer, STRONG_PASSWORD, waitFor } from './support/harness';
import { rawRequest, startWithNpm } from './support/npm-start';

/** A login whose body is sent in two halves, so the test decides when the request is in flight. */
function startSlowLogin(baseUrl: string, username: string): { socket: Socket; finish: () => void; response: Promise<string> } {
  const { port } = new URL(baseUrl);
  const body = JSON.stringify({ username, password: STRONG_PASSWORD });
  const socket = connect(Number(port), '127.0.0.1');
  socket.write(`POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`);
  socket.write(body.slice(0, 10));
  const response = new Promise<string>((done, fail) => {
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString()));
    socket.on('end', () => done(text));
    socket.on('close', () => done(text));
    socket.on('error', fail);
  });
  return { socket, finish: () => socket.write(body.slice(10)), response };
}

const refusesConnections = (baseUrl: string): Promise<boolean> =>
  new Promise((done) => {
    const socket = connect(Number(new URL(baseUrl).port), '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      done(false);
    });
    socket.once('error', () => done(true));
  });

describe('graceful shutdown', () => {
  let postgres: ControlledPostgres;

  beforeAll(async () => {
    postgres = await startControlledPostgres();
  });

  afterAll(async () => {
    await postgres.exit();
  });

  it('on SIGTERM stops accepting, finishes the request in flight, and exits 0', async () => {
    const server = await startServer({ DATABASE_URL: postgres.url, SHUTDOWN_TIMEOUT: '30s' });
    const user = await register(server.baseUrl);
    const slow = startSlowLogin(server.baseUrl, user.username);
    await waitFor('the server to hold the half-sent request', async () => ((await call(server.baseUrl, 'GET', '/health')).status === 200 ? true : undefined));

    server.signal('SIGTERM');
    await waitFor('the listener to close', async () => ((await refusesConnections(server.baseUrl)) ? true : undefined), 15_000);
    expect(server.child.exitCode).toBeNull();

    slow.finish();
    const raw = await slow.response;
    expect(raw).toMatch(/^HTTP\/1\.1 200 /);
    expect(raw).toMatch(/"token":"/);
    expect(await server.exited).toBe(0);
    expect(server.output()).not.toMatch(/"level":"error"/);
  });

  it('cuts off a request that outlives SHUTDOWN_TIMEOUT and still exits 0', async () => {
    const server = await startServer({ DATABASE_URL: postgres.url, SHUTDOWN_TIMEOUT: '1s', HTTP_REQUEST_TIMEOUT: '5m', HTTP_HEADERS_TIMEOUT: '1m' });
    const user = await register(server.baseUrl);
    const stuck = startSlowLogin(server.baseUrl, user.username);
    await waitFor('the server to hold the half-sent request', async () => ((await call(server.baseUrl, 'GET', '/health')).status === 200 ? true : undefined));

    server.signal('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(await stuck.response).toBe('');
    expect(server.output()).toMatch(/cut off/);
  });

  it('under npm start, a burst of 40 requests sent just before Ctrl-C to the process group is answered in full, then connections are refused', async () => {
    const app = await startWithNpm();
    try {
      const user = await register(app.baseUrl);
      // Each on a connection of its own, written out completely before the signal.
      const burst = Array.from({ length: 40 }, () => rawRequest(app.port, '/api/auth/user', { authorization: `Token ${user.token}` }));
      await Promise.all(burst.map((request) => request.sent));
      app.signalGroup('SIGINT');
      const answers = await Promise.all(burst.map((request) => request.answer));
      expect(answers.map((answer) => answer.status)).toEqual(Array(40).fill(200));
      expect(answers.every((answer) => answer.headers.connection === 'close')).toBe(true);
      // npm waits for the server (no shell in between to die first) and the server exits 0 when drained.
      expect(await app.exited).toEqual({ code: 0, signal: null });
      await waitFor('the whole group, PostgreSQL included, to be gone', async () => (app.groupAlive() ? undefined : true), 20_000);
      expect(await refusesConnections(app.baseUrl)).toBe(true);
      expect(app.output()).not.toMatch(/"level":"(error|warn)"/);
    } finally {
      await app.cleanUp();
    }
  });

  it('under npm start, SIGTERM to the process group drains too, and npm does not exit before the server', async () => {
    const app = await startWithNpm();
    try {
      const user = await register(app.baseUrl);
      const slow = startSlowLogin(app.baseUrl, user.username);
      await waitFor('the server to hold the half-sent request', async () => ((await call(app.baseUrl, 'GET', '/health')).status === 200 ? true : undefined));
      app.signalGroup('SIGTERM');
      await waitFor('the listener to close', async () => ((await refusesConnections(app.baseUrl)) ? true : undefined), 15_000);
      expect(app.child.exitCode).toBeNull();
      slow.finish();
      const raw = await slow.response;
      expect(raw).toMatch(/^HTTP\/1\.1 200 /);
      expect(raw).toMatch(/\r\nconnection: close\r\n/i);
      expect(await app.exited).toEqual({ code: 0, signal: null });
    } finally {
      await app.cleanUp();
    }
  });

  it('SHUTDOWN_LAME_DUCK: readiness fails at once, requests are still accepted and answered with Connection: close, then the listener closes', async () => {
    const server = await startServer({ DATABASE_URL: postgres.url, SHUTDOWN_LAME_DUCK: '3s', SHUTDOWN_TIMEOUT: '30s' });
    const user = await register(server.baseUrl);
    const port = Number(new URL(server.baseUrl).port);
    const slow = startSlowLogin(server.baseUrl, user.username);
    await waitFor('the server to hold the half-sent request', async () => ((await call(server.baseUrl, 'GET', '/health')).status === 200 ? true : undefined));
    const before = await rawRequest(port, '/health/ready').answer;
    expect(before.status).toBe(200);
    expect(before.headers.connection).toBe('keep-alive');

    const signalledAt = Date.now();
    server.signal('SIGTERM');
    await waitFor('readiness to fail', async () => ((await rawRequest(port, '/health/ready').answer).status === 503 ? true : undefined), 2_000);
    const ready = await rawRequest(port, '/health/ready').answer;
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body)).toMatchObject({ detail: 'The server is shutting down.' });
    // New connections are still taken during the window, and served.
    const during = await Promise.all(Array.from({ length: 5 }, () => rawRequest(port, '/api/auth/user', { authorization: `Token ${user.token}` }).answer));
    expect(Date.now() - signalledAt).toBeLessThan(3_000);
    expect(during.map((answer) => [answer.status, answer.headers.connection])).toEqual(Array(5).fill([200, 'close']));

    await waitFor('the listener to close', async () => ((await refusesConnections(server.baseUrl)) ? true : undefined), 15_000);
    expect(Date.now() - signalledAt).toBeGreaterThanOrEqual(3_000);
    expect(server.child.exitCode).toBeNull();
    slow.finish();
    const raw = await slow.response;
    expect(raw).toMatch(/^HTTP\/1\.1 200 /);
    expect(raw).toMatch(/\r\nconnection: close\r\n/i);
    expect(await server.exited).toBe(0);
  });

  it('two signals at once (npm passing its copy on) are one stop; a second one later forces the stop and exits 1', async () => {
    const once = await startServer({ DATABASE_URL: postgres.url, SHUTDOWN_TIMEOUT: '30s' });
    const first = await register(once.baseUrl);
    const held = startSlowLogin(once.baseUrl, first.username);
    await waitFor('the server to hold the half-sent request', async () => ((await call(once.baseUrl, 'GET', '/health')).status === 200 ? true : undefined));
    once.signal('SIGINT');
    once.signal('SIGINT');
    await waitFor('the listener to close', async () => ((await refusesConnections(once.baseUrl)) ? true : undefined), 15_000);
    await new Promise((done) => setTimeout(done, 300));
    expect(once.child.exitCode).toBeNull();
    held.finish();
    expect(await held.response).toMatch(/^HTTP\/1\.1 200 /);
    expect(await once.exited).toBe(0);

    const twice = await startServer({ DATABASE_URL: postgres.url, SHUTDOWN_TIMEOUT: '30s' });
    const second = await register(twice.baseUrl);
    const stuck = startSlowLogin(twice.baseUrl, second.username);
    await waitFor('the server to hold the half-sent request', async () => ((await call(twice.baseUrl, 'GET', '/health')).status === 200 ? true : undefined));
    twice.signal('SIGINT');
    await waitFor('the listener to close', async () => ((await refusesConnections(twice.baseUrl)) ? true : undefined), 15_000);
    await new Promise((done) => setTimeout(done, 1_200));
    const forcedAt = Date.now();
    twice.signal('SIGINT');
    expect(await twice.exited).toBe(1);
    expect(Date.now() - forcedAt).toBeLessThan(5_000);
    expect(await stuck.response).toBe('');
    expect(twice.output()).toMatch(/received SIGINT again: stopping now/);
  });

  it('in cluster mode the primary migrates once, serves on one port, forwards SIGTERM and exits 0', async () => {
    const server = await startServer({ DATABASE_URL: postgres.url, NODE_CLUSTER_WORKERS: '2' });
    const user = await register(server.baseUrl);
    const answers = await Promise.all(Array.from({ length: 10 }, () => call(server.baseUrl, 'GET', '/api/auth/user', { token: user.token })));
    expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(200));
    server.signal('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(await refusesConnections(server.baseUrl)).toBe(true);
  });
});
