import type { Queryable } from '../database/database';
import type { AppConfig } from '../config/app-config';
import { ApiException } from '../common/http/problem-details';
import type { UsersRepository } from '../users/users.repository';
import type { AuthToken } from './auth-token.entity';
import type { AuthTokensRepository, TokenWithUser } from './auth-tokens.repository';
import type { ImportedToken } from './imported-tokens';
import { knox42Digest, knox5Digest } from './imported-tokens';
import { digestToken, generateToken } from './token-crypto';
import { InvalidImportedTokens, TOKEN_LIMIT_MESSAGE, TokensService } from './tokens.service';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const PREFIX = 'lp_';

type AuthSettings = AppConfig['auth'];

function configWith(auth: Partial<AuthSettings> = {}): AppConfig {
  return {
    auth: {
      tokenTtlMs: 10 * HOUR,
      autoRefresh: false,
      autoRefreshMaxTtlMs: null,
      minRefreshIntervalMs: MINUTE,
      tokenLimitPerUser: null,
      tokenPrefix: PREFIX,
      pruneIntervalMs: HOUR,
      ...auth,
    },
  } as AppConfig;
}

function mockTokens() {
  return {
    findByDigestWithUser: jest.fn(),
    insert: jest.fn(async (fields: Partial<AuthToken>) => ({ id: 7, createdAt: new Date(), lastUsedAt: null, ...fields }) as AuthToken),
    countUnexpired: jest.fn(async () => 0),
    touch: jest.fn(async () => undefined),
    deleteById: jest.fn(async () => undefined),
    deleteByDigest: jest.fn(async () => undefined),
    listUnexpired: jest.fn(async () => []),
    deleteOwned: jest.fn(async () => true),
    deleteAllOwned: jest.fn(async () => 0),
    deleteAllOwnedExcept: jest.fn(async () => 0),
    deleteExpired: jest.fn(async () => 0),
    insertImported: jest.fn(async (rows: readonly unknown[]) => rows.length),
  };
}

function mockUsers() {
  return { lockForUpdate: jest.fn(async () => true) };
}

function setup(auth: Partial<AuthSettings> = {}) {
  const tokens = mockTokens();
  const users = mockUsers();
  const service = new TokensService(configWith(auth), tokens as unknown as AuthTokensRepository, users as unknown as UsersRepository);
  return { service, tokens, users };
}

function found(overrides: Partial<TokenWithUser> = {}): TokenWithUser {
  const now = Date.now();
  return {
    id: 11,
    userId: 3,
    createdAt: new Date(now - HOUR),
    expiry: new Date(now + 9 * HOUR),
    lastUsedAt: new Date(now - 10_000),
    username: 'alice',
    email: 'alice@example.com',
    isActive: true,
    ...overrides,
  };
}

/** The ApiException a promise rejects with, for checking status and detail. */
async function rejection(promise: Promise<unknown>): Promise<ApiException> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ApiException);
  return error as ApiException;
}

function expectRepositoriesUntouched(tokens: ReturnType<typeof mockTokens>, users: ReturnType<typeof mockUsers>) {
  for (const mock of [...Object.values(tokens), ...Object.values(users)]) expect(mock).not.toHaveBeenCalled();
}

const connection = {} as Queryable;

