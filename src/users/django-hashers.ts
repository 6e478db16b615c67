import { createHash, pbkdf2, scrypt, timingSafeEqual } from 'node:crypto';
import * as argon2 from 'argon2';
import * as bcrypt from 'bcrypt';

/**
 * The most a stored hash may ask for. A users row is data, and a hash whose
 * parameters came from a crafted or corrupted row could otherwise hold a
 * libuv thread (and every login queued behind it) for minutes, or allocate
 * gigabytes. Each limit sits well above what any Django release writes by
 * default (README, "Django password hashes").
 */
export const STORED_HASH_LIMITS = {
  /** Django 6.1 writes 1,500,000. */
  pbkdf2Iterations: 10_000_000,
  /** Django writes 12; each step doubles the work. */
  bcryptCost: 15,
  /** KiB. Django writes 102,400 (100 MiB), t=2, p=8. */
  argon2Memory: 262_144,
  argon2Time: 10,
  argon2Parallelism: 16,
  /** Bytes of scrypt's 128·N·r table. Django writes N=2^14, r=8 (16 MiB); its own default limit is OpenSSL's 32 MiB. */
  scryptMemory: 64 * 1024 * 1024,
  scryptParallelism: 16,
} as const;

/** A Django `password` column value this server can check, with parameters within STORED_HASH_LIMITS. */
export type DjangoHash =
  | { algorithm: 'pbkdf2_sha256' | 'pbkdf2_sha1'; iterations: number; salt: string; hash: string }
  | { algorithm: 'argon2'; phc: string }
  | { algorithm: 'bcrypt_sha256' | 'bcrypt'; data: string }
  | { algorithm: 'scrypt'; workFactor: number; salt: string; blockSize: number; parallelism: number; hash: string };

// Django writes every number with %d and compares the whole re-encoded string,
// so a number with a sign, a leading zero or spaces never verified there either.
const COUNT = '([1-9][0-9]{0,9})';
const BASE64 = '([A-Za-z0-9+/]+={0,2})';
// Django refuses a salt containing `$` when it encodes, so none is stored.
const SALT = '([^$]+)';
const PBKDF2 = new RegExp(`^(pbkdf2_sha256|pbkdf2_sha1)\\$${COUNT}\\$${SALT}\\$${BASE64}$`);
// 2a, 2b and 2y name the same algorithm for passwords under 255 bytes, which is all bcrypt reads.
const BCRYPT = /^(bcrypt_sha256|bcrypt)\$(\$2[aby]\$([0-9]{2})\$[./A-Za-z0-9]{53})$/;
const SCRYPT = new RegExp(`^scrypt\\$${COUNT}\\$${SALT}\\$${COUNT}\\$${COUNT}\\$${BASE64}$`);
const ARGON2_PHC = /^\$argon2(?:id|i|d)\$(?:v=(?:16|19)\$)?([^$]+)\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;

/**
 * Reads one of Django's stored formats (django.contrib.auth.hashers):
 * PBKDF2 (SHA-256 or SHA-1) at any iteration count, argon2 in any variant,
 * bcrypt with or without the SHA-256 step, and scrypt (Django 4.0+). null for
 * everything that cannot verify: an unusable password (`!` and 40 random
 * characters, what Django stores for set_unusable_password), an empty value,
 * another hasher, a malformed value, or parameters beyond STORED_HASH_LIMITS.
 */
export function parseDjangoHash(encoded: string): DjangoHash | null {
  if (typeof encoded !== 'string' || encoded === '' || encoded.startsWith('!')) return null;
  const algorithm = encoded.split('$', 1)[0];
  switch (algorithm) {
    case 'pbkdf2_sha256':
    case 'pbkdf2_sha1': {
      const match = PBKDF2.exec(encoded);
      if (!match) return null;
      const iterations = Number(match[2]);
      if (iterations > STORED_HASH_LIMITS.pbkdf2Iterations) return null;
      return { algorithm, iterations, salt: match[3], hash: match[4] };
    }
    case 'argon2': {
      // Django stores `argon2` followed by the PHC string argon2-cffi wrote.
      const phc = encoded.slice(algorithm.length);
      return argon2WithinLimits(phc) ? { algorithm, phc } : null;
    }
    case 'bcrypt_sha256':
    case 'bcrypt': {
      const match = BCRYPT.exec(encoded);
      if (!match) return null;
      const cost = Number(match[3]);
      if (cost < 4 || cost > STORED_HASH_LIMITS.bcryptCost) return null;
      return { algorithm, data: match[2] };
    }
    case 'scrypt': {
      const match = SCRYPT.exec(encoded);
      if (!match) return null;
      const [workFactor, blockSize, parallelism] = [Number(match[1]), Number(match[3]), Number(match[4])];
      const powerOfTwo = workFactor > 1 && (workFactor & (workFactor - 1)) === 0;
      if (!powerOfTwo || 128 * workFactor * blockSize > STORED_HASH_LIMITS.scryptMemory || parallelism > STORED_HASH_LIMITS.scryptParallelism) return null;
      return { algorithm, workFactor, salt: match[2], blockSize, parallelism, hash: match[5] };
    }
    default:
      return null;
  }
}

