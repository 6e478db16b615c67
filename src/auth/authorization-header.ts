import { NOT_AUTHENTICATED, USER_INACTIVE } from '../common/http/problem-details';

/** The knox/DRF sentences for each way an Authorization header can be wrong. */
export const AUTH_MESSAGES = {
  notProvided: NOT_AUTHENTICATED,
  noCredentials: 'Invalid token header. No credentials provided.',
  spaces: 'Invalid token header. Token string should not contain spaces.',
  invalidCharacters: 'Invalid token header. Token string should not contain invalid characters.',
  invalidToken: 'Invalid token.',
  inactive: USER_INACTIVE,
} as const;

export type HeaderCredential = { kind: 'none' } | { kind: 'token'; token: string } | { kind: 'invalid'; detail: string };

const SCHEMES = new Set(['token', 'bearer']);

/**
 * Reads `Authorization: Token <t>` or `Bearer <t>` the way DRF's
 * TokenAuthentication does: case-insensitive scheme, any run of whitespace,
 * exactly one credential word of printable ASCII.
 */
export function parseAuthorizationHeader(header: string | undefined): HeaderCredential {
  if (header === undefined) return { kind: 'none' };
  const words = header.split(/[ \t]+/).filter((word) => word.length > 0);
  if (words.length === 0 || !SCHEMES.has(words[0].toLowerCase())) return { kind: 'none' };
  if (words.length === 1) return { kind: 'invalid', detail: AUTH_MESSAGES.noCredentials };
  if (words.length > 2) return { kind: 'invalid', detail: AUTH_MESSAGES.spaces };
  if (!/^[\x21-\x7e]+$/.test(words[1])) return { kind: 'invalid', detail: AUTH_MESSAGES.invalidCharacters };
  return { kind: 'token', token: words[1] };
}
