import type { LoggerService, LogLevel } from '@nestjs/common';
import { format } from 'node:util';
import pino, { DestinationStream, LogFn, Logger, LoggerOptions } from 'pino';
import { redact, redactText } from './redact';
import { StdoutDestination } from './stdout-destination';

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

/** How long flush() waits for a stdout nobody reads before the process stops without the lines still queued. */
const FLUSH_TIMEOUT_MS = 2_000;
/** The same bound for the exit hook, which runs when the process ends without flush() (an uncaught exception). */
const EXIT_FLUSH_TIMEOUT_MS = 1_000;

/**
 * pino's `logMethod` hook: whatever is logged through it (Nest's lines, any
 * `new Logger(...)` of the app) has its fields redacted by key at any depth
 * and its message and string fields by the free-text rules, before pino
 * builds the line. Interpolation arguments (`'%s'`) are formatted first, so
 * that what they bring in is checked too.
 */
function redactArguments(this: Logger, args: unknown[], method: LogFn): void {
  const first = args[0];
  if (typeof first === 'object' && first !== null) {
    const fields = redact(first) as object;
    if (args.length === 1) return method.call(this, fields);
    return method.call(this, fields, redactText(args.length === 2 ? String(args[1]) : format(...args.slice(1))));
  }
  method.call(this, redactText(args.length === 1 ? String(first) : format(...args)));
}

let timeMs = -1;
let timeField = '';
/**
 * pino's `isoTime`, formatted once per millisecond: a busy server writes many
 * lines in the same millisecond, and `toISOString()` is a large part of
 * building one (bench/README.md, "The logger").
 */
function isoTimeOncePerMs(): string {
  const now = Date.now();
  if (now !== timeMs) {
    timeMs = now;
    timeField = `,"time":"${new Date(now).toISOString()}"`;
  }
  return timeField;
}

/**
 * One JSON object per line, as the README and the suites that read the logs
 * expect: the level as its name, the time as ISO 8601, no pid or hostname.
 */
function createPino(level: string, destination: DestinationStream, redacting: boolean): Logger {
  return pino(
    {
      level: PINO_LEVELS[level] ?? 'info',
      base: null,
      timestamp: isoTimeOncePerMs,
      formatters: { level: (label) => ({ level: label }) },
      ...(redacting ? { hooks: { logMethod: redactArguments as NonNullable<LoggerOptions['hooks']>['logMethod'] } } : {}),
    },
    destination,
  );
}

let sharedStdout: StdoutDestination | undefined;

/**
 * The process's one stdout destination, whatever the number of loggers (one
 * queue keeps their lines in order), with an exit hook for what a process
 * ending without flush() still holds.
 */
export function processStdout(): StdoutDestination {
  if (!sharedStdout) {
    const destination = new StdoutDestination();
    process.once('exit', () => destination.flushSync(EXIT_FLUSH_TIMEOUT_MS));
    sharedStdout = destination;
  }
  return sharedStdout;
}

/**
 * The process's logger: pino, and Nest's LoggerService over it, so Nest's own
 * lines and every `new Logger(...)` of the app go to the same place. Lines
 * pass through pino's `logMethod` hook, the redactor (tokens, passwords,
 * cookies and database passwords, by key and in free text), so they never
 * reach a log; only `logSafe` skips it, on a second pino instance without
 * the hook, for fields the caller made safe itself.
 *
 * By default lines go to stdout through StdoutDestination: one write per
 * event-loop turn, never blocking on a slow pipe until a bounded queue is
 * full, error and fatal lines written at once. `flush()`, which every
 * deliberate exit awaits, writes what is still queued.
 */
export class AppLogger implements LoggerService {
  private readonly redacting: Logger;
  private readonly plain: Logger;
  private readonly stdout?: StdoutDestination;

  /** `destination` for tests that read the lines (process.stdout, an array); by default stdout, batched. */
  constructor(level: string = 'info', destination?: DestinationStream) {
    if (!destination) this.stdout = processStdout();
    const target = destination ?? (this.stdout as StdoutDestination);
    this.redacting = createPino(level, target, true);
    this.plain = createPino(level, target, false);
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
    const values = levels.map((level) => this.plain.levels.values[PINO_LEVELS[level] ?? 'info']).filter((value) => value !== undefined);
    const level = values.length > 0 ? this.plain.levels.labels[Math.min(...values)] : 'info';
    this.plain.level = level;
    this.redacting.level = level;
  }

  /** True when a line at `level` would be written: lets a caller skip building it. */
  enabled(level: LineLevel): boolean {
    return this.plain.isLevelEnabled(level);
  }

  /**
   * For fields the caller has already made safe (the request logger's method,
   * redacted URL, status and duration): written as they are, which spares the
   * deep redaction walk on every request.
   */
  logSafe(level: LineLevel, msg: string, fields: Record<string, unknown>): void {
    this.plain[level](fields, msg);
    if (level === 'error' || level === 'fatal') this.stdout?.writeUrgent();
  }

  /**
   * Resolves once every line logged so far is written (or after
   * FLUSH_TIMEOUT_MS, should stdout be a pipe nobody reads): await it before
   * `process.exit`. Lines logged afterwards are written at once.
   */
  flush(): Promise<void> {
    return this.stdout ? this.stdout.flush(FLUSH_TIMEOUT_MS) : Promise.resolve();
  }

  private write(requestedLevel: LineLevel, message: unknown, rest: unknown[]): void {
    // Nest passes the context as the last string argument, and a stack before it for errors.
    const args = [...rest];
    const context = args.length > 0 && typeof args[args.length - 1] === 'string' ? (args.pop() as string) : undefined;
    // Nest's own start-up chatter (every module and route) would bury the one line saying where the
    // server listens; it stays available at debug level.
    const level = requestedLevel === 'info' && context && FRAMEWORK_CONTEXTS.has(context) ? 'debug' : requestedLevel;
    if (!this.redacting.isLevelEnabled(level)) return;
    const entry: Record<string, unknown> = {};
    if (context) entry.context = context;
    let msg: string | undefined;
    if (message instanceof Error) {
      msg = message.message;
      entry.stack = message.stack ?? '';
    } else if (typeof message === 'object' && message !== null) {
      Object.assign(entry, message);
    } else {
      msg = String(message);
    }
    const stack = args.find((arg) => typeof arg === 'string');
    if (stack) entry.stack = stack;
    // Redacted by the hook (redactArguments).
    if (msg === undefined) this.redacting[level](entry);
    else this.redacting[level](entry, msg);
    // Written before the call returns, so that a crash right after it (SIGKILL, out of memory) still leaves the line.
    if (level === 'error' || level === 'fatal') this.stdout?.writeUrgent();
  }
}
