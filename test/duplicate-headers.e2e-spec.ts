import { registerUser, RegisteredUser } from './support/accounts';
import { rawRequest, RawResponse } from './support/raw-http';
import { createTestApp, TestApp } from './support/test-app';
import { whoAmI } from './support/tokens';

/** Sends the request line and header lines exactly as given, over a socket of its own. */
function send(t: TestApp, requestLine: string, headerLines: string[]): Promise<RawResponse> {
  const head = `${requestLine}\r\n${[...headerLines, 'Connection: close'].join('\r\n')}\r\n\r\n`;
  return rawRequest(t.baseUrl, Buffer.from(head, 'latin1'));
}

function expectRefused(response: RawResponse, header: 'Host' | 'Authorization'): void {
  expect(response.status).toBe(400);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  expect(JSON.parse(response.body)).toEqual({ detail: `Multiple "${header}" headers are not allowed.` });
}

describe('a header that must come once, sent twice', () => {
  let t: TestApp;
  let user: RegisteredUser;
  let other: RegisteredUser;

  beforeAll(async () => {
    t = await createTestApp();
    [user, other] = [await registerUser(t), await registerUser(t)];
  });
  afterAll(async () => {
    await t.close();
  });

  it.each([
    ['Host: 127.0.0.1', 'Host: 127.0.0.1'],
    ['Host: 127.0.0.1', 'Host: evil.example'],
    ['Host: 127.0.0.1', 'host: evil.example'],
    ['HOST: evil.example', 'Host: 127.0.0.1'],
  ])('two Host headers (%s, %s) are 400, on any route', async (first, second) => {
    expectRefused(await send(t, 'GET /api/auth/user HTTP/1.1', [first, second, `Authorization: Token ${user.token}`]), 'Host');
    expectRefused(await send(t, 'GET /health HTTP/1.1', [first, second]), 'Host');
    expectRefused(await send(t, 'GET /no/such/route HTTP/1.1', [first, second]), 'Host');
  });

  it('two Authorization headers are 400: the same valid token twice, valid and invalid in either order, two users', async () => {
    const pairs = [
      [`Token ${user.token}`, `Token ${user.token}`],
      [`Token ${user.token}`, 'Token not-a-token'],
      ['Token not-a-token', `Token ${user.token}`],
      [`Token ${user.token}`, `Bearer ${other.token}`],
      [`Token ${user.token}`, ''],
    ];
    for (const [first, second] of pairs) {
      for (const secondName of ['Authorization', 'authorization', 'AUTHORIZATION']) {
        const response = await send(t, 'GET /api/auth/user HTTP/1.1', ['Host: 127.0.0.1', `Authorization: ${first}`, `${secondName}: ${second}`]);
        expectRefused(response, 'Authorization');
        expect(response.body).not.toContain(user.username);
      }
    }
  });

  it('refuses before authentication runs: a logout with its token twice revokes nothing', async () => {
    const header = `Authorization: Token ${user.token}`;
    expectRefused(await send(t, 'POST /api/auth/logout HTTP/1.1', ['Host: 127.0.0.1', header, header, 'Content-Length: 0']), 'Authorization');
    await whoAmI(t, user.token).expect(200);
  });

  it('one Host and one Authorization get the normal answer', async () => {
    const ok = await send(t, 'GET /api/auth/user HTTP/1.1', ['Host: 127.0.0.1', `Authorization: Token ${user.token}`]);
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ id: user.id, username: user.username });
    const anonymous = await send(t, 'GET /api/auth/user HTTP/1.1', ['Host: 127.0.0.1']);
    expect(anonymous.status).toBe(401);
    expect(JSON.parse(anonymous.body).detail).toBe('Authentication credentials were not provided.');
    const invalid = await send(t, 'GET /api/auth/user HTTP/1.1', ['Host: 127.0.0.1', 'Authorization: Token not-a-token']);
    expect(invalid.status).toBe(401);
    expect(JSON.parse(invalid.body).detail).toBe('Invalid token.');
  });

  it('other repeated headers are not refused', async () => {
    const response = await send(t, 'GET /api/auth/user HTTP/1.1', [
      'Host: 127.0.0.1',
      `Authorization: Token ${user.token}`,
      'Accept: application/json',
      'Accept: */*',
      'X-Custom: a',
      'X-Custom: b',
    ]);
    expect(response.status).toBe(200);
  });
});
