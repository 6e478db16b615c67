import { BASIC_MESSAGES, parseBasicHeader } from './basic-header';

const basic = (credentials: string): string => `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;

describe('parseBasicHeader', () => {
  it('reads the username and password, splitting at the first colon', () => {
    expect(parseBasicHeader(basic('alice:pass:word'))).toEqual({ kind: 'ok', username: 'alice', password: 'pass:word' });
    expect(parseBasicHeader(`basic\t${Buffer.from('bob:x').toString('base64')}`)).toEqual({ kind: 'ok', username: 'bob', password: 'x' });
  });

  it.each([undefined, '', 'Token abc', 'Bearer abc', 'Basically abc'])('finds no credentials in %j', (header) => {
    expect(parseBasicHeader(header)).toEqual({ kind: 'none' });
  });

  it.each([
    ['the scheme alone', 'Basic', BASIC_MESSAGES.noCredentials],
    ['two credential words', 'Basic YTpi YTpi', BASIC_MESSAGES.spaces],
    ['characters outside base64', 'Basic YTpi!', BASIC_MESSAGES.encoding],
    ['no colon', basic('alice'), BASIC_MESSAGES.encoding],
    ['bytes that are not UTF-8', `Basic ${Buffer.from([0x61, 0x3a, 0xff]).toString('base64')}`, BASIC_MESSAGES.encoding],
  ])('refuses %s with DRF’s sentence', (_label, header, detail) => {
    expect(parseBasicHeader(header)).toEqual({ kind: 'invalid', detail });
  });
});
