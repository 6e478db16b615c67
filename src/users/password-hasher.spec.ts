import * as argon2 from 'argon2';
import { ARGON2_OPTIONS, PasswordHasher } from './password-hasher';

/**
 * Counts the event-loop turns taken while `work` runs: a hash computed on
 * libuv's thread pool lets the loop go round many times; one computed on the
 * loop itself would let it turn at most once.
 */
async function loopTurnsDuring(work: () => Promise<unknown>): Promise<number> {
  let turns = 0;
  let running = true;
  const spin = () => {
    if (!running) return;
    turns++;
    setImmediate(spin);
  };
  setImmediate(spin);
  try {
    await work();
  } finally {
    running = false;
  }
  return turns;
}

describe('PasswordHasher', () => {
  const hasher = new PasswordHasher();

  it('hashes with argon2id at the configured cost, and verifies only the right password', async () => {
    const hash = await hasher.hash('correct horse battery staple');
    const [, variant, , parameters] = hash.split('$');
    expect(variant).toBe('argon2id');
    expect(parameters.split(',').sort()).toEqual(
      [`m=${ARGON2_OPTIONS.memoryCost}`, `p=${ARGON2_OPTIONS.parallelism}`, `t=${ARGON2_OPTIONS.timeCost}`].sort(),
    );
    expect(hash).not.toContain('correct horse');
    await expect(hasher.verify(hash, 'correct horse battery staple')).resolves.toBe(true);
    await expect(hasher.verify(hash, 'correct horse battery stapler')).resolves.toBe(false);
  });

  it('treats a stored value that is not an argon2 hash as a wrong password, not an error', async () => {
    await expect(hasher.verify('pbkdf2_sha256$600000$salt$hash', 'anything')).resolves.toBe(false);
  });

  it('keeps the event loop turning while it hashes and verifies', async () => {
    const hash = await hasher.hash('warm up the pool');
    expect(await loopTurnsDuring(() => hasher.hash('a password being hashed'))).toBeGreaterThan(1);
    expect(await loopTurnsDuring(() => hasher.verify(hash, 'a password being checked'))).toBeGreaterThan(1);
    expect(await loopTurnsDuring(() => hasher.verifyDummy('nobody knows this user'))).toBeGreaterThan(1);
  });

  it('asks for a rehash when the cost or the variant differs from the configured one', async () => {
    const current = await hasher.hash('pw');
    const older = await argon2.hash('pw', { ...ARGON2_OPTIONS, memoryCost: 19_456, timeCost: 2 });
    const argon2i = await argon2.hash('pw', { ...ARGON2_OPTIONS, type: argon2.argon2i });
    expect(hasher.needsRehash(current)).toBe(false);
    expect(hasher.needsRehash(older)).toBe(true);
    expect(hasher.needsRehash(argon2i)).toBe(true);
    expect(hasher.needsRehash('not a hash')).toBe(true);
  });

  it('answers a login for an unknown user with false after a full verification', async () => {
    await expect(hasher.verifyDummy('whatever')).resolves.toBe(false);
  });
});
