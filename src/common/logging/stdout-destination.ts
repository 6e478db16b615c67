import { constants, fstatSync, openSync, writeSync, writevSync } from 'node:fs';

/** What may wait in memory for a slow stdout before lines are written synchronously (see `write`). */
export const DEFAULT_MAX_QUEUED_BYTES = 4 * 1024 * 1024;
/**
 * How long to wait before trying a full pipe again: doubled up to the
 * maximum while it stays full. A timer stands in for the readiness
 * notification libuv does not offer for a plain fd: short, because a pipe
 * holds little (64 KiB on Linux) and a live reader drains it quickly, while
 * an attempt on a pipe still full is one failed write(2).
 */
const RETRY_MIN_MS = 1;
const RETRY_MAX_MS = 8;
/**
 * How long an error line may wait for a pipe that is full but being read:
 * long enough for a live reader to make room, short enough that a stalled
 * one costs one wait, not one per error (see `writeUrgent`).
 */
const URGENT_WAIT_MS = 100;

/** Below the kernel's IOV_MAX (1024 on Linux). */
const MAX_CHUNKS_PER_WRITE = 512;

function isFull(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'EAGAIN' || code === 'EWOULDBLOCK';
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

export interface StdoutDestinationOptions {
  /** Default 1. */
  fd?: number;
  /** Default DEFAULT_MAX_QUEUED_BYTES. */
  maxQueuedBytes?: number;
}

/**
 * Opens a description of stdout of this process's own, non-blocking, when
 * stdout is a pipe (Linux's /proc/self/fd). A pipe's reader may stall (a
 * supervisor busy, a `| less` nobody scrolls); with a non-blocking
 * description a write takes what fits and returns at once, and the flag is
 * ours alone: setting O_NONBLOCK on fd 1 itself would change it for every
 * process sharing that pipe (the cluster's workers, npm, the shell). A file
 * keeps fd 1 (its writes do not wait on a reader, and a second description
 * would have an offset of its own); so does anything else (a terminal, a
 * socket), in whatever mode it is: EAGAIN is handled either way.
 */
function openStdout(fd: number): number {
  try {
    if (fstatSync(fd).isFIFO()) return openSync(`/proc/self/fd/${fd}`, constants.O_WRONLY | constants.O_NONBLOCK);
  } catch {
    // Not Linux, or no /proc: fd as it is.
  }
  return fd;
}

/**
 * pino's destination: the lines of one event-loop turn are written together
 * in one write(2) when the turn ends, as the logger before pino did (one
 * write per line, or pino's own asynchronous destination, cost more CPU per
 * line: bench/README.md, "The logger"). Every write happens on
 * the event loop, on a non-blocking description where stdout is a pipe:
 * what the pipe does not take stays queued and is tried again on a timer,
 * so a stalled reader does not stop the server, and nothing goes through
 * libuv's thread pool (where it would wait behind argon2id hashes, and where
 * a write still in flight could be overtaken by a synchronous one).
 *
 * error and fatal lines are written in the call that logs them, after what is
 * queued (one writer, so order holds): they reach the kernel before the
 * process can be killed (`writeUrgent`). A full pipe gets a short wait; one
 * that stays full (a stalled reader) keeps them queued, as a blocked write(2)
 * would keep them: a SIGKILL then loses either.
 *
 * The queue is bounded: past `maxQueuedBytes` the whole queue is written
 * synchronously, waiting for the reader, as a blocking stdout would on
 * every write. Dropping lines instead would keep the server answering while
 * its request log has holes nobody can see; a stdout that never drains is an
 * outage of its own, which health checks and supervisors see when the server
 * stops answering, and the log is complete when it resumes.
 */
export class StdoutDestination {
  private readonly fd: number;
  private readonly maxQueuedBytes: number;
  /**
   * What a full pipe did not take, in order, as Buffers: each retry hands
   * them to one writev(2) and drops what it took, so a long queue is not
   * converted again on every attempt.
   */
  private backlog: Buffer[] = [];
  /** Lines logged since the last write, written after the backlog. */
  private pending = '';
  /** Bytes in `backlog` plus UTF-16 units in `pending`: close enough to bytes for a bound. */
  private queued = 0;
  private turnScheduled = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryMs = RETRY_MIN_MS;
  /** After flush(): every line is written in the call that logs it. */
  private immediate = false;
  /** An error line's wait for the pipe ran out: no more waits until the queue is empty again. */
  private stalled = false;
  /** EPIPE and the like: nobody will read what follows, so nothing more is queued. */
  private broken = false;

  constructor(options: StdoutDestinationOptions = {}) {
    this.fd = openStdout(options.fd ?? 1);
    this.maxQueuedBytes = options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES;
  }

  /** Bytes (about) waiting for stdout. */
  get queuedBytes(): number {
    return this.queued;
  }

  write(line: string): void {
    if (this.broken) return;
    this.pending += line;
    this.queued += line.length;
    if (this.immediate) {
      if (this.retryTimer === null) this.writeQueued();
    } else if (!this.turnScheduled) {
      this.turnScheduled = true;
      setImmediate(this.endOfTurn);
    }
    if (this.queued > this.maxQueuedBytes) this.writeAllSync(Infinity);
  }

  /**
   * Writes what is queued now, the line just logged included: AppLogger calls
   * it after an error or fatal line (it knows the level; reading it back from
   * the line would cost every line a flattened string). A full pipe gets up to
   * URGENT_WAIT_MS to take it; if it does not, the pipe is taken for stalled
   * and later error lines are queued like the others until it drains again.
   */
  writeUrgent(): void {
    if (this.queued === 0 || this.broken) return;
    if (this.stalled) {
      if (this.retryTimer === null) this.writeQueued();
      return;
    }
    this.writeAllSync(Date.now() + URGENT_WAIT_MS);
    if (this.queued > 0) {
      this.stalled = true;
      this.writeQueued();
    }
  }

  /**
   * Resolves once every line logged so far is written, or after `timeoutMs`
   * should stdout be a pipe nobody reads (what is left is then given up:
   * a stopping process must not wait forever for a reader). Lines logged
   * afterwards are written in the call that logs them.
   */
  flush(timeoutMs: number): Promise<void> {
    this.immediate = true;
    const deadline = Date.now() + timeoutMs;
    return new Promise<void>((done) => {
      const attempt = () => {
        if (this.retryTimer === null) this.writeQueued();
        if (this.queued === 0 || this.broken || Date.now() >= deadline) return done();
        // Not unref'd: the caller awaits this before exiting, so the process must stay until it settles.
        setTimeout(attempt, Math.min(this.retryMs, Math.max(1, deadline - Date.now())));
      };
      attempt();
    });
  }

  /**
   * For process exit, where no timer runs: writes what is queued, waiting
   * for a full pipe for at most `timeoutMs` (a blocking stdout that is not a
   * pipe cannot be bounded this way, as for the logger before pino).
   */
  flushSync(timeoutMs: number): void {
    this.writeAllSync(Date.now() + timeoutMs);
  }

  private readonly endOfTurn = (): void => {
    this.turnScheduled = false;
    if (this.retryTimer === null) this.writeQueued();
  };

  private readonly retry = (): void => {
    this.retryTimer = null;
    this.writeQueued();
  };

  /** One non-blocking attempt: what the pipe does not take waits for the retry timer. */
  private writeQueued(): void {
    while (this.queued > 0) {
      const outcome = this.writeOnce();
      if (outcome !== 'done') {
        // A reader that took something gets the shortest wait; the wait only grows while it takes nothing.
        if (outcome === 'partial') this.retryMs = RETRY_MIN_MS;
        // Unref'd: a process with nothing else to do exits, and its exit hook writes what it can (flushSync).
        this.retryTimer = setTimeout(this.retry, this.retryMs).unref();
        this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
        return;
      }
    }
    this.retryMs = RETRY_MIN_MS;
    this.stalled = false;
  }

  /** Waits for the reader until everything is written or the deadline passes. */
  private writeAllSync(deadline: number): void {
    if (this.retryTimer !== null) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }
    let wait = RETRY_MIN_MS;
    while (this.queued > 0 && !this.broken) {
      const outcome = this.writeOnce();
      if (outcome === 'done') continue;
      if (outcome === 'partial') wait = RETRY_MIN_MS;
      const left = deadline - Date.now();
      if (left <= 0) return;
      sleepSync(Math.min(wait, left));
      wait = Math.min(wait * 2, RETRY_MAX_MS);
    }
    this.stalled = false;
  }

  /**
   * One write(2) (one writev(2) once there is a backlog): 'done' when the
   * pipe took all it was given, 'partial' when it took some (its reader is
   * alive), 'full' when it took nothing.
   */
  private writeOnce(): 'done' | 'partial' | 'full' {
    if (this.backlog.length === 0) {
      // The everyday path: this turn's lines as one string, without a Buffer of our own.
      const text = this.pending;
      this.pending = '';
      this.queued -= text.length;
      let written = 0;
      try {
        written = writeSync(this.fd, text);
      } catch (error) {
        if (!isFull(error)) return this.fail();
      }
      if (written === Buffer.byteLength(text)) return 'done';
      this.enqueue(Buffer.from(text).subarray(written));
      return written > 0 ? 'partial' : 'full';
    }
    if (this.pending !== '') {
      this.queued -= this.pending.length;
      this.enqueue(Buffer.from(this.pending));
      this.pending = '';
    }
    const chunks = this.backlog.length > MAX_CHUNKS_PER_WRITE ? this.backlog.slice(0, MAX_CHUNKS_PER_WRITE) : this.backlog;
    let written: number;
    try {
      written = writevSync(this.fd, chunks);
    } catch (error) {
      return isFull(error) ? 'full' : this.fail();
    }
    this.queued -= written;
    const progress = written > 0;
    let taken = 0;
    while (taken < this.backlog.length && written >= this.backlog[taken].length) written -= this.backlog[taken++].length;
    const more = taken < chunks.length;
    this.backlog.splice(0, taken);
    if (written > 0) this.backlog[0] = this.backlog[0].subarray(written);
    return !more ? 'done' : progress ? 'partial' : 'full';
  }

  private enqueue(chunk: Buffer): void {
    this.backlog.push(chunk);
    this.queued += chunk.length;
  }

  /** The reader is gone (EPIPE) or stdout is unusable: what is queued, and what follows, cannot be written. */
  private fail(): 'done' {
    this.broken = true;
    this.backlog = [];
    this.pending = '';
    this.queued = 0;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    return 'done';
  }
}
