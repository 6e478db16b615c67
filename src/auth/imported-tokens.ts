import { createHash } from 'node:crypto';
import { digestToken } from './token-crypto';

/**
 * Tokens a Django deployment issued, which keep authenticating here after a
 * move: knox 5.x (TOKEN_PREFIX + 64 hex), knox 4.2 (64 hex) and DRF's
 * authtoken (40 hex). Every one of them is lowercase hex, as
 * binascii.hexlify writes it, and Django finds each by a case-sensitive
 * column (knox's token_key, DRF's key), so an uppercase copy never
 * authenticated there and does not here.
 */
export type ImportedTokenKind = 'knox5' | 'knox42' | 'drf';
/** How a stored row's digest was made: `native` is this server's own tokens. */
export type TokenKind = 'native' | ImportedTokenKind;

export interface ImportedToken {
  userId: number;
  kind: ImportedTokenKind;
  /** knox: the row's `digest` exactly as knox stored it (SHA-512 hex); drf: the raw 40-hex key, digested here and never stored. */
  secret: string;
  /** knox: the row's token_key; drf: null (or the key's first 8 characters, which is what is stored). */
  tokenKey: string | null;
  createdAt: Date;
  expiry: Date | null;
}

/** What auth_tokens holds for an imported token. */
export interface ImportedTokenRow {
  kind: ImportedTokenKind;
  digest: string;
  tokenKey: string;
  userId: number;
  createdAt: Date;
  expiry: Date | null;
}

/** knox's MAXIMUM_TOKEN_PREFIX_LENGTH. */
export const KNOX_MAX_PREFIX_LENGTH = 10;
/** knox 5's CONSTANTS.TOKEN_KEY_LENGTH: the token's first 15 characters, prefix included. */
export const KNOX5_TOKEN_KEY_LENGTH = 15;
/** knox 4.2's CONSTANTS.TOKEN_KEY_LENGTH. */
export const KNOX42_TOKEN_KEY_LENGTH = 8;
/**
 * A DRF key has no token_key of its own; its first 8 characters tell keys
 * apart in the token list as knox's do, and leave 128 of its 160 bits
 * unknown.
 */
export const DRF_TOKEN_KEY_LENGTH = 8;
/** knox's token_key column: MAXIMUM_TOKEN_PREFIX_LENGTH + TOKEN_KEY_LENGTH. */
export const KNOX_TOKEN_KEY_COLUMN_LENGTH = 25;

const HEX64 = /^[0-9a-f]{64}$/;
const HEX40 = /^[0-9a-f]{40}$/;
const SHA512_HEX = /^[0-9a-f]{128}$/;
/**
 * TOKEN_PREFIX + 64 hex. knox bounds the prefix by length only; a header
 * carries printable ASCII without spaces (authorization-header.ts), so that
 * is what a prefix can be here.
 */
const KNOX5_TOKEN = new RegExp(`^[\\x21-\\x7e]{0,${KNOX_MAX_PREFIX_LENGTH}}[0-9a-f]{64}$`);
const PRINTABLE = /^[\x21-\x7e]+$/;

/** knox 5's hash_token: SHA-512 of the token's UTF-8 bytes (make_hex_compatible leaves them as they are). */
export function knox5Digest(token: string): string {
  return createHash('sha512').update(token, 'utf8').digest('hex');
}

/** knox 4.2's hash_token: SHA-512 of the bytes the 64 hex characters spell. */
export function knox42Digest(token: string): string {
  return createHash('sha512').update(Buffer.from(token, 'hex')).digest('hex');
}

/** A DRF key is stored in the clear by Django; here only its SHA-256, as a native token's. */
export function drfDigest(key: string): string {
  return digestToken(key);
}

export const drfTokenKey = (key: string): string => key.slice(0, DRF_TOKEN_KEY_LENGTH);

/** A digest a presented token could be stored under, with the kind whose algorithm made it. */
export interface TokenCandidate {
  kind: TokenKind;
  digest: string;
}

/** What one authentication looks up: one row's digest, or a bare 64-hex token's two. */
export type TokenCandidates = readonly [TokenCandidate] | readonly [TokenCandidate, TokenCandidate];

/**
 * The rows a presented token that is not one of ours could be: null for a
 * string of no legacy shape, which is refused without a query. A bare 64-hex
 * token is either knox 5 without a prefix or knox 4.2, whose digests differ:
 * both are looked up at once.
 */
export function legacyCandidates(token: string): TokenCandidates | null {
  if (HEX40.test(token)) return [{ kind: 'drf', digest: drfDigest(token) }];
  if (HEX64.test(token)) {
    return [
      { kind: 'knox5', digest: knox5Digest(token) },
      { kind: 'knox42', digest: knox42Digest(token) },
    ];
  }
  if (KNOX5_TOKEN.test(token)) return [{ kind: 'knox5', digest: knox5Digest(token) }];
  return null;
}

/**
 * Why this token cannot be imported, or null when it can. The reasons name
 * fields, never the secret. An expired knox row is refused: knox would
 * delete it the next time it was presented.
 */
export function importedTokenProblem(token: ImportedToken, now: Date = new Date()): string | null {
  if (!Number.isSafeInteger(token.userId) || token.userId <= 0) return 'the owner is not a user id';
  if (!(token.createdAt instanceof Date) || Number.isNaN(token.createdAt.getTime())) return 'the creation time is not a date';
  if (token.expiry !== null && (!(token.expiry instanceof Date) || Number.isNaN(token.expiry.getTime()))) return 'the expiry is not a date';
  if (token.expiry !== null && token.expiry.getTime() <= now.getTime()) return 'expired';
  switch (token.kind) {
    case 'knox5':
      if (!SHA512_HEX.test(token.secret)) return 'the digest is not 128 lowercase hex characters (SHA-512)';
      if (token.tokenKey === null || token.tokenKey.length > KNOX_TOKEN_KEY_COLUMN_LENGTH || !PRINTABLE.test(token.tokenKey)) {
        return `the token_key is not 1 to ${KNOX_TOKEN_KEY_COLUMN_LENGTH} printable characters`;
      }
      return null;
    case 'knox42':
      if (!SHA512_HEX.test(token.secret)) return 'the digest is not 128 lowercase hex characters (SHA-512)';
      if (token.tokenKey === null || !new RegExp(`^[0-9a-f]{${KNOX42_TOKEN_KEY_LENGTH}}$`).test(token.tokenKey)) {
        return `the token_key is not ${KNOX42_TOKEN_KEY_LENGTH} lowercase hex characters`;
      }
      return null;
    case 'drf':
      if (!HEX40.test(token.secret)) return 'the key is not 40 lowercase hex characters';
      if (token.tokenKey !== null && token.tokenKey !== drfTokenKey(token.secret)) return "the token_key is not the key's first 8 characters";
      return null;
    default:
      return `unknown token kind ${JSON.stringify(token.kind as string)}`;
  }
}

/** The row stored for a token that importedTokenProblem accepts: a DRF key becomes its digest here. */
export function toImportedTokenRow(token: ImportedToken): ImportedTokenRow {
  const drf = token.kind === 'drf';
  return {
    kind: token.kind,
    digest: drf ? drfDigest(token.secret) : token.secret,
    tokenKey: drf ? drfTokenKey(token.secret) : (token.tokenKey as string),
    userId: token.userId,
    createdAt: token.createdAt,
    expiry: token.expiry,
  };
}
