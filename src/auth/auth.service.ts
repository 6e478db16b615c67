import { HttpStatus, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Principal } from '../common/decorators/current-user.decorator';
import { ApiException, FieldErrors, validationFailed } from '../common/http/problem-details';
import { PasswordHasher } from '../users/password-hasher';
import { validatePassword } from '../users/password-validators';
import { User } from '../users/user.entity';
import { DuplicateUsernameError, UsersRepository } from '../users/users.repository';
import { ChangePasswordDto } from './dto/change-password.dto';
import { RegisterDto } from './dto/register.dto';
import { IssuedToken, TokensService } from './tokens.service';

export const LOGIN_FAILED_MESSAGE = 'Invalid username/password.';
export const DUPLICATE_USERNAME_MESSAGE = 'A user with that username already exists.';
export const WRONG_CURRENT_PASSWORD_MESSAGE = 'Your old password was entered incorrectly. Please enter it again.';

export interface PublicUser {
  id: number;
  username: string;
  email: string;
}

export interface TokenResponse {
  user: PublicUser;
  token: string;
  expiry: Date | null;
}

export const toPublicUser = (user: { id: number; username: string; email: string }): PublicUser => ({
  id: user.id,
  username: user.username,
  email: user.email,
});

@Injectable()
export class AuthService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly users: UsersRepository,
    private readonly tokens: TokensService,
    private readonly hasher: PasswordHasher,
  ) {}

  /** Creates the user and their first token in one transaction: no user without a token, or the reverse. */
  async register(dto: RegisterDto): Promise<TokenResponse> {
    const passwordHash = await this.hasher.hash(dto.password);
    try {
      return await this.dataSource.transaction(async (manager) => {
        const user = await this.users.create({ username: dto.username, email: dto.email, passwordHash }, manager);
        const issued = await this.tokens.issue(user.id, null, manager);
        return toTokenResponse(user, issued);
      });
    } catch (error) {
      if (error instanceof DuplicateUsernameError) {
        throw new ApiException(HttpStatus.CONFLICT, DUPLICATE_USERNAME_MESSAGE, { username: [DUPLICATE_USERNAME_MESSAGE] });
      }
      throw error;
    }
  }

  /**
   * One answer for every failure (unknown user, wrong password, inactive
   * user), and the same argon2 work for each, so neither the body nor the
   * timing reveals which usernames exist.
   */
  async login(username: string, password: string, tokenName: string | null): Promise<TokenResponse> {
    const user = await this.users.findByUsernameWithHash(username);
    if (!user) {
      await this.hasher.verifyDummy(password);
      throw loginFailed();
    }
    const valid = await this.hasher.verify(user.passwordHash, password);
    if (!valid || !user.isActive) throw loginFailed();

    // Parameters changed since this hash was made (or it predates argon2id at
    // OWASP's settings): store a fresh hash while we hold the plain password.
    const newHash = this.hasher.needsRehash(user.passwordHash) ? await this.hasher.hash(password) : null;

    return this.dataSource.transaction(async (manager) => {
      const issued = await this.tokens.issue(user.id, tokenName, manager);
      await this.users.recordLogin(user.id, manager);
      if (newHash) await this.users.setPasswordHash(user.id, newHash, manager);
      // knox's LoginView answers in this key order (register, below, answers user first).
      return { expiry: issued.expiry, token: issued.token, user: toPublicUser(user) };
    });
  }

  async changePassword(principal: Principal, dto: ChangePasswordDto): Promise<void> {
    const user = await this.users.findByIdWithHash(principal.id);
    if (!user) throw loginFailed();
    const errors: FieldErrors = {};
    if (!(await this.hasher.verify(user.passwordHash, dto.currentPassword))) {
      errors.currentPassword = [WRONG_CURRENT_PASSWORD_MESSAGE];
    }
    const problems = validatePassword(dto.newPassword, { username: user.username, email: user.email });
    if (problems.length > 0) errors.newPassword = problems;
    if (Object.keys(errors).length > 0) throw validationFailed(errors);

    const passwordHash = await this.hasher.hash(dto.newPassword);
    await this.dataSource.transaction(async (manager) => {
      await this.users.setPasswordHash(user.id, passwordHash, manager);
      // Whoever else held a token (or a stolen one) is logged out; this session stays.
      await this.tokens.revokeAllExcept(user.id, principal.tokenId, manager);
    });
  }
}

function loginFailed(): ApiException {
  return new ApiException(HttpStatus.UNAUTHORIZED, LOGIN_FAILED_MESSAGE, undefined, { 'WWW-Authenticate': 'Token' });
}

function toTokenResponse(user: Pick<User, 'id' | 'username' | 'email'>, issued: IssuedToken): TokenResponse {
  return { user: toPublicUser(user), token: issued.token, expiry: issued.expiry };
}

/** DRF's sentences for a malformed HTTP Basic header on the login route. */
export const BASIC_MESSAGES = {
  noCredentials: 'Invalid basic header. No credentials provided.',
  spaces: 'Invalid basic header. Credentials string should not contain spaces.',
  encoding: 'Invalid basic header. Credentials not correctly base64 encoded.',
} as const;

export type BasicCredentials = { kind: 'none' } | { kind: 'ok'; username: string; password: string } | { kind: 'invalid'; detail: string };

export function parseBasicHeader(header: string | undefined): BasicCredentials {
  if (!header) return { kind: 'none' };
  const words = header.split(/[ \t]+/).filter(Boolean);
  if (words.length === 0 || words[0].toLowerCase() !== 'basic') return { kind: 'none' };
  if (words.length === 1) return { kind: 'invalid', detail: BASIC_MESSAGES.noCredentials };
  if (words.length > 2) return { kind: 'invalid', detail: BASIC_MESSAGES.spaces };
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(words[1])) return { kind: 'invalid', detail: BASIC_MESSAGES.encoding };
  const decoded = Buffer.from(words[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0 || decoded.includes('\uFFFD')) return { kind: 'invalid', detail: BASIC_MESSAGES.encoding };
  return { kind: 'ok', username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
