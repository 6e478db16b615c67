import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { HttpStatus, Injectable } from '@nestjs/common';
import { Principal } from '../common/decorators/current-user.decorator';
import { ApiException, unauthorized, validationFailed } from '../common/http/problem-details';
import { toFieldErrors } from '../common/http/validation.pipe';
import { Database, Queryable } from '../database/database';
import { AUTH_MESSAGES } from './authorization-header';
import { PasswordHasher } from '../users/password-hasher';
import { PasswordOwner, validatePassword } from '../users/password-validators';
import { DuplicateUsernameError, NewUser, UsersRepository } from '../users/users.repository';
import { ChangePasswordDto } from './dto/change-password.dto';
import { NewPassword } from './dto/password-field';
import { RegisterDto } from './dto/register.dto';
import { toLoginResponse, toRegisterResponse } from './auth.mapper';
import type { DetailResponse, TokenResponseDto } from './dto/auth-responses.dto';
import { TokensService } from './tokens.service';

/** The tutorial's LoginSerializer, for credentials in the body (a 400 under `non_field_errors`). */
export const LOGIN_FAILED_MESSAGE = 'Incorrect Credentials Passed.';
/** knox's LoginView behind DRF's BasicAuthentication, for HTTP Basic credentials (a 401). */
export const BASIC_LOGIN_FAILED_MESSAGE = 'Invalid username/password.';
export const BASIC_CHALLENGE = { 'WWW-Authenticate': 'Basic realm="api"' } as const;
export const DUPLICATE_USERNAME_MESSAGE = 'A user with that username already exists.';
/** Django's PasswordChangeForm and SetPasswordForm, as dj-rest-auth answers them. */
export const WRONG_OLD_PASSWORD_MESSAGE = 'Your old password was entered incorrectly. Please enter it again.';
export const PASSWORD_MISMATCH_MESSAGE = 'The two password fields didn\u2019t match.';
export const PASSWORD_CHANGED_MESSAGE = 'New password has been saved.';

/** A new password Django's validators refuse, with each of their sentences: every caller words it its own way. */
export class PasswordRefusedError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join(' '));
  }
}

/** Where login read the credentials: each source fails with its own answer. */
export type CredentialSource = 'body' | 'basic';

@Injectable()
export class AuthService {
  constructor(
    private readonly database: Database,
    private readonly users: UsersRepository,
    private readonly tokens: TokensService,
    private readonly hasher: PasswordHasher,
  ) {}

  /** Creates the user and their first token in one transaction: no user without a token, or the reverse. */
  async register(dto: RegisterDto): Promise<TokenResponseDto> {
    try {
      return await this.createUser(dto, async (user, db) => {
        const issued = await this.tokens.issue(user.id, null, db);
        return toRegisterResponse(user, issued.token, issued.expiry);
      });
    } catch (error) {
      if (error instanceof DuplicateUsernameError) throw validationFailed({ username: [DUPLICATE_USERNAME_MESSAGE] });
      throw error;
    }
  }

  /**
   * How every account is made, by the register route and `manage createuser`
   * alike: `dto` has passed RegisterDto's rules, the password is hashed, and
   * the unique index decides a race for the name (DuplicateUsernameError, which
   * each caller words its own way). `then` runs in the same transaction: the
   * route issues the first token there.
   */
  async createUser<T>(dto: RegisterDto, then: (user: NewUser, db: Queryable) => Promise<T>): Promise<T> {
    const passwordHash = await this.hasher.hash(dto.password);
    return this.database.transaction(async (db) => {
      const user = await this.users.create({ username: dto.username, email: dto.email ?? '', passwordHash }, db);
      return await then(user, db);
    });
  }

