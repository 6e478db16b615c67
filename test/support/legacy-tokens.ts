import { createHash, randomBytes } from 'node:crypto';
import type { ImportedToken, ImportedTokenKind } from '../../src/auth/imported-tokens';
import { TokensService } from '../../src/auth/tokens.service';
import { Database } from '../../src/database/database';
import { djangoSecrets, FixtureToken as DjangoFixtureToken } from './django-secrets';
import { TestApp } from './test-app';

/** A token as the Django side issued it: the raw value its client holds, and what its row holds. */
export interface LegacyToken {
  raw: string;
  kind: ImportedTokenKind;
  /** The row's digest (knox) or the key itself (DRF), as an importer reads them. */
  secret: string;
  tokenKey: string | null;
}

const sha512 = (data: Buffer) => createHash('sha512').update(data).digest('hex');

/**
 * A fresh token made as knox 5, knox 4.2 or DRF make theirs (written out
 * here from knox's code rather than taken from src/, so that the test and
 * the server do not share a mistake).
 */
export function legacyToken(kind: ImportedTokenKind, prefix = ''): LegacyToken {
  if (kind === 'drf') {
    const key = randomBytes(20).toString('hex');
    return { raw: key, kind, secret: key, tokenKey: null };
  }
  const hex = randomBytes(32).toString('hex');
  if (kind === 'knox42') return { raw: hex, kind, secret: sha512(Buffer.from(hex, 'hex')), tokenKey: hex.slice(0, 8) };
  const raw = prefix + hex;
  return { raw, kind, secret: sha512(Buffer.from(raw, 'utf8')), tokenKey: raw.slice(0, 15) };
}

/** Imports tokens the way the import command does: TokensService.importTokens in one transaction. */
export async function importTokens(t: TestApp, tokens: readonly ImportedToken[]): Promise<number> {
  const service = t.app.get(TokensService);
  return t.app.get(Database).transaction((db) => service.importTokens(tokens, db));
}

export function imported(token: LegacyToken, userId: number, fields: { createdAt?: Date; expiry?: Date | null } = {}): ImportedToken {
  return {
    userId,
    kind: token.kind,
    secret: token.secret,
    tokenKey: token.tokenKey,
    createdAt: fields.createdAt ?? new Date(Date.now() - 60 * 60_000),
    expiry: fields.expiry === undefined ? new Date(Date.now() + 24 * 60 * 60_000) : fields.expiry,
  };
}

/** The digest a token's row is stored under here: knox's own, a DRF key's SHA-256. */
export const storedDigest = (token: LegacyToken): string =>
  token.kind === 'drf' ? createHash('sha256').update(token.raw, 'utf8').digest('hex') : token.secret;

export interface FixtureToken extends DjangoFixtureToken {
  fixture: string;
}

/** The raw tokens of test/fixtures/django (secrets.json), each with its fixture's name. */
export function fixtureTokens(): FixtureToken[] {
  return Object.entries(djangoSecrets().fixtures).flatMap(([fixture, { tokens }]) => tokens.map((token) => ({ fixture, ...token })));
}
