import { registerUser } from './support/accounts';
import { rawRequest } from './support/raw-http';
import { createTestApp } from './support/test-app';
import { decodedAll, tokenPlacements, TOKENS_OF_EVERY_FORMAT } from './support/token-shapes';

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
