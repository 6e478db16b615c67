import { createTestApp, TestApp } from './support/test-app';

/**
 * A black box written from ../shared/api-contract.md ("Accounts"), over plain
 * HTTP: the password change as dj-rest-auth answers it, what it does to the
 * user's other tokens, and the two login failures (body and HTTP Basic).
 */
describe('contract v2: password change and the logins around it', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const call = async (method: string, path: string, init: { token?: string; json?: unknown; basic?: string } = {}) => {
    const headers: Record<string, string> = {};
    if (init.token) headers.authorization = `Token ${init.token}`;
    if (init.basic) headers.authorization = `Basic ${Buffer.from(init.basic).toString('base64')}`;
    if (init.json !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${t.baseUrl}${path}`, { method, headers, body: init.json === undefined ? undefined : JSON.stringify(init.json) });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null };
  };

  it('changes the password, keeps only the token used, and the old password no longer logs in', async () => {
    const password = 'violet-harbour-1871';
    const registered = await call('POST', '/api/auth/register', { json: { username: 'contract_carol', password } });
    expect(registered.status).toBe(200);
    expect(registered.body.user).toEqual({ id: expect.any(Number), username: 'contract_carol', email: '' });

    const first = await call('POST', '/api/auth/login', { json: { username: 'contract_carol', password } });
    const second = await call('POST', '/api/auth/login', { json: { username: 'contract_carol', password } });
    expect(first.status).toBe(200);
    expect(Object.keys(first.body)).toEqual(['expiry', 'token', 'user']);

    const listed = await call('GET', '/api/auth/tokens', { token: first.body.token });
    expect(listed.status).toBe(200);
    expect(listed.body).toHaveLength(3);
    for (const token of listed.body) expect(Object.keys(token).sort()).toEqual(['created', 'current', 'expiry', 'id', 'last_used_at', 'name', 'token_key']);
    expect(listed.body.filter((token: { current: boolean }) => token.current)).toHaveLength(1);

    const numeric = await call('POST', '/api/auth/password/change', {
      token: first.body.token,
      json: { old_password: password, new_password1: '4815162342108', new_password2: '4815162342108' },
    });
    expect(numeric.status).toBe(400);
    expect(Object.keys(numeric.body)).toEqual(['new_password2']);
    expect(numeric.body.new_password2).toContain('This password is entirely numeric.');

    const wrongOld = await call('POST', '/api/auth/password/change', {
      token: first.body.token,
      json: { old_password: 'not-the-password', new_password1: 'amber-lantern-5520', new_password2: 'amber-lantern-5520' },
    });
    expect(wrongOld.status).toBe(400);
    expect(wrongOld.body).toEqual({ old_password: ['Your old password was entered incorrectly. Please enter it again.'] });

    const changed = await call('POST', '/api/auth/password/change', {
      token: first.body.token,
      json: { old_password: password, new_password1: 'amber-lantern-5520', new_password2: 'amber-lantern-5520' },
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toEqual({ detail: 'New password has been saved.' });

    expect((await call('GET', '/api/auth/user', { token: first.body.token })).status).toBe(200);
    for (const revoked of [second.body.token, registered.body.token]) {
      const answer = await call('GET', '/api/auth/user', { token: revoked });
      expect(answer.status).toBe(401);
      expect(answer.body).toEqual({ detail: 'Invalid token.' });
    }

    const oldPassword = await call('POST', '/api/auth/login', { json: { username: 'contract_carol', password } });
    expect(oldPassword.status).toBe(400);
    expect(oldPassword.body).toEqual({ non_field_errors: ['Incorrect Credentials Passed.'] });

    const basicWrong = await call('POST', '/api/auth/login', { basic: `contract_carol:${password}` });
    expect(basicWrong.status).toBe(401);
    expect(basicWrong.body).toEqual({ detail: 'Invalid username/password.' });
    expect(basicWrong.headers.get('www-authenticate')).toBe('Basic realm="api"');

    const basicRight = await call('POST', '/api/auth/login', { basic: 'contract_carol:amber-lantern-5520' });
    expect(basicRight.status).toBe(200);
    expect(basicRight.body.user.username).toBe('contract_carol');
  });
});
