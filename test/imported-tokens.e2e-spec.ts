import { DataSource } from 'typeorm';
import type { ImportedToken } from '../src/auth/imported-tokens';
import { InvalidImportedTokens, TokensService } from '../src/auth/tokens.service';
import { Database, UniqueViolation } from '../src/database/database';
import { buildDataSourceOptions } from '../src/database/data-source-options';
import { ImportedTokens1796600000000 } from '../src/database/migrations/1796600000000-ImportedTokens';
import { RegisteredUser, registerUser, STRONG_PASSWORD, tokenHeader } from './support/accounts';
import { fixtureTokens, imported, importTokens, legacyToken, LegacyToken, storedDigest } from './support/legacy-tokens';
import { expectProblem } from './support/problems';
import { createTestApp, TestApp } from './support/test-app';
import { login, setActive, whoAmI } from './support/tokens';

const INVALID_TOKEN = 'Invalid token.';
const INACTIVE = 'User inactive or deleted.';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

interface StoredRow {
  id: number;
  kind: string;
  token_key: string;
  user_id: number;
  created_at: Date;
  expiry: Date | null;
  last_used_at: Date | null;
}

async function rowOf(t: TestApp, token: LegacyToken): Promise<StoredRow | undefined> {
  const { rows } = await t.db.query<StoredRow>('SELECT id, kind, token_key, user_id, created_at, expiry, last_used_at FROM auth_tokens WHERE digest = $1', [storedDigest(token)]);
  return rows[0];
}

/** One fresh token of each kind, knox 5 with and without a prefix, imported for the user. */
async function importEveryKind(t: TestApp, user: RegisteredUser, fields: { expiry?: Date | null } = {}): Promise<LegacyToken[]> {
  const tokens = [legacyToken('knox5', 'lk_'), legacyToken('knox5'), legacyToken('knox42'), legacyToken('drf')];
  await importTokens(
    t,
    tokens.map((token) => imported(token, user.id, fields)),
  );
  return tokens;
}

