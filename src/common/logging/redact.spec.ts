import { generateToken } from '../../auth/token-crypto';
import { decodedAll, tokenPlacements, TOKENS_OF_EVERY_FORMAT } from '../../../test/support/token-shapes';
import { REDACTED, redact, redactRequestUrl, redactText, redactUrl } from './redact';

const TOKEN = generateToken('lp_').token;
const PASSWORD = 'violet-Harbor-42-lantern';

describe('redact (structured log fields)', () => {
  it.each([
    'authorization',
    'Authorization',
    'proxy-authorization',
    'cookie',
    'set-cookie',
    'password',
    'currentPassword',
    'new_password',
    'old_password',
    'new_password1',
    'new_password2',
    'token',
    'access_token',
    'refreshToken',
    'x-csrftoken',
    'csrfmiddlewaretoken',
    'csrftoken',
    'sessionid',
    'session',
    'secret',
    'api_key',
  ])('hides the value of %j', (key) => {
    expect(redact({ [key]: 'value-that-must-not-leak' })).toEqual({ [key]: REDACTED });
  });

  it('keeps harmless fields and non-string values as they are', () => {
    expect(redact({ method: 'POST', status: 401, ms: 1.5, ok: false, none: null, username: 'alice' })).toEqual({
      method: 'POST',
      status: 401,
      ms: 1.5,
      ok: false,
      none: null,
      username: 'alice',
    });
  });

  it('reaches into nested objects and arrays', () => {
    const payload = { request: { headers: { authorization: `Token ${TOKEN}`, accept: 'application/json' } }, attempts: [{ password: PASSWORD }] };
    expect(redact(payload)).toEqual({
      request: { headers: { authorization: REDACTED, accept: 'application/json' } },
      attempts: [{ password: REDACTED }],
    });
    expect(JSON.stringify(redact(payload))).not.toContain(TOKEN);
  });

  it('redacts credentials inside free-text values too', () => {
    expect(redact({ note: `retrying with Bearer ${TOKEN}` })).toEqual({ note: `retrying with Bearer ${REDACTED}` });
  });

  it('stops at a bounded depth instead of recursing forever', () => {
    const deep: Record<string, unknown> = {};
    let cursor = deep;
    for (let i = 0; i < 20; i++) cursor = cursor.next = {} as Record<string, unknown>;
    expect(JSON.stringify(redact(deep))).toContain('[depth]');
  });

  it('does not modify its input', () => {
    const input = { password: PASSWORD };
    redact(input);
    expect(input).toEqual({ password: PASSWORD });
  });
});

describe('redactText (messages and stacks)', () => {
  it.each([
    [`Authorization: Token ${TOKEN}`, `Authorization: Token ${REDACTED}`],
    [`bearer ${TOKEN} rejected`, `bearer ${REDACTED} rejected`],
    ['Basic dXNlcjpodW50ZXIy', `Basic ${REDACTED}`],
  ])('hides the credential in %j', (text, expected) => {
    expect(redactText(text)).toBe(expected);
  });

  it.each([
    `body was username=alice&password=${PASSWORD}&name=x`,
    `{"username":"alice","password":"${PASSWORD}"}`,
    `{"currentPassword": "${PASSWORD}"}`,
    `old_password=${PASSWORD}&new_password1=${PASSWORD}&new_password2=${PASSWORD}`,
    `{"old_password": "${PASSWORD}", "new_password1": "${PASSWORD}"}`,
    `Cookie: csrftoken=abc; sessionid=${TOKEN}`,
    `GET /api/auth/user?access_token=${TOKEN}`,
    `token=${TOKEN}`,
  ])('hides secrets written as key=value or "key": "value" in %j', (text) => {
    const out = redactText(text);
    expect(out).not.toContain(PASSWORD);
    expect(out).not.toContain(TOKEN);
    expect(out).toContain(REDACTED);
  });

  it('hides a quoted value whole, spaces and escaped quotes included', () => {
    const out = redactText('{"password": "correct horse \\"battery\\" staple", "username": "alice"}');
    expect(out).toBe(`{"password": ${REDACTED}, "username": "alice"}`);
  });

  it('hides the password of a PostgreSQL URL', () => {
    expect(redactText('connect postgres://app:s3cr3t@db:5432/leads failed')).toBe(`connect postgres://app:${REDACTED}@db:5432/leads failed`);
    expect(redactText('postgresql://app:p@ss@db/leads')).toBe(`postgresql://app:${REDACTED}@db/leads`);
  });

  it('leaves ordinary sentences alone', () => {
    for (const text of ['Invalid token.', 'pruned 3 expired token(s)', 'request', 'user alice logged in']) {
      expect(redactText(text)).toBe(text);
    }
  });
});

