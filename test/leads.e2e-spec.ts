import { registerUser, RegisteredUser, tokenHeader } from './support/accounts';
import { createLead, LeadBody, leadRow } from './support/leads';
import { expectFieldErrors, expectProblem } from './support/problems';
import { createTestApp, TestApp } from './support/test-app';

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('leads: create, read, update, delete', () => {
  let t: TestApp;
  let alice: RegisteredUser;
  let bob: RegisteredUser;

  beforeAll(async () => {
    t = await createTestApp();
    alice = await registerUser(t);
    bob = await registerUser(t);
  });
  afterAll(async () => {
    await t.close();
  });

  const as = (user: RegisteredUser) => tokenHeader(user.token);

  describe('authentication', () => {
    it.each([
      ['GET', '/api/leads'],
      ['POST', '/api/leads'],
      ['GET', '/api/leads/1'],
      ['PUT', '/api/leads/1'],
      ['PATCH', '/api/leads/1'],
      ['DELETE', '/api/leads/1'],
    ])('refuses %s %s without a token', async (method, path) => {
      const response = await t.http()[method.toLowerCase() as 'get'](path);
      expectProblem(response, 401, 'Authentication credentials were not provided.');
    });

    it('accepts the Bearer scheme too', async () => {
      await t.http().get('/api/leads').set('Authorization', `Bearer ${alice.token}`).expect(200);
    });
  });

  describe('POST /api/leads', () => {
    it('creates a lead owned by the caller, trimmed, with UTC timestamps', async () => {
      const response = await t
        .http()
        .post('/api/leads')
        .set(...as(alice))
        .send({ name: '  Ada Lovelace ', email: ' ada@example.com ', message: '\tInterested in the engine.\n' })
        .expect(201);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(response.headers['cache-control']).toBe('no-store');
      const lead = response.body as LeadBody;
      expect(Object.keys(lead).sort()).toEqual(['created_at', 'email', 'id', 'message', 'name', 'owner', 'updated_at']);
      expect(lead).toMatchObject({ name: 'Ada Lovelace', email: 'ada@example.com', message: 'Interested in the engine.', owner: alice.id });
      expect(Number.isInteger(lead.id)).toBe(true);
      expect(lead.created_at).toMatch(ISO_UTC);
      expect(lead.updated_at).toMatch(ISO_UTC);
      const row = await leadRow(t, lead.id);
      expect(row).toMatchObject({ name: 'Ada Lovelace', email: 'ada@example.com', owner_id: alice.id });
    });

    it('ignores read-only fields in the body: the owner is always the caller', async () => {
      const response = await t
        .http()
        .post('/api/leads')
        .set(...as(alice))
        .send({ id: 999999, owner: bob.id, created_at: '2000-01-01T00:00:00.000Z', updated_at: 'whatever', name: 'RO', email: 'ro@example.com', message: 'm' })
        .expect(201);
      expect(response.body.owner).toBe(alice.id);
      expect(response.body.id).not.toBe(999999);
      expect(response.body.created_at).not.toBe('2000-01-01T00:00:00.000Z');
      expect((await leadRow(t, response.body.id))?.owner_id).toBe(alice.id);
    });

    it('refuses the camelCase names of v1 as unknown fields', async () => {
      const response = await t
        .http()
        .post('/api/leads')
        .set(...as(alice))
        .send({ createdAt: '2000-01-01T00:00:00.000Z', updatedAt: 'x', name: 'Camel', email: 'camel@example.com', message: 'm' });
      expectFieldErrors(response, { createdAt: ['This field is not allowed.'], updatedAt: ['This field is not allowed.'] });
      const { rows } = await t.db.query("SELECT count(*)::int AS n FROM leads WHERE email = 'camel@example.com'");
      expect(rows[0].n).toBe(0);
    });

    it('accepts form-urlencoded and multipart bodies', async () => {
      const form = await t.http().post('/api/leads').set(...as(alice)).type('form').send({ name: 'Form', email: 'form@example.com', message: 'via form' }).expect(201);
      expect(form.body).toMatchObject({ name: 'Form', email: 'form@example.com', message: 'via form', owner: alice.id });
      const multipart = await t
        .http()
        .post('/api/leads')
        .set(...as(alice))
        .field('name', 'Multi')
        .field('email', 'multi@example.com')
        .field('message', 'via multipart')
        .expect(201);
      expect(multipart.body).toMatchObject({ name: 'Multi', email: 'multi@example.com', message: 'via multipart', owner: alice.id });
    });

    it('names every missing field', async () => {
      const response = await t.http().post('/api/leads').set(...as(alice)).send({});
      expectFieldErrors(response, {
        name: ['This field is required.'],
        email: ['This field is required.'],
        message: ['This field is required.'],
      });
    });

    it('names each bad field with DRF messages', async () => {
      const response = await t
        .http()
        .post('/api/leads')
        .set(...as(alice))
        .send({ name: '   ', email: 'not-an-email', message: 'x'.repeat(501) });
      expectFieldErrors(response, {
        name: ['This field may not be blank.'],
        email: ['Enter a valid email address.'],
        message: ['Ensure this field has no more than 500 characters.'],
      });
    });

    it.each([
      ['name', 'n'.repeat(101), 'Ensure this field has no more than 100 characters.'],
      ['email', `${'e'.repeat(60)}@${'d'.repeat(36)}.com`, 'Ensure this field has no more than 100 characters.'],
      ['name', 42, 'Not a valid string.'],
      ['message', ['a'], 'Not a valid string.'],
      ['message', '', 'This field may not be blank.'],
      ['message', 'bad\u0000byte', 'Null characters are not allowed.'],
      // 120 code points that a UTF-16 or grapheme count would see as 60: the column would refuse them.
      ['name', 'a\uFE0F'.repeat(60), 'Ensure this field has no more than 100 characters.'],
    ])('refuses %s = %j', async (field, value, message) => {
      const body: Record<string, unknown> = { name: 'Valid', email: 'valid-field@example.com', message: 'ok' };
      body[field] = value;
      expectFieldErrors(await t.http().post('/api/leads').set(...as(alice)).send(body), { [field]: [message] });
    });

    it('accepts values at the length limits, counted in characters', async () => {
      const email = `${'e'.repeat(60)}@${'d'.repeat(35)}.com`;
      expect(email).toHaveLength(100);
      const response = await t
        .http()
        .post('/api/leads')
        .set(...as(alice))
        .send({ name: '😀'.repeat(100), email, message: 'é'.repeat(500) })
        .expect(201);
      expect(response.body.name).toBe('😀'.repeat(100));
      expect(response.body.message).toBe('é'.repeat(500));
    });

    it('refuses unknown fields', async () => {
      const response = await t.http().post('/api/leads').set(...as(alice)).send({ name: 'U', email: 'u@example.com', message: 'm', phone: '123' });
      expectFieldErrors(response, { phone: ['This field is not allowed.'] });
    });

    it('refuses a body that is not an object', async () => {
      const response = await t.http().post('/api/leads').set(...as(alice)).send([{ name: 'x' }]);
      expectFieldErrors(response, { non_field_errors: ['Invalid data. Expected a dictionary, but got list.'] });
    });

    it('answers 400 on email, as DRF\'s unique validator, for an email the owner already has, whatever its case', async () => {
      await createLead(t, alice, { email: 'dup@example.com' });
      const response = await t.http().post('/api/leads').set(...as(alice)).send({ name: 'D', email: 'DUP@Example.com', message: 'm' });
      expectFieldErrors(response, { email: ['lead with this email already exists.'] });
      const { rows } = await t.db.query("SELECT count(*)::int AS n FROM leads WHERE owner_id = $1 AND lower(email) = 'dup@example.com'", [alice.id]);
      expect(rows[0].n).toBe(1);
    });

    it('lets two users hold leads with the same email', async () => {
      const ofAlice = await createLead(t, alice, { email: 'shared@example.com' });
      const ofBob = await createLead(t, bob, { email: 'shared@example.com' });
      expect(ofAlice.owner).toBe(alice.id);
      expect(ofBob.owner).toBe(bob.id);
      const aliceList = await t.http().get('/api/leads?search=shared@').set(...as(alice)).expect(200);
      expect(aliceList.body.map((lead: LeadBody) => lead.id)).toEqual([ofAlice.id]);
    });

    it('lets exactly one of several concurrent duplicates land', async () => {
      const statuses = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          t.http().post('/api/leads').set(...as(alice)).send({ name: `Race ${i}`, email: 'race@example.com', message: 'm' }).then((r) => r.status),
        ),
      );
      expect(statuses.filter((s) => s === 201)).toHaveLength(1);
      expect(statuses.filter((s) => s === 400)).toHaveLength(5);
    });

    it('answers with a trailing slash too', async () => {
      const response = await t.http().post('/api/leads/').set(...as(alice)).send({ name: 'Slash', email: 'slash@example.com', message: 'm' }).expect(201);
      expect(response.body.owner).toBe(alice.id);
    });
  });

  describe('GET /api/leads/:id', () => {
    it("returns the caller's lead, with or without a trailing slash", async () => {
      const lead = await createLead(t, alice);
      const response = await t.http().get(`/api/leads/${lead.id}`).set(...as(alice)).expect(200);
      expect(response.body).toEqual(lead);
      expect(response.headers['cache-control']).toBe('no-store');
      await t.http().get(`/api/leads/${lead.id}/`).set(...as(alice)).expect(200, lead);
    });

    it('prints the stored timestamps in UTC to the millisecond, in the lead and in the list', async () => {
      const lead = await createLead(t, alice);
      // Microseconds, a leap day and an offset on the way in: the API shows the instant, truncated to milliseconds.
      await t.db.query(`UPDATE leads SET created_at = '2024-02-29 23:59:59.123456+00', updated_at = '2024-03-01 01:00:00.5+01' WHERE id = $1`, [lead.id]);
      const expected = { ...lead, created_at: '2024-02-29T23:59:59.123Z', updated_at: '2024-03-01T00:00:00.500Z' };
      await t.http().get(`/api/leads/${lead.id}`).set(...as(alice)).expect(200, expected);
      const page = await t.http().get('/api/leads?ordering=created_at&limit=1').set(...as(alice)).expect(200);
      expect(page.body.results).toEqual([expected]);
      const list = await t.http().get('/api/leads?ordering=created_at').set(...as(alice)).expect(200);
      expect(list.body[0]).toEqual(expected);
    });
  });

  describe('PUT /api/leads/:id', () => {
    it('accepts back the body it got from GET, with changes, and moves updated_at only', async () => {
      const lead = await createLead(t, alice);
      const fetched = (await t.http().get(`/api/leads/${lead.id}`).set(...as(alice)).expect(200)).body as LeadBody;
      const response = await t
        .http()
        .put(`/api/leads/${lead.id}`)
        .set(...as(alice))
        .send({ ...fetched, name: 'Ada King', message: 'Countess.' })
        .expect(200);
      expect(response.body).toMatchObject({ id: lead.id, name: 'Ada King', email: lead.email, message: 'Countess.', owner: alice.id, created_at: lead.created_at });
      expect(Date.parse(response.body.updated_at)).toBeGreaterThan(Date.parse(lead.updated_at));
      const row = await leadRow(t, lead.id);
      expect(row).toMatchObject({ name: 'Ada King', message: 'Countess.' });
      expect((row?.updated_at as Date).getTime()).toBeGreaterThan((row?.created_at as Date).getTime());
    });

    it('needs every field', async () => {
      const lead = await createLead(t, alice);
      const response = await t.http().put(`/api/leads/${lead.id}/`).set(...as(alice)).send({ name: 'Only name' });
      expectFieldErrors(response, { email: ['This field is required.'], message: ['This field is required.'] });
      expect(await leadRow(t, lead.id)).toMatchObject({ name: lead.name });
    });

    it("answers 400 on email when taking another of the owner's emails, by PUT or PATCH", async () => {
      const first = await createLead(t, alice);
      const second = await createLead(t, alice);
      const response = await t.http().put(`/api/leads/${second.id}`).set(...as(alice)).send({ name: 'x', email: first.email.toUpperCase(), message: 'm' });
      expectFieldErrors(response, { email: ['lead with this email already exists.'] });
      const patched = await t.http().patch(`/api/leads/${second.id}`).set(...as(alice)).send({ email: first.email });
      expectFieldErrors(patched, { email: ['lead with this email already exists.'] });
      expect(await leadRow(t, second.id)).toMatchObject({ email: second.email });
    });

    it('accepts a form body', async () => {
      const lead = await createLead(t, alice);
      const response = await t.http().put(`/api/leads/${lead.id}`).set(...as(alice)).type('form').send({ name: 'F', email: lead.email, message: 'form' }).expect(200);
      expect(response.body).toMatchObject({ name: 'F', message: 'form' });
    });
  });

  describe('PATCH /api/leads/:id', () => {
    it('changes only the fields sent', async () => {
      const lead = await createLead(t, alice, { name: 'Keep me' });
      const response = await t.http().patch(`/api/leads/${lead.id}`).set(...as(alice)).send({ message: '  New message  ' }).expect(200);
      expect(response.body).toMatchObject({ id: lead.id, name: 'Keep me', email: lead.email, message: 'New message', owner: alice.id });
      expect(Date.parse(response.body.updated_at)).toBeGreaterThan(Date.parse(lead.updated_at));
      expect(await leadRow(t, lead.id)).toMatchObject({ name: 'Keep me', message: 'New message' });
    });

    it('accepts an empty body and a change of case to its own email', async () => {
      const lead = await createLead(t, alice, { email: 'case@example.com' });
      await t.http().patch(`/api/leads/${lead.id}/`).set(...as(alice)).send({}).expect(200);
      const response = await t.http().patch(`/api/leads/${lead.id}`).set(...as(alice)).send({ email: 'CASE@example.com' }).expect(200);
      expect(response.body.email).toBe('CASE@example.com');
    });

    it('validates the fields sent, null included, and refuses unknown ones', async () => {
      const lead = await createLead(t, alice);
      const response = await t.http().patch(`/api/leads/${lead.id}`).set(...as(alice)).send({ name: null, email: 'nope', colour: 'red' });
      expectFieldErrors(response, {
        name: ['This field may not be null.'],
        email: ['Enter a valid email address.'],
        colour: ['This field is not allowed.'],
      });
      expect(await leadRow(t, lead.id)).toMatchObject({ name: lead.name, email: lead.email });
    });

    it('ignores read-only fields', async () => {
      const lead = await createLead(t, alice);
      const response = await t
        .http()
        .patch(`/api/leads/${lead.id}`)
        .set(...as(alice))
        .send({ owner: bob.id, id: lead.id + 1000, created_at: '2000-01-01T00:00:00.000Z', updated_at: '2000-01-01T00:00:00.000Z' })
        .expect(200);
      expect(response.body).toMatchObject({ id: lead.id, owner: alice.id, created_at: lead.created_at });
      expect(response.body.updated_at).not.toBe('2000-01-01T00:00:00.000Z');
    });
  });

  describe('DELETE /api/leads/:id', () => {
    it('deletes, then the lead is gone', async () => {
      const lead = await createLead(t, alice);
      const response = await t.http().delete(`/api/leads/${lead.id}/`).set(...as(alice)).expect(204);
      expect(response.text).toBe('');
      expect(await leadRow(t, lead.id)).toBeUndefined();
      expectProblem(await t.http().get(`/api/leads/${lead.id}`).set(...as(alice)), 404, 'Not found.');
      expectProblem(await t.http().delete(`/api/leads/${lead.id}`).set(...as(alice)), 404, 'Not found.');
    });
  });

  describe("another user's lead", () => {
    let lead: LeadBody;
    let before: Record<string, unknown> | undefined;
    beforeAll(async () => {
      lead = await createLead(t, bob, { name: 'Bob private', email: 'secret@example.com' });
      before = await leadRow(t, lead.id);
    });
    afterEach(async () => {
      expect(await leadRow(t, lead.id)).toEqual(before);
    });

    const valid = { name: 'Hijack', email: 'hijack@example.com', message: 'mine now' };
    it.each([
      ['GET', undefined],
      ['PUT', valid],
      ['PATCH', valid],
      ['PATCH', {}],
      // DRF looks the lead up before validating: still 404, never a 400 that would confirm the id.
      ['PUT', { name: '' }],
      ['PATCH', { email: 'not-an-email', unknown: 1 }],
      ['DELETE', undefined],
    ])('answers %s %j with 404 and leaves it untouched', async (method, body) => {
      for (const path of [`/api/leads/${lead.id}`, `/api/leads/${lead.id}/`]) {
        let request = t.http()[method.toLowerCase() as 'get'](path).set(...as(alice));
        if (body) request = request.send(body);
        expectProblem(await request, 404, 'Not found.');
      }
    });

    it('does not appear in the list, and its email is free for the caller', async () => {
      const page = await t.http().get('/api/leads?limit=100&search=secret').set(...as(alice)).expect(200);
      expect(page.body).toMatchObject({ count: 0, results: [] });
      const list = await t.http().get('/api/leads').set(...as(alice)).expect(200);
      expect(list.body.map((item: LeadBody) => item.owner)).not.toContain(bob.id);
      expect(list.body.map((item: LeadBody) => item.id)).not.toContain(lead.id);
      await createLead(t, alice, { email: 'SECRET@example.com' });
    });
  });

  describe('ids that cannot name a lead', () => {
    it.each(['0', '-1', 'abc', '1.5', '1e3', '0x10', '2147483648', '99999999999999999999', '%20'])('answers 404 for every verb on id %s', async (id) => {
      for (const method of ['get', 'put', 'patch', 'delete'] as const) {
        const response = await t.http()[method](`/api/leads/${id}`).set(...as(alice)).send(method === 'put' || method === 'patch' ? { name: 'x' } : undefined);
        expectProblem(response, 404, 'Not found.');
      }
    });

    it('answers 404 for other spellings of an existing id', async () => {
      const lead = await createLead(t, alice);
      const aliases = [`${lead.id}.0`, `0x${lead.id.toString(16)}`, `${lead.id}e0`, `+${lead.id}`, `%20${lead.id}`, `${lead.id}%20`];
      for (const alias of aliases) {
        for (const method of ['get', 'patch', 'delete'] as const) {
          const response = await t.http()[method](`/api/leads/${alias}`).set(...as(alice)).send(method === 'patch' ? { name: 'renamed' } : undefined);
          expect([alias, method, response.status]).toEqual([alias, method, 404]);
        }
      }
      expect(await leadRow(t, lead.id)).toMatchObject({ name: lead.name });
    });

    it('answers 404 for an id that does not exist', async () => {
      expectProblem(await t.http().get('/api/leads/2147483647').set(...as(alice)), 404, 'Not found.');
      expectProblem(await t.http().put('/api/leads/2147483647').set(...as(alice)).send({ name: 'a', email: 'a@example.com', message: 'm' }), 404, 'Not found.');
    });
  });

  describe('deleting a user', () => {
    it('removes their leads and tokens, and nobody else’s', async () => {
      const carol = await registerUser(t);
      await createLead(t, carol);
      await createLead(t, carol);
      const bobLead = await createLead(t, bob);
      await t.db.query('DELETE FROM users WHERE id = $1', [carol.id]);
      const leads = await t.db.query('SELECT count(*)::int AS n FROM leads WHERE owner_id = $1', [carol.id]);
      const tokens = await t.db.query('SELECT count(*)::int AS n FROM auth_tokens WHERE user_id = $1', [carol.id]);
      expect(leads.rows[0].n).toBe(0);
      expect(tokens.rows[0].n).toBe(0);
      expect(await leadRow(t, bobLead.id)).toBeDefined();
      await t.http().get('/api/leads').set(...as(carol)).expect(401);
    });
  });
});
