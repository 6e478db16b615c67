import { createHash } from 'node:crypto';
import { digestToken, generateToken, isWellFormedToken, TOKEN_BODY_LENGTH, TOKEN_CHECKSUM_LENGTH, TOKEN_KEY_LENGTH } from './token-crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Replaces the character at `index` with a different one from the token alphabet. */
function mutate(token: string, index: number): string {
  const next = ALPHABET[(ALPHABET.indexOf(token[index]) + 1) % ALPHABET.length];
  return token.slice(0, index) + next + token.slice(index + 1);
}

describe('token crypto', () => {
  describe('generateToken', () => {
    it('makes prefix + 43 base62 characters (256 bits) + a 6-character checksum', () => {
      const { token } = generateToken('');
      expect(TOKEN_BODY_LENGTH).toBe(43);
      expect(TOKEN_BODY_LENGTH * Math.log2(62)).toBeGreaterThanOrEqual(256);
      expect(token).toHaveLength(TOKEN_BODY_LENGTH + TOKEN_CHECKSUM_LENGTH);
      expect(token).toMatch(/^[A-Za-z0-9]{49}$/);
    });

    it('starts with the configured prefix, all in [A-Za-z0-9_]', () => {
      const { token } = generateToken('leads_');
      expect(token).toMatch(/^leads_[A-Za-z0-9]{49}$/);
    });

    it('returns the SHA-256 hex digest of the whole token and a display key taken from the random body', () => {
      const { token, digest, tokenKey } = generateToken('lp_');
      expect(digest).toBe(createHash('sha256').update(token).digest('hex'));
      expect(digest).toMatch(/^[0-9a-f]{64}$/);
      expect(tokenKey).toHaveLength(TOKEN_KEY_LENGTH);
      expect(tokenKey).toBe(token.slice(3, 3 + TOKEN_KEY_LENGTH));
    });

    it('never repeats itself over many draws', () => {
      const tokens = new Set(Array.from({ length: 5000 }, () => generateToken('').token));
      expect(tokens.size).toBe(5000);
    });

    it('uses the whole alphabet evenly (no modulo bias, no stuck positions)', () => {
      const counts = new Map<string, number>();
      const positions = Array.from({ length: TOKEN_BODY_LENGTH }, () => new Set<string>());
      const draws = 4000;
      for (let i = 0; i < draws; i++) {
        const body = generateToken('').token.slice(0, TOKEN_BODY_LENGTH);
        [...body].forEach((char, index) => {
          counts.set(char, (counts.get(char) ?? 0) + 1);
          positions[index].add(char);
        });
      }
      expect(counts.size).toBe(62);
      // 172,000 characters: each of the 62 expected ~2774 times; a chi-square over 61 degrees
      // of freedom stays far below 150 for a fair source (p < 1e-8 to exceed it by chance).
      const expected = (draws * TOKEN_BODY_LENGTH) / 62;
      const chiSquare = [...counts.values()].reduce((sum, count) => sum + (count - expected) ** 2 / expected, 0);
      expect(chiSquare).toBeLessThan(150);
      for (const seen of positions) expect(seen.size).toBeGreaterThan(55);
    });
  });

  describe('isWellFormedToken', () => {
    it('accepts what generateToken made, with the same prefix', () => {
      for (const prefix of ['', 'lp_', 'abcdefghij']) {
        expect(isWellFormedToken(generateToken(prefix).token, prefix)).toBe(true);
      }
    });

    it('refuses a truncated or extended token', () => {
      const { token } = generateToken('');
      expect(isWellFormedToken(token.slice(0, -1), '')).toBe(false);
      expect(isWellFormedToken(`${token}A`, '')).toBe(false);
      expect(isWellFormedToken('', '')).toBe(false);
    });

    it('detects any single-character change, in the body or in the checksum', () => {
      const { token } = generateToken('');
      for (let index = 0; index < token.length; index++) {
        expect(isWellFormedToken(mutate(token, index), '')).toBe(false);
      }
    });

    it('detects swapped neighbouring characters', () => {
      const { token } = generateToken('');
      for (let index = 0; index < TOKEN_BODY_LENGTH - 1; index++) {
        if (token[index] === token[index + 1]) continue;
        const swapped = token.slice(0, index) + token[index + 1] + token[index] + token.slice(index + 2);
        expect(isWellFormedToken(swapped, '')).toBe(false);
      }
    });

    it('refuses a wrong, missing or added prefix', () => {
      const { token } = generateToken('lp_');
      const body = token.slice(3);
      expect(isWellFormedToken(body, 'lp_')).toBe(false);
      expect(isWellFormedToken(`xx_${body}`, 'lp_')).toBe(false);
      expect(isWellFormedToken(token, '')).toBe(false);
      // The checksum covers the prefix, so grafting one onto a valid unprefixed token fails too.
      expect(isWellFormedToken(`lp_${generateToken('').token}`, 'lp_')).toBe(false);
    });

    it('refuses characters outside the alphabet, even with a matching length', () => {
      const { token } = generateToken('');
      expect(isWellFormedToken(`${token.slice(0, 10)}-${token.slice(11)}`, '')).toBe(false);
      expect(isWellFormedToken(`${token.slice(0, 10)}é${token.slice(11)}`, '')).toBe(false);
      expect(isWellFormedToken('_'.repeat(token.length), '')).toBe(false);
    });
  });

  describe('digestToken', () => {
    it('is deterministic and differs for different tokens', () => {
      const { token } = generateToken('');
      expect(digestToken(token)).toBe(digestToken(token));
      expect(digestToken(token)).not.toBe(digestToken(mutate(token, 0)));
      expect(digestToken(token)).not.toContain(token);
    });
  });
});
