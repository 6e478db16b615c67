import * as argon2 from 'argon2';
import type { Database, Queryable } from '../database/database';
import { ApiException } from '../common/http/problem-details';
import { PasswordHasher } from '../users/password-hasher';
import type { UsersRepository, UserWithHash } from '../users/users.repository';
import {
  AuthService,
  BASIC_LOGIN_FAILED_MESSAGE,
  LOGIN_FAILED_MESSAGE,
  PASSWORD_CHANGED_MESSAGE,
  PASSWORD_MISMATCH_MESSAGE,
  PasswordRefusedError,
  WRONG_OLD_PASSWORD_MESSAGE,
} from './auth.service';
import type { TokensService } from './tokens.service';

const PASSWORD = 'violet-Harbor-42-lantern';
/** Cheaper than production settings: a hash a deployment with older parameters would hold. */
const OLD_PARAMETERS = { type: argon2.argon2id, memoryCost: 4096, timeCost: 1, parallelism: 1 } as const;

const connection = {} as Queryable;

function setup(user: UserWithHash | null) {
  const hasher = new PasswordHasher();
  const users = {
    findByUsernameWithHash: jest.fn(async () => user),
    findByIdWithHash: jest.fn(async () => user),
    recordLogin: jest.fn(async () => undefined),
    setPasswordHash: jest.fn(async () => undefined),
    replacePasswordHash: jest.fn(async () => true),
  };
  const tokens = {
    issue: jest.fn(async () => ({ token: 'raw-token', expiry: null })),
    revokeAllExcept: jest.fn(async () => 0),
  };
  const database = { transaction: jest.fn(async (work: (db: Queryable) => Promise<unknown>) => work(connection)) };
  const service = new AuthService(
    database as unknown as Database,
    users as unknown as UsersRepository,
    tokens as unknown as TokensService,
    hasher,
  );
  return { service, hasher, users, tokens, database };
}

async function userWith(hash: Promise<string> | string, isActive = true): Promise<UserWithHash> {
  return { id: 3, username: 'alice', email: 'alice@example.com', passwordHash: await hash, isActive };
}

async function loginFailure(promise: Promise<unknown>): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ApiException);
  expect((error as ApiException).getStatus()).toBe(400);
  expect((error as ApiException).errors).toEqual({ non_field_errors: [LOGIN_FAILED_MESSAGE] });
}

