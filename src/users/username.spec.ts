import { cleanUsername, normalizeUsername, usernameThrottleKey } from './username';

describe('normalizeUsername', () => {
  it("is Django's normalize_username: Unicode NFKC", () => {
    expect(normalizeUsername('ａlice')).toBe('alice');
    expect(normalizeUsername('ＡＬＩＣＥ')).toBe('ALICE');
    expect(normalizeUsername('ﬁona')).toBe('fiona');
    // Composed, as NFKC composes: e + U+0301 is é.
    expect(normalizeUsername('rene\u0301')).toBe('ren\u00e9');
    expect(normalizeUsername('ann＠home')).toBe('ann@home');
  });
});

describe('cleanUsername', () => {
  it('trims as DRF trims a CharField, then normalises', () => {
    for (const raw of [' bob', 'bob ', 'bob\t', '\nbob\r\n', '\u00a0bob', '\u3000bob', '\ufeffbob', 'ｂob']) {
      expect(cleanUsername(raw)).toBe('bob');
    }
    expect(cleanUsername('BOB')).toBe('BOB');
  });

  it('is idempotent, even where NFKC turns a leading character into a space', () => {
    // ´ (U+00B4) and ¨ (U+00A8) are a space and a combining mark under NFKC.
    for (const raw of ['´bob', ' ¨x ', '\u2000a\u2000', 'ａlice', 'x´', '½', '㍿']) {
      const once = cleanUsername(raw);
      expect(cleanUsername(once)).toBe(once);
      expect(once).toBe(once.trim());
    }
  });
});

describe('usernameThrottleKey', () => {
  it('gives every spelling of one account one key', () => {
    const keys = new Set([' bob', 'bob ', 'bob\t', 'BOB', 'ｂob', 'ＢＯＢ', '\u3000Bob\u00a0'].map(usernameThrottleKey));
    expect([...keys]).toEqual(['bob']);
  });

  it('folds at least as far as a libc lower() (one code point at a time) as well as an ICU one', () => {
    // A word-final capital sigma: ς under Unicode's full mapping, σ under libc's.
    expect(usernameThrottleKey('ΟΔΟΣ')).toBe(usernameThrottleKey('οδοσ'));
    expect(usernameThrottleKey('ΟΔΟς')).toBe(usernameThrottleKey('οδοσ'));
    // İ: i under libc, i + U+0307 under the full mapping.
    expect(usernameThrottleKey('İbo')).toBe(usernameThrottleKey('ibo'));
    expect(usernameThrottleKey('i\u0307bo')).toBe(usernameThrottleKey('ibo'));
  });

  it('keeps different names apart', () => {
    expect(usernameThrottleKey('bob')).not.toBe(usernameThrottleKey('bobby'));
    expect(usernameThrottleKey('rené')).not.toBe(usernameThrottleKey('rene'));
  });
});
