/** DRF's sentences for a malformed HTTP Basic header on the login route. */
export const BASIC_MESSAGES = {
  noCredentials: 'Invalid basic header. No credentials provided.',
  spaces: 'Invalid basic header. Credentials string should not contain spaces.',
  encoding: 'Invalid basic header. Credentials not correctly base64 encoded.',
} as const;

export type BasicCredentials = { kind: 'none' } | { kind: 'ok'; username: string; password: string } | { kind: 'invalid'; detail: string };

/**
 * Reads `Authorization: Basic` as DRF's BasicAuthentication does. The login
 * route and the per-username login throttle both read it here, so the throttle
 * counts exactly the account the route would look up.
 */
export function parseBasicHeader(header: string | undefined): BasicCredentials {
  if (!header) return { kind: 'none' };
  const words = header.split(/[ \t]+/).filter(Boolean);
  if (words.length === 0 || words[0].toLowerCase() !== 'basic') return { kind: 'none' };
  if (words.length === 1) return { kind: 'invalid', detail: BASIC_MESSAGES.noCredentials };
  if (words.length > 2) return { kind: 'invalid', detail: BASIC_MESSAGES.spaces };
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(words[1])) return { kind: 'invalid', detail: BASIC_MESSAGES.encoding };
  const decoded = Buffer.from(words[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0 || decoded.includes('\uFFFD')) return { kind: 'invalid', detail: BASIC_MESSAGES.encoding };
  return { kind: 'ok', username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
