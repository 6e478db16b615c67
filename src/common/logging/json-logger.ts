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

  /** For the request logger and other code that has structured fields to record. */
  event(level: 'debug' | 'info' | 'warn' | 'error', fields: Record<string, unknown>): void {
    if ((SEVERITY[level] ?? 0) < this.threshold) return;
    this.emit({ time: new Date().toISOString(), level, ...(redact(fields) as Record<string, unknown>) });
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
    process.stdout.write(`${JSON.stringify(entry)}\n`);
  }
}
