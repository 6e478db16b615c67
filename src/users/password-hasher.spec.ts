import * as argon2 from 'argon2';
import { djangoUsers } from '../../test/support/django-users';
import { ARGON2_OPTIONS, PasswordHasher } from './password-hasher';

const PASSWORD = 'violet-Harbor-42-lantern';

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

  it("hashes with argon2id at OWASP's parameters (m=12 MiB, t=3, p=1), and verifies only the right password", async () => {
    const hash = await hasher.hash(PASSWORD);
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=12288,(t=3,p=1|p=1,t=3)\$/);
    expect(hash).not.toContain(PASSWORD);
    await expect(hasher.verify(hash, PASSWORD)).resolves.toBe(true);
    await expect(hasher.verify(hash, `${PASSWORD} `)).resolves.toBe(false);
  });

  it('treats a stored value that is not an argon2 hash as a wrong password, not an error', async () => {
    await expect(hasher.verify('pbkdf2_sha256$600000$salt$hash', PASSWORD)).resolves.toBe(false);
    await expect(hasher.verify('not-a-hash', PASSWORD)).resolves.toBe(false);
  });

  it('keeps the event loop turning while it hashes and verifies', async () => {
    const hash = await hasher.hash('warm up the pool');
    expect(await loopTurnsDuring(() => hasher.hash('a password being hashed'))).toBeGreaterThan(1);
    expect(await loopTurnsDuring(() => hasher.verify(hash, 'a password being checked'))).toBeGreaterThan(1);
    expect(await loopTurnsDuring(() => hasher.verifyDummy('nobody knows this user'))).toBeGreaterThan(1);
  });

  it("keeps the event loop turning while it verifies Django's hashes, a 1.5M-iteration PBKDF2 among them", async () => {
    const users = djangoUsers();
    const slowest = users.find((user) => user.encoded.startsWith('pbkdf2_sha256$1500000$'))!;
    const others = ['bcrypt', 'bcrypt_sha256', 'scrypt', 'argon2'].map((hasherName) => users.find((user) => user.hasher === hasherName)!);
    for (const user of [slowest, ...others]) {
      let verified: boolean | undefined;
      const turns = await loopTurnsDuring(async () => (verified = await hasher.verify(user.encoded, user.password!)));
      expect({ user: user.username, verified, turning: turns > 1 }).toEqual({ user: user.username, verified: true, turning: true });
    }
  });

  it('asks for a rehash when the cost or the variant differs from the configured one', async () => {
    expect(hasher.needsRehash(await hasher.hash(PASSWORD))).toBe(false);
    expect(hasher.needsRehash(await argon2.hash(PASSWORD, { ...ARGON2_OPTIONS, memoryCost: 19_456, timeCost: 2 }))).toBe(true);
    // Same costs, another variant: still upgraded to argon2id.
    expect(hasher.needsRehash(await argon2.hash(PASSWORD, { ...ARGON2_OPTIONS, type: argon2.argon2i }))).toBe(true);
    expect(hasher.needsRehash(await argon2.hash(PASSWORD, { ...ARGON2_OPTIONS, type: argon2.argon2d }))).toBe(true);
    expect(hasher.needsRehash('$2b$12$C6UzMDM.H6dfI/f/IKcEeO5e3XKnCkzT5iJ8pKRL9cEDJiJkL3aHe')).toBe(true);
    expect(hasher.needsRehash('not a hash')).toBe(true);
  });

  it('answers a login for an unknown user after one real verification, against a hash at the current parameters', async () => {
    const dummyHasher = new PasswordHasher();
    const verify = jest.spyOn(dummyHasher, 'verify');
    await expect(dummyHasher.verifyDummy(PASSWORD)).resolves.toBe(false);
    await expect(dummyHasher.verifyDummy('another guess')).resolves.toBe(false);
    expect(verify).toHaveBeenCalledTimes(2);
    const [[hash, password], [sameHash, otherPassword]] = verify.mock.calls;
    expect([password, otherPassword]).toEqual([PASSWORD, 'another guess']);
    // Made once, then reused: the verification, not the hashing, is what each login pays for.
    expect(sameHash).toBe(hash);
    expect(hash).toMatch(/^\$argon2id\$/);
    expect(dummyHasher.needsRehash(hash)).toBe(false);
    await expect(verify.mock.results[0].value).resolves.toBe(false);
  });
});
