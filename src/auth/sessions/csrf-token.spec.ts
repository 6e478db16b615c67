import { randomBytes } from 'node:crypto';
import { CSRF_TOKEN_LENGTH, createCsrfToken, deriveKey, sameToken, sessionBinding, verifyCsrfToken } from './csrf-token';

describe('csrf tokens', () => {
  const key = deriveKey('s'.repeat(40), 'csrf');
  const session = sessionBinding('session-token-a');

  it('are 64 URL-safe characters and different every time', () => {
    const a = createCsrfToken(key, '');
    const b = createCsrfToken(key, '');
    expect(a).toMatch(/^[A-Za-z0-9_-]{64}$/);
    expect(a).toHaveLength(CSRF_TOKEN_LENGTH);
    expect(a).not.toBe(b);
  });

  it('verify with the key and binding they were made for', () => {
    expect(verifyCsrfToken(key, '', createCsrfToken(key, ''))).toBe(true);
    expect(verifyCsrfToken(key, session, createCsrfToken(key, session))).toBe(true);
  });

  it('fail with another binding, another session or another key', () => {
    const token = createCsrfToken(key, session);
    expect(verifyCsrfToken(key, '', token)).toBe(false);
    expect(verifyCsrfToken(key, sessionBinding('session-token-b'), token)).toBe(false);
    expect(verifyCsrfToken(deriveKey('t'.repeat(40), 'csrf'), session, token)).toBe(false);
    expect(verifyCsrfToken(deriveKey('s'.repeat(40), 'other-purpose'), session, token)).toBe(false);
  });

  it('fail when any character is changed', () => {
    const token = createCsrfToken(key, '');
    for (const index of [0, 23, 24, 63]) {
      const changed = token.slice(0, index) + (token[index] === 'A' ? 'B' : 'A') + token.slice(index + 1);
      expect(verifyCsrfToken(key, '', changed)).toBe(false);
    }
  });

  it('refuse wrong lengths and foreign characters without throwing', () => {
    const token = createCsrfToken(key, '');
    for (const bad of ['', 'a', token.slice(1), `${token}a`, 'é'.repeat(64), `${token.slice(0, 63)}\u0000`, randomBytes(200).toString('base64')]) {
      expect(verifyCsrfToken(key, '', bad)).toBe(false);
    }
  });

  it('bind to the session token only through its digest', () => {
    expect(sessionBinding(undefined)).toBe('');
    expect(sessionBinding('abc')).toMatch(/^[0-9a-f]{64}$/);
    expect(sessionBinding('abc')).not.toContain('abc');
  });

  it('compare in constant time for any pair of strings', () => {
    expect(sameToken('abc', 'abc')).toBe(true);
    expect(sameToken('abc', 'abd')).toBe(false);
    expect(sameToken('abc', 'abcd')).toBe(false);
    expect(sameToken('é', 'e')).toBe(false);
    expect(sameToken('', '')).toBe(true);
  });
});
