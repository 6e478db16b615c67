import { Client } from 'pg';
import { call, ControlledPostgres, register, ServerProcess, startControlledPostgres, startServer, STRONG_PASSWORD, uniqueName, waitFor } from './support/harness';

function expectUnavailable(answer: { status: number; headers: Headers; body: Record<string, unknown> | undefined }): void {
  expect(answer.status).toBe(503);
  expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
  expect(answer.body).toEqual({ detail: expect.any(String) });
  expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
}

describe('PostgreSQL goes away and comes back', () => {
  let postgres: ControlledPostgres;
  let server: ServerProcess;

  beforeAll(async () => {
    postgres = await startControlledPostgres();
    server = await startServer({ DATABASE_URL: postgres.url, DATABASE_POOL_SIZE: '5', DATABASE_CONNECT_TIMEOUT: '2s', THROTTLE_REGISTER_PER_IP: '1000' });
  });

  afterAll(async () => {
    if (server.child.exitCode === null) {
      server.signal('SIGTERM');
      await server.exited;
    }
    await postgres.exit();
  });

  it('answers 503 with Retry-After while the database is down, stays alive, and recovers by itself', async () => {
    const user = await register(server.baseUrl);
    const lead = await call(server.baseUrl, 'POST', '/api/leads', { token: user.token, body: { name: 'Before', email: 'before@example.com', message: 'Hi.' } });
    expect(lead.status).toBe(201);

    // The pool holds idle connections now; stopping the server turns each into an 'error' event.
    await postgres.stop();

    expectUnavailable(await call(server.baseUrl, 'GET', '/health/ready'));
    expectUnavailable(await call(server.baseUrl, 'GET', '/api/leads', { token: user.token }));
    expectUnavailable(await call(server.baseUrl, 'GET', '/api/auth/user', { token: user.token }));
    expectUnavailable(await call(server.baseUrl, 'POST', '/api/leads', { token: user.token, body: { name: 'During', email: 'during@example.com', message: 'Hi.' } }));
    expectUnavailable(await call(server.baseUrl, 'POST', '/api/auth/login', { body: { username: user.username, password: STRONG_PASSWORD } }));
    expectUnavailable(await call(server.baseUrl, 'POST', '/api/auth/register', { body: { username: uniqueName(), email: 'x@example.com', password: STRONG_PASSWORD } }));
    expectUnavailable(await call(server.baseUrl, 'POST', '/api/auth/logout', { token: user.token }));
    // Liveness is about the process, which is fine.
    expect((await call(server.baseUrl, 'GET', '/health')).status).toBe(200);
    expect(server.child.exitCode).toBeNull();

    await postgres.start();
    await waitFor('readiness after the restart', async () => ((await call(server.baseUrl, 'GET', '/health/ready')).status === 200 ? true : undefined));

    const me = await call(server.baseUrl, 'GET', '/api/auth/user', { token: user.token });
    expect(me.status).toBe(200);
    const list = await call(server.baseUrl, 'GET', '/api/leads', { token: user.token });
    expect(list.status).toBe(200);
    // What was refused during the outage was not written; what came before is intact.
    expect((list.body as unknown as Array<{ email: string }>).map((item) => item.email)).toEqual(['before@example.com']);
    const login = await call(server.baseUrl, 'POST', '/api/auth/login', { body: { username: user.username, password: STRONG_PASSWORD } });
    expect(login.status).toBe(200);
    expect(server.output()).not.toMatch(/"status":500/);
  });

  it('never leaves a registration half applied when the database dies mid-burst', async () => {
    const names = Array.from({ length: 30 }, () => uniqueName('burst'));
    let firstCreated: () => void = () => undefined;
    const oneCreated = new Promise<void>((done) => (firstCreated = done));
    const answers = Promise.all(
      names.map((username) =>
        call(server.baseUrl, 'POST', '/api/auth/register', { body: { username, email: `${username}@example.com`, password: STRONG_PASSWORD } }).then(
          (answer) => {
            if (answer.status === 200) firstCreated();
            return answer;
          },
          (error: unknown) => ({ status: -1, error }),
        ),
      ),
    );
    // Pull the plug as soon as one registration has landed, with the rest in flight.
    await oneCreated;
    await postgres.stop();
    const results = await answers;
    await postgres.start();
    await waitFor('readiness after the restart', async () => ((await call(server.baseUrl, 'GET', '/health/ready')).status === 200 ? true : undefined));

    const statuses = results.map((result) => result.status);
    expect(statuses.filter((status) => status !== 200 && status !== 503)).toEqual([]);
    expect(statuses).toContain(200);
    expect(statuses).toContain(503);

    const client = new Client({ connectionString: postgres.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ username: string; tokens: number }>(
        `SELECT u.username, count(t.id)::int AS tokens FROM users u LEFT JOIN auth_tokens t ON t.user_id = u.id
          WHERE u.username = ANY($1) GROUP BY u.username`,
        [names],
      );
      // A user exists with exactly its one token, or not at all: never one without the other.
      expect(rows.every((row) => row.tokens === 1)).toBe(true);
      const stored = new Set(rows.map((row) => row.username));
      names.forEach((username, index) => {
        if (statuses[index] === 200) expect(stored.has(username)).toBe(true);
      });
    } finally {
      await client.end();
    }
    expect(server.child.exitCode).toBeNull();
  });
});
