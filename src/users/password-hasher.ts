import { Injectable } from '@nestjs/common';
import * as argon2 from 'argon2';
import { argon2WithinLimits, parseDjangoHash, verifyDjangoHash } from './django-hashers';

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
 * argon2id hashing. Verification also accepts the hashes a Django deployment
 * stored (django-hashers.ts), which needsRehash then reports for replacement.
 * Every hash and verification runs on libuv's thread pool, so none blocks the
 * event loop while other requests are served.
 */
@Injectable()
export class PasswordHasher {
  private dummyHash?: Promise<string>;

  hash(password: string): Promise<string> {
    return argon2.hash(password, ARGON2_OPTIONS);
  }

  /** false for a wrong password and for any stored value that cannot verify; never throws. */
  async verify(hash: string, password: string): Promise<boolean> {
    try {
      if (typeof hash === 'string' && hash.startsWith('$argon2')) {
        if (argon2WithinLimits(hash)) return await argon2.verify(hash, password);
      } else {
        const django = parseDjangoHash(hash);
        if (django) return await verifyDjangoHash(django, password);
      }
    } catch {
      return false;
    }
    // An unusable password, an unknown format or parameters beyond the limits:
    // as Django does, spend one default verification so the answer time does
    // not tell such an account from a wrong password.
    await this.dummyVerification(password);
    return false;
  }

  /**
   * Burns the same time as a real verification, so that a login for a
   * username that does not exist cannot be told apart by its answer time.
   */
  async verifyDummy(password: string): Promise<false> {
    await this.verify(await this.dummy(), password);
    return false;
  }

  private dummy(): Promise<string> {
    this.dummyHash ??= argon2.hash('leads-api dummy password for timing', ARGON2_OPTIONS);
    return this.dummyHash;
  }

  /** verifyDummy's work without going through verify again. */
  private async dummyVerification(password: string): Promise<void> {
    await argon2.verify(await this.dummy(), password).catch(() => false);
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
