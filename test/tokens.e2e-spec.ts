import { digestToken, generateToken } from '../src/auth/token-crypto';
import { RegisteredUser, registerUser, tokenHeader } from './support/accounts';
import { expectProblem } from './support/problems';
import { createTestApp, TestApp } from './support/test-app';
import { expireToken, login, setActive, tokenCount, tokenRow, whoAmI } from './support/tokens';

const INVALID_TOKEN = 'Invalid token.';
const LIMIT_EXCEEDED = 'Maximum amount of tokens allowed per user exceeded.';
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Sets a token's expiry (and optionally creation time) relative to the database's clock. */
async function arrangeToken(t: TestApp, token: string, fields: { expiresIn?: string | null; createdAgo?: string; lastUsedAgo?: string | null }) {
  const sets: string[] = [];
  const values: unknown[] = [digestToken(token)];
  const interval = (value: string) => {
    values.push(value);
    return `$${values.length}::interval`;
  };
  if (fields.expiresIn !== undefined) sets.push(fields.expiresIn === null ? 'expiry = NULL' : `expiry = now() + ${interval(fields.expiresIn)}`);
  if (fields.createdAgo !== undefined) sets.push(`created_at = now() - ${interval(fields.createdAgo)}`);
  if (fields.lastUsedAgo !== undefined) sets.push(fields.lastUsedAgo === null ? 'last_used_at = NULL' : `last_used_at = now() - ${interval(fields.lastUsedAgo)}`);
  await t.db.query(`UPDATE auth_tokens SET ${sets.join(', ')} WHERE digest = $1`, values);
}

const msFromNow = (date: Date | null | undefined) => (date ? date.getTime() - Date.now() : NaN);