  /**
   * One answer for every failure (unknown user, wrong password, inactive
   * user), and the same argon2 work for each, so neither the body nor the
   * timing reveals which usernames exist.
   */
  async login(username: string, password: string, tokenName: string | null, source: CredentialSource = 'body'): Promise<TokenResponseDto> {
    const user = await this.users.findByUsernameWithHash(username);
    if (!user) {
      await this.hasher.verifyDummy(password);
      throw loginFailed(source);
    }
    const valid = await this.hasher.verify(user.passwordHash, password);
    if (!valid || !user.isActive) throw loginFailed(source);

    // Parameters changed since this hash was made (or it predates argon2id at
    // OWASP's settings): store a fresh hash while we hold the plain password.
    const newHash = this.hasher.needsRehash(user.passwordHash) ? await this.hasher.hash(password) : null;

    return this.database.transaction(async (db) => {
      const issued = await this.tokens.issue(user.id, tokenName, db);
      await this.users.recordLogin(user.id, db);
      if (newHash) await this.users.replacePasswordHash(user.id, user.passwordHash, newHash, db);
      return toLoginResponse(user, issued.token, issued.expiry);
    });
  }

  /**
   * dj-rest-auth's PasswordChangeSerializer: the old password is checked first and
   * alone (a field error stops DRF before the form's own checks); then Django's
   * SetPasswordForm, which reports a mismatch, or else every failing validator,
   * under `new_password2`.
   */
  async changePassword(principal: Principal, dto: ChangePasswordDto): Promise<DetailResponse> {
    const user = await this.users.findByIdWithHash(principal.id);
    // The token's user was deleted between authentication and now.
    if (!user) throw unauthorized(AUTH_MESSAGES.inactive);
    if (!(await this.hasher.verify(user.passwordHash, dto.old_password))) {
      throw validationFailed({ old_password: [WRONG_OLD_PASSWORD_MESSAGE] });
    }
    if (dto.new_password1 !== dto.new_password2) throw validationFailed({ new_password2: [PASSWORD_MISMATCH_MESSAGE] });
    try {
      // Whoever else held a token (or a stolen one) is logged out; this session stays.
      await this.setPassword(user, dto.new_password2, { keepTokenId: principal.tokenId });
    } catch (error) {
      if (error instanceof PasswordRefusedError) throw validationFailed({ new_password2: error.problems });
      throw error;
    }
    return { detail: PASSWORD_CHANGED_MESSAGE };
  }

  /**
   * Every reason `password` is refused as the new password of this user ([]
   * when none), for the change route (through setPassword) and the
   * management commands, which check a candidate before asking again: the
   * field's own checks, as a body's password field makes them (the first that
   * fails), else every Django validator that fails against the username and
   * email. The register route makes the same checks through RegisterDto.
   */
  async passwordProblems(user: PasswordOwner, password: string): Promise<string[]> {
    const field = await validate(plainToInstance(NewPassword, { password }), { stopAtFirstError: true, validationError: { target: false, value: false } });
    if (field.length > 0) return toFieldErrors(field).password ?? [];
    return validatePassword(password, { username: user.username, email: user.email });
  }

  /**
   * The one rule for a new password, behind the change route and `manage
   * changepassword`: passwordProblems judges it against this user, then the
   * hash is stored and every token of the user but `keepTokenId` revoked, in
   * one transaction. The route keeps the caller's current token; a command
   * has none, so all of them go. Returns how many tokens were revoked.
   */
  async setPassword(user: { id: number; username: string; email: string }, newPassword: string, { keepTokenId }: { keepTokenId?: number } = {}): Promise<number> {
    const problems = await this.passwordProblems(user, newPassword);
    if (problems.length > 0) throw new PasswordRefusedError(problems);
    const passwordHash = await this.hasher.hash(newPassword);
    return this.database.transaction(async (db) => {
      await this.users.setPasswordHash(user.id, passwordHash, db);
      return this.tokens.revokeAllExcept(user.id, keepTokenId, db);
    });
  }
}

function loginFailed(source: CredentialSource): ApiException {
  return source === 'basic'
    ? new ApiException(HttpStatus.UNAUTHORIZED, BASIC_LOGIN_FAILED_MESSAGE, undefined, { ...BASIC_CHALLENGE })
    : validationFailed({ non_field_errors: [LOGIN_FAILED_MESSAGE] });
}