describe('AuthService.login', () => {
  it('runs the dummy verification for an unknown user, then fails like a wrong password', async () => {
    const { service, hasher, database } = setup(null);
    const dummy = jest.spyOn(hasher, 'verifyDummy');
    await loginFailure(service.login('ghost', PASSWORD, null));
    expect(dummy).toHaveBeenCalledWith(PASSWORD);
    await expect(dummy.mock.results[0].value).resolves.toBe(false);
    expect(database.transaction).not.toHaveBeenCalled();
  });

  it('does the same argon2 work (one verification) for unknown users, wrong passwords and inactive users', async () => {
    const hasher = new PasswordHasher();
    const cases = [setup(null), setup(await userWith(hasher.hash(PASSWORD))), setup(await userWith(hasher.hash(PASSWORD), false))];
    const attempts = ['anything', 'wrong-Password-1', PASSWORD];
    for (const [index, { service, hasher: caseHasher }] of cases.entries()) {
      const verify = jest.spyOn(caseHasher, 'verify');
      await loginFailure(service.login('alice', attempts[index], null));
      expect(verify).toHaveBeenCalledTimes(1);
    }
  });

  it('refuses an inactive user even with the right password, issuing nothing', async () => {
    const hasher = new PasswordHasher();
    const { service, tokens, users } = setup(await userWith(hasher.hash(PASSWORD), false));
    await loginFailure(service.login('alice', PASSWORD, null));
    expect(tokens.issue).not.toHaveBeenCalled();
    expect(users.recordLogin).not.toHaveBeenCalled();
  });

  it("fails HTTP Basic credentials as knox's LoginView does: 401 with the Basic challenge, for each kind of failure", async () => {
    const hasher = new PasswordHasher();
    const cases = [setup(null), setup(await userWith(hasher.hash(PASSWORD))), setup(await userWith(hasher.hash(PASSWORD), false))];
    const attempts = ['anything', 'wrong-Password-1', PASSWORD];
    for (const [index, { service }] of cases.entries()) {
      const error = await service.login('alice', attempts[index], null, 'basic').then(
        () => undefined,
        (reason: unknown) => reason as ApiException,
      );
      expect(error).toBeInstanceOf(ApiException);
      expect(error?.toApiError()).toEqual({
        status: 401,
        detail: BASIC_LOGIN_FAILED_MESSAGE,
        errors: undefined,
        headers: { 'WWW-Authenticate': 'Basic realm="api"' },
      });
    }
  });

  it('issues a token and records the login, without rehashing a current hash', async () => {
    const hasher = new PasswordHasher();
    const { service, users, tokens } = setup(await userWith(hasher.hash(PASSWORD)));
    await expect(service.login('alice', PASSWORD, 'laptop')).resolves.toEqual({
      user: { id: 3, username: 'alice', email: 'alice@example.com' },
      token: 'raw-token',
      expiry: null,
    });
    expect(tokens.issue).toHaveBeenCalledWith(3, 'laptop', connection);
    expect(users.recordLogin).toHaveBeenCalledWith(3, connection);
    expect(users.setPasswordHash).not.toHaveBeenCalled();
    expect(users.replacePasswordHash).not.toHaveBeenCalled();
  });

  it('rehashes a hash made with other argon2 parameters, inside the login transaction', async () => {
    const oldHash = await argon2.hash(PASSWORD, OLD_PARAMETERS);
    const { service, hasher, users } = setup(await userWith(oldHash));
    await service.login('alice', PASSWORD, null);
    expect(users.replacePasswordHash).toHaveBeenCalledTimes(1);
    const [id, replaced, newHash, usedConnection] = users.replacePasswordHash.mock.calls[0] as unknown as [number, string, string, Queryable];
    expect(id).toBe(3);
    // Conditional on the hash just verified, so a concurrent change is never overwritten.
    expect(replaced).toBe(oldHash);
    expect(usedConnection).toBe(connection);
    expect(newHash).not.toBe(oldHash);
    expect(hasher.needsRehash(newHash)).toBe(false);
    await expect(hasher.verify(newHash, PASSWORD)).resolves.toBe(true);
  });

  it('does not rehash on a failed login', async () => {
    const { service, users } = setup(await userWith(argon2.hash(PASSWORD, OLD_PARAMETERS)));
    await loginFailure(service.login('alice', 'wrong-Password-1', null));
    expect(users.setPasswordHash).not.toHaveBeenCalled();
    expect(users.replacePasswordHash).not.toHaveBeenCalled();
  });
});