describe('TokensService', () => {
  describe('authenticate', () => {
    const valid = generateToken(PREFIX).token;
    const last = valid.at(-1) === 'A' ? 'B' : 'A';

    it.each([
      ['truncated', valid.slice(0, -1)],
      ['extended', `${valid}A`],
      ['bad checksum', `${valid.slice(0, -1)}${last}`],
      ['tampered body', `${valid.slice(0, 5)}${valid[5] === 'x' ? 'y' : 'x'}${valid.slice(6)}`],
      ['missing prefix', valid.slice(PREFIX.length)],
      ['other prefix', `xx_${valid.slice(PREFIX.length)}`],
      ['wrong alphabet', valid.replace(/[A-Z]/, '-')],
      ['empty', ''],
    ])('refuses a %s token without touching any repository', async (_label, token) => {
      const { service, tokens, users } = setup();
      const error = await rejection(service.authenticate(token));
      expect(error.getStatus()).toBe(401);
      expect(error.detail).toBe('Invalid token.');
      expect(error.headers).toEqual({ 'WWW-Authenticate': 'Token' });
      expectRepositoriesUntouched(tokens, users);
    });

    it('looks a well-formed token up once, by its digest, and refuses it when unknown', async () => {
      const { service, tokens } = setup();
      tokens.findByDigestWithUser.mockResolvedValue(null);
      const error = await rejection(service.authenticate(valid));
      expect(error.detail).toBe('Invalid token.');
      expect(tokens.findByDigestWithUser).toHaveBeenCalledTimes(1);
      expect(tokens.findByDigestWithUser).toHaveBeenCalledWith([{ kind: 'native', digest: digestToken(valid) }]);
      expect(tokens.deleteById).not.toHaveBeenCalled();
    });

    it('returns the principal with the token id, and writes nothing while lastUsedAt is recent', async () => {
      const { service, tokens } = setup();
      tokens.findByDigestWithUser.mockResolvedValue(found());
      await expect(service.authenticate(valid)).resolves.toEqual({ id: 3, username: 'alice', email: 'alice@example.com', tokenId: 11 });
      expect(tokens.touch).not.toHaveBeenCalled();
    });

    it('deletes an expired token as it is presented and refuses it', async () => {
      const { service, tokens } = setup();
      tokens.findByDigestWithUser.mockResolvedValue(found({ expiry: new Date(Date.now() - 1) }));
      const error = await rejection(service.authenticate(valid));
      expect(error.detail).toBe('Invalid token.');
      expect(tokens.deleteById).toHaveBeenCalledWith(11);
      expect(tokens.touch).not.toHaveBeenCalled();
    });

    it('refuses the token of an inactive user, and neither refreshes nor stamps it', async () => {
      const { service, tokens } = setup({ autoRefresh: true });
      tokens.findByDigestWithUser.mockResolvedValue(found({ isActive: false, lastUsedAt: null, expiry: new Date(Date.now() + MINUTE) }));
      const error = await rejection(service.authenticate(valid));
      expect(error.getStatus()).toBe(401);
      expect(error.detail).toBe('User inactive or deleted.');
      expect(tokens.touch).not.toHaveBeenCalled();
      expect(tokens.deleteById).not.toHaveBeenCalled();
    });

    it('stamps lastUsedAt on first use and once it is older than the minimum refresh interval', async () => {
      const { service, tokens } = setup();
      tokens.findByDigestWithUser.mockResolvedValueOnce(found({ lastUsedAt: null }));
      await service.authenticate(valid);
      tokens.findByDigestWithUser.mockResolvedValueOnce(found({ lastUsedAt: new Date(Date.now() - 2 * MINUTE) }));
      await service.authenticate(valid);
      expect(tokens.touch).toHaveBeenCalledTimes(2);
      for (const [id, changes] of tokens.touch.mock.calls as unknown as Array<[number, { lastUsedAt?: Date; expiry?: Date }]>) {
        expect(id).toBe(11);
        expect(Object.keys(changes)).toEqual(['lastUsedAt']);
        expect(Math.abs(changes.lastUsedAt!.getTime() - Date.now())).toBeLessThan(5_000);
      }
    });

    describe('auto-refresh', () => {
      it('moves the expiry to now + TTL when that moves it by more than the minimum interval', async () => {
        const { service, tokens } = setup({ autoRefresh: true, tokenTtlMs: HOUR });
        tokens.findByDigestWithUser.mockResolvedValue(found({ expiry: new Date(Date.now() + 10 * MINUTE) }));
        const before = Date.now();
        await service.authenticate(valid);
        const [, changes] = tokens.touch.mock.calls[0] as unknown as [number, { expiry: Date }];
        expect(changes.expiry.getTime()).toBeGreaterThanOrEqual(before + HOUR);
        expect(changes.expiry.getTime()).toBeLessThanOrEqual(Date.now() + HOUR);
      });

      it('does not write when the move would be smaller than the minimum interval', async () => {
        const { service, tokens } = setup({ autoRefresh: true, tokenTtlMs: HOUR });
        tokens.findByDigestWithUser.mockResolvedValue(found({ expiry: new Date(Date.now() + HOUR - 30_000) }));
        await service.authenticate(valid);
        expect(tokens.touch).not.toHaveBeenCalled();
      });

      it('caps the expiry at createdAt + max TTL', async () => {
        const { service, tokens } = setup({ autoRefresh: true, tokenTtlMs: HOUR, autoRefreshMaxTtlMs: 3 * HOUR });
        const createdAt = new Date(Date.now() - (2 * HOUR + 50 * MINUTE));
        tokens.findByDigestWithUser.mockResolvedValue(found({ createdAt, expiry: new Date(Date.now() + MINUTE) }));
        await service.authenticate(valid);
        const [, changes] = tokens.touch.mock.calls[0] as unknown as [number, { expiry: Date }];
        expect(changes.expiry.getTime()).toBe(createdAt.getTime() + 3 * HOUR);
      });

      it('leaves never-expiring tokens alone', async () => {
        const { service, tokens } = setup({ autoRefresh: true, tokenTtlMs: null });
        tokens.findByDigestWithUser.mockResolvedValue(found({ expiry: null }));
        await service.authenticate(valid);
        expect(tokens.touch).not.toHaveBeenCalled();
      });

      it('refreshes an imported token exactly as a native one', async () => {
        const { service, tokens } = setup({ autoRefresh: true, tokenTtlMs: HOUR });
        tokens.findByDigestWithUser.mockResolvedValue(found({ expiry: new Date(Date.now() + 10 * MINUTE) }));
        const before = Date.now();
        await service.authenticate('lk_' + 'ab'.repeat(32));
        const [id, changes] = tokens.touch.mock.calls[0] as unknown as [number, { expiry: Date }];
        expect(id).toBe(11);
        expect(changes.expiry.getTime()).toBeGreaterThanOrEqual(before + HOUR);
      });

      it('still authenticates when the bookkeeping write fails', async () => {
        const { service, tokens } = setup({ autoRefresh: true, tokenTtlMs: HOUR });
        tokens.findByDigestWithUser.mockResolvedValue(found({ expiry: new Date(Date.now() + MINUTE) }));
        tokens.touch.mockRejectedValue(new Error('connection reset'));
        await expect(service.authenticate(valid)).resolves.toMatchObject({ id: 3, tokenId: 11 });
      });
    });
  });

  describe('authenticate, imported tokens', () => {
    const hex64 = 'c3'.repeat(32);

    it.each([
      ['a knox 5 token with a prefix', `acme-${hex64}`, [{ kind: 'knox5', digest: knox5Digest(`acme-${hex64}`) }]],
      ['a bare 64-hex token (knox 5 or knox 4.2)', hex64, [{ kind: 'knox5', digest: knox5Digest(hex64) }, { kind: 'knox42', digest: knox42Digest(hex64) }]],
      ['a DRF key', 'd4'.repeat(20), [{ kind: 'drf', digest: digestToken('d4'.repeat(20)) }]],
    ])('looks %s up once, by its candidate digests', async (_label, token, candidates) => {
      const { service, tokens } = setup();
      tokens.findByDigestWithUser.mockResolvedValue(found());
      await expect(service.authenticate(token)).resolves.toEqual({ id: 3, username: 'alice', email: 'alice@example.com', tokenId: 11 });
      expect(tokens.findByDigestWithUser).toHaveBeenCalledTimes(1);
      expect(tokens.findByDigestWithUser).toHaveBeenCalledWith(candidates);
    });

    it('deletes an expired imported token as it is presented, with the invalid-token sentence', async () => {
      const { service, tokens } = setup();
      tokens.findByDigestWithUser.mockResolvedValue(found({ expiry: new Date(Date.now() - 1) }));
      const error = await rejection(service.authenticate(hex64));
      expect(error.detail).toBe('Invalid token.');
      expect(tokens.deleteById).toHaveBeenCalledWith(11);
    });

    it.each([
      ['uppercase hex', hex64.toUpperCase()],
      ['63 hex', hex64.slice(1)],
      ['a prefix of 11', `abcdefghijk${hex64}`],
    ])('refuses %s without touching any repository', async (_label, token) => {
      const { service, tokens, users } = setup();
      const error = await rejection(service.authenticate(token));
      expect(error.detail).toBe('Invalid token.');
      expectRepositoriesUntouched(tokens, users);
    });
  });

  describe('importTokens', () => {
    const knox: ImportedToken = {
      userId: 3,
      kind: 'knox5',
      secret: 'e'.repeat(128),
      tokenKey: 'eeeeeeeeeeeeeee',
      createdAt: new Date('2025-01-01T00:00:00Z'),
      expiry: null,
    };
    const drfKey = 'f0'.repeat(20);

    it("writes every token in the caller's transaction, a DRF key as its digest only", async () => {
      const { service, tokens } = setup();
      await expect(service.importTokens([knox, { ...knox, kind: 'drf', secret: drfKey, tokenKey: null }], connection)).resolves.toBe(2);
      expect(tokens.insertImported).toHaveBeenCalledTimes(1);
      const [rows, db] = tokens.insertImported.mock.calls[0] as unknown as [unknown[], Queryable];
      expect(db).toBe(connection);
      expect(rows).toEqual([
        { kind: 'knox5', digest: knox.secret, tokenKey: knox.tokenKey, userId: 3, createdAt: knox.createdAt, expiry: null },
        { kind: 'drf', digest: digestToken(drfKey), tokenKey: 'f0f0f0f0', userId: 3, createdAt: knox.createdAt, expiry: null },
      ]);
      expect(JSON.stringify(rows)).not.toContain(drfKey);
    });

    it('writes nothing when any token cannot come over, and says which and why', async () => {
      const { service, tokens } = setup();
      const expired = { ...knox, expiry: new Date(Date.now() - MINUTE) };
      const badKey = { ...knox, kind: 'drf' as const, secret: 'not hex', tokenKey: null };
      const error = await service.importTokens([knox, expired, badKey], connection).then(
        () => undefined,
        (reason: unknown) => reason,
      );
      expect(error).toBeInstanceOf(InvalidImportedTokens);
      expect((error as InvalidImportedTokens).problems).toEqual([
        { index: 1, reason: 'expired' },
        { index: 2, reason: 'the key is not 40 lowercase hex characters' },
      ]);
      expect((error as Error).message).not.toContain('not hex');
      expect(tokens.insertImported).not.toHaveBeenCalled();
    });

    it('answers 0 for an empty batch', async () => {
      const { service } = setup();
      await expect(service.importTokens([], connection)).resolves.toBe(0);
    });
  });

  describe('issue', () => {
    it('stores only the digest and key of a fresh prefixed token, with expiry now + TTL', async () => {
      const { service, tokens, users } = setup({ tokenTtlMs: HOUR });
      const before = Date.now();
      const issued = await service.issue(3, 'laptop', connection);
      expect(issued.token).toMatch(/^lp_[A-Za-z0-9]{49}$/);
      const [fields, usedConnection] = tokens.insert.mock.calls[0] as unknown as [Record<string, unknown>, Queryable];
      expect(usedConnection).toBe(connection);
      expect(fields).toEqual({ digest: digestToken(issued.token), tokenKey: issued.token.slice(3, 11), userId: 3, name: 'laptop', expiry: expect.any(Date) });
      expect(JSON.stringify(fields)).not.toContain(issued.token);
      expect((fields.expiry as Date).getTime()).toBeGreaterThanOrEqual(before + HOUR);
      expect(users.lockForUpdate).not.toHaveBeenCalled();
    });

    it('issues never-expiring tokens when the TTL is none', async () => {
      const { service, tokens } = setup({ tokenTtlMs: null });
      const issued = await service.issue(3, null, connection);
      expect(issued.expiry).toBeNull();
      expect((tokens.insert.mock.calls[0] as unknown as [{ expiry: unknown }])[0].expiry).toBeNull();
    });

    it('locks the user, counts, and refuses with 403 at the limit without inserting', async () => {
      const { service, tokens, users } = setup({ tokenLimitPerUser: 3 });
      tokens.countUnexpired.mockResolvedValue(3);
      const error = await rejection(service.issue(3, null, connection));
      expect(error.getStatus()).toBe(403);
      expect(error.detail).toBe(TOKEN_LIMIT_MESSAGE);
      expect(TOKEN_LIMIT_MESSAGE).toBe('Maximum amount of tokens allowed per user exceeded.');
      expect(users.lockForUpdate).toHaveBeenCalledWith(3, connection);
      expect(users.lockForUpdate.mock.invocationCallOrder[0]).toBeLessThan(tokens.countUnexpired.mock.invocationCallOrder[0]);
      expect(tokens.insert).not.toHaveBeenCalled();
    });

    it('issues below the limit', async () => {
      const { service, tokens } = setup({ tokenLimitPerUser: 3 });
      tokens.countUnexpired.mockResolvedValue(2);
      await service.issue(3, null, connection);
      expect(tokens.insert).toHaveBeenCalledTimes(1);
    });
  });

  describe('revoking', () => {
    const principal = { id: 3, username: 'alice', email: 'alice@example.com', tokenId: 11 };

    it('revokes an owned token by owner and id, and answers 404 otherwise', async () => {
      const { service, tokens } = setup();
      await service.revoke(principal, 12);
      expect(tokens.deleteOwned).toHaveBeenCalledWith(3, 12);
      tokens.deleteOwned.mockResolvedValue(false);
      const error = await rejection(service.revoke(principal, 99));
      expect(error.getStatus()).toBe(404);
      expect(error.detail).toBe('Not found.');
    });

    it('logs out the token used, and logoutall every token of the caller only', async () => {
      const { service, tokens } = setup();
      await service.logout(principal);
      expect(tokens.deleteOwned).toHaveBeenCalledWith(3, 11);
      await service.logoutAll(principal);
      expect(tokens.deleteAllOwned).toHaveBeenCalledWith(3);
    });

    it('revokes a presented token by its digest, never by the raw value', async () => {
      const { service, tokens } = setup();
      const { token } = generateToken(PREFIX);
      await service.revokeByToken(token);
      expect(tokens.deleteByDigest).toHaveBeenCalledWith(digestToken(token));
      expect(JSON.stringify(tokens.deleteByDigest.mock.calls)).not.toContain(token);
    });
  });
});
