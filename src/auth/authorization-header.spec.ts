import { AUTH_MESSAGES, parseAuthorizationHeader } from './authorization-header';

describe('parseAuthorizationHeader (DRF TokenAuthentication rules)', () => {
  it.each([
    ['Token abc123', 'abc123'],
    ['Bearer abc123', 'abc123'],
    ['token abc123', 'abc123'],
    ['TOKEN abc123', 'abc123'],
    ['bEaReR abc123', 'abc123'],
    ['Token    abc123', 'abc123'],
    ['Token\tabc123', 'abc123'],
    ['Token \t abc123', 'abc123'],
    ['  Token abc123  ', 'abc123'],
    ['Token a_b-c.d~e!', 'a_b-c.d~e!'],
  ])('reads %j as the token %j', (header, token) => {
    expect(parseAuthorizationHeader(header)).toEqual({ kind: 'token', token });
  });

  it.each([undefined, '', '   ', 'Basic dXNlcjpwYXNz', 'Digest x', 'Tokens abc', 'Bearerabc', 'abc123'])(
    'treats %j as no credentials, so the request answers "not provided"',
    (header) => {
      expect(parseAuthorizationHeader(header)).toEqual({ kind: 'none' });
    },
  );

  it.each(['Token', 'Bearer', 'token ', 'Token\t'])('refuses the scheme alone (%j)', (header) => {
    expect(parseAuthorizationHeader(header)).toEqual({ kind: 'invalid', detail: AUTH_MESSAGES.noCredentials });
  });

  it.each(['Token a b', 'Bearer abc def ghi', 'Token abc\tdef'])('refuses more than one credential word (%j)', (header) => {
    expect(parseAuthorizationHeader(header)).toEqual({ kind: 'invalid', detail: AUTH_MESSAGES.spaces });
  });

  it.each([
    ['a latin1 letter', 'Token abcé'],
    ['a UTF-8 byte read as latin1', `Token tok${Buffer.from('é', 'utf8').toString('latin1')}n`],
    ['a character beyond latin1', 'Token abc\u20ac'],
    ['a control character', 'Token abc\u0001def'],
    ['DEL', 'Token abc\u007fdef'],
    ['a NUL', 'Token abc\u0000'],
  ])('refuses %s in the credential', (_label, header) => {
    expect(parseAuthorizationHeader(header)).toEqual({ kind: 'invalid', detail: AUTH_MESSAGES.invalidCharacters });
  });

  it('carries the exact knox/DRF sentences', () => {
    expect(AUTH_MESSAGES).toEqual({
      notProvided: 'Authentication credentials were not provided.',
      noCredentials: 'Invalid token header. No credentials provided.',
      spaces: 'Invalid token header. Token string should not contain spaces.',
      invalidCharacters: 'Invalid token header. Token string should not contain invalid characters.',
      invalidToken: 'Invalid token.',
      inactive: 'User inactive or deleted.',
    });
  });
});
