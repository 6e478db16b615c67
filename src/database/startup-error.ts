/**
 * Why the server could not start, said in one line a newcomer can act on:
 * main.ts writes it to stderr and exits 1 (the details, stack included, are
 * logged at debug level). It lives beside the embedded PostgreSQL that
 * throws it: process control reads it from the database layer, never the
 * reverse.
 */
export class StartupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message.replace(/\s+/g, ' ').trim(), options);
    this.name = 'StartupError';
  }
}
