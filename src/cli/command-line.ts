import { parseArgs } from 'node:util';
import { UsageError } from './cli-errors';

export type CommandName = 'createuser' | 'changepassword' | 'deactivate' | 'activate' | 'prunetokens' | 'migrate';

interface CommandSpec {
  args: string[];
  /** Arguments that may be left out, after the required ones. */
  optionalArgs?: string[];
  summary: string;
  details: string;
  example: string;
  readsPassword?: boolean;
}

export const COMMANDS: Record<CommandName, CommandSpec> = {
  createuser: {
    args: ['username'],
    optionalArgs: ['email'],
    readsPassword: true,
    summary: 'Create an active user (same rules as POST /api/auth/register; no email is stored as "").',
    details:
      'Asks for the password twice without echoing it, or reads it from stdin with --password-stdin.\n' +
      'Usernames are unique regardless of case; the password must pass Django\'s validators.',
    example: 'npm run manage -- createuser alice alice@example.com',
  },
  changepassword: {
    args: ['username'],
    readsPassword: true,
    summary: "Set a user's password and revoke all of their tokens.",
    details:
      'Asks for the new password twice without echoing it, or reads it from stdin with --password-stdin.\n' +
      "The rule of POST /api/auth/password/change: Django's validators, and in the same transaction every\n" +
      "token of the user is revoked but the caller's current one. A command has no current token, so every\n" +
      'token goes and each client has to log in again.',
    example: "printf '%s\\n' \"$NEW_PASSWORD\" | npm run manage -- changepassword alice --password-stdin",
  },
  deactivate: {
    args: ['username'],
    summary: 'Block a user: login fails and their tokens answer 401 "User inactive or deleted.".',
    details: 'The tokens are kept, so that activate restores them.',
    example: 'npm run manage -- deactivate alice',
  },
  activate: {
    args: ['username'],
    summary: 'Unblock a deactivated user; their unexpired tokens work again.',
    details: '',
    example: 'npm run manage -- activate alice',
  },
  prunetokens: {
    args: [],
    summary: 'Delete expired tokens and print how many.',
    details: 'The server also prunes them every AUTH_TOKEN_PRUNE_INTERVAL.',
    example: 'npm run manage -- prunetokens',
  },
  migrate: {
    args: [],
    summary: 'Apply pending database migrations and print which.',
    details: 'With --wait, keeps retrying to reach the database first (for containers started beside it).',
    example: 'npm run manage -- migrate --wait 60',
  },
};

export interface ParsedCommandLine {
  command: CommandName;
  args: string[];
  passwordStdin: boolean;
  /** Seconds to keep retrying the first connection. */
  waitSeconds: number;
}

export type CommandLine = ParsedCommandLine | { help: string };

const MAX_WAIT_SECONDS = 3600;

export function generalUsage(): string {
  const width = Math.max(...Object.entries(COMMANDS).map(([name, spec]) => signature(name, spec).length));
  const commands = Object.entries(COMMANDS).map(([name, spec]) => `  ${signature(name, spec).padEnd(width)}  ${spec.summary}`);
  return [
    'Usage: npm run manage -- <command> [arguments] [options]',
    '       node dist/cli/manage.js <command> [arguments] [options]',
    '',
    "Operator commands for the Leads API, like Django's manage.py.",
    '',
    'Commands:',
    ...commands,
    '',
    'Options:',
    '  --password-stdin  createuser, changepassword: read the password from the first line of stdin',
    '  --wait <seconds>  keep retrying to reach the database for up to this long (default 0)',
    '  -h, --help        this help; `<command> --help` for one command',
    '',
    'Database: DATABASE_URL when set, else the embedded PostgreSQL in DATA_DIR on',
    'EMBEDDED_POSTGRES_PORT, exactly as `npm start` uses (a running server is shared, not restarted).',
    'Exit status: 0 done, 1 refused (bad input or state; nothing changed), 2 wrong command line, 130 cancelled.',
  ].join('\n');
}

/** What a wrong command line is answered with: short, pointing at --help. */
function shortUsage(): string {
  return [
    'Usage: npm run manage -- <command> [arguments] [options]',
    `Commands: ${Object.keys(COMMANDS).join(', ')} (npm run manage -- --help for details)`,
  ].join('\n');
}

export function commandUsage(name: CommandName): string {
  const spec = COMMANDS[name];
  const options = spec.readsPassword ? ' [--password-stdin]' : '';
  return [
    `Usage: npm run manage -- ${signature(name, spec)}${options} [--wait <seconds>]`,
    '',
    spec.summary,
    ...(spec.details ? [spec.details] : []),
    '',
    `Example: ${spec.example}`,
  ].join('\n');
}

export function parseCommandLine(argv: string[]): CommandLine {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        'password-stdin': { type: 'boolean' },
        wait: { type: 'string' },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error), shortUsage());
  }
  const [name, ...args] = parsed.positionals;
  const { help, wait } = parsed.values;
  if (name === undefined) {
    if (help) return { help: generalUsage() };
    throw new UsageError('No command given.', shortUsage());
  }
  if (!isCommand(name)) throw new UsageError(`Unknown command: "${name}".`, shortUsage());
  if (help) return { help: commandUsage(name) };

  const spec = COMMANDS[name];
  const usage = `${commandUsage(name).split('\n')[0]}\n(npm run manage -- ${name} --help for details)`;
  if (args.length < spec.args.length) {
    const missing = spec.args.slice(args.length).map((arg) => `<${arg}>`).join(' ');
    throw new UsageError(`${name}: missing ${missing}.`, usage);
  }
  const most = spec.args.length + (spec.optionalArgs?.length ?? 0);
  if (args.length > most) throw new UsageError(`${name}: unexpected argument "${args[most]}".`, usage);
  const passwordStdin = parsed.values['password-stdin'] ?? false;
  if (passwordStdin && !spec.readsPassword) throw new UsageError(`${name} takes no password; --password-stdin is not allowed.`, usage);

  let waitSeconds = 0;
  if (wait !== undefined) {
    waitSeconds = /^\d+$/.test(wait) ? Number(wait) : NaN;
    if (!(waitSeconds <= MAX_WAIT_SECONDS)) throw new UsageError(`--wait must be a whole number of seconds from 0 to ${MAX_WAIT_SECONDS}.`, usage);
  }
  return { command: name, args, passwordStdin, waitSeconds };
}

function isCommand(name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name);
}

function signature(name: string, spec: CommandSpec): string {
  return [name, ...spec.args.map((arg) => `<${arg}>`), ...(spec.optionalArgs ?? []).map((arg) => `[${arg}]`)].join(' ');
}
