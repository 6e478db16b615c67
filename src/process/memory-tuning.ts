import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';

/**
 * Imported first by main.ts, before anything allocates much or uses libuv's
 * thread pool. Two settings that keep one process under load within its
 * memory target (figures: see bench/README.md, "Memory"):
 *
 * - V8 lets the old generation grow by 100% of the live heap between full
 *   collections instead of its default (up to 4×): the live heap is small,
 *   and the default let garbage fill several times that before a
 *   mark-compact. V8 reads this at every collection, so setting it here takes
 *   effect. Lower values saved more memory but lengthened the p99 (more
 *   frequent collections).
 * - libuv's pool gets as many threads as there are cores (default 4, unless
 *   UV_THREADPOOL_SIZE is set). Each argon2id hash takes 12 MiB on a pool
 *   thread, which glibc then keeps in that thread's arena: every thread past
 *   the core count held 12 MiB more and added no logins per second.
 */
export function tuneMemory(): void {
  // A value given on the command line (`node --heap-growing-percent=… dist/main.js`) wins.
  if (!process.execArgv.some((arg) => arg.startsWith('--heap-growing-percent'))) setFlagsFromString('--heap-growing-percent=100');
  process.env.UV_THREADPOOL_SIZE ??= String(Math.max(2, availableParallelism()));
}

tuneMemory();
