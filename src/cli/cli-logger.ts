import { LoggerService } from '@nestjs/common';
import { redactText } from '../common/logging/redact';
import type { AppConfig } from '../config/app-config';
import type { TextOutput } from './password-input';

/**
 * Nest's and the app's log lines for a management command, on stderr (stdout
 * carries results only, for scripts): warnings unless LOG_LEVEL is error or
 * silent, everything at debug. The error that ends a command is printed once,
 * by runManage, so error lines show at debug only.
 */
export class CliLogger implements LoggerService {
  constructor(
    private readonly output: TextOutput,
    private readonly level: AppConfig['logLevel'],
  ) {}

  log(message: unknown, ...rest: unknown[]): void {
    if (this.level === 'debug') this.write('log', message, rest);
  }

  debug(message: unknown, ...rest: unknown[]): void {
    if (this.level === 'debug') this.write('debug', message, rest);
  }

  verbose(message: unknown, ...rest: unknown[]): void {
    if (this.level === 'debug') this.write('verbose', message, rest);
  }

  warn(message: unknown, ...rest: unknown[]): void {
    if (this.level === 'debug' || this.level === 'info' || this.level === 'warn') this.write('warn', message, rest);
  }

  error(message: unknown, ...rest: unknown[]): void {
    if (this.level === 'debug') this.write('error', message, rest);
  }

  private write(level: string, message: unknown, rest: unknown[]): void {
    // Nest passes the context (the class that logs) last.
    const context = typeof rest.at(-1) === 'string' ? ` [${rest.at(-1) as string}]` : '';
    const text = message instanceof Error ? (message.stack ?? message.message) : String(message);
    this.output.write(`${level}${context}: ${redactText(text)}\n`);
  }
}