describe('tokens', () => {
  describe('with default settings', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp();
    });
    afterAll(async () => {
      await t.close();
    });

    describe('GET /api/auth/tokens', () => {
      it('lists the caller\'s unexpired tokens, newest first, marking the current one', async () => {
        const user = await registerUser(t);
        const phone = await login(t, user, 'phone');
        const laptop = await login(t, user, 'laptop');
        const expired = await login(t, user, 'old');
        await expireToken(t, expired);
        const stranger = await registerUser(t);

        const response = await t.http().get('/api/auth/tokens').set(...tokenHeader(laptop)).expect(200);
        expect(response.headers['cache-control']).toBe('no-store');
        const rows = await Promise.all([laptop, phone, user.token].map((token) => tokenRow(t, token)));
        expect(response.body).toEqual(
          rows.map((row, index) => ({
            id: row!.id,
            token_key: row!.token_key,
            name: row!.name,
            created: row!.created_at.toISOString(),
            expiry: row!.expiry!.toISOString(),
            last_used_at: index === 0 ? expect.stringMatching(ISO_UTC) : null,
            current: index === 0,
          })),
        );
        expect(response.body.map((item: { name: string | null }) => item.name)).toEqual(['laptop', 'phone', null]);
        expect(response.body[0].token_key).toBe(laptop.slice(0, 8));
        for (const item of response.body) {
          expect(Object.keys(item)).toEqual(['id', 'token_key', 'name', 'created', 'expiry', 'last_used_at', 'current']);
          expect(item.created).toMatch(ISO_UTC);
        }
        const text = JSON.stringify(response.body);
        for (const secret of [laptop, phone, user.token, stranger.token, digestToken(laptop)]) expect(text).not.toContain(secret);
      });

      it('marks the current token whichever of them makes the request', async () => {
        const user = await registerUser(t);
        const second = await login(t, user);
        const response = await t.http().get('/api/auth/tokens').set(...tokenHeader(user.token)).expect(200);
        const current = response.body.filter((item: { current: boolean }) => item.current);
        expect(current).toEqual([expect.objectContaining({ id: (await tokenRow(t, user.token))!.id })]);
        expect(response.body).toHaveLength(2);
        expect((await tokenRow(t, second))!.id).toBe(response.body[0].id);
      });
    });

    describe('DELETE /api/auth/tokens/:id', () => {
      let owner: RegisteredUser;
      let other: RegisteredUser;
      beforeAll(async () => {
        owner = await registerUser(t);
        other = await registerUser(t);
      });

      const revoke = (token: string, id: number | string) => t.http().delete(`/api/auth/tokens/${id}`).set(...tokenHeader(token));

      it('revokes one of the caller\'s own tokens: 204, then refused', async () => {
        const target = await login(t, owner);
        const { id } = (await tokenRow(t, target))!;
        const response = await revoke(owner.token, id).expect(204);
        expect(response.text).toBe('');
        expect(await tokenRow(t, target)).toBeUndefined();
        expectProblem(await whoAmI(t, target), 401, INVALID_TOKEN);
        await whoAmI(t, owner.token).expect(200);
      });

      it('answers the trailing-slash form the same', async () => {
        const target = await login(t, owner);
        await revoke(owner.token, `${(await tokenRow(t, target))!.id}/`).expect(204);
        expectProblem(await whoAmI(t, target), 401, INVALID_TOKEN);
      });

      it("answers 404 for another user's token and leaves it working", async () => {
        const { id } = (await tokenRow(t, other.token))!;
        expectProblem(await revoke(owner.token, id), 404, 'Not found.');
        await whoAmI(t, other.token).expect(200);
      });

      it('answers 404 for an unknown id', async () => {
        expectProblem(await revoke(owner.token, 2_000_000_000), 404, 'Not found.');
      });

      it.each(['abc', '1.5', '-1', '0', '1e3', '2147483648', '99999999999999999999', '%20'])('answers 404 for the non-integer or out-of-range id %j', async (id) => {
        expectProblem(await revoke(owner.token, id), 404, 'Not found.');
      });
    });

    describe('expiry', () => {
      it('refuses an expired token and deletes its row as it is presented', async () => {
        const user = await registerUser(t);
        await expireToken(t, user.token);
        expect(await tokenRow(t, user.token)).toBeDefined();
        expectProblem(await whoAmI(t, user.token), 401, INVALID_TOKEN);
        expect(await tokenRow(t, user.token)).toBeUndefined();
      });

      it('issues tokens that expire after AUTH_TOKEN_TTL (10h by default)', async () => {
        const user = await registerUser(t);
        expect(msFromNow((await tokenRow(t, user.token))!.expiry)).toBeGreaterThan(10 * HOUR - MINUTE);
        expect(msFromNow((await tokenRow(t, user.token))!.expiry)).toBeLessThanOrEqual(10 * HOUR);
      });

      it('does not move the expiry when auto-refresh is off', async () => {
        const user = await registerUser(t);
        await arrangeToken(t, user.token, { expiresIn: '10 minutes' });
        const before = (await tokenRow(t, user.token))!.expiry;
        await whoAmI(t, user.token).expect(200);
        expect((await tokenRow(t, user.token))!.expiry).toEqual(before);
      });
    });

    describe('lastUsedAt', () => {
      it('is written on first use, then at most once per minimum refresh interval (60s)', async () => {
        const user = await registerUser(t);
        expect((await tokenRow(t, user.token))!.last_used_at).toBeNull();
        await whoAmI(t, user.token).expect(200);
        expect(Math.abs(msFromNow((await tokenRow(t, user.token))!.last_used_at))).toBeLessThan(MINUTE);

        await arrangeToken(t, user.token, { lastUsedAgo: '30 seconds' });
        const recent = (await tokenRow(t, user.token))!.last_used_at;
        await whoAmI(t, user.token).expect(200);
        expect((await tokenRow(t, user.token))!.last_used_at).toEqual(recent);

        await arrangeToken(t, user.token, { lastUsedAgo: '2 minutes' });
        await whoAmI(t, user.token).expect(200);
        expect(Math.abs(msFromNow((await tokenRow(t, user.token))!.last_used_at))).toBeLessThan(MINUTE);
      });
    });

    describe('secrets at rest', () => {
      it('stores no raw token and no password anywhere, only a SHA-256 digest and an argon2id hash', async () => {
        const user = await registerUser(t);
        const loginToken = await login(t, user, 'scan');
        const newPassword = 'amber-Quarry-73-whistle';
        await t
          .http()
          .post('/api/auth/password/change')
          .set(...tokenHeader(loginToken))
          .send({ old_password: user.password, new_password1: newPassword, new_password2: newPassword })
          .expect(200);
        const basicToken = (await t.http().post('/api/auth/login').auth(user.username, newPassword).expect(200)).body.token as string;

        const { rows } = await t.db.query<{ row: string }>(
          `SELECT row_to_json(u)::text AS row FROM users u UNION ALL SELECT row_to_json(a)::text FROM auth_tokens a`,
        );
        const dump = rows.map((r) => r.row).join('\n');
        expect(dump).toContain(user.username);
        for (const secret of [user.token, loginToken, basicToken, user.password, newPassword]) expect(dump).not.toContain(secret);
        // Not even the random body without its checksum.
        for (const token of [loginToken, basicToken]) expect(dump).not.toContain(token.slice(0, 43));

        expect((await tokenRow(t, basicToken))).toBeDefined();
        const { rows: users } = await t.db.query('SELECT password_hash FROM users WHERE id = $1', [user.id]);
        expect(users[0].password_hash).toMatch(/^\$argon2id\$/);
      });
    });
  });

  describe('logs', () => {
    it('never contain a raw token or password, even at debug level', async () => {
      const lines: string[] = [];
      const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
        lines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
        return true;
      });
      const t = await createTestApp({ LOG_LEVEL: 'debug' });
      const tokens: string[] = [];
      try {
        const user = await registerUser(t);
        const token = await login(t, user);
        tokens.push(user.token, token);
        tokens.push((await t.http().post('/api/auth/login').auth(user.username, user.password).expect(200)).body.token);
        await t.http().post('/api/auth/login').type('form').send({ username: user.username, password: 'wrong-Password-1' }).expect(400);
        await t.http().get(`/api/auth/user?token=${token}&access_token=${token}`).expect(401);
        await t.http().get('/api/auth/user').set('Authorization', `Bearer ${token}`).expect(200);
        await t
          .http()
          .post('/api/auth/password/change')
          .set(...tokenHeader(token))
          .send({ old_password: user.password, new_password1: 'amber-Quarry-73-whistle', new_password2: 'amber-Quarry-73-whistle' })
          .expect(200);
      } finally {
        await t.close();
        write.mockRestore();
      }
      const output = lines.join('');
      expect(output).toContain('"msg":"request"');
      expect(tokens).toHaveLength(3);
      for (const secret of ['violet-Harbor-42-lantern', 'wrong-Password-1', 'amber-Quarry-73-whistle', ...tokens]) expect(output).not.toContain(secret);
    });
  });

  describe('auto-refresh (AUTH_AUTO_REFRESH=true, TTL 1h, max TTL 3h)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ AUTH_AUTO_REFRESH: 'true', AUTH_TOKEN_TTL: '1h', AUTH_AUTO_REFRESH_MAX_TTL: '3h', AUTH_MIN_REFRESH_INTERVAL: '60s' });
    });
    afterAll(async () => {
      await t.close();
    });

    it('moves the expiry to now + TTL when a token is used', async () => {
      const user = await registerUser(t);
      await arrangeToken(t, user.token, { expiresIn: '10 minutes' });
      await whoAmI(t, user.token).expect(200);
      const left = msFromNow((await tokenRow(t, user.token))!.expiry);
      expect(left).toBeGreaterThan(HOUR - MINUTE);
      expect(left).toBeLessThanOrEqual(HOUR);
    });

    it('does not write when the expiry would move by less than the minimum refresh interval', async () => {
      const user = await registerUser(t);
      await whoAmI(t, user.token).expect(200);
      const before = (await tokenRow(t, user.token))!.expiry;
      await whoAmI(t, user.token).expect(200);
      expect((await tokenRow(t, user.token))!.expiry).toEqual(before);
    });

    it('never extends past createdAt + AUTH_AUTO_REFRESH_MAX_TTL', async () => {
      const user = await registerUser(t);
      await arrangeToken(t, user.token, { createdAgo: '2 hours 55 minutes', expiresIn: '1 minute' });
      await whoAmI(t, user.token).expect(200);
      const row = (await tokenRow(t, user.token))!;
      expect(row.expiry!.getTime()).toBe(row.created_at.getTime() + 3 * HOUR);
    });

    it('does not refresh the token of an inactive user', async () => {
      const user = await registerUser(t);
      await arrangeToken(t, user.token, { expiresIn: '10 minutes' });
      const before = (await tokenRow(t, user.token))!.expiry;
      await setActive(t, user.id, false);
      expectProblem(await whoAmI(t, user.token), 401, 'User inactive or deleted.');
      expect((await tokenRow(t, user.token))!.expiry).toEqual(before);
    });

    it('does not revive an expired token', async () => {
      const user = await registerUser(t);
      await expireToken(t, user.token);
      expectProblem(await whoAmI(t, user.token), 401, INVALID_TOKEN);
      expect(await tokenRow(t, user.token)).toBeUndefined();
    });
  });

  describe('never-expiring tokens (AUTH_TOKEN_TTL=none)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ AUTH_TOKEN_TTL: 'none', AUTH_AUTO_REFRESH: 'true' });
    });
    afterAll(async () => {
      await t.close();
    });

    it('answers expiry null on register, login and in the list, and auto-refresh leaves it null', async () => {
      const response = await t.http().post('/api/auth/register').send({ username: 'forever', email: 'f@example.com', password: 'violet-Harbor-42-lantern' }).expect(200);
      expect(response.body.expiry).toBeNull();
      const token = await login(t, { username: 'forever', password: 'violet-Harbor-42-lantern' });
      await whoAmI(t, token).expect(200);
      const list = await t.http().get('/api/auth/tokens').set(...tokenHeader(token)).expect(200);
      expect(list.body.map((item: { expiry: unknown }) => item.expiry)).toEqual([null, null]);
      expect((await tokenRow(t, token))!.expiry).toBeNull();
    });
  });

  describe('per-user limit (AUTH_TOKEN_LIMIT_PER_USER=3)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ AUTH_TOKEN_LIMIT_PER_USER: '3' });
    });
    afterAll(async () => {
      await t.close();
    });

    const loginRequest = (user: RegisteredUser) => t.http().post('/api/auth/login').send({ username: user.username, password: user.password });

    it('answers 403 once the user holds the limit, and again once a token is given up', async () => {
      const user = await registerUser(t);
      await login(t, user);
      const third = await login(t, user);
      expectProblem(await loginRequest(user), 403, LIMIT_EXCEEDED);
      expect(await tokenCount(t, user.id)).toBe(3);

      await t.http().post('/api/auth/logout').set(...tokenHeader(third)).expect(204);
      await loginRequest(user).expect(200);
    });

    it('does not count expired tokens, but counts never-expiring ones', async () => {
      const user = await registerUser(t);
      const second = await login(t, user);
      const third = await login(t, user);
      await expireToken(t, third);
      const fourth = await login(t, user);
      expectProblem(await loginRequest(user), 403, LIMIT_EXCEEDED);

      for (const token of [user.token, second, fourth]) await arrangeToken(t, token, { expiresIn: null });
      await t.db.query('DELETE FROM auth_tokens WHERE digest = $1', [digestToken(third)]);
      expectProblem(await loginRequest(user), 403, LIMIT_EXCEEDED);
    });

    it('holds under a burst of 20 concurrent logins: exactly 3 tokens, the rest 403', async () => {
      const user = await registerUser(t);
      await t.http().post('/api/auth/logout').set(...tokenHeader(user.token)).expect(204);
      expect(await tokenCount(t, user.id)).toBe(0);

      const responses = await Promise.all(Array.from({ length: 20 }, () => loginRequest(user)));
      const statuses = responses.map((response) => response.status);
      expect(statuses.filter((status) => status === 200)).toHaveLength(3);
      expect(statuses.filter((status) => status === 403)).toHaveLength(17);
      for (const response of responses.filter((r) => r.status === 403)) expectProblem(response, 403, LIMIT_EXCEEDED);
      expect(await tokenCount(t, user.id)).toBe(3);
    });

    it('counts per user: another user is not affected', async () => {
      const full = await registerUser(t);
      await login(t, full);
      await login(t, full);
      const other = await registerUser(t);
      await loginRequest(other).expect(200);
    });
  });

  describe('prefix (AUTH_TOKEN_PREFIX=leads_)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ AUTH_TOKEN_PREFIX: 'leads_' });
    });
    afterAll(async () => {
      await t.close();
    });

    it('issues prefixed tokens that authenticate, with the key taken after the prefix', async () => {
      const user = await registerUser(t);
      expect(user.token).toMatch(/^leads_[A-Za-z0-9]{49}$/);
      await whoAmI(t, user.token).expect(200);
      expect((await tokenRow(t, user.token))!.token_key).toBe(user.token.slice(6, 14));
      const token = await login(t, user);
      expect(token.startsWith('leads_')).toBe(true);
    });

    it('refuses the token without its prefix, or with another prefix', async () => {
      const user = await registerUser(t);
      const body = user.token.slice('leads_'.length);
      expectProblem(await whoAmI(t, body), 401, INVALID_TOKEN);
      expectProblem(await whoAmI(t, `other_${body}`), 401, INVALID_TOKEN);
      expectProblem(await whoAmI(t, `Leads_${body}`), 401, INVALID_TOKEN);
    });

    it('refuses a prefix grafted onto an unprefixed token even if its digest were stored (the checksum covers the prefix)', async () => {
      const user = await registerUser(t);
      const grafted = `leads_${generateToken('').token}`;
      await t.db.query(`INSERT INTO auth_tokens (digest, token_key, user_id) VALUES ($1, 'grafted', $2)`, [digestToken(grafted), user.id]);
      expectProblem(await whoAmI(t, grafted), 401, INVALID_TOKEN);
    });
  });

  describe('periodic prune (AUTH_TOKEN_PRUNE_INTERVAL=100ms)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ AUTH_TOKEN_PRUNE_INTERVAL: '100ms' });
    });
    afterAll(async () => {
      await t.close();
    });

    it('deletes expired tokens nobody presents, and only those', async () => {
      const user = await registerUser(t);
      const stale = await login(t, user);
      await expireToken(t, stale);
      const deadline = Date.now() + 10_000;
      while ((await tokenRow(t, stale)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await tokenRow(t, stale)).toBeUndefined();
      expect(await tokenRow(t, user.token)).toBeDefined();
    });
  });
});
