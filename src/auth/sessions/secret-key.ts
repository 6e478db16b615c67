import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MIN_SECRET_KEY_LENGTH } from '../../config/app-config';

export const SECRET_KEY_FILE = 'secret-key';

/**
 * The server key when SECRET_KEY is unset: generated on first start and kept
 * in `${dataDir}/secret-key` (mode 0600), so a restart keeps every browser
 * session's CSRF token valid. Several processes starting at once (cluster
 * workers, parallel test apps) all end up with the same key.
 */
export function loadOrCreateSecretKey(dataDir: string): string {
  const path = join(dataDir, SECRET_KEY_FILE);
  const existing = readKey(path);
  if (existing !== undefined) return existing;

  // The key file itself is 0600; the directory keeps its default mode because the embedded
  // PostgreSQL (run as the `postgres` user when we are root) must reach DATA_DIR/postgres inside it.
  mkdirSync(dataDir, { recursive: true });
  const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(temp, `${randomBytes(48).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    // link() refuses to replace an existing file, so the first writer wins and
    // nobody can ever read a half-written key.
    linkSync(temp, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(temp);
  }
  const created = readKey(path);
  if (created === undefined) throw new Error(`could not create ${path}`);
  return created;
}

function readKey(path: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const key = text.trim();
  if (key.length < MIN_SECRET_KEY_LENGTH) {
    throw new Error(`${path} must hold a key of at least ${MIN_SECRET_KEY_LENGTH} characters; delete it to have a new one generated, or set SECRET_KEY`);
  }
  return key;
}
