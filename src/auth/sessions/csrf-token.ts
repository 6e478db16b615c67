import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { digestToken } from '../token-crypto';

/** As long as Django's, so clients that check the length keep working. */
export const CSRF_TOKEN_LENGTH = 64;
/** 18 random bytes in base64url. */
const NONCE_LENGTH = 24;
/** 240 bits of HMAC-SHA256 in base64url. */
const MAC_LENGTH = CSRF_TOKEN_LENGTH - NONCE_LENGTH;
const TOKEN_SHAPE = /^[A-Za-z0-9_-]+$/;

/** One key per purpose, so the CSRF key can never be confused with another use of SECRET_KEY. */
export function deriveKey(secret: string, purpose: string): Buffer {
  return createHmac('sha256', secret).update(`leads-api/${purpose}`).digest();
}

/**
 * What a CSRF token is bound to: nothing before login, the session token's
 * digest after it. A token minted for one session therefore fails with any
 * other session's cookie, and a token planted before login dies at login.
 */
export function sessionBinding(sessionToken: string | undefined): string {
  return sessionToken === undefined ? '' : digestToken(sessionToken);
}

/** OWASP's signed double-submit token: a random nonce and HMAC(key, binding + nonce). */
export function createCsrfToken(key: Buffer, binding: string): string {
  const nonce = randomBytes(18).toString('base64url');
  return nonce + mac(key, binding, nonce);
}

export function verifyCsrfToken(key: Buffer, binding: string, token: string): boolean {
  if (token.length !== CSRF_TOKEN_LENGTH || !TOKEN_SHAPE.test(token)) return false;
  const expected = Buffer.from(mac(key, binding, token.slice(0, NONCE_LENGTH)));
  return timingSafeEqual(expected, Buffer.from(token.slice(NONCE_LENGTH)));
}

/** Constant-time equality for strings of any length or content. */
export function sameToken(a: string, b: string): boolean {
  const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(a), digest(b)) && a.length === b.length;
}

function mac(key: Buffer, binding: string, nonce: string): string {
  return createHmac('sha256', key).update(`${binding}\n${nonce}`).digest('base64url').slice(0, MAC_LENGTH);
}
