import { registerUser } from './support/accounts';
import { createTestApp, TestApp } from './support/test-app';

describe('routing: wrong methods, case and undecodable paths', () => {
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
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.body).toEqual({ detail: 'Method "PUT" not allowed.' });
    expect(response.headers.allow.split(', ').sort()).toEqual(['GET', 'HEAD', 'OPTIONS', 'POST']);
  });

  it('answers 405 on a trailing-slash path and on a path with an id', async () => {
    await t.http().delete('/api/auth/login/').expect(405);
    const response = await t.http().post('/api/leads/12').set('Authorization', `Token ${token}`).send({}).expect(405);
    expect(response.headers.allow.split(', ').sort()).toEqual(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'PUT']);
  });

  it('still answers 404 for a path no route has', async () => {
    const response = await t.http().put('/api/nothing-here').expect(404);
    expect(response.body).toEqual({ detail: 'Not found.' });
    expect(response.headers.allow).toBeUndefined();
  });

  it('matches paths case-sensitively, as Django does', async () => {
    const response = await t.http().get('/API/Leads').set('Authorization', `Token ${token}`).expect(404);
    expect(response.body).toEqual({ detail: 'Not found.' });
  });

  it('answers DRF\'s 400 for a URL whose percent-encoding does not decode', async () => {
    const response = await t.http().get('/api/leads/%zz').set('Authorization', `Token ${token}`).expect(400);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.body).toEqual({ detail: 'Malformed request.' });
  });

  it('does not read the body of a GET', async () => {
    const response = await t.http().get('/api/auth/user').set('Authorization', `Token ${token}`).set('Content-Type', 'text/plain').send('ignored');
    expect(response.status).toBe(200);
  });
});
