import 'reflect-metadata';
import type { ReadStream } from 'node:tty';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { redactText } from '../common/logging/redact';
import { ConfigError, loadConfig } from '../config/app-config';
import { ResolvedDatabase, resolveDatabase } from '../database/resolve-database';
import type { DjangoImportOptions } from '../django-import/django-import.service';
import { formatReport } from '../django-import/import-report';
import { CancelledError, CommandError, EXIT, UsageError } from './cli-errors';
import { CliLogger } from './cli-logger';
import { ParsedCommandLine, parseCommandLine } from './command-line';
import { ManageModule } from './manage.module';
import { ManagementService } from './management.service';
import { PasswordSource, StdinPasswordSource, TerminalPasswordSource, TextOutput } from './password-input';

const LONG_STATEMENT_TIMEOUT_MS = 6 * 60 * 60 * 1000;

export interface CliIo {
  stdin: NodeJS.ReadableStream & Partial<Pick<ReadStream, 'isTTY' | 'setRawMode'>>;
  /** Results only, so that scripts can read them. */
  stdout: TextOutput;
  /** Errors, prompts and progress. */
  stderr: TextOutput;
  env: Record<string, string | undefined>;
}

/** Runs one management command and returns its exit status. Passwords are never printed. */
export async function runManage(argv: string[], io: CliIo): Promise<number> {
  const say = (text: string): void => void io.stdout.write(`${text}\n`);
  const complain = (text: string): void => void io.stderr.write(`${text}\n`);

  let commandLine;
  try {
    commandLine = parseCommandLine(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    complain(`Error: ${error.message}\n\n${error.usage}`);
    return EXIT.usage;
  }
  if ('help' in commandLine) {
    say(commandLine.help);
    return EXIT.ok;
  }

  let database: ResolvedDatabase | undefined;
  let context: INestApplicationContext | undefined;
  const release = async (): Promise<void> => {
    // Closing the context closes its DataSource and the Database pool (their shutdown hooks).
    await context?.close().catch(() => undefined);
    await database?.release().catch(() => undefined);
  };
  // Stop an embedded server this command started, instead of orphaning it.
  const onSignal = (signal: NodeJS.Signals): void => {
    complain(`\nReceived ${signal}; stopping.`);
    void release().finally(() => process.exit(signal === 'SIGINT' ? EXIT.cancelled : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    const config = loadConfig(io.env);
    const passwords = commandLine.command === 'createuser' || commandLine.command === 'changepassword' ? passwordSource(commandLine, io) : undefined;
    database = await resolveDatabase(config, {
      attachToRunning: true,
      onLog: config.logLevel === 'debug' ? (message) => complain(message) : undefined,
    });
    const module = ManageModule.forCommand({
      config,
      database,
      // Rewriting or indexing a large table, or filling one from Django, may take far longer than any request is allowed to.
      statementMs: commandLine.command === 'migrate' || commandLine.command === 'import-django' ? LONG_STATEMENT_TIMEOUT_MS : config.databaseStatementTimeoutMs,
      waitSeconds: commandLine.waitSeconds,
      onWaiting: complain,
    });
    // Failures come back as errors, reported below; Nest must not abort the process.
    context = await NestFactory.createApplicationContext(module, { logger: new CliLogger(io.stderr, config.logLevel), abortOnError: false });
    const service = context.get(ManagementService);
    if (commandLine.command !== 'migrate') await refuseUnmigrated(service);
    say(await execute(service, commandLine, passwords, complain));
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CancelledError) {
      complain(error.message);
      return EXIT.cancelled;
    }
    if (error instanceof ConfigError || error instanceof CommandError) {
      complain(`Error: ${error.message}`);
      return EXIT.refused;
    }
    // Anything else (a failed embedded start, a database error): its message, passed through the log redactor.
    const message = error instanceof Error ? error.message : String(error);
    complain(`Error: ${redactText(message)}`);
    return EXIT.refused;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await release();
  }
}

async function execute(
  service: ManagementService,
  { command, args, importDjango }: ParsedCommandLine,
  passwords: PasswordSource | undefined,
  progress: (line: string) => void,
): Promise<string> {
  switch (command) {
    case 'createuser': {
      const user = await service.createUser(args[0], args[1], passwords as PasswordSource);
      return `Created user "${user.username}" (id ${user.id}, ${user.email === '' ? 'no email' : user.email}).`;
    }
    case 'changepassword': {
      const { username, revokedTokens } = await service.changePassword(args[0], passwords as PasswordSource);
      return `Changed the password of user "${username}" and revoked ${plural(revokedTokens, 'token')}.`;
    }
    case 'deactivate': {
      const { username, changed } = await service.setActive(args[0], false);
      return changed
        ? `Deactivated user "${username}": login now fails and their tokens answer "User inactive or deleted.".`
        : `User "${username}" is already inactive; nothing changed.`;
    }
    case 'activate': {
      const { username, changed } = await service.setActive(args[0], true);
      return changed ? `Activated user "${username}".` : `User "${username}" is already active; nothing changed.`;
    }
    case 'prunetokens':
      return `Deleted ${plural(await service.pruneExpiredTokens(), 'expired token')}.`;
    case 'migrate': {
      const applied = await service.migrate();
      if (applied.length === 0) return 'No migrations to apply.';
      return [`Applied ${plural(applied.length, 'migration')}:`, ...applied.map((name) => `  ${name}`)].join('\n');
    }
    case 'import-django':
      return formatReport(await service.importDjango(importDjango as DjangoImportOptions, progress));
  }
}

/** Chosen before connecting, so that a script that forgot --password-stdin fails at once. */
function passwordSource(commandLine: ParsedCommandLine, io: CliIo): PasswordSource {
  if (commandLine.passwordStdin) return new StdinPasswordSource(io.stdin);
  const { stdin } = io;
  if (stdin.isTTY && typeof stdin.setRawMode === 'function') return new TerminalPasswordSource(stdin as ReadStream, io.stderr);
  throw new CommandError('stdin is not a terminal, so the password cannot be asked for; send it as one line on stdin with --password-stdin.');
}

async function refuseUnmigrated(service: ManagementService): Promise<void> {
  const pending = await service.pendingMigrations();
  if (pending.length > 0) {
    throw new CommandError(`The database has ${plural(pending.length, 'unapplied migration')} (${pending.join(', ')}); run \`npm run manage -- migrate\` first.`);
  }
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

if (require.main === module) {
  void runManage(process.argv.slice(2), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env }).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`Error: ${redactText(error instanceof Error ? error.message : String(error))}\n`);
      process.exit(EXIT.refused);
    },
  );
}