describe('tokens imported from Django', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  describe('the fixture tokens, made by knox and DRF themselves', () => {
    const live = fixtureTokens().filter((token) => !token.expired);
    const owners = new Map<string, RegisteredUser>();
    const ownerOf = (token: { fixture: string; user_id: number }) => owners.get(`${token.fixture}/${token.user_id}`)!;

    beforeAll(async () => {
      for (const token of live) {
        const key = `${token.fixture}/${token.user_id}`;
        if (!owners.has(key)) owners.set(key, await registerUser(t));
      }
      // Fixture user 12 of the main fixture is inactive in Django and comes over inactive.
      await setActive(t, owners.get('main/12')!.id, false);
      const batch: ImportedToken[] = live.map((token) => ({
        userId: ownerOf(token).id,
        kind: token.kind,
        secret: token.kind === 'drf' ? token.token : token.digest!,
        tokenKey: token.token_key,
        createdAt: new Date(token.created),
        expiry: token.expiry === null ? null : new Date(token.expiry),
      }));
      await expect(importTokens(t, batch)).resolves.toBe(live.length);
    });

    it('covers every kind, prefixes included', () => {
      expect(new Set(live.map((token) => token.kind))).toEqual(new Set(['knox5', 'knox42', 'drf']));
      expect(live.map((token) => token.token.match(/^(.*)[0-9a-f]{64}$/)?.[1]).filter(Boolean)).toEqual(expect.arrayContaining(['lk_', 'leadsprod_', 'acme-']));
    });

    it.each(live.filter((token) => token.user_id !== 12 || token.fixture !== 'main').map((token, index) => [`#${index} ${token.fixture} ${token.kind}`, token] as const))(
      'authenticates %s as its owner, with Token and with Bearer',
      async (_label, token) => {
        const owner = ownerOf(token);
        for (const scheme of ['Token', 'Bearer']) {
          const response = await t.http().get('/api/auth/user').set('Authorization', `${scheme} ${token.token}`).expect(200);
          expect(response.body).toEqual({ id: owner.id, username: owner.username, email: owner.email });
        }
      },
    );

    it("answers an inactive user's token with the inactive sentence, as knox does", async () => {
      const token = live.find((candidate) => candidate.fixture === 'main' && candidate.user_id === 12)!;
      expectProblem(await whoAmI(t, token.token), 401, INACTIVE);
    });

    it('refuses a fixture token in uppercase, or with one character changed', async () => {
      const token = live.find((candidate) => candidate.kind === 'knox42')!;
      expectProblem(await whoAmI(t, token.token.toUpperCase()), 401, INVALID_TOKEN);
      const changed = `${token.token.slice(0, -1)}${token.token.endsWith('0') ? '1' : '0'}`;
      expectProblem(await whoAmI(t, changed), 401, INVALID_TOKEN);
    });

    it('stores no raw token: no stored column holds one', async () => {
      const { rows } = await t.db.query<{ row: string }>('SELECT row_to_json(a)::text AS row FROM auth_tokens a');
      const text = rows.map((row) => row.row).join('\n');
      for (const token of live) expect(text).not.toContain(token.token);
    });
  });

  describe('every kind, freshly imported', () => {
    it('authenticates each kind as its owner, and only under the kind it was imported as', async () => {
      const user = await registerUser(t);
      for (const token of await importEveryKind(t, user)) {
        expect((await whoAmI(t, token.raw).expect(200)).body).toEqual({ id: user.id, username: user.username, email: user.email });
        expect((await rowOf(t, token))!.kind).toBe(token.kind);
      }
      // A knox 5 digest stored as knox 4.2 is not found through knox 5's algorithm, nor the other way round.
      const knox5 = legacyToken('knox5');
      const knox42 = legacyToken('knox42');
      await importTokens(t, [imported({ ...knox5, kind: 'knox42', tokenKey: knox5.raw.slice(0, 8) }, user.id), imported({ ...knox42, kind: 'knox5', tokenKey: knox42.raw.slice(0, 15) }, user.id)]);
      expectProblem(await whoAmI(t, knox5.raw), 401, INVALID_TOKEN);
      expectProblem(await whoAmI(t, knox42.raw), 401, INVALID_TOKEN);
    });

    it('refuses an expired knox row with the invalid-token sentence and deletes it, as knox does', async () => {
      const user = await registerUser(t);
      const tokens = await importEveryKind(t, user);
      for (const token of tokens) await t.db.query(`UPDATE auth_tokens SET expiry = now() - interval '1 second' WHERE digest = $1`, [storedDigest(token)]);
      const unknown = await whoAmI(t, legacyToken('knox42').raw);
      for (const token of tokens) {
        const response = await whoAmI(t, token.raw);
        expectProblem(response, 401, INVALID_TOKEN);
        expect(response.text).toBe(unknown.text);
        expect(await rowOf(t, token)).toBeUndefined();
      }
    });

    it('stamps last_used_at on an imported token as on a native one', async () => {
      const user = await registerUser(t);
      const [token] = await importEveryKind(t, user);
      expect((await rowOf(t, token))!.last_used_at).toBeNull();
      await whoAmI(t, token.raw).expect(200);
      expect(Math.abs((await rowOf(t, token))!.last_used_at!.getTime() - Date.now())).toBeLessThan(MINUTE);
    });

    it("answers an inactive user's imported tokens with the inactive sentence", async () => {
      const user = await registerUser(t);
      const tokens = await importEveryKind(t, user);
      await setActive(t, user.id, false);
      for (const token of tokens) expectProblem(await whoAmI(t, token.raw), 401, INACTIVE);
    });

    it('lists imported tokens with their token_key, created and expiry, and marks the current one', async () => {
      const user = await registerUser(t);
      const createdAt = new Date('2025-05-31T09:15:02.481Z');
      const expiry = new Date('2099-01-01T00:00:00.000Z');
      const tokens = [legacyToken('knox5', 'acme-'), legacyToken('knox42'), legacyToken('drf')];
      await importTokens(
        t,
        tokens.map((token, index) => imported(token, user.id, { createdAt: new Date(createdAt.getTime() - index * HOUR), expiry: token.kind === 'drf' ? null : expiry })),
      );
      const stranger = await registerUser(t);
      await importEveryKind(t, stranger);

      const response = await t.http().get('/api/auth/tokens').set(...tokenHeader(tokens[1].raw)).expect(200);
      const rows = await Promise.all(tokens.map((token) => rowOf(t, token)));
      expect(response.body).toEqual([
        { id: expect.any(Number), token_key: user.token.slice(0, 8), name: null, created: expect.any(String), expiry: expect.any(String), last_used_at: null, current: false },
        ...tokens.map((token, index) => ({
          id: rows[index]!.id,
          token_key: token.kind === 'drf' ? token.raw.slice(0, 8) : token.tokenKey,
          name: null,
          created: new Date(createdAt.getTime() - index * HOUR).toISOString(),
          expiry: token.kind === 'drf' ? null : expiry.toISOString(),
          last_used_at: index === 1 ? expect.any(String) : null,
          current: index === 1,
        })),
      ]);
      expect(response.body[1].token_key).toBe(tokens[0].raw.slice(0, 15));
      const text = JSON.stringify(response.body);
      for (const token of tokens) expect(text).not.toContain(token.raw);
    });

    it('logs out the imported token presented, and only that one', async () => {
      const user = await registerUser(t);
      const tokens = await importEveryKind(t, user);
      for (const [index, token] of tokens.entries()) {
        await t.http().post('/api/auth/logout').set(...tokenHeader(token.raw)).expect(204);
        expectProblem(await whoAmI(t, token.raw), 401, INVALID_TOKEN);
        for (const other of tokens.slice(index + 1)) await whoAmI(t, other.raw).expect(200);
      }
      await whoAmI(t, user.token).expect(200);
    });

    it("logs out every token of the user, native and imported, from an imported one, and no one else's", async () => {
      const user = await registerUser(t);
      const stranger = await registerUser(t);
      const tokens = await importEveryKind(t, user);
      const strangers = await importEveryKind(t, stranger);
      await t.http().post('/api/auth/logoutall').set(...tokenHeader(tokens[2].raw)).expect(204);
      for (const token of tokens) expectProblem(await whoAmI(t, token.raw), 401, INVALID_TOKEN);
      expectProblem(await whoAmI(t, user.token), 401, INVALID_TOKEN);
      for (const token of strangers) await whoAmI(t, token.raw).expect(200);
    });

    it("revokes an imported token by id from any of the user's tokens, and answers 404 for another user's", async () => {
      const user = await registerUser(t);
      const stranger = await registerUser(t);
      const [prefixed, bare, knox42, drf] = await importEveryKind(t, user);
      const [strangers] = await importEveryKind(t, stranger);

      await t.http().delete(`/api/auth/tokens/${(await rowOf(t, drf))!.id}`).set(...tokenHeader(user.token)).expect(204);
      expectProblem(await whoAmI(t, drf.raw), 401, INVALID_TOKEN);
      await t.http().delete(`/api/auth/tokens/${(await rowOf(t, bare))!.id}`).set(...tokenHeader(knox42.raw)).expect(204);
      expectProblem(await whoAmI(t, bare.raw), 401, INVALID_TOKEN);
      await whoAmI(t, prefixed.raw).expect(200);

      expectProblem(await t.http().delete(`/api/auth/tokens/${(await rowOf(t, strangers))!.id}`).set(...tokenHeader(prefixed.raw)), 404, 'Not found.');
      await whoAmI(t, strangers.raw).expect(200);
    });

    it('keeps the imported token a password change was made with, and revokes every other token of the user', async () => {
      const user = await registerUser(t);
      const tokens = await importEveryKind(t, user);
      const laptop = await login(t, user);
      const current = tokens[1];
      const newPassword = 'amber-Quarry-73-whistle';
      await t
        .http()
        .post('/api/auth/password/change')
        .set(...tokenHeader(current.raw))
        .send({ old_password: STRONG_PASSWORD, new_password1: newPassword, new_password2: newPassword })
        .expect(200);
      await whoAmI(t, current.raw).expect(200);
      for (const token of tokens.filter((other) => other !== current)) expectProblem(await whoAmI(t, token.raw), 401, INVALID_TOKEN);
      for (const native of [user.token, laptop]) expectProblem(await whoAmI(t, native), 401, INVALID_TOKEN);
    });
  });

  describe('auto-refresh (AUTH_AUTO_REFRESH=true, TTL 1h, max TTL 3h)', () => {
    let own: TestApp;
    beforeAll(async () => {
      own = await createTestApp({ AUTH_AUTO_REFRESH: 'true', AUTH_TOKEN_TTL: '1h', AUTH_AUTO_REFRESH_MAX_TTL: '3h', AUTH_MIN_REFRESH_INTERVAL: '60s' });
    });
    afterAll(async () => {
      await own.close();
    });

    it('moves the expiry of an imported token to now + TTL when it is used', async () => {
      const user = await registerUser(own);
      for (const token of await importEveryKind(own, user, { expiry: new Date(Date.now() + 10 * MINUTE) })) {
        await whoAmI(own, token.raw).expect(200);
        const left = (await rowOf(own, token))!.expiry!.getTime() - Date.now();
        expect(left).toBeGreaterThan(HOUR - MINUTE);
        expect(left).toBeLessThanOrEqual(HOUR);
      }
    });

    it('caps it at the imported creation time + AUTH_AUTO_REFRESH_MAX_TTL', async () => {
      const user = await registerUser(own);
      const token = legacyToken('knox5', 'leadsprod_');
      const createdAt = new Date(Date.now() - (2 * HOUR + 55 * MINUTE));
      await importTokens(own, [imported(token, user.id, { createdAt, expiry: new Date(Date.now() + MINUTE) })]);
      await whoAmI(own, token.raw).expect(200);
      expect((await rowOf(own, token))!.expiry!.getTime()).toBe(createdAt.getTime() + 3 * HOUR);
    });

    it('does not write an expiry that would move by less than AUTH_MIN_REFRESH_INTERVAL, and leaves a never-expiring token so', async () => {
      const user = await registerUser(own);
      const soon = legacyToken('knox42');
      const never = legacyToken('drf');
      const expiry = new Date(Date.now() + HOUR - 30_000);
      await importTokens(own, [imported(soon, user.id, { expiry }), imported(never, user.id, { expiry: null })]);
      await whoAmI(own, soon.raw).expect(200);
      await whoAmI(own, never.raw).expect(200);
      expect((await rowOf(own, soon))!.expiry).toEqual(expiry);
      expect((await rowOf(own, never))!.expiry).toBeNull();
    });
  });

  describe('importTokens', () => {
    it('writes nothing when a token of the batch is refused, and says which', async () => {
      const user = await registerUser(t);
      const good = legacyToken('knox5');
      const expired = legacyToken('knox42');
      const error = await importTokens(t, [imported(good, user.id), imported(expired, user.id, { expiry: new Date(Date.now() - MINUTE) })]).then(
        () => undefined,
        (reason: unknown) => reason,
      );
      expect(error).toBeInstanceOf(InvalidImportedTokens);
      expect((error as InvalidImportedTokens).problems).toEqual([{ index: 1, reason: 'expired' }]);
      expect(await rowOf(t, good)).toBeUndefined();
    });

    it("rolls back with the importer's transaction, and a token imported twice fails the whole batch", async () => {
      const user = await registerUser(t);
      const first = legacyToken('drf');
      const second = legacyToken('knox5', 'x_');
      const database = t.app.get(Database);
      await expect(
        database.transaction(async (db) => {
          await t.app.get(TokensService).importTokens([imported(first, user.id)], db);
          throw new Error('the importer failed later');
        }),
      ).rejects.toThrow('the importer failed later');
      expect(await rowOf(t, first)).toBeUndefined();

      await expect(importTokens(t, [imported(second, user.id), imported(first, user.id), imported(second, user.id)])).rejects.toBeInstanceOf(UniqueViolation);
      expect(await rowOf(t, first)).toBeUndefined();
      expect(await rowOf(t, second)).toBeUndefined();
    });
  });

  describe('the migration', () => {
    let own: TestApp;
    beforeAll(async () => {
      own = await createTestApp();
    });
    afterAll(async () => {
      await own.close();
    });

    it('refuses to revert while imported tokens exist, and reverts cleanly once they are gone', async () => {
      const user = await registerUser(own);
      const [token] = await importEveryKind(own, user);
      const dataSource = new DataSource(buildDataSourceOptions(own.db.options.connectionString!, 1));
      await dataSource.initialize();
      const runner = dataSource.createQueryRunner();
      const migration = new ImportedTokens1796600000000();
      try {
        await expect(migration.down(runner)).rejects.toThrow(/4 imported token\(s\) are still in auth_tokens.*DELETE FROM auth_tokens WHERE kind <> 'native'/);
        await whoAmI(own, token.raw).expect(200);

        await own.db.query(`DELETE FROM auth_tokens WHERE kind <> 'native'`);
        await migration.down(runner);
        const { rows } = await own.db.query<{ column_name: string; data_type: string; length: number }>(
          `SELECT column_name, data_type, character_maximum_length AS length FROM information_schema.columns
            WHERE table_name = 'auth_tokens' AND column_name IN ('digest', 'token_key', 'kind') ORDER BY column_name`,
        );
        expect(rows).toEqual([
          { column_name: 'digest', data_type: 'character', length: 64 },
          { column_name: 'token_key', data_type: 'character varying', length: 16 },
        ]);
        await migration.up(runner);
        await whoAmI(own, user.token).expect(200);
      } finally {
        await runner.release();
        await dataSource.destroy();
      }
    });
  });
});
