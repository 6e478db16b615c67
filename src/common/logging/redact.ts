const SECRET_NAMES =
  '(?:proxy-)?authorization|cookie|set-cookie|password|current_?password|new_?password|token|access_?token|refresh_?token|' +
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
  return text
    .replace(CREDENTIAL_IN_TEXT, `$1$2${REDACTED}`)
    .replace(SECRET_PAIR_IN_TEXT, `$1${REDACTED}`)
    .replace(POSTGRES_PASSWORD, `$1${REDACTED}@`);
}

/** A URL for the logs: the query string keeps its keys but secret values are hidden. */
export function redactUrl(url: string): string {
  const queryStart = url.indexOf('?');
  if (queryStart < 0) return url;
  const params = new URLSearchParams(url.slice(queryStart + 1));
  for (const key of [...params.keys()]) {
    if (SECRET_KEYS.test(key)) params.set(key, REDACTED);
  }
  return `${url.slice(0, queryStart)}?${params.toString()}`;
}
