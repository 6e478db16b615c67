import crypto from 'node:crypto';
import argon2 from 'argon2';
import bcrypt from 'bcrypt';
import { djangoUsers } from '../../test/support/django-users';
import { parseDjangoHash, STORED_HASH_LIMITS } from './django-hashers';
import { PasswordHasher } from './password-hasher';

const fixtureUsers = djangoUsers();
const usable = fixtureUsers.filter((user): user is typeof user & { password: string } => user.password !== null);
const encodedOf = (hasher: string) => usable.find((user) => user.hasher === hasher)!;

describe('Django password hashes', () => {
  const hasher = new PasswordHasher();

  it('come with a fixture user for every hasher, including argon2i and the 1.5M-iteration PBKDF2', () => {
    expect(new Set(usable.map((user) => user.hasher))).toEqual(new Set(['pbkdf2_sha256', 'pbkdf2_sha1', 'argon2', 'bcrypt_sha256', 'bcrypt', 'scrypt']));
    expect(usable.map((user) => user.encoded)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^pbkdf2_sha256\$1500000\$/), expect.stringMatching(/^argon2\$argon2i\$/), expect.stringMatching(/^scrypt\$16384\$[^$]+\$8\$5\$/)]),
    );
  });

  it.each(usable.map((user) => [`${user.username} (${user.made_with})`, user] as const))(
    'verify %s with its Django password only, and ask for an argon2id rehash',
    async (_name, user) => {
      expect(parseDjangoHash(user.encoded)).not.toBeNull();
      await expect(hasher.verify(user.encoded, user.password)).resolves.toBe(true);
      await expect(hasher.verify(user.encoded, `${user.password}!`)).resolves.toBe(false);
      await expect(hasher.verify(user.encoded, user.password.slice(0, -1))).resolves.toBe(false);
      await expect(hasher.verify(user.encoded, '')).resolves.toBe(false);
      expect(hasher.needsRehash(user.encoded)).toBe(true);
    },
  );

  it('hash the UTF-8 bytes of a non-ASCII password, as Django does', async () => {
    const user = usable.find((u) => [...u.password].some((char) => char.charCodeAt(0) > 0x7f))!;
    await expect(hasher.verify(user.encoded, user.password)).resolves.toBe(true);
    await expect(hasher.verify(user.encoded, user.password.normalize('NFD'))).resolves.toBe(false);
  });

  it('bcrypt_sha256 reads the whole password; plain bcrypt stops at 72 bytes, as Django with bcrypt did', async () => {
    const dave = encodedOf('bcrypt_sha256');
    expect(Buffer.byteLength(dave.password)).toBeGreaterThan(72);
    await expect(hasher.verify(dave.encoded, `${dave.password.slice(0, 72)}something else`)).resolves.toBe(false);
    const long = 'x'.repeat(72);
    const plain = `bcrypt$${await bcrypt.hash(long, 4)}`;
    await expect(hasher.verify(plain, `${long} and more`)).resolves.toBe(true);
  });

  it('bcrypt: a 2a or 2y prefix verifies as the 2b Django wrote, and a password with a NUL byte never does', async () => {
    const erin = encodedOf('bcrypt');
    for (const prefix of ['$2a$', '$2y$']) {
      await expect(hasher.verify(erin.encoded.replace('$2b$', prefix), erin.password)).resolves.toBe(true);
      await expect(hasher.verify(erin.encoded.replace('$2b$', prefix), `${erin.password}!`)).resolves.toBe(false);
    }
    const withNul = `bcrypt$${await bcrypt.hash('abc\0def', 4)}`;
    await expect(hasher.verify(withNul, 'abc\0def')).resolves.toBe(false);
  });

  it('compare the recomputed hash in constant time', async () => {
    const timingSafeEqual = jest.spyOn(crypto, 'timingSafeEqual');
    try {
      for (const algorithm of ['pbkdf2_sha1', 'bcrypt', 'scrypt']) {
        timingSafeEqual.mockClear();
        const user = encodedOf(algorithm);
        await expect(hasher.verify(user.encoded, `${user.password}!`)).resolves.toBe(false);
        expect({ algorithm, calls: timingSafeEqual.mock.calls.length }).toEqual({ algorithm, calls: 1 });
      }
    } finally {
      timingSafeEqual.mockRestore();
    }
  });

  it.each([
    ['an unusable password (set_unusable_password)', fixtureUsers.find((user) => user.password === null)!.encoded],
    ['a bare "!"', '!'],
    ['an unusable prefix on a real hash', `!${encodedOf('pbkdf2_sha1').encoded}`],
    ['an empty value', ''],
    ['the unsalted MD5 of ancient Django', '5f4dcc3b5aa765d61d8327deb882cf99'],
    ['salted SHA-1', 'sha1$abc$3f6d8e1f0b2b1e4fbd0a3f0e0f7a5c2e6b7e8d9c'],
    ['salted MD5', 'md5$abc$8e9b0e5b3c0d1e2f3a4b5c6d7e8f9a0b'],
    ['crypt', 'crypt$$ab1234567890'],
    ['a hasher Django never had', 'pbkdf2_sha512$260000$salt$aGFzaA=='],
    ['PBKDF2 without a salt', 'pbkdf2_sha256$260000$$aGFzaA=='],
    ['PBKDF2 with a leading zero in the count', encodedOf('pbkdf2_sha1').encoded.replace('$260000$', '$0260000$')],
    ['PBKDF2 with zero iterations', 'pbkdf2_sha256$0$salt$aGFzaA=='],
    ['PBKDF2 missing its hash', 'pbkdf2_sha256$260000$salt'],
    ['bcrypt with a short checksum', encodedOf('bcrypt').encoded.slice(0, -1)],
    ['bcrypt with an unknown version', encodedOf('bcrypt').encoded.replace('$2b$', '$2x$')],
    ['argon2 with an unknown parameter', 'argon2$argon2id$v=19$m=512,t=2,p=2,x=1$c2FsdHNhbHQ$aGFzaGhhc2g'],
    ['argon2 with a repeated parameter', 'argon2$argon2id$v=19$m=512,t=2,t=3$c2FsdHNhbHQ$aGFzaGhhc2g'],
    ['argon2 with an unknown version', 'argon2$argon2id$v=20$m=512,t=2,p=2$c2FsdHNhbHQ$aGFzaGhhc2g'],
    ['scrypt with a work factor that is not a power of two', 'scrypt$16383$salt$8$1$aGFzaA=='],
    ['scrypt missing a field', 'scrypt$16384$salt$8$aGFzaA=='],
    ['plain text', 'password'],
  ])('never verify %s', async (_name, encoded) => {
    expect(parseDjangoHash(encoded)).toBeNull();
    await expect(hasher.verify(encoded, 'password')).resolves.toBe(false);
    await expect(hasher.verify(encoded, '')).resolves.toBe(false);
  });

  it('answer false, not an error, for a well-formed hash the algorithm itself refuses', async () => {
    // argon2 needs at least 8 KiB per lane.
    const tooSmall = 'argon2$argon2id$v=19$m=1,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g';
    expect(parseDjangoHash(tooSmall)).not.toBeNull();
    await expect(hasher.verify(tooSmall, 'password')).resolves.toBe(false);
  });

  it('spend one default verification on a value that cannot verify, as on an unknown user', async () => {
    const verify = jest.spyOn(argon2, 'verify');
    try {
      await expect(hasher.verify('!unusable', 'a guess')).resolves.toBe(false);
      expect(verify).toHaveBeenCalledTimes(1);
      // argon2id at this server's own parameters: the hash verifyDummy uses.
      expect(hasher.needsRehash(verify.mock.calls[0][0])).toBe(false);
    } finally {
      verify.mockRestore();
    }
  });

  describe('with parameters beyond the limits', () => {
    const { pbkdf2Iterations, bcryptCost, argon2Memory, argon2Time, argon2Parallelism, scryptParallelism } = STORED_HASH_LIMITS;
    const argon2Hash = (params: string) => `$argon2id$v=19$${params}$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo`;
    const bcryptHash = (cost: number) => encodedOf('bcrypt').encoded.replace('$2b$12$', `$2b$${String(cost).padStart(2, '0')}$`);
    const crafted = [
      `pbkdf2_sha256$${pbkdf2Iterations + 1}$salt$aGFzaA==`,
      `pbkdf2_sha1$9999999999$salt$aGFzaA==`,
      bcryptHash(bcryptCost + 1),
      bcryptHash(31),
      bcryptHash(3),
      `argon2${argon2Hash(`m=${argon2Memory + 1},t=2,p=1`)}`,
      `argon2${argon2Hash(`m=65536,t=${argon2Time + 1},p=1`)}`,
      `argon2${argon2Hash(`m=65536,t=2,p=${argon2Parallelism + 1}`)}`,
      `argon2${argon2Hash('m=4294967295,t=4294967295,p=255')}`,
      // 128 MiB, twice the limit.
      `scrypt$${2 ** 20}$salt$8$1$aGFzaA==`,
      `scrypt$${2 ** 14}$salt$1024$1$aGFzaA==`,
      `scrypt$16384$salt$8$${scryptParallelism + 1}$aGFzaA==`,
    ];
    // This server's own format is held to the same argon2 limits.
    const craftedNative = [argon2Hash(`m=${argon2Memory + 1},t=2,p=1`), argon2Hash(`m=65536,t=${argon2Time + 1},p=1`)];

    it('are refused before any hashing', async () => {
      for (const encoded of crafted) expect({ encoded, parsed: parseDjangoHash(encoded) }).toEqual({ encoded, parsed: null });
      // Should a limit fail, the crafted work is refused here rather than run for minutes.
      const refuse = () => {
        throw new Error('a crafted hash reached its algorithm');
      };
      const spies = [
        jest.spyOn(crypto, 'pbkdf2').mockImplementation(refuse),
        jest.spyOn(crypto, 'scrypt').mockImplementation(refuse),
        jest.spyOn(bcrypt, 'hash').mockImplementation(refuse),
        jest.spyOn(bcrypt, 'compare').mockImplementation(refuse),
      ];
      const realVerify = argon2.verify.bind(argon2);
      const argon2Verify = jest.spyOn(argon2, 'verify').mockImplementation((hash, password) => (hasher.needsRehash(hash) ? refuse() : realVerify(hash, password)));
      try {
        for (const encoded of [...crafted, ...craftedNative]) {
          argon2Verify.mockClear();
          await expect(hasher.verify(encoded, 'password')).resolves.toBe(false);
          // Only the default argon2id verification that stands in for every value that cannot verify.
          const current = argon2Verify.mock.calls.map(([hash]) => !hasher.needsRehash(hash));
          expect({ encoded, current }).toEqual({ encoded, current: [true] });
        }
        for (const spy of spies) expect(spy).not.toHaveBeenCalled();
      } finally {
        for (const spy of [...spies, argon2Verify]) spy.mockRestore();
      }
    });

    it('are accepted at the limits themselves', () => {
      expect(parseDjangoHash(`pbkdf2_sha256$${pbkdf2Iterations}$salt$aGFzaA==`)).toMatchObject({ iterations: pbkdf2Iterations });
      expect(parseDjangoHash(bcryptHash(bcryptCost))).toMatchObject({ algorithm: 'bcrypt' });
      expect(parseDjangoHash(bcryptHash(4))).toMatchObject({ algorithm: 'bcrypt' });
      expect(parseDjangoHash(`argon2${argon2Hash(`m=${argon2Memory},t=${argon2Time},p=${argon2Parallelism}`)}`)).toMatchObject({ algorithm: 'argon2' });
      // 64 MiB.
      expect(parseDjangoHash(`scrypt$${2 ** 16}$salt$8$${scryptParallelism}$aGFzaA==`)).toMatchObject({ workFactor: 2 ** 16, parallelism: scryptParallelism });
    });
  });
});
