import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { registerUser } from './support/accounts';
import { browserLogin } from './support/browser-session';
import { expectProblem } from './support/problems';
import { createTestApp, TestApp } from './support/test-app';

const CONSOLE_DIR = join(__dirname, '..', 'src', 'console', 'public');

function directives(csp: string): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const part of csp.split(';').map((item) => item.trim()).filter(Boolean)) {
    const [name, ...values] = part.split(/\s+/);
    result[name] = values;
  }
  return result;
}

describe('security headers', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it.each([
    ['an API answer', '/health', 200],
    ['an API error', '/api/auth/user', 401],
    ['an unknown path', '/nope', 404],
    ['the console', '/', 200],
    ['a console asset', '/assets/api.js', 200],
  ])('are on %s', async (_label, path, status) => {
    const response = await t.http().get(path).expect(status);
    expect(response.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'cross-origin-opener-policy': 'same-origin',
      'strict-transport-security': expect.stringMatching(/max-age=\d+/),
    });
    expect(response.headers['x-powered-by']).toBeUndefined();
    const csp = directives(response.headers['content-security-policy']);
    expect(csp['default-src']).toEqual(["'self'"]);
    expect(csp['script-src']).toEqual(["'self'"]);
    expect(csp['script-src-attr']).toEqual(["'none'"]);
    expect(csp['style-src']).toEqual(["'self'"]);
    expect(csp['frame-ancestors']).toEqual(["'none'"]);
    expect(csp['object-src']).toEqual(["'none'"]);
  });

  it('relax only styles for Swagger UI at /api/docs', async () => {
    const page = await t.http().get('/api/docs').redirects(1).expect(200);
    const csp = directives(page.headers['content-security-policy']);
    expect(csp['style-src']).toEqual(["'self'", "'unsafe-inline'"]);
    expect(csp['script-src']).toEqual(["'self'"]);
    // Swagger UI's own scripts are external files, so the strict script policy holds.
    expect(page.text).not.toMatch(/<script>(?!\s*<\/script>)/);
    const strict = await t.http().get('/api/docs-json').expect(200);
    expect(directives(strict.headers['content-security-policy'])['style-src']).toEqual(["'self'"]);
  });

  it('the console pages use no inline script, event handler attribute or inline style', () => {
    const pages = readdirSync(CONSOLE_DIR).filter((name) => name.endsWith('.html'));
    expect(pages.sort()).toEqual(['index.html', 'leads.html', 'register.html', 'tokens.html']);
    for (const page of pages) {
      const html = readFileSync(join(CONSOLE_DIR, page), 'utf8');
      for (const tag of html.match(/<script\b[^>]*>/g) ?? []) expect(tag).toMatch(/\ssrc="\/assets\/[a-z-]+\.js"/);
      expect(html).not.toMatch(/\son[a-z]+\s*=/i);
      expect(html).not.toMatch(/\sstyle\s*=/i);
      expect(html).not.toMatch(/<style/i);
      expect(html).not.toMatch(/javascript:/i);
    }
  });
});

describe('the web console', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it.each([
    ['/', 'Sign in to Leads'],
    ['/register', 'Create an account'],
    ['/register/', 'Create an account'],
    ['/leads', 'Your leads'],
    ['/tokens', 'Your tokens'],
  ])('serves %s as HTML', async (path, text) => {
    const response = await t.http().get(path).expect(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.headers['cache-control']).toBe('no-cache');
    expect(response.text).toContain(text);
  });

  it('serves its assets with their types', async () => {
    await t.http().get('/assets/console.css').expect(200).expect('Content-Type', /text\/css/);
    await t.http().get('/assets/leads.js').expect(200).expect('Content-Type', /javascript/);
    await t.http().get('/assets/favicon.svg').expect(200).expect('Content-Type', /image\/svg\+xml/);
  });

  it('answers missing assets and other paths with DRF\'s 404', async () => {
    expectProblem(await t.http().get('/assets/nope.js'), 404, 'Not found.');
    expectProblem(await t.http().get('/assets/../package.json'), 404, 'Not found.');
    expectProblem(await t.http().get('/index.html'), 404, 'Not found.');
  });

  it('answers another method on a console page with 405 and what is allowed', async () => {
    const response = await t.http().post('/leads');
    expectProblem(response, 405, 'Method "POST" not allowed.');
    expect(response.headers.allow).toBe('GET, HEAD, OPTIONS');
  });
});

describe('CORS', () => {
  it('is off by default: no Access-Control headers for any origin', async () => {
    const t = await createTestApp();
    try {
      const preflight = await t
        .http()
        .options('/api/leads')
        .set('Origin', 'https://app.example.com')
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'content-type,x-csrftoken');
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
      expect(preflight.headers['access-control-allow-credentials']).toBeUndefined();
      const get = await t.http().get('/health').set('Origin', 'https://app.example.com').expect(200);
      expect(get.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await t.close();
    }
  });

  it('allows the listed origins with credentials, and trusts them in the CSRF origin check', async () => {
    const t = await createTestApp({ CORS_ORIGINS: 'https://app.example.com, http://localhost:5173' });
    try {
      const preflight = await t
        .http()
        .options('/api/leads')
        .set('Origin', 'https://app.example.com')
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'content-type,x-csrftoken')
        .expect(204);
      expect(preflight.headers['access-control-allow-origin']).toBe('https://app.example.com');
      expect(preflight.headers['access-control-allow-credentials']).toBe('true');
      expect(preflight.headers['access-control-allow-methods']).toContain('DELETE');
      expect(preflight.headers['access-control-allow-headers']?.toLowerCase()).toContain('x-csrftoken');
      expect(preflight.headers.vary).toMatch(/Origin/);

      const listed = await t.http().get('/health').set('Origin', 'http://localhost:5173').expect(200);
      expect(listed.headers['access-control-allow-origin']).toBe('http://localhost:5173');

      const unlisted = await t.http().get('/health').set('Origin', 'https://evil.example').expect(200);
      expect(unlisted.headers['access-control-allow-origin']).toBeUndefined();

      const user = await registerUser(t);
      const session = await browserLogin(t, user);
      const fromListed = await t
        .http()
        .delete('/api/auth/tokens/2147483647')
        .set('Cookie', session.cookie)
        .set('X-CSRFToken', session.csrftoken)
        .set('Origin', 'https://app.example.com')
        .set('Sec-Fetch-Site', 'cross-site');
      expectProblem(fromListed, 404, 'Not found.');
      const fromOther = await t
        .http()
        .delete('/api/auth/tokens/2147483647')
        .set('Cookie', session.cookie)
        .set('X-CSRFToken', session.csrftoken)
        .set('Origin', 'https://evil.example')
        .set('Sec-Fetch-Site', 'cross-site');
      expectProblem(fromOther, 403, 'CSRF Failed: Origin checking failed - https://evil.example does not match any trusted origins.');
    } finally {
      await t.close();
    }
  });
});
