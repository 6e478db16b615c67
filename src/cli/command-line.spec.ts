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
