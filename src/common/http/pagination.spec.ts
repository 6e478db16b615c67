import type { FastifyRequest } from 'fastify';
import { isAllowedHost, PageLinks } from './pagination';

const request = (host: string | undefined, protocol = 'http'): FastifyRequest => ({ host, protocol }) as unknown as FastifyRequest;
const loopback = new PageLinks({ publicUrl: null, allowedHosts: ['localhost', '127.0.0.1', '[::1]'] });

describe('isAllowedHost (Django validate_host)', () => {
  it.each([
    ['example.com', ['example.com'], true],
    ['example.com.', ['example.com'], true],
    ['api.example.com', ['example.com'], false],
    ['api.example.com', ['.example.com'], true],
    ['example.com', ['.example.com'], true],
    ['badexample.com', ['.example.com'], false],
    ['anything.test', ['*'], true],
    ['[::1]', ['[::1]'], true],
  ])('%s against %j is %s', (domain, patterns, allowed) => {
    expect(isAllowedHost(domain, patterns)).toBe(allowed);
  });
});

describe('PageLinks', () => {
  it('uses an allowed Host with its port, and the protocol Fastify reports', () => {
    expect(loopback.build(request('localhost:3000'), '/api/leads', 'limit=2')).toBe('http://localhost:3000/api/leads?limit=2');
    expect(loopback.build(request('127.0.0.1', 'https'), '/api/leads', '')).toBe('https://127.0.0.1/api/leads');
    expect(loopback.build(request('localhost', 'gopher'), '/api/leads', '')).toBe('http://localhost/api/leads');
  });

  it.each([undefined, '', 'evil.example', 'localhost@evil.example', 'localhost:1:2', 'local host'])('answers a relative link for the Host %j', (host) => {
    expect(loopback.build(request(host), '/api/leads', 'limit=2&offset=2')).toBe('/api/leads?limit=2&offset=2');
  });

  it('never makes a relative link another host could be read from (//host, /\\host)', () => {
    expect(loopback.build(request('evil.example'), '//evil.example/api/leads', 'limit=2')).toBe('/evil.example/api/leads?limit=2');
    expect(loopback.build(request('evil.example'), '/\\evil.example/api/leads', '')).toBe('/evil.example/api/leads');
  });

  it('prefers PUBLIC_URL, with its path prefix, over any Host', () => {
    const links = new PageLinks({ publicUrl: 'https://api.example.com/v1', allowedHosts: ['*'] });
    expect(links.build(request('evil.example'), '/api/leads', 'limit=2')).toBe('https://api.example.com/v1/api/leads?limit=2');
    expect(new PageLinks({ publicUrl: 'https://api.example.com', allowedHosts: [] }).build(request(undefined), '/api/leads/', '')).toBe(
      'https://api.example.com/api/leads/',
    );
  });
});