/**
 * Whether an argon2 PHC string (this server's own, or the body of Django's)
 * is well formed with memory, time and lanes within STORED_HASH_LIMITS. The
 * argon2 package would otherwise run whatever the string asks for.
 */
export function argon2WithinLimits(phc: string): boolean {
  const match = ARGON2_PHC.exec(phc);
  if (!match) return false;
  const params = new Map<string, number>();
  for (const pair of match[1].split(',')) {
    const found = /^([mtp])=([1-9][0-9]{0,9})$/.exec(pair);
    if (!found || params.has(found[1])) return false;
    params.set(found[1], Number(found[2]));
  }
  const [m, t, p] = [params.get('m'), params.get('t'), params.get('p')];
  if (m === undefined || t === undefined || p === undefined) return false;
  return m <= STORED_HASH_LIMITS.argon2Memory && t <= STORED_HASH_LIMITS.argon2Time && p <= STORED_HASH_LIMITS.argon2Parallelism;
}

/**
 * Checks a password as Django's hasher of that format does: the same bytes
 * (UTF-8 password and salt), the result re-encoded and compared in constant
 * time. Every derivation runs on libuv's thread pool (node:crypto's
 * asynchronous pbkdf2 and scrypt, argon2's and bcrypt's native workers), so
 * a 1.5M-iteration PBKDF2 never holds the event loop.
 */
export async function verifyDjangoHash(stored: DjangoHash, password: string): Promise<boolean> {
  switch (stored.algorithm) {
    case 'pbkdf2_sha256':
    case 'pbkdf2_sha1': {
      const digest = stored.algorithm === 'pbkdf2_sha256' ? 'sha256' : 'sha1';
      // Django's pbkdf2 derives a key as long as the digest.
      const length = digest === 'sha256' ? 32 : 20;
      const derived = await new Promise<Buffer>((resolve, reject) =>
        pbkdf2(Buffer.from(password, 'utf8'), Buffer.from(stored.salt, 'utf8'), stored.iterations, length, digest, (error, key) =>
          error ? reject(error) : resolve(key),
        ),
      );
      return sameText(derived.toString('base64'), stored.hash);
    }
    case 'argon2':
      // argon2.verify compares with timingSafeEqual.
      return argon2.verify(stored.phc, password);
    case 'bcrypt_sha256':
    case 'bcrypt': {
      // Django hashes the lowercase hex of the SHA-256 first, so the whole password counts, not its first 72 bytes.
      let secret = password;
      if (stored.algorithm === 'bcrypt_sha256') secret = createHash('sha256').update(password, 'utf8').digest('hex');
      // The bcrypt module Django uses refuses a NUL byte outright, so no stored hash was made from such a password.
      else if (password.includes('\0')) return false;
      // The bcrypt package writes 2a and 2b only; 2y is the same algorithm under PHP's name.
      const salt = stored.data.slice(0, 29);
      const rehashed = await bcrypt.hash(secret, salt.startsWith('$2y$') ? `$2b$${salt.slice(4)}` : salt);
      return sameText(`${salt.slice(0, 4)}${rehashed.slice(4)}`, stored.data);
    }
    case 'scrypt': {
      const { workFactor: N, blockSize: r, parallelism: p } = stored;
      const derived = await new Promise<Buffer>((resolve, reject) =>
        // OpenSSL's own need: the 128·r·(N+2) table plus p blocks of 128·r; its default ceiling is 32 MiB.
        scrypt(Buffer.from(password, 'utf8'), Buffer.from(stored.salt, 'utf8'), 64, { N, r, p, maxmem: 128 * r * (N + 2 + p) }, (error, key) =>
          error ? reject(error) : resolve(key),
        ),
      );
      return sameText(derived.toString('base64'), stored.hash);
    }
  }
}

/** Constant time for equal lengths; a length differs only when the stored value is malformed, which is no secret. */
function sameText(actual: string, expected: string): boolean {
  const [a, b] = [Buffer.from(actual, 'utf8'), Buffer.from(expected, 'utf8')];
  return a.length === b.length && timingSafeEqual(a, b);
}
