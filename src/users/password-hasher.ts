import { Injectable } from '@nestjs/common';
import * as argon2 from 'argon2';

/**
 * One of OWASP's equivalent argon2id configurations: m=12 MiB, t=3, p=1. It
 * costs the same CPU as the first (m=19 MiB, t=2) and 7 MiB less memory per
 * hash in flight, which keeps a server under login load within its memory
 * target (see bench/README.md, "Memory"). Hashes made with other parameters
 * are rehashed at the next login.
 */
export const ARGON2_OPTIONS = {
  type: argon2.argon2id,
  memoryCost: 12_288,
  timeCost: 3,
  parallelism: 1,
} as const;

/**
 * argon2id hashing. argon2 runs on libuv's thread pool, so hashing never
 * blocks the event loop while other requests are served.
 */
@Injectable()
export class PasswordHasher {
  private dummyHash?: Promise<string>;

  hash(password: string): Promise<string> {
    return argon2.hash(password, ARGON2_OPTIONS);
  }

  async verify(hash: string, password: string): Promise<boolean> {
    try {
      return await argon2.verify(hash, password);
    } catch {
      return false;
    }
  }

  /**
   * Burns the same time as a real verification, so that a login for a
   * username that does not exist cannot be told apart by its answer time.
   */
  async verifyDummy(password: string): Promise<false> {
    this.dummyHash ??= argon2.hash('leads-api dummy password for timing', ARGON2_OPTIONS);
    await this.verify(await this.dummyHash, password);
    return false;
  }

  needsRehash(hash: string): boolean {
    // argon2.needsRehash compares version and costs only, not the variant.
    if (!hash.startsWith('$argon2id$')) return true;
    try {
      return argon2.needsRehash(hash, ARGON2_OPTIONS);
    } catch {
      return true;
    }
  }
}