describe('redactUrl (request log lines)', () => {
  it('hides secret query values but keeps their keys and the other parameters', () => {
    const out = redactUrl(`/api/auth/user?token=${TOKEN}&page=2&ACCESS_TOKEN=${TOKEN}`);
    expect(out).not.toContain(TOKEN);
    expect(out.startsWith('/api/auth/user?')).toBe(true);
    const params = new URLSearchParams(out.split('?')[1]);
    expect(params.get('token')).toBe(REDACTED);
    expect(params.get('ACCESS_TOKEN')).toBe(REDACTED);
    expect(params.get('page')).toBe('2');
  });

  it('hides every value of a repeated secret key', () => {
    const out = redactUrl(`/x?password=${PASSWORD}&password=other-secret`);
    expect(out).not.toContain(PASSWORD);
    expect(out).not.toContain('other-secret');
  });

  it('returns a URL without a query unchanged', () => {
    expect(redactUrl('/api/leads/12')).toBe('/api/leads/12');
  });
});

describe('redactRequestUrl: a token-shaped string anywhere in the URL', () => {
  const cases = Object.entries(TOKENS_OF_EVERY_FORMAT).flatMap(([format, token]) => tokenPlacements(token).map((url) => [format, url, token]));

  it.each(cases)('hides the %s token in %s', (_format, url, token) => {
    const out = redactRequestUrl(url);
    expect(out).toContain(REDACTED);
    expect(out).not.toContain(token);
    expect(decodedAll(out)).not.toContain(token);
    // Not a long piece of it either.
    expect(out).not.toContain(token.slice(0, 20));
  });

  it('hides the piece that holds the token and keeps the rest as sent', () => {
    const token = TOKENS_OF_EVERY_FORMAT['ours, prefixed'];
    expect(redactRequestUrl(`/api/leads/${token}/notes?ordering=-created_at&q=${token}&search=al%20ice`)).toBe(
      `/api/leads/${REDACTED}/notes?ordering=-created_at&q=${REDACTED}&search=al%20ice`,
    );
    expect(redactRequestUrl(`/api/leads?${token}=7&limit=2`)).toBe(`/api/leads?${REDACTED}=7&limit=2`);
    expect(redactRequestUrl(`/api/leads?x=Token%20${token}`)).toBe(`/api/leads?x=${REDACTED}`);
  });

  it.each([
    '/api/leads/17?ordering=-created_at&search=alice',
    '/api/leads/?limit=20&offset=40',
    '/api/leads?ordering=name,-email&search=caf%C3%A9',
    '/api/leads?search=%ZZ%E0%A4',
    '/api/auth/tokens/12',
    '/api/auth/user',
    '/api/leads?search=a-long-but-ordinary-search',
    `/api/leads/${'9'.repeat(31)}`,
    '/health/ready',
  ])('keeps an ordinary URL readable: %s', (url) => {
    expect(redactRequestUrl(url)).toBe(url);
  });

  it('takes any run of 32 or more token characters for a secret, and a shorter one for a word', () => {
    expect(redactRequestUrl(`/x/${'a'.repeat(31)}`)).toBe(`/x/${'a'.repeat(31)}`);
    expect(redactRequestUrl(`/x/${'a'.repeat(32)}`)).toBe(`/x/${REDACTED}`);
    expect(redactRequestUrl(`/x/${'a-'.repeat(16)}`)).toBe(`/x/${REDACTED}`);
  });

  it('hides a credential sent in a parameter of any name, and a secret-named parameter however short', () => {
    expect(redactRequestUrl('/api/leads?x=Token%20abc&y=Basic+dXNlcjpw')).toBe(`/api/leads?x=${REDACTED}&y=${REDACTED}`);
    expect(redactRequestUrl('/api/leads?acc%65ss_token=abc')).toBe(`/api/leads?acc%65ss_token=${REDACTED}`);
  });
});

describe('redactText: a URL inside a message', () => {
  it.each(Object.entries(TOKENS_OF_EVERY_FORMAT))('hides a %s token in a logged path', (_format, token) => {
    for (const url of tokenPlacements(token)) {
      const out = redactText(`unhandled error during GET ${url}, retrying`);
      expect(out).not.toContain(token);
      expect(out).toMatch(/^unhandled error during GET .*, retrying$/);
    }
  });

  it('leaves paths without secrets, and stack frames, as they are', () => {
    const text = 'database unavailable during GET /api/leads/17\n    at Foo.bar (/work/main/src/leads/leads.service.ts:10:5)';
    expect(redactText(text)).toBe(text);
  });
});
