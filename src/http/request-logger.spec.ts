import fc from 'fast-check';
import { generateToken } from '../auth/token-crypto';
import { REDACTED, redactRequestUrl } from '../common/logging/redact';
import { loggableUrl, mayHoldSecrets } from './request-logger';

const TOKEN = generateToken('lp_').token;

describe('loggableUrl (the request log line)', () => {
  it('hides exactly what the full redaction hides, for any URL', () => {
    const piece = fc.oneof(
      fc.constantFrom(
        '/api/leads', '/api/auth/user', '/', '?', '&', '=', ':', '@', '+', '#', 'token', 'password', 'Token ', 'Bearer+', 'basic',
        'postgres://u:p@h/db', '%20', '%41', '%2', '%25', ';', 'a'.repeat(20), 'A1_-'.repeat(4), TOKEN, TOKEN.slice(0, 30),
      ),
      fc.string({ maxLength: 12 }),
      fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), (pieces) => {
        const url = pieces.join('');
        const full = redactRequestUrl(url);
        expect(loggableUrl(url)).toBe(full);
        // The quick test lets through only what the full redaction would leave as it is.
        if (!mayHoldSecrets(url)) expect(full).toBe(url);
      }),
      { numRuns: 5000 },
    );
  });

  it('spends only the quick test on ordinary URLs', () => {
    for (const url of ['/api/leads', '/api/leads/17', '/api/leads/17?ordering=-created_at&search=alice', '/api/leads/?limit=20&offset=40', '/api/auth/tokens/5']) {
      expect(mayHoldSecrets(url)).toBe(false);
      expect(loggableUrl(url)).toBe(url);
    }
    for (const url of [`/api/leads/${TOKEN}`, `/api/leads?q=${TOKEN}`, '/api/leads?x=%41', '/api/auth/user?token=1']) expect(mayHoldSecrets(url)).toBe(true);
  });

  it('hides a token in the query string and keeps a plain path as it is', () => {
    const logged = loggableUrl('/api/auth/user?token=abc123&page=2');
    expect(logged).not.toContain('abc123');
    expect(decodeURIComponent(logged)).toBe(`/api/auth/user?token=${REDACTED}&page=2`);
    expect(loggableUrl('/api/leads/12')).toBe('/api/leads/12');
  });
});
