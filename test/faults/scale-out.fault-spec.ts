import { randomBytes } from 'node:crypto';
import { freePort } from '../support/free-port';
import { call, ControlledPostgres, register, REDIS_URL, ServerProcess, startControlledPostgres, startServer, STRONG_PASSWORD, uniqueName } from './support/harness';

describe('two instances behind one PostgreSQL and one Redis', () => {
  let postgres: ControlledPostgres;
  let a: ServerProcess;
  let b: ServerProcess;

  beforeAll(async () => {
    postgres = await startControlledPostgres();
    const shared = {
      DATABASE_URL: postgres.url,
      REDIS_URL,
      // Each run counts in its own keys, whatever else uses this Redis.
      REDIS_KEY_PREFIX: `leads-faults-${randomBytes(6).toString('hex')}:`,
      THROTTLE_LOGIN_PER_USERNAME: '4',
      THROTTLE_LOGIN_PER_IP: '1000',
    };
    a = await startServer(shared);
    b = await startServer({ ...shared, DATABASE_MIGRATE: 'false' });
  });

  afterAll(async () => {
    for (const server of [a, b]) {
      server.signal('SIGTERM');
      expect(await server.exited).toBe(0);
    }
    await postgres.exit();
  });

  it('accepts on B a token issued by A', async () => {
    const user = await register(a.baseUrl);
    const me = await call(b.baseUrl, 'GET', '/api/auth/user', { token: user.token });
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ id: user.id, username: user.username, email: `${user.username}@example.com` });
  });

  it('refuses on B, at the very next request, a token logged out on A', async () => {
    const user = await register(a.baseUrl);
    expect((await call(b.baseUrl, 'GET', '/api/leads', { token: user.token })).status).toBe(200);
    expect((await call(a.baseUrl, 'POST', '/api/auth/logout', { token: user.token })).status).toBe(204);
    const after = await call(b.baseUrl, 'GET', '/api/leads', { token: user.token });
    expect(after.status).toBe(401);
    expect(after.body?.detail).toBe('Invalid token.');
  });

  it('adds up login attempts across both instances', async () => {
    const user = await register(a.baseUrl);
    const attempt = (server: ServerProcess) => call(server.baseUrl, 'POST', '/api/auth/login', { body: { username: user.username, password: 'wrong-password-1' } });
    expect((await attempt(a)).status).toBe(400);
    expect((await attempt(b)).status).toBe(400);
    expect((await attempt(a)).status).toBe(400);
    expect((await attempt(b)).status).toBe(400);
    for (const server of [a, b]) {
      const blocked = await call(server.baseUrl, 'POST', '/api/auth/login', { body: { username: user.username, password: STRONG_PASSWORD } });
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    }
  });

  it('with Redis unreachable, an instance still throttles in its own memory and answers no 5xx', async () => {
    const closedPort = await freePort();
    const lone = await startServer({
      DATABASE_URL: postgres.url,
      DATABASE_MIGRATE: 'false',
      REDIS_URL: `redis://127.0.0.1:${closedPort}`,
      THROTTLE_LOGIN_PER_USERNAME: '2',
    });
    try {
      const username = uniqueName();
      const attempts = [];
      for (let index = 0; index < 3; index += 1) {
        attempts.push((await call(lone.baseUrl, 'POST', '/api/auth/login', { body: { username, password: 'wrong-password-1' } })).status);
      }
      expect(attempts).toEqual([400, 400, 429]);
    } finally {
      lone.signal('SIGTERM');
      expect(await lone.exited).toBe(0);
    }
  });
});
