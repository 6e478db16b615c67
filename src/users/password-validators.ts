export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 4096;
const MAX_SIMILARITY = 0.7;

/**
 * Django's common-password list is 20,000 entries; zxcvbn-ts ships a
 * maintained list of about 49,000, loaded and built on first use: only
 * registration and password changes need it, so a server that only reads
 * does not hold it in memory.
 */
let commonPasswords: Set<string> | undefined;
function commonPasswordSet(): Set<string> {
  if (!commonPasswords) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { dictionary } = require('@zxcvbn-ts/language-common') as typeof import('@zxcvbn-ts/language-common');
    commonPasswords = new Set(dictionary['passwords-common'].map((entry: string) => entry.toLowerCase()));
  }
  return commonPasswords;
}
function isCommon(password: string): boolean {
  return commonPasswordSet().has(password.trim().toLowerCase());
}

/** How many distinct passwords the common-password check knows (Django's list has 20,000). */
export function commonPasswordCount(): number {
  return commonPasswordSet().size;
}

/**
 * Python's str.isdigit(), which Django's NumericPasswordValidator uses: every
 * decimal digit (Nd) plus the characters Unicode gives Numeric_Type=Digit
 * (superscripts, subscripts, circled digits...), which JavaScript has no
 * property escape for.
 */
const ALL_DIGITS =
  /^[\p{Nd}\u00B2\u00B3\u00B9\u1369-\u1371\u19DA\u2070\u2074-\u2079\u2080-\u2089\u2460-\u2468\u2474-\u247C\u2488-\u2490\u24EA\u24F5-\u24FD\u24FF\u2776-\u277E\u2780-\u2788\u278A-\u2792\u{10A40}-\u{10A43}\u{10E60}-\u{10E68}\u{11052}-\u{1105A}\u{1F100}-\u{1F10A}]+$/u;

/** Python's `difflib.SequenceMatcher.quick_ratio`, which Django's similarity check uses. */
export function quickRatio(a: string, b: string): number {
  const total = [...a].length + [...b].length;
  if (total === 0) return 1;
  const available = new Map<string, number>();
  for (const char of b) available.set(char, (available.get(char) ?? 0) + 1);
  let matches = 0;
  for (const char of a) {
    const left = available.get(char) ?? 0;
    if (left > 0) {
      matches++;
      available.set(char, left - 1);
    }
  }
  return (2 * matches) / total;
}

/** Django skips attribute parts far shorter than the password, as they cannot be "too similar". */
function exceedsMaximumLengthRatio(password: string, value: string): boolean {
  const passwordLength = [...password].length;
  const valueLength = [...value].length;
  return passwordLength >= 10 * valueLength && valueLength < (MAX_SIMILARITY / 2) * passwordLength;
}

function tooSimilar(password: string, attribute: string): boolean {
  const lowerPassword = password.toLowerCase();
  const value = attribute.toLowerCase();
  const parts = [...value.split(/[^\p{L}\p{N}_]+/u), value];
  return parts.some(
    (part) =>
      part.length > 0 &&
      !exceedsMaximumLengthRatio(lowerPassword, part) &&
      quickRatio(lowerPassword, part) >= MAX_SIMILARITY,
  );
}

export interface PasswordOwner {
  username?: string;
  email?: string;
}

/**
 * Django's four default validators, in Django's order and with its messages;
 * every failing validator contributes its sentence.
 */
export function validatePassword(password: string, owner: PasswordOwner): string[] {
  const messages: string[] = [];
  const attributes: Array<[string | undefined, string]> = [
    [owner.username, 'username'],
    [owner.email, 'email address'],
  ];
  const similar = attributes.find(([value]) => value && tooSimilar(password, value));
  if (similar) messages.push(`The password is too similar to the ${similar[1]}.`);
  if ([...password].length < MIN_PASSWORD_LENGTH) {
    messages.push(`This password is too short. It must contain at least ${MIN_PASSWORD_LENGTH} characters.`);
  }
  if (isCommon(password)) messages.push('This password is too common.');
  if (ALL_DIGITS.test(password)) messages.push('This password is entirely numeric.');
  return messages;
}
