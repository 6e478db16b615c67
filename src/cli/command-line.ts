import { parseArgs } from 'node:util';
import { parseDuration } from '../config/duration';
import type { DjangoImportOptions } from '../django-import/django-import.service';
import { UsageError } from './cli-errors';

export type CommandName = 'createuser' | 'changepassword' | 'deactivate' | 'activate' | 'prunetokens' | 'migrate' | 'import-django';

/** An option only some commands take, as its usage line shows it. */
interface CommandOption {
  name: ImportDjangoOption;
  /** What the option's value is called; none for a flag. */
  value?: string;
  required?: boolean;
}

type ImportDjangoOption = 'from' | 'dry-run' | 'skip-invalid' | 'leads-model' | 'drf-token-ttl';

interface CommandSpec {
  args: string[];
  /** Arguments that may be left out, after the required ones. */
  optionalArgs?: string[];
  summary: string;
  details: string;
  example: string;
  readsPassword?: boolean;
  options?: CommandOption[];
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
  'import-django': {
    args: [],
    options: [
      { name: 'from', value: 'source', required: true },
      { name: 'dry-run' },
      { name: 'skip-invalid' },
      { name: 'leads-model', value: 'app_label.Model' },
      { name: 'drf-token-ttl', value: 'duration' },
    ],
    summary: "Import a Django + knox Leads deployment's users, leads and tokens into this (empty) database.",
    details:
      '<source> is the Django database as a postgres:// URL (only read, in one read-only transaction), or a\n' +
      'JSON file from `python manage.py dumpdata auth.user knox.authtoken authtoken.token <app>.<model>`.\n' +
      'Ids, Django password hashes (rehashed on first login) and unexpired knox and DRF tokens come over,\n' +
      'all in one transaction, into a database that has no users yet.\n' +
      '  --dry-run               do everything, print the outcome, then roll back: nothing is written\n' +
      '  --skip-invalid          import the rows that can come over and list the others (by default any\n' +
      '                          row that cannot come over stops the import, and all of them are listed)\n' +
      '  --leads-model <label>   the leads model when several have its fields (name, email, message, owner)\n' +
      '  --drf-token-ttl <d>     give DRF tokens an expiry, counted from the import (30d, 12h, none; default none)',
    example: 'npm run manage -- import-django --from postgres://django@db.internal/leads --dry-run',
  },
};

export interface ParsedCommandLine {
  command: CommandName;
  args: string[];
  passwordStdin: boolean;
  /** Seconds to keep retrying the first connection. */
  waitSeconds: number;
  /** import-django's options; only for that command. */
  importDjango?: DjangoImportOptions;
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
    '  import-django takes --from <source> [--dry-run] [--skip-invalid] [--leads-model <app_label.Model>]',
    '  [--drf-token-ttl <duration>]: see `import-django --help`.',
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
  const optional = (spec.options ?? []).filter((option) => !option.required).map((option) => ` [${optionText(option)}]`);
  const options = `${spec.readsPassword ? ' [--password-stdin]' : ''}${optional.join('')}`;
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
        from: { type: 'string' },
        'dry-run': { type: 'boolean' },
        'skip-invalid': { type: 'boolean' },
        'leads-model': { type: 'string' },
        'drf-token-ttl': { type: 'string' },
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

  const taken = new Set((spec.options ?? []).map((option) => option.name));
  for (const option of IMPORT_DJANGO_OPTIONS) {
    if (parsed.values[option] !== undefined && !taken.has(option)) throw new UsageError(`${name} takes no --${option}.`, usage);
  }

  let waitSeconds = 0;
  if (wait !== undefined) {
    waitSeconds = /^\d+$/.test(wait) ? Number(wait) : NaN;
    if (!(waitSeconds <= MAX_WAIT_SECONDS)) throw new UsageError(`--wait must be a whole number of seconds from 0 to ${MAX_WAIT_SECONDS}.`, usage);
  }
  const commandLine: ParsedCommandLine = { command: name, args, passwordStdin, waitSeconds };
  if (name === 'import-django') commandLine.importDjango = importDjangoOptions(parsed.values, usage);
  return commandLine;
}

const IMPORT_DJANGO_OPTIONS: readonly ImportDjangoOption[] = ['from', 'dry-run', 'skip-invalid', 'leads-model', 'drf-token-ttl'];

/** Django's model label (an app label and a model name, each a Python identifier), or a table name. */
const MODEL_LABEL = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?$/;

function importDjangoOptions(values: Partial<Record<ImportDjangoOption, string | boolean>>, usage: string): DjangoImportOptions {
  const from = values.from as string | undefined;
  if (from === undefined || from.trim() === '') throw new UsageError('import-django: missing --from <source> (a postgres:// URL or a dumpdata JSON file).', usage);
  const leadsModel = (values['leads-model'] as string | undefined) ?? null;
  if (leadsModel !== null && !MODEL_LABEL.test(leadsModel)) {
    throw new UsageError(`--leads-model must be a Django model label, app_label.ModelName (such as leads.Lead), or a table name; got "${leadsModel}".`, usage);
  }
  let drfTokenTtlMs: number | null = null;
  const ttl = values['drf-token-ttl'] as string | undefined;
  if (ttl !== undefined) {
    const parsed = parseDuration(ttl);
    if (parsed === undefined || parsed === 0) throw new UsageError(`--drf-token-ttl must be a duration such as 30d, 12h or 90m, or none; got "${ttl}".`, usage);
    drfTokenTtlMs = parsed;
  }
  return { from, dryRun: values['dry-run'] === true, skipInvalid: values['skip-invalid'] === true, leadsModel, drfTokenTtlMs };
}

function isCommand(name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name);
}

function signature(name: string, spec: CommandSpec): string {
  const required = (spec.options ?? []).filter((option) => option.required).map(optionText);
  return [name, ...spec.args.map((arg) => `<${arg}>`), ...(spec.optionalArgs ?? []).map((arg) => `[${arg}]`), ...required].join(' ');
}

function optionText(option: CommandOption): string {
  return option.value ? `--${option.name} <${option.value}>` : `--${option.name}`;
}
