import type { LoggerService, LogLevel } from '@nestjs/common';
import pino, { DestinationStream, Logger } from 'pino';
import { redact, redactText } from './redact';

/** The levels this project writes at; LOG_LEVEL also takes `silent`. */
export type LineLevel = 'debug' | 'info' | 'warn' | 'error' | 'fatal';

const FRAMEWORK_CONTEXTS = new Set(['NestFactory', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestApplication']);

/** LOG_LEVEL's and Nest's level names, as pino's. */
const PINO_LEVELS: Record<string, pino.LevelWithSilent> = {
  debug: 'debug',
  verbose: 'debug',
  log: 'info',
  info: 'info',
  warn: 'warn',
  error: 'error',
  fatal: 'fatal',
  silent: 'silent',
};

/** How long the last lines may take to reach a stdout nobody reads before the process exits anyway. */
const FLUSH_TIMEOUT_MS = 2_000;

/**
 * One JSON object per line, as the README and the suites that read the logs
 * expect: the level as its name, the time as ISO 8601, no pid or hostname.
 */
function createPino(level: string, destination: DestinationStream): Logger {
  return pino(
    {
      level: PINO_LEVELS[level] ?? 'info',
      base: null,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

/**
 * The process's logger: pino, and Nest's LoggerService over it, so Nest's own
 * lines and every `new Logger(...)` of the app go to the same place. Messages
 * and fields that come from anywhere pass through the redactor (tokens,
 * passwords, cookies and database passwords, by key and in free text), so
 * they never reach a log; only `logSafe` skips it, for fields the caller
 * made safe itself.
 *
 * By default lines go to stdout through pino's asynchronous destination: a
 * line is queued and written by libuv, not by a blocking write(2) on the
 * request's path. What is still queued when the process stops is written by
 * `flush()`, which every deliberate exit awaits.
 */
export class AppLogger implements LoggerService {
  private pino: Logger;
  /** The asynchronous stdout destination, while this logger owns one. */
  private ownDestination?: ReturnType<typeof pino.destination>;
  private flushed?: Promise<void>;

  /** `destination` for tests that read the lines from process.stdout; by default stdout, asynchronously. */
  constructor(level: string = 'info', destination?: DestinationStream) {
    if (destination) {
      this.pino = createPino(level, destination);
    } else {
      const own = pino.destination({ dest: 1, sync: false });
      this.ownDestination = own;
      this.pino = createPino(level, own);
    }
  }

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }
  setLogLevels(levels: LogLevel[]): void {
    const values = levels.map((level) => this.pino.levels.values[PINO_LEVELS[level] ?? 'info']).filter((value) => value !== undefined);
    this.pino.level = values.length > 0 ? this.pino.levels.labels[Math.min(...values)] : 'info';
  }

  /** True when a line at `level` would be written: lets a caller skip building it. */
  enabled(level: LineLevel): boolean {
    return this.pino.isLevelEnabled(level);
  }

  /**
   * For fields the caller has already made safe (the request logger's method,
   * redacted URL, status and duration): written as they are, which spares the
   * deep redaction walk on every request.
   */
  logSafe(level: LineLevel, msg: string, fields: Record<string, unknown>): void {
    this.pino[level](fields, msg);
  }

  /**
   * Resolves once every line logged so far is written (or after
   * FLUSH_TIMEOUT_MS, should stdout be a pipe nobody reads): await it before
   * `process.exit`, which would drop what the asynchronous destination still
   * holds. Lines logged afterwards are written synchronously.
   */
  flush(): Promise<void> {
    if (this.flushed) return this.flushed;
    const own = this.ownDestination;
    if (!own) return (this.flushed = Promise.resolve());
    this.ownDestination = undefined;
    const level = this.pino.level;
    this.pino = createPino(level, pino.destination({ dest: 1, sync: true }));
    this.flushed = new Promise<void>((done) => {
      const timer = setTimeout(done, FLUSH_TIMEOUT_MS);
      own.once('close', () => {
        clearTimeout(timer);
        done();
      });
      own.end();
    });
    return this.flushed;
  }

  private write(requestedLevel: LineLevel, message: unknown, rest: unknown[]): void {
    // Nest passes the context as the last string argument, and a stack before it for errors.
    const args = [...rest];
    const context = args.length > 0 && typeof args[args.length - 1] === 'string' ? (args.pop() as string) : undefined;
    // Nest's own start-up chatter (every module and route) would bury the one line saying where the
    // server listens; it stays available at debug level.
    const level = requestedLevel === 'info' && context && FRAMEWORK_CONTEXTS.has(context) ? 'debug' : requestedLevel;
    if (!this.pino.isLevelEnabled(level)) return;
    const entry: Record<string, unknown> = {};
    if (context) entry.context = context;
    let msg: string | undefined;
    if (message instanceof Error) {
      msg = redactText(message.message);
      entry.stack = redactText(message.stack ?? '');
    } else if (typeof message === 'object' && message !== null) {
      Object.assign(entry, redact(message));
    } else {
      msg = redactText(String(message));
    }
    const stack = args.find((arg) => typeof arg === 'string');
    if (stack) entry.stack = redactText(stack as string);
    if (msg === undefined) this.pino[level](entry);
    else this.pino[level](entry, msg);
  }
}
