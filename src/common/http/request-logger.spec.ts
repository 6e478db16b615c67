import fc from 'fast-check';
import { REDACTED, redactText, redactUrl } from '../logging/redact';
import { loggableUrl } from './request-logger';

describe('loggableUrl (the request log line)', () => {
  it('hides exactly what the full redaction hides, for any URL', () => {
    const piece = fc.oneof(
      fc.constantFrom('/api/leads', '/api/auth/user', '?', '&', '=', ':', '@', 'token', 'password', 'Token ', 'postgres://u:p@h/db', '%20', ';'),
      fc.string({ maxLength: 12 }),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), (pieces) => {
        const url = pieces.join('');
        expect(loggableUrl(url)).toBe(redactText(redactUrl(url)));
      }),
      { numRuns: 3000 },
    );
  });

  it('hides a token in the query string and keeps a plain path as it is', () => {
    const logged = loggableUrl('/api/auth/user?token=abc123&page=2');
    expect(logged).not.toContain('abc123');
    expect(decodeURIComponent(logged)).toBe(`/api/auth/user?token=${REDACTED}&page=2`);
    expect(loggableUrl('/api/leads/12')).toBe('/api/leads/12');
  });
});
