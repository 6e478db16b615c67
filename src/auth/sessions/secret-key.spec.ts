import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateSecretKey } from './secret-key';

describe('loadOrCreateSecretKey', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'secret-key-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates a long random key readable by the owner only, in a directory it creates', () => {
    const dataDir = join(dir, 'nested', 'data');
    const key = loadOrCreateSecretKey(dataDir);
    expect(key.length).toBeGreaterThanOrEqual(32);
    expect(readFileSync(join(dataDir, 'secret-key'), 'utf8').trim()).toBe(key);
    expect(statSync(join(dataDir, 'secret-key')).mode & 0o777).toBe(0o600);
  });

  it('returns the same key on every later start', () => {
    const key = loadOrCreateSecretKey(dir);
    expect(loadOrCreateSecretKey(dir)).toBe(key);
  });

  it('leaves only the key file behind (no temporary files)', () => {
    loadOrCreateSecretKey(dir);
    loadOrCreateSecretKey(dir);
    expect(readdirSync(dir)).toEqual(['secret-key']);
  });

  it('keeps an operator-provided key file', () => {
    writeFileSync(join(dir, 'secret-key'), `${'x'.repeat(40)}\n`);
    expect(loadOrCreateSecretKey(dir)).toBe('x'.repeat(40));
  });

  it('refuses a key file that holds a short key', () => {
    writeFileSync(join(dir, 'secret-key'), 'short\n');
    expect(() => loadOrCreateSecretKey(dir)).toThrow(/at least 32 characters/);
  });
});
