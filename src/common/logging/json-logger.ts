import { LoggerService, LogLevel } from '@nestjs/common';
import { redact, redactText } from './redact';

const FRAMEWORK_CONTEXTS = new Set(['NestFactory', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestApplication']);

const SEVERITY: Record<string, number> = { debug: 10, verbose: 10, log: 20, info: 20, warn: 30, error: 40, fatal: 50, silent: 100 };

/**
 * Structured logs: one JSON object per line on stdout, every field passed
 * through the redactor so tokens, passwords and cookies never reach a log.
 */
export class JsonLogger implements LoggerService {
  private threshold: number;

  constructor(level: string = 'info') {
    this.threshold = SEVERITY[level] ?? SEVERITY.info;
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
    const lowest = Math.min(...levels.map((level) => SEVERITY[level] ?? SEVERITY.info));
    this.threshold = Number.isFinite(lowest) ? lowest : SEVERITY.info;
  }

  /** For code that has structured fields to record; every field is redacted. */
  event(level: 'debug' | 'info' | 'warn' | 'error', fields: Record<string, unknown>): void {
    if (this.enabled(level)) this.redactedEvent(level, redact(fields) as Record<string, unknown>);
  }

  /** True when a line at `level` would be written: lets a caller skip building it. */
  enabled(level: 'debug' | 'info' | 'warn' | 'error'): boolean {
    return (SEVERITY[level] ?? 0) >= this.threshold;
  }

  /**
   * For fields the caller has already made safe (the request logger's method,
   * redacted URL, status and duration): written as they are, which spares the
   * deep redaction walk on every request.
   */
  redactedEvent(level: 'debug' | 'info' | 'warn' | 'error', fields: Record<string, unknown>): void {
    if (!this.enabled(level)) return;
    this.emit({ time: new Date().toISOString(), level, ...fields });
  }

  private write(requestedLevel: string, message: unknown, rest: unknown[]): void {
    // Nest passes the context as the last string argument, and a stack before it for errors.
    const args = [...rest];
    const context = args.length > 0 && typeof args[args.length - 1] === 'string' ? (args.pop() as string) : undefined;
    // Nest's own start-up chatter (every module and route) would bury the one line saying where the
    // server listens; it stays available at debug level.
    const level = requestedLevel === 'info' && context && FRAMEWORK_CONTEXTS.has(context) ? 'debug' : requestedLevel;
    if ((SEVERITY[level] ?? 0) < this.threshold) return;
    const entry: Record<string, unknown> = { time: new Date().toISOString(), level };
    if (context) entry.context = context;
    if (message instanceof Error) {
      entry.msg = redactText(message.message);
      entry.stack = redactText(message.stack ?? '');
    } else if (typeof message === 'object' && message !== null) {
      Object.assign(entry, redact(message));
    } else {
      entry.msg = redactText(String(message));
    }
    const stack = args.find((arg) => typeof arg === 'string');
    if (stack) entry.stack = redactText(stack as string);
    this.emit(entry);
  }

  private emit(entry: Record<string, unknown>): void {
    writeLine(JSON.stringify(entry), entry.level === 'error' || entry.level === 'fatal');
  }
}

/**
 * Lines go out in one write per event-loop turn rather than one each: stdout
 * to a file or pipe is a synchronous write(2), and under load the request
 * log alone made thousands a second. Errors are written at once, and what is
 * pending is written at exit, so a crash loses nothing.
 */
const FLUSH_AT_BYTES = 64 * 1024;
let pending = '';
let scheduled = false;

function flush(): void {
  scheduled = false;
  if (pending === '') return;
  const text = pending;
  pending = '';
  process.stdout.write(text);
}

function writeLine(line: string, urgent: boolean): void {
  pending += `${line}\n`;
  if (urgent || pending.length >= FLUSH_AT_BYTES) return flush();
  if (!scheduled) {
    scheduled = true;
    setImmediate(flush);
  }
}

process.on('exit', flush);
