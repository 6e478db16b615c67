import { UsageError } from './cli-errors';
import { COMMANDS, parseCommandLine } from './command-line';

describe('parseCommandLine', () => {
  it('parses a command with its arguments and options in any order', () => {
    expect(parseCommandLine(['createuser', '--password-stdin', 'alice', 'alice@example.com', '--wait', '5'])).toEqual({
      command: 'createuser',
      args: ['alice', 'alice@example.com'],
      passwordStdin: true,
      waitSeconds: 5,
    });
  });

  it('takes createuser without an email (optional, as Django stores a blank one)', () => {
    expect(parseCommandLine(['createuser', 'alice', '--password-stdin'])).toMatchObject({ command: 'createuser', args: ['alice'] });
    expect(parseCommandLine(['createuser', '--help'])).toEqual({ help: expect.stringContaining('createuser <username> [email]') });
  });

  it('accepts a username that starts with a dash after --', () => {
    expect(parseCommandLine(['deactivate', '--', '-bob'])).toMatchObject({ command: 'deactivate', args: ['-bob'] });
  });

  it('answers --help with every command, and <command> --help with that command', () => {
    const general = parseCommandLine(['--help']);
    expect('help' in general && Object.keys(COMMANDS).every((name) => general.help.includes(name))).toBe(true);
    expect(parseCommandLine(['migrate', '-h'])).toEqual({ help: expect.stringContaining('Usage: npm run manage -- migrate') });
  });

  it('parses import-django with its options, durations as the env durations read', () => {
    expect(parseCommandLine(['import-django', '--from', 'postgres://django@db/leads'])).toEqual({
      command: 'import-django',
      args: [],
      passwordStdin: false,
      waitSeconds: 0,
      importDjango: { from: 'postgres://django@db/leads', dryRun: false, skipInvalid: false, leadsModel: null, drfTokenTtlMs: null },
    });
    expect(
      parseCommandLine(['import-django', '--dry-run', '--from', 'dump.json', '--skip-invalid', '--leads-model', 'leads.Lead', '--drf-token-ttl', '30d', '--wait', '5']),
    ).toMatchObject({ waitSeconds: 5, importDjango: { from: 'dump.json', dryRun: true, skipInvalid: true, leadsModel: 'leads.Lead', drfTokenTtlMs: 30 * 86_400_000 } });
    expect(parseCommandLine(['import-django', '--from', 'dump.json', '--drf-token-ttl', 'none'])).toMatchObject({ importDjango: { drfTokenTtlMs: null } });
    expect(parseCommandLine(['import-django', '--help'])).toEqual({
      help: expect.stringContaining(
        'Usage: npm run manage -- import-django --from <source> [--dry-run] [--skip-invalid] [--leads-model <app_label.Model>] [--drf-token-ttl <duration>]',
      ),
    });
  });

  it.each([
    [['import-django'], 'import-django: missing --from <source>'],
    [['import-django', '--from', ' '], 'import-django: missing --from <source>'],
    [['import-django', '--from', 'a.json', 'extra'], 'import-django: unexpected argument "extra".'],
    [['import-django', '--from', 'a.json', '--leads-model', 'leads.Lead.x'], '--leads-model must be a Django model label'],
    [['import-django', '--from', 'a.json', '--drf-token-ttl', 'soon'], '--drf-token-ttl must be a duration such as 30d, 12h or 90m, or none; got "soon".'],
    [['import-django', '--from', 'a.json', '--drf-token-ttl', '0s'], '--drf-token-ttl must be a duration'],
    [['import-django', '--from', 'a.json', '--password-stdin'], 'import-django takes no password; --password-stdin is not allowed.'],
    [['migrate', '--dry-run'], 'migrate takes no --dry-run.'],
    [['createuser', 'alice', '--from', 'a.json'], 'createuser takes no --from.'],
  ])('refuses import-django options out of place: %j', (argv, message) => {
    expect(() => parseCommandLine(argv)).toThrow(UsageError);
    expect(() => parseCommandLine(argv)).toThrow(message);
  });

  it.each([
    [[], 'No command given.'],
    [['frobnicate'], 'Unknown command: "frobnicate".'],
    [['createuser'], 'createuser: missing <username>.'],
    [['createuser', 'alice', 'a@example.com', 'extra'], 'createuser: unexpected argument "extra".'],
    [['changepassword'], 'changepassword: missing <username>.'],
    [['activate', 'alice', 'bob'], 'activate: unexpected argument "bob".'],
    [['prunetokens', '--password-stdin'], 'prunetokens takes no password; --password-stdin is not allowed.'],
    [['migrate', '--wait', '-1'], "Option '--wait' argument is ambiguous"],
    [['migrate', '--wait', '1.5'], '--wait must be a whole number of seconds from 0 to 3600.'],
    [['migrate', '--wait', '3601'], '--wait must be a whole number of seconds from 0 to 3600.'],
    [['migrate', '--verbose'], "Unknown option '--verbose'"],
  ])('refuses %j with a usage error', (argv, message) => {
    expect(() => parseCommandLine(argv)).toThrow(UsageError);
    expect(() => parseCommandLine(argv)).toThrow(message);
  });
});
