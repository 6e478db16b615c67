import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerUser, STRONG_PASSWORD, uniqueName } from './support/accounts';
import { freePort } from './support/free-port';
import { rawRequest } from './support/raw-http';
import { createDatabaseFromTemplate } from './support/test-database';
import { createTestApp, GENEROUS_THROTTLES } from './support/test-app';
import { decodedAll, tokenPlacements, TOKENS_OF_EVERY_FORMAT } from './support/token-shapes';
import { transpileSources } from './support/transpile-sources';

const ORDINARY_URL = '/api/leads/17?ordering=-created_at&search=alice';

/**
 * The real server's log lines, captured from stdout, while requests carry
 * tokens of every format in every position of the URL.
 */
describe('request logs', () => {
  it('never contain a token, whatever its format and wherever it sits in the URL, encoded or not', async () => {
    const lines: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    });
    const secrets: string[] = [];
    const urls: string[] = [];
    const statuses = new Set<number>();
    try {
      const t = await createTestApp({ LOG_LEVEL: 'debug', AUTH_TOKEN_PREFIX: 'leads_' });
      try {
        const user = await registerUser(t);
        secrets.push(user.token, ...Object.values(TOKENS_OF_EVERY_FORMAT));
        for (const token of secrets) urls.push(...tokenPlacements(token));
        for (const url of [...urls, ORDINARY_URL]) {
          for (const authorization of [`Token ${user.token}`, `Token ${'x'.repeat(10)}`]) {
            const head = `GET ${url} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${authorization}\r\nConnection: close\r\n\r\n`;
            statuses.add((await rawRequest(t.baseUrl, Buffer.from(head, 'latin1'))).status);
          }
        }
      } finally {
        await t.close();
      }
      // Lines are written once per event-loop turn.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      write.mockRestore();
    }

    const output = lines.join('');
    const requestLines = output.split('\n').filter((line) => line.includes('"msg":"request"'));
    // Every request was answered (200s, 401s, 404s) and logged, so the test saw what it means to check.
    expect(statuses.has(401)).toBe(true);
    expect(statuses.has(404)).toBe(true);
    expect(requestLines.length).toBeGreaterThanOrEqual(urls.length * 2);
    expect(requestLines.filter((line) => line.includes('[REDACTED]')).length).toBeGreaterThanOrEqual(urls.length * 2);
    expect(secrets).toHaveLength(7);
    for (const secret of secrets) {
      expect(output).not.toContain(secret);
      expect(decodedAll(output)).not.toContain(secret);
    }
    // An ordinary URL is logged as it was sent.
    expect(requestLines.some((line) => JSON.parse(line).url === ORDINARY_URL)).toBe(true);
  });
});

/**
 * The server as production runs it (`node main.js`, stdout a pipe, the
 * app's own batched stdout destination rather than the tests' synchronous
 * process.stdout), stopped by SIGTERM: what its stdout holds.
 */
describe('request logs of the production server', () => {
  const compiled = transpileSources('log-redaction-e2e');
  afterAll(() => compiled.remove());

  it('hold one redacted line per request, written by the production destination and flushed on shutdown', async () => {
    const database = await createDatabaseFromTemplate();
    const dataDir = mkdtempSync(join(tmpdir(), 'leads-api-log-e2e-'));
    const port = await freePort();
    const child = spawn(process.execPath, [join(compiled.directory, 'main.js')], {
      env: {
        ...process.env,
        ...GENEROUS_THROTTLES,
        HOST: '127.0.0.1',
        PORT: String(port),
        DATABASE_URL: database.url,
        DATA_DIR: dataDir,
        SECRET_KEY: randomBytes(32).toString('hex'),
        LOG_LEVEL: 'info',
        AUTH_TOKEN_PREFIX: 'leads_',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((done) => child.once('close', (code) => done(code)));
    const baseUrl = `http://127.0.0.1:${port}`;
    try {
      const deadline = Date.now() + 30_000;
      while (!stdout.includes('Leads API listening')) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the server did not start:\n${stdout}${stderr}`);
        await new Promise((done) => setTimeout(done, 100));
      }
      const username = uniqueName();
      const registered = await fetch(`${baseUrl}/api/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, email: `${username}@example.com`, password: STRONG_PASSWORD }),
      });
      expect(registered.status).toBe(200);
      const user = (await registered.json()) as { token: string };
      const secrets = [user.token, TOKENS_OF_EVERY_FORMAT['ours, prefixed'], STRONG_PASSWORD];
      const urls = secrets.slice(0, 2).flatMap((token) => [`/api/auth/user?token=${token}`, `/api/leads/${token}`, `/api/leads?search=Token%20${token}`]);
      for (const url of urls) {
        const head = `GET ${url} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Token ${user.token}\r\nCookie: sessionid=${user.token}\r\nConnection: close\r\n\r\n`;
        await rawRequest(baseUrl, Buffer.from(head, 'latin1'));
      }
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      const requestLines = stdout
        .split('\n')
        .filter((line) => line.includes('"msg":"request"'))
        .map((line) => JSON.parse(line) as { url: string; level: string });
      // Every request of the loop, in order, each on one line of its own.
      const logged = requestLines.map((line) => line.url).filter((url) => url !== '/api/auth/register' && url !== '/api/auth/register/');
      expect(logged).toHaveLength(urls.length);
      expect(logged.every((url) => url.includes('[REDACTED]'))).toBe(true);
      expect(logged.map((url) => url.split(/[?/]/)[2])).toEqual(urls.map((url) => url.split(/[?/]/)[2]));
      for (const secret of secrets) {
        expect(stdout + stderr).not.toContain(secret);
        expect(decodedAll(stdout)).not.toContain(secret);
      }
      expect(stdout).toContain('"msg":"shutdown complete"');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