describe('AuthService.changePassword', () => {
  const principal = { id: 3, username: 'alice', email: 'alice@example.com', tokenId: 11 };

  async function changeFailure(dto: { old_password: string; new_password1: string; new_password2: string }): Promise<ApiException | undefined> {
    const hasher = new PasswordHasher();
    const { service, users, tokens } = setup(await userWith(hasher.hash(PASSWORD)));
    const error = await service.changePassword(principal, dto).then(
      () => undefined,
      (reason: unknown) => reason as ApiException,
    );
    expect(users.setPasswordHash).not.toHaveBeenCalled();
    expect(tokens.revokeAllExcept).not.toHaveBeenCalled();
    expect(error?.getStatus()).toBe(400);
    return error;
  }

  it('reports a wrong old password alone (a field error stops DRF before the form checks), changing nothing', async () => {
    const error = await changeFailure({ old_password: 'wrong-Password-1', new_password1: 'Alice#9', new_password2: 'other' });
    expect(error?.errors).toEqual({ old_password: [WRONG_OLD_PASSWORD_MESSAGE] });
  });

  it('reports two different new passwords under new_password2, changing nothing', async () => {
    const error = await changeFailure({ old_password: PASSWORD, new_password1: 'amber-Quarry-73-whistle', new_password2: 'amber-Quarry-73-whistlE' });
    expect(error?.errors).toEqual({ new_password2: [PASSWORD_MISMATCH_MESSAGE] });
    expect(PASSWORD_MISMATCH_MESSAGE).toBe('The two password fields didn\u2019t match.');
  });

  it('reports every failing validator under new_password2, judged against this user', async () => {
    const error = await changeFailure({ old_password: PASSWORD, new_password1: 'Alice#9', new_password2: 'Alice#9' });
    expect(error?.errors).toEqual({
      new_password2: ['The password is too similar to the username.', 'This password is too short. It must contain at least 8 characters.'],
    });
  });

  it('stores a new argon2id hash and revokes every other token in one transaction', async () => {
    const hasher = new PasswordHasher();
    const { service, users, tokens } = setup(await userWith(hasher.hash(PASSWORD)));
    await expect(
      service.changePassword(principal, { old_password: PASSWORD, new_password1: 'amber-Quarry-73-whistle', new_password2: 'amber-Quarry-73-whistle' }),
    ).resolves.toEqual({ detail: PASSWORD_CHANGED_MESSAGE });
    const [, hash, usedConnection] = users.setPasswordHash.mock.calls[0] as unknown as [number, string, Queryable];
    expect(usedConnection).toBe(connection);
    await expect(hasher.verify(hash, 'amber-Quarry-73-whistle')).resolves.toBe(true);
    expect(tokens.revokeAllExcept).toHaveBeenCalledWith(3, 11, connection);
  });
});

describe('AuthService.passwordProblems', () => {
  const owner = { username: 'harborlantern', email: 'h@example.com' };

  it("answers the password field's first failing check, else every failing Django validator, else nothing", async () => {
    const { service } = setup(null);
    await expect(service.passwordProblems(owner, '')).resolves.toEqual(['This field may not be blank.']);
    await expect(service.passwordProblems(owner, 'Ab1-'.repeat(1025))).resolves.toEqual(['Ensure this field has no more than 4096 characters.']);
    await expect(service.passwordProblems(owner, 'amber\0Quarry-73')).resolves.toEqual(['Null characters are not allowed.']);
    await expect(service.passwordProblems(owner, '12345678')).resolves.toEqual(['This password is too common.', 'This password is entirely numeric.']);
    await expect(service.passwordProblems(owner, 'harborlantern1')).resolves.toEqual(['The password is too similar to the username.']);
    await expect(service.passwordProblems(owner, 'amber-Quarry-73-whistle')).resolves.toEqual([]);
  });
});

describe('AuthService.setPassword', () => {
  const user = { id: 3, username: 'alice', email: 'alice@example.com' };

  it('with no token to keep (a management command), revokes every token of the user in the same transaction', async () => {
    const { service, users, tokens } = setup(await userWith(PASSWORD));
    tokens.revokeAllExcept.mockResolvedValueOnce(4);
    await expect(service.setPassword(user, 'amber-Quarry-73-whistle')).resolves.toBe(4);
    expect(users.setPasswordHash).toHaveBeenCalledWith(3, expect.stringMatching(/^\$argon2id\$/), connection);
    expect(tokens.revokeAllExcept).toHaveBeenCalledWith(3, undefined, connection);
  });

  it("refuses what Django's validators refuse, with each of their sentences, changing nothing", async () => {
    const { service, users, tokens } = setup(await userWith(PASSWORD));
    const error = await service.setPassword(user, '12345678', { keepTokenId: 11 }).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(PasswordRefusedError);
    expect((error as PasswordRefusedError).problems).toEqual(['This password is too common.', 'This password is entirely numeric.']);
    expect(users.setPasswordHash).not.toHaveBeenCalled();
    expect(tokens.revokeAllExcept).not.toHaveBeenCalled();
  });
});
