import { registerUser } from './support/accounts';
import { createTestApp, TestApp } from './support/test-app';

describe('a wrong method on an existing path', () => {
  let t: TestApp;
  let token: string;
  beforeAll(async () => {
    t = await createTestApp();
    token = (await registerUser(t)).token;
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers 405 with the allowed methods, as DRF does', async () => {
    const response = await t.http().put('/api/leads').set('Authorization', `Token ${token}`).send({}).expect(405);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body).toEqual({ type: 'about:blank', title: 'Method Not Allowed', status: 405, detail: 'Method "PUT" not allowed.' });
    expect(response.headers.allow.split(', ').sort()).toEqual(['GET', 'HEAD', 'OPTIONS', 'POST']);
  });

  it('answers 405 on a trailing-slash path and on a path with an id', async () => {
    await t.http().delete('/api/auth/login/').expect(405);
    const response = await t.http().post('/api/leads/12').set('Authorization', `Token ${token}`).send({}).expect(405);
    expect(response.headers.allow.split(', ').sort()).toEqual(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'PUT']);
  });

  it('still answers 404 for a path no route has', async () => {
    const response = await t.http().put('/api/nothing-here').expect(404);
    expect(response.body.detail).toBe('Not found.');
  });
});
