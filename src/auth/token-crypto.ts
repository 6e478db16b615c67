import { createHash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** 43 base62 characters carry 256.03 bits. */
export const TOKEN_BODY_LENGTH = 43;
/** CRC32 in base62 (62^6 > 2^32), as GitHub's tokens carry, so typos are caught without a query. */
export const TOKEN_CHECKSUM_LENGTH = 6;
export const TOKEN_KEY_LENGTH = 8;

export interface GeneratedToken {
  /** Shown to the client once; never stored or logged. */
  token: string;
  digest: string;
  tokenKey: string;
}

function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    // Rejection sampling: bytes >= 248 would bias the alphabet (248 = 4 * 62).
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += ALPHABET[byte % 62];
    }
  }
  return out;
}

function toBase62(value: number, width: number): string {
  let out = '';
  let rest = value;
  for (let i = 0; i < width; i++) {
    out = ALPHABET[rest % 62] + out;
    rest = Math.floor(rest / 62);
  }
  return out;
}

function checksum(prefixAndBody: string): string {
  return toBase62(crc32(prefixAndBody) >>> 0, TOKEN_CHECKSUM_LENGTH);
}

export function digestToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function generateToken(prefix: string): GeneratedToken {
  const body = randomBase62(TOKEN_BODY_LENGTH);
  const token = `${prefix}${body}${checksum(prefix + body)}`;
  return { token, digest: digestToken(token), tokenKey: body.slice(0, TOKEN_KEY_LENGTH) };
}

/**
 * True when the string has the shape of a token this server issued with this
 * prefix and its checksum matches. Anything else can be refused without a query.
 */
export function isWellFormedToken(token: string, prefix: string): boolean {
  if (token.length !== prefix.length + TOKEN_BODY_LENGTH + TOKEN_CHECKSUM_LENGTH) return false;
  if (!token.startsWith(prefix)) return false;
  const body = token.slice(prefix.length, prefix.length + TOKEN_BODY_LENGTH);
  if (!/^[A-Za-z0-9]+$/.test(body)) return false;
  return checksum(prefix + body) === token.slice(prefix.length + TOKEN_BODY_LENGTH);
}
