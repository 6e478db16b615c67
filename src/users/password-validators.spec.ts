import { commonPasswordCount, quickRatio, validatePassword } from './password-validators';

const TOO_SHORT = 'This password is too short. It must contain at least 8 characters.';
const TOO_COMMON = 'This password is too common.';
const NUMERIC = 'This password is entirely numeric.';
const SIMILAR_USERNAME = 'The password is too similar to the username.';
const SIMILAR_EMAIL = 'The password is too similar to the email address.';

const owner = { username: 'bob', email: 'b@example.com' };

describe('quickRatio (difflib.SequenceMatcher.quick_ratio)', () => {
  // Expected values computed with CPython 3.11's difflib.
  it.each([
    ['abcd', 'bcde', 0.75],
    ['alice_wonder', 'alice', 0.5882352941176471],
    ['hello', 'world', 0.4],
    ['aab', 'abb', 0.6666666666666666],
    ['ñandú12', 'ñandú', 0.8333333333333334],
    ['😀😀ab', '😀b', 0.6666666666666666],
    ['', '', 1],
  ])('quickRatio(%j, %j) = %d, as Python computes it', (a, b, expected) => {
    expect(quickRatio(a, b)).toBeCloseTo(expected, 12);
  });
});

describe('validatePassword (Django default validators)', () => {
  it('accepts a long, uncommon password unrelated to the user', () => {
    expect(validatePassword('violet-Harbor-42-lantern', owner)).toEqual([]);
  });

  describe('MinimumLengthValidator', () => {
    it('requires at least 8 characters', () => {
      expect(validatePassword('Zq7#pLm', owner)).toEqual([TOO_SHORT]);
      expect(validatePassword('Zq7#pLmx', owner)).toEqual([]);
    });

    it('counts code points, not UTF-16 units', () => {
      // Four emoji are 8 UTF-16 units but 4 characters, as Python's len() counts.
      expect(validatePassword('🦊🦉🐙🦀', owner)).toEqual([TOO_SHORT]);
      expect(validatePassword('🦊🦉🐙🦀🐢🦎🐍🦖', owner)).toEqual([]);
    });
  });

  describe('CommonPasswordValidator', () => {
    it('holds a list of at least 20,000 passwords, as Django does', () => {
      expect(commonPasswordCount()).toBeGreaterThanOrEqual(20_000);
    });

    it.each(['password', 'qwertyuiop', 'iloveyou', 'sunshine', 'football'])('refuses %j', (password) => {
      expect(validatePassword(password, owner)).toEqual([TOO_COMMON]);
    });

    it('compares after lower-casing and trimming, without changing what is stored', () => {
      expect(validatePassword('PassWord', owner)).toEqual([TOO_COMMON]);
      expect(validatePassword('  Sunshine\t', owner)).toEqual([TOO_COMMON]);
    });
  });

  describe('NumericPasswordValidator', () => {
    it('refuses an ASCII-digit password', () => {
      expect(validatePassword('98712365401', owner)).toEqual([NUMERIC]);
    });

    it.each([
      ['Arabic-Indic', '٠١٢٣٤٥٦٧٨٩'],
      ['Devanagari', '०१२३४५६७८९'],
      ['fullwidth', '９８７１２３６５４０'],
      ['superscript (Python isdigit, not Nd)', '¹²³⁴⁵⁶⁷⁸⁹'],
      ['circled', '①②③④⑤⑥⑦⑧⑨'],
    ])('treats %s digits as digits, as Python str.isdigit does', (_script, password) => {
      expect(validatePassword(password, owner)).toEqual([NUMERIC]);
    });

    it('accepts digits mixed with anything else, and numerals that are not digits', () => {
      expect(validatePassword('98712365401x', owner)).toEqual([]);
      // Roman numerals and vulgar fractions are numeric but not digits in Python.
      expect(validatePassword('ⅫⅪⅩⅨⅧⅦⅥⅤ', owner)).toEqual([]);
    });
  });

  describe('UserAttributeSimilarityValidator', () => {
    it('refuses a password too similar to the username', () => {
      expect(validatePassword('alice_wonder', { username: 'alice_wonder', email: 'x@example.com' })).toEqual([SIMILAR_USERNAME]);
      expect(validatePassword('ALICE-wonder1', { username: 'alice_wonder', email: 'x@example.com' })).toEqual([SIMILAR_USERNAME]);
    });

    it('compares with each part of the email split at non-word characters, and names the email address', () => {
      expect(validatePassword('Wonderland#9', { username: 'bob', email: 'wonderland@example.com' })).toEqual([SIMILAR_EMAIL]);
    });

    it('allows a password that merely shares a few letters (quick_ratio below 0.7)', () => {
      // quick_ratio('alice_wonder', 'alice') = 0.588
      expect(validatePassword('alice_wonder', { username: 'alice', email: 'x@example.com' })).toEqual([]);
    });

    it('reports only the first similar attribute, as Django raises on the first match', () => {
      expect(validatePassword('mirkwoodhaven', { username: 'mirkwoodhaven', email: 'mirkwoodhaven@example.com' })).toEqual([SIMILAR_USERNAME]);
    });

    it('skips the check when the attributes are unknown', () => {
      expect(validatePassword('mirkwoodhaven', {})).toEqual([]);
    });
  });

  it('returns every failing validator together, in Django order', () => {
    expect(validatePassword('1234567', { username: '1234567', email: 'x@example.com' })).toEqual([
      SIMILAR_USERNAME,
      TOO_SHORT,
      TOO_COMMON,
      NUMERIC,
    ]);
    expect(validatePassword('12345678', owner)).toEqual([TOO_COMMON, NUMERIC]);
  });
});
