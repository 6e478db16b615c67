import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/app-config.module';
import { Principal } from '../common/decorators/current-user.decorator';
import { ApiException, notFound, unauthorized } from '../common/http/problem-details';
import type { Queryable } from '../database/database';
import { UsersRepository } from '../users/users.repository';
import { toTokenListItem } from './auth.mapper';
import { AuthTokensRepository } from './auth-tokens.repository';
import type { TokenListItem } from './dto/auth-responses.dto';
import { AUTH_MESSAGES } from './authorization-header';
import { ImportedToken, importedTokenProblem, legacyCandidates, TokenCandidates, toImportedTokenRow } from './imported-tokens';
import { digestToken, generateToken, isWellFormedToken } from './token-crypto';

export const TOKEN_LIMIT_MESSAGE = 'Maximum amount of tokens allowed per user exceeded.';

/** importTokens refused the batch: each entry is a token's position in it and why. Nothing was written. */
export class InvalidImportedTokens extends Error {
  constructor(readonly problems: readonly { index: number; reason: string }[]) {
    super(`${problems.length} token(s) cannot be imported: ${problems.map((p) => `#${p.index}: ${p.reason}`).join('; ')}`);
    this.name = 'InvalidImportedTokens';
  }
}

export interface IssuedToken {
  /** The raw token: returned to the client once, never stored. */
  token: string;
  expiry: Date | null;
}

/** Knox semantics: issuing, authenticating, refreshing, listing and revoking tokens. */
@Injectable()
export class TokensService {
  private readonly logger = new Logger(TokensService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly tokens: AuthTokensRepository,
    private readonly users: UsersRepository,
  ) {}

  /**
   * Issues a token inside the caller's transaction. With a per-user limit the
   * user's row is locked first, so parallel logins count tokens one at a time
   * and can never leave more than the limit.
   */
  async issue(userId: number, name: string | null, db: Queryable): Promise<IssuedToken> {
    const now = new Date();
    const limit = this.config.auth.tokenLimitPerUser;
    if (limit !== null) {
      await this.users.lockForUpdate(userId, db);
      if ((await this.tokens.countUnexpired(userId, now, db)) >= limit) {
        throw new ApiException(HttpStatus.FORBIDDEN, TOKEN_LIMIT_MESSAGE);
      }
    }
    const ttl = this.config.auth.tokenTtlMs;
    const expiry = ttl === null ? null : new Date(now.getTime() + ttl);
    const { token, digest, tokenKey } = generateToken(this.config.auth.tokenPrefix);
    const row = await this.tokens.insert({ digest, tokenKey, userId, name, expiry }, db);
    return { token, expiry: row.expiry };
  }

  /**
   * Stores tokens a Django deployment issued (imported-tokens.ts), inside
   * the importer's transaction, after checking every one of them: a batch
   * with any token that cannot come over writes nothing and throws
   * InvalidImportedTokens. Returns how many rows were written.
   */
  async importTokens(tokens: readonly ImportedToken[], db: Queryable): Promise<number> {
    const now = new Date();
    const problems = tokens.flatMap((token, index) => {
      const reason = importedTokenProblem(token, now);
      return reason === null ? [] : [{ index, reason }];
    });
    if (problems.length > 0) throw new InvalidImportedTokens(problems);
    return this.tokens.insertImported(tokens.map(toImportedTokenRow), db);
  }

  /**
   * The digests a presented token could be stored under: ours when it is
   * well formed (checksum included), else those of the legacy shapes it has
   * (imported-tokens.ts). Null: no row can match.
   */
  private candidatesFor(rawToken: string): TokenCandidates | null {
    if (isWellFormedToken(rawToken, this.config.auth.tokenPrefix)) return [{ kind: 'native', digest: digestToken(rawToken) }];
    return legacyCandidates(rawToken);
  }

  /**
   * One indexed query (token joined to user), whatever the token's kind. A
   * token that can be neither ours nor an imported one is refused before any
   * query; an expired one is deleted as it is presented.
   */
  async authenticate(rawToken: string): Promise<Principal> {
    const candidates = this.candidatesFor(rawToken);
    if (candidates === null) throw unauthorized(AUTH_MESSAGES.invalidToken);
    const found = await this.tokens.findByDigestWithUser(candidates);
    if (!found) throw unauthorized(AUTH_MESSAGES.invalidToken);

    const now = new Date();
    if (found.expiry !== null && found.expiry.getTime() <= now.getTime()) {
      await this.tokens.deleteById(found.id);
      throw unauthorized(AUTH_MESSAGES.invalidToken);
    }
    if (!found.isActive) throw unauthorized(AUTH_MESSAGES.inactive);

    await this.refreshIfDue(found.id, found.createdAt, found.expiry, found.lastUsedAt, now);
    return { id: found.userId, username: found.username, email: found.email, tokenId: found.id };
  }

  /**
   * Knox's auto-refresh plus our last-used stamp, both written only when they
   * would move by more than the minimum refresh interval, so a busy token
   * costs at most one extra write per interval.
   */
  private async refreshIfDue(id: number, createdAt: Date, expiry: Date | null, lastUsedAt: Date | null, now: Date): Promise<void> {
    const { autoRefresh, tokenTtlMs, autoRefreshMaxTtlMs, minRefreshIntervalMs } = this.config.auth;
    const changes: { expiry?: Date; lastUsedAt?: Date } = {};

    if (autoRefresh && expiry !== null && tokenTtlMs !== null) {
      let target = now.getTime() + tokenTtlMs;
      if (autoRefreshMaxTtlMs !== null) target = Math.min(target, createdAt.getTime() + autoRefreshMaxTtlMs);
      if (target - expiry.getTime() > minRefreshIntervalMs) changes.expiry = new Date(target);
    }
    if (lastUsedAt === null || now.getTime() - lastUsedAt.getTime() > minRefreshIntervalMs) changes.lastUsedAt = now;

    if (changes.expiry || changes.lastUsedAt) {
      try {
        await this.tokens.touch(id, changes);
      } catch (error) {
        // Bookkeeping only: the request is already authenticated.
        this.logger.warn(`could not record token use: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  async list(principal: Principal): Promise<TokenListItem[]> {
    const rows = await this.tokens.listUnexpired(principal.id, new Date());
    return rows.map((row) => toTokenListItem(row, principal.tokenId));
  }

  async revoke(principal: Principal, tokenId: number): Promise<void> {
    if (!(await this.tokens.deleteOwned(principal.id, tokenId))) throw notFound();
  }

  async logout(principal: Principal): Promise<void> {
    await this.tokens.deleteOwned(principal.id, principal.tokenId);
  }

  async logoutAll(principal: Principal): Promise<number> {
    return this.tokens.deleteAllOwned(principal.id);
  }

  /**
   * Revokes the token presented, whoever it belongs to: holding the raw token
   * is the authority, as with logout. A browser signing in again uses this to
   * end the session its old cookie named.
   */
  async revokeByToken(rawToken: string): Promise<void> {
    await this.tokens.deleteByDigest(digestToken(rawToken));
  }

  /** Every token of the user but `keepTokenId`; all of them when there is none to keep. */
  revokeAllExcept(userId: number, keepTokenId: number | undefined, db: Queryable): Promise<number> {
    if (keepTokenId === undefined) return this.tokens.deleteAllOwned(userId, db);
    return this.tokens.deleteAllOwnedExcept(userId, keepTokenId, db);
  }

  pruneExpired(): Promise<number> {
    return this.tokens.deleteExpired(new Date());
  }
}
