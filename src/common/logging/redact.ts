const SECRET_NAMES =
  '(?:proxy-)?authorization|cookie|set-cookie|password[12]?|(?:current|old|new)_?password[12]?|token|access_?token|refresh_?token|' +
  'x-csrftoken|csrfmiddlewaretoken|csrf_?token|session|session_?id|secret|api_?key|x-api-key';
const SECRET_KEYS = new RegExp(`^(?:${SECRET_NAMES})$`, 'i');

/** A value that looks like `Token abc`, `Bearer abc` or `Basic abc`: the credential part is hidden. */
const CREDENTIAL_IN_TEXT = /\b(token|bearer|basic)(\s+)[^\s"',;]+/gi;
/**
 * `password=...`, `"token": "..."`, `sessionid=...` inside free text (a form
 * body, a query string, a cookie header, JSON in an error message). A quoted
 * value is hidden up to its closing quote, spaces included.
 */
const SECRET_PAIR_IN_TEXT = new RegExp(
  `(\\b(?:${SECRET_NAMES})["']?\\s*[=:]\\s*(?:(?:token|bearer|basic)\\s+)?)(?:"(?:[^"\\\\]|\\\\.)*"|'[^']*'|[^\\s"'&;,]+)`,
  'gi',
);
const POSTGRES_PASSWORD = /(postgres(?:ql)?:\/\/[^:/@\s]+:)\S*@/gi;

export const REDACTED = '[REDACTED]';

/** Copies a log payload with every secret-bearing field replaced. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6) return '[depth]';
  if (typeof value === 'string') return redactText(value);
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  // An error's message and stack are not own enumerable fields: copied by name, or they would vanish from the line.
  if (value instanceof Error) {
    return { ...(redact({ ...value }, depth) as object), type: value.name, message: redactText(value.message), stack: redactText(value.stack ?? '') };
  }
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      out[key] = SECRET_KEYS.test(key) ? REDACTED : redact(inner, depth + 1);
    }
    return out;
  }
  return value;
}

export function redactText(text: string): string {
  return redactCredentialText(text).replace(PATH_IN_TEXT, redactPathInText);
}

/**
 * A request URL for the log line: every piece checked (redactUrl), then the
 * free-text rules over the whole, for what spans pieces (`/x/postgres://u:pw@db/y`).
 */
export function redactRequestUrl(url: string): string {
  return redactCredentialText(redactUrl(url));
}

/** The rules for free text without the URL pass: what a decoded URL piece is checked with. */
function redactCredentialText(text: string): string {
  return text
    .replace(CREDENTIAL_IN_TEXT, `$1$2${REDACTED}`)
    .replace(SECRET_PAIR_IN_TEXT, `$1${REDACTED}`)
    .replace(POSTGRES_PASSWORD, `$1${REDACTED}@`);
}

/**
 * A run this long of the characters tokens are written in is taken for a
 * secret wherever it appears, whatever names it: this app's tokens (prefix +
 * 43 + 6 characters of [A-Za-z0-9_]), knox 4.2's 64 hex digits and knox 5's
 * prefix + 64 hex, DRF authtoken's 40 hex digits, base64url keys, JWT parts.
 * Lead ids, words and slugs are shorter and stay readable.
 */
export const TOKEN_SHAPED_RUN_LENGTH = 32;
export const TOKEN_SHAPED = new RegExp(`[A-Za-z0-9_-]{${TOKEN_SHAPED_RUN_LENGTH}}`);

/**
 * A path (and its query) inside free text: `GET /api/leads/…` in a message, a
 * file in a stack; punctuation that ends a sentence or a stack frame is not part of it.
 */
const PATH_IN_TEXT = /\/[^\s"'`]*/g;
const TRAILING_PUNCTUATION = ',.;:)';

function redactPathInText(path: string): string {
  let end = path.length;
  while (end > 1 && TRAILING_PUNCTUATION.includes(path[end - 1])) end--;
  return end === path.length ? redactUrl(path) : redactUrl(path.slice(0, end)) + path.slice(end);
}

/**
 * Rounds of percent-decoding a piece gets before it is checked (`%2541` is `A`
 * encoded twice); a piece still encoded after them is hidden whole.
 */
const DECODE_ROUNDS = 3;

/**
 * A URL for the logs. Each path segment, query key and query value is
 * percent-decoded (tolerantly, `+` as a space in the query) and replaced whole
 * by `[REDACTED]` when it holds a token-shaped run or a credential
 * (`Token …`, `password=…`), or is the value of a secret-named parameter
 * (`?token=`). Every other piece is kept exactly as sent, so
 * `/api/leads/17?ordering=-created_at` logs as it is.
 */
export function redactUrl(url: string): string {
  const queryStart = url.indexOf('?');
  const path = queryStart < 0 ? url : url.slice(0, queryStart);
  const segments = path.split('/');
  let changed = false;
  for (let i = 0; i < segments.length; i++) {
    if (segments[i] !== '' && holdsSecret(decodePiece(segments[i], false))) {
      segments[i] = REDACTED;
      changed = true;
    }
  }
  const redactedPath = changed ? segments.join('/') : path;
  if (queryStart < 0) return redactedPath;
  return `${redactedPath}?${redactQuery(url.slice(queryStart + 1))}`;
}

function redactQuery(query: string): string {
  const parts = query.split('&');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (part === '') continue;
    const equals = part.indexOf('=');
    const rawKey = equals < 0 ? part : part.slice(0, equals);
    const key = decodePiece(rawKey, true);
    const keyIsSecret = holdsSecret(key);
    if (equals < 0) {
      if (keyIsSecret) parts[i] = REDACTED;
      continue;
    }
    const rawValue = part.slice(equals + 1);
    const secretName = key !== null && SECRET_KEYS.test(key.trim());
    const valueIsSecret = rawValue !== '' && (secretName || holdsSecret(decodePiece(rawValue, true)));
    if (keyIsSecret || valueIsSecret) parts[i] = `${keyIsSecret ? REDACTED : rawKey}=${valueIsSecret ? REDACTED : rawValue}`;
  }
  return parts.join('&');
}

/** Every free-text rule needs one of these: whitespace after `Token`/`Bearer`/`Basic`, `=` or `:` after a name, `:` in a PostgreSQL URL. */
const CREDENTIAL_SYNTAX = /[\s=:]/;

/** `decoded` is null for a piece that was still percent-encoded after every round. */
function holdsSecret(decoded: string | null): boolean {
  if (decoded === null) return true;
  return TOKEN_SHAPED.test(decoded) || (CREDENTIAL_SYNTAX.test(decoded) && redactCredentialText(decoded) !== decoded);
}

const ESCAPES = /(?:%[0-9A-Fa-f]{2})+/g;

/**
 * Percent-decoding that never throws (bytes that are not UTF-8 keep their
 * ASCII meaning, the rest stay encoded), repeated while it changes anything;
 * null when it still would after DECODE_ROUNDS.
 */
function decodePiece(raw: string, plusIsSpace: boolean): string | null {
  let text = plusIsSpace && raw.includes('+') ? raw.replace(/\+/g, ' ') : raw;
  for (let round = 0; text.includes('%'); round++) {
    const decoded = text.replace(ESCAPES, decodeEscapes);
    if (decoded === text) break;
    if (round === DECODE_ROUNDS) return null;
    text = decoded;
  }
  return text;
}

function decodeEscapes(escapes: string): string {
  try {
    return decodeURIComponent(escapes);
  } catch {
    return escapes.replace(/%([0-7][0-9A-Fa-f])/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
}
