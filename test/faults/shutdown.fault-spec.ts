import { connect, Socket } from 'node:net';
import { call, ControlledPostgres, register, startControlledPostgres, startServer, STRONG_PASSWORD, waitFor } from './support/harness';

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
