import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { digestToken, generateToken } from '../src/auth/token-crypto';
import { CommandError } from '../src/cli/cli-errors';
import { ManageModule } from '../src/cli/manage.module';
import { ManagementService } from '../src/cli/management.service';
import type { PasswordSource } from '../src/cli/password-input';
import { loadConfig } from '../src/config/app-config';
import { registerUser, STRONG_PASSWORD, tokenHeader, uniqueName } from './support/accounts';
import { expectFieldErrors, expectProblem } from './support/problems';
import { ADMIN_URL_ENV, databaseUrl, withAdmin } from './support/test-database';
import { createTestApp, TestApp } from './support/test-app';
import { login } from './support/tokens';
import { transpileSources } from './support/transpile-sources';

jest.setTimeout(60_000);

const ROOT = join(__dirname, '..');
const NEW_PASSWORD = 'quiet-Meadow-77-compass';
// Compiled once for the whole file: each command is then a plain `node manage.js`, as in production.
const compiled = transpileSources('manage-e2e');
const MANAGE = join(compiled.directory, 'cli', 'manage.js');
afterAll(() => compiled.remove());

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The real CLI in a child process, as an operator runs it. */
function manage(args: string[], options: { databaseUrl: string; input?: string; env?: Record<string, string> }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MANAGE, ...args], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'info', DATABASE_URL: options.databaseUrl, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/**
 * runManage itself in a child process that never calls process.exit: it ends
 * only once the command has left nothing running (server, timer, connection).
 */
function manageUntilIdle(args: string[], env: Record<string, string>): Promise<Run & { ms: number }> {
  const script = `require(${JSON.stringify(MANAGE)}).runManage(${JSON.stringify(args)}, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env }).then((code) => { process.exitCode = code; process.stdin.destroy(); })`;
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['-e', script], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'info', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: Date.now() - started }));
  });
}

/** The commands' own Nest context (ManageModule) in this process, as runManage boots it. */
async function withManagement<T>(url: string, work: (manage: ManagementService) => Promise<T>): Promise<T> {
  const config = loadConfig({ DATABASE_URL: url, LOG_LEVEL: 'silent' });
  const module = ManageModule.forCommand({ config, database: { url, description: 'the test database' }, statementMs: 15_000, waitSeconds: 0, onWaiting: () => undefined });
  const context = await NestFactory.createApplicationContext(module, { logger: false, abortOnError: false });
  try {
    return await work(context.get(ManagementService));
  } finally {
    await context.close();
  }
}

/**
 * The CLI on a pseudo-terminal (util-linux `script`), answering each password
 * prompt as it appears, so that echo and raw mode are exercised for real.
 */
function manageOnTerminal(args: string[], databaseUrl: string, answers: string[]): Promise<{ code: number | null; output: string }> {
  const command = [process.execPath, MANAGE, ...args].map((word) => `'${word}'`).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: ROOT, env: { ...process.env, DATABASE_URL: databaseUrl } });
    let output = '';
    let answered = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const prompts = output.match(/Password(?: \(again\))?: /g)?.length ?? 0;
      while (answered < prompts && answered < answers.length) child.stdin.write(answers[answered++]);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('management commands (npm run manage)', () => {
  let t: TestApp;
  let url: string;
  const run = (args: string[], input?: string, env?: Record<string, string>): Promise<Run> => manage(args, { databaseUrl: url, input, env });

  beforeAll(async () => {
    t = await createTestApp();
    url = t.db.options.connectionString as string;
  });
  afterAll(async () => {
    await t.close();
  });

  describe('command line', () => {
    it('--help lists every command and exits 0; <command> --help shows that command', async () => {
      const general = await run(['--help']);
      expect(general.code).toBe(0);
      for (const command of ['createuser', 'changepassword', 'deactivate', 'activate', 'prunetokens', 'migrate']) {
        expect(general.stdout).toContain(command);
      }
      const one = await run(['createuser', '--help']);
      expect(one.code).toBe(0);
      expect(one.stdout).toContain('Usage: npm run manage -- createuser <username> [email] [--password-stdin]');
    });

    it.each([
      [['frobnicate'], 'Error: Unknown command: "frobnicate".'],
      [[], 'Error: No command given.'],
      [['createuser'], 'Error: createuser: missing <username>.'],
      [['createuser', 'alice', 'a@example.com', 'extra'], 'Error: createuser: unexpected argument "extra".'],
      [['deactivate'], 'Error: deactivate: missing <username>.'],
      [['migrate', '--force'], "Unknown option '--force'"],
    ])('refuses %j with exit status 2 and the usage', async (args, message) => {
      const result = await run(args);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(message);
      expect(result.stderr).toContain('Usage: npm run manage --');
      expect(result.stdout).toBe('');
    });

    it('refuses a bad configuration with exit status 1, naming the variable', async () => {
      const result = await run(['prunetokens'], undefined, { DATABASE_URL: 'mysql://localhost/leads' });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('DATABASE_URL must be a postgres:// or postgresql:// URL');
    });

    it('reports a database it cannot reach, also after --wait, with the password masked', async () => {
      const unreachable = 'postgres://someone:hunter2-secret@127.0.0.1:1/leads';
      const once = await run(['prunetokens'], undefined, { DATABASE_URL: unreachable });
      expect(once.code).toBe(1);
      expect(once.stderr).toContain('Error: Could not connect to postgres://someone:');
      expect(once.stderr).toContain('ECONNREFUSED');
      const waited = await run(['migrate', '--wait', '2'], undefined, { DATABASE_URL: unreachable });
      expect(waited.code).toBe(1);
      expect(waited.stderr).toContain('waiting for postgres://someone:');
      expect(waited.stderr).toContain('after waiting 2s');
      expect(once.stderr + waited.stderr).not.toContain('hunter2-secret');
    });
  });

  describe('createuser', () => {
    it('creates a user from --password-stdin who can then log in over HTTP; the password is never printed', async () => {
      const username = uniqueName('cli');
      const result = await run(['createuser', username, `${username}@example.com`, '--password-stdin'], `${STRONG_PASSWORD}\n`);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^Created user "${username}" \\(id \\d+, ${username}@example\\.com\\)\\.\\n$`));
      expect(result.stdout + result.stderr).not.toContain(STRONG_PASSWORD);

      const response = await t.http().post('/api/auth/login').send({ username, password: STRONG_PASSWORD }).expect(200);
      expect(response.body.user).toEqual({ id: expect.any(Number), username, email: `${username}@example.com` });
      await t.http().get('/api/auth/user').set(...tokenHeader(response.body.token)).expect(200);
    });

    it('creates a user without an email, stored and answered as ""', async () => {
      const username = uniqueName('cli');
      const result = await run(['createuser', username, '--password-stdin'], `${STRONG_PASSWORD}\n`);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^Created user "${username}" \\(id \\d+, no email\\)\\.\\n$`));
      const response = await t.http().post('/api/auth/login').send({ username, password: STRONG_PASSWORD }).expect(200);
      expect(response.body.user).toEqual({ id: expect.any(Number), username, email: '' });
    });

    it('leaves the name to the unique index: one registered while the password is asked is refused, with the same sentence', async () => {
      const username = uniqueName('race');
      const raced: PasswordSource = {
        obtain: async (check) => {
          expect(await check(STRONG_PASSWORD)).toEqual([]);
          // Someone registers the name over HTTP between the CLI's check and its insert.
          await t.http().post('/api/auth/register').send({ username: username.toUpperCase(), password: STRONG_PASSWORD }).expect(200);
          return STRONG_PASSWORD;
        },
      };
      await withManagement(url, async (manage) => {
        await expect(manage.createUser(username, `${username}@example.com`, raced)).rejects.toThrow(new CommandError('A user with that username already exists.'));
      });
      const { rows } = await t.db.query('SELECT username, email FROM users WHERE lower(username) = lower($1)', [username]);
      expect(rows).toEqual([{ username: username.toUpperCase(), email: '' }]);
    });

    it('refuses a username taken in another case, with exit status 1', async () => {
      const existing = await registerUser(t, uniqueName('Taken'));
      const result = await run(['createuser', existing.username.toLowerCase(), 'other@example.com', '--password-stdin'], `${NEW_PASSWORD}\n`);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe('Error: A user with that username already exists.\n');
      const { rows } = await t.db.query('SELECT count(*)::int AS n FROM users WHERE lower(username) = lower($1)', [existing.username]);
      expect(rows[0].n).toBe(1);
    });

    it("refuses a password that fails Django's validators, listing every reason, and creates nothing", async () => {
      const username = uniqueName('weak');
      const result = await run(['createuser', username, `${username}@example.com`, '--password-stdin'], '12345678\n');
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        'Error: The password was refused:\n  - This password is too common.\n  - This password is entirely numeric.\n',
      );
      const { rowCount } = await t.db.query('SELECT 1 FROM users WHERE username = $1', [username]);
      expect(rowCount).toBe(0);
    });

    it('refuses a password too similar to the username, and an over-long one', async () => {
      const username = 'harborlantern';
      const similar = await run(['createuser', username, 'h@example.com', '--password-stdin'], 'harborlantern1\n');
      expect(similar.code).toBe(1);
      expect(similar.stderr).toContain('The password is too similar to the username.');
      const long = await run(['createuser', username, 'h@example.com', '--password-stdin'], `${'Ab1-'.repeat(1025)}\n`);
      expect(long.code).toBe(1);
      expect(long.stderr).toContain('Ensure this field has no more than 4096 characters.');
    });

    it('refuses an invalid username and email before asking for a password', async () => {
      const result = await run(['createuser', 'no spaces allowed', 'not-an-email', '--password-stdin'], `${STRONG_PASSWORD}\n`);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        'Error: Invalid input:\n' +
          '  - username: Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.\n' +
          '  - email: Enter a valid email address.\n',
      );
    });

    it('refuses to run without a terminal unless --password-stdin is given, and refuses an empty stdin', async () => {
      const noTerminal = await run(['createuser', uniqueName(), 'a@example.com']);
      expect(noTerminal.code).toBe(1);
      expect(noTerminal.stderr).toBe(
        'Error: stdin is not a terminal, so the password cannot be asked for; send it as one line on stdin with --password-stdin.\n',
      );
      const empty = await run(['createuser', uniqueName(), 'a@example.com', '--password-stdin'], '');
      expect(empty.code).toBe(1);
      expect(empty.stderr).toContain('stdin was empty');
    });

    it('on a terminal, asks twice without echo and again after a mismatch', async () => {
      const username = uniqueName('tty');
      const result = await manageOnTerminal(['createuser', username, `${username}@example.com`], url, [
        `${STRONG_PASSWORD}\r`,
        `${NEW_PASSWORD}\r`,
        `${STRONG_PASSWORD}\r`,
        `${STRONG_PASSWORD}\r`,
      ]);
      expect(result.code).toBe(0);
      expect(result.output).toContain("Error: Your passwords didn't match.");
      expect(result.output).toContain(`Created user "${username}"`);
      expect(result.output).not.toContain(STRONG_PASSWORD);
      expect(result.output).not.toContain(NEW_PASSWORD);
      await t.http().post('/api/auth/login').send({ username, password: STRONG_PASSWORD }).expect(200);
    });

    it('on a terminal, Ctrl-C at the prompt cancels with exit status 130 and creates nothing', async () => {
      const username = uniqueName('cancel');
      const result = await manageOnTerminal(['createuser', username, `${username}@example.com`], url, ['\u0003']);
      expect(result.code).toBe(130);
      expect(result.output).toContain('Operation cancelled.');
      const { rowCount } = await t.db.query('SELECT 1 FROM users WHERE username = $1', [username]);
      expect(rowCount).toBe(0);
    });
  });

  describe('changepassword', () => {
    it("sets the password by the change route's rule, where a command has no current token to keep: every token of the user is revoked", async () => {
      const user = await registerUser(t);
      const second = await login(t, user);
      const result = await run(['changepassword', user.username.toUpperCase(), '--password-stdin'], `${NEW_PASSWORD}\n`);
      expect(result.code).toBe(0);
      expect(result.stdout).toBe(`Changed the password of user "${user.username}" and revoked 2 tokens.\n`);
      expect(result.stdout + result.stderr).not.toContain(NEW_PASSWORD);

      for (const token of [user.token, second]) {
        expectProblem(await t.http().get('/api/auth/user').set(...tokenHeader(token)), 401, 'Invalid token.');
      }
      expectFieldErrors(await t.http().post('/api/auth/login').send({ username: user.username, password: STRONG_PASSWORD }), { non_field_errors: ['Incorrect Credentials Passed.'] });
      await t.http().post('/api/auth/login').send({ username: user.username, password: NEW_PASSWORD }).expect(200);
    });

    it('refuses a weak password and leaves the password and tokens as they were', async () => {
      const user = await registerUser(t);
      const result = await run(['changepassword', user.username, '--password-stdin'], 'short\n');
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('This password is too short. It must contain at least 8 characters.');
      await t.http().get('/api/auth/user').set(...tokenHeader(user.token)).expect(200);
      await t.http().post('/api/auth/login').send({ username: user.username, password: STRONG_PASSWORD }).expect(200);
    });

    it('refuses an unknown user with exit status 1 before reading a password', async () => {
      const result = await run(['changepassword', 'nobody_here', '--password-stdin'], `${NEW_PASSWORD}\n`);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe('Error: User "nobody_here" does not exist.\n');
    });
  });

  describe('deactivate / activate', () => {
    it("deactivate makes the user's tokens answer 401 User inactive or deleted. and login fail; activate restores both", async () => {
      const user = await registerUser(t);
      const deactivated = await run(['deactivate', user.username]);
      expect(deactivated.code).toBe(0);
      expect(deactivated.stdout).toContain(`Deactivated user "${user.username}"`);
      expectProblem(await t.http().get('/api/auth/user').set(...tokenHeader(user.token)), 401, 'User inactive or deleted.');
      expectFieldErrors(await t.http().post('/api/auth/login').send({ username: user.username, password: STRONG_PASSWORD }), { non_field_errors: ['Incorrect Credentials Passed.'] });

      const again = await run(['deactivate', user.username]);
      expect(again.code).toBe(0);
      expect(again.stdout).toBe(`User "${user.username}" is already inactive; nothing changed.\n`);

      const activated = await run(['activate', user.username]);
      expect(activated.code).toBe(0);
      expect(activated.stdout).toBe(`Activated user "${user.username}".\n`);
      const me = await t.http().get('/api/auth/user').set(...tokenHeader(user.token)).expect(200);
      expect(me.body).toEqual({ id: user.id, username: user.username, email: user.email });
      await t.http().post('/api/auth/login').send({ username: user.username, password: STRONG_PASSWORD }).expect(200);
    });

    it('refuses an unknown user with exit status 1', async () => {
      const result = await run(['activate', 'ghost_user']);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe('Error: User "ghost_user" does not exist.\n');
    });
  });

  describe('prunetokens', () => {
    it('deletes only expired tokens and prints how many', async () => {
      const user = await registerUser(t);
      const insert = async (expirySql: string): Promise<string> => {
        const { digest, tokenKey } = generateToken('');
        await t.db.query(`INSERT INTO auth_tokens (digest, token_key, user_id, expiry) VALUES ($1, $2, $3, ${expirySql})`, [digest, tokenKey, user.id]);
        return digest;
      };
      await insert("now() - interval '1 minute'");
      await insert("now() - interval '3 days'");
      const kept = [await insert("now() + interval '1 hour'"), await insert('NULL'), digestToken(user.token)];

      const result = await run(['prunetokens']);
      expect(result.code).toBe(0);
      expect(result.stdout).toBe('Deleted 2 expired tokens.\n');
      const { rows } = await t.db.query<{ digest: string }>('SELECT digest FROM auth_tokens WHERE user_id = $1', [user.id]);
      expect(rows.map((row) => row.digest).sort()).toEqual([...kept].sort());

      const nothing = await run(['prunetokens']);
      expect(nothing.stdout).toBe('Deleted 0 expired tokens.\n');
    });
  });

  describe('process', () => {
    it('boots only what commands need and ends by itself: no HTTP server, prune timer, Redis client or browser-session key', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'leads-api-manage-'));
      try {
        // An unreachable Redis would be retried for ever, were the throttler's storage booted.
        const result = await manageUntilIdle(['prunetokens'], { DATABASE_URL: url, DATA_DIR: dataDir, REDIS_URL: 'redis://127.0.0.1:1', LOG_LEVEL: 'debug' });
        expect(result.code).toBe(0);
        expect(result.stdout).toMatch(/^Deleted \d+ expired tokens?\.\n$/);
        // Nest's debug lines name every module it initialised; the HTTP side's are not among them.
        expect(result.stderr).toContain('AuthCoreModule dependencies initialized');
        expect(result.stderr).not.toMatch(/\b(AuthModule|SessionsModule|ThrottlingModule|PassportModule|LeadsModule|HealthModule)\b/);
        // Anything left running (a server, a pool, a retrying client) would hold the process until the test's timeout.
        expect(result.ms).toBeLessThan(20_000);
        expect(readdirSync(dataDir)).toEqual([]);
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  });

  describe('migrate', () => {
    let emptyUrl: string;
    const adminUrl = (): string => process.env[ADMIN_URL_ENV] as string;
    const name = `leads_test_manage_${randomBytes(4).toString('hex')}`;

    beforeAll(async () => {
      await withAdmin(adminUrl(), (client) => client.query(`CREATE DATABASE ${name}`));
      emptyUrl = databaseUrl(adminUrl(), name);
    });
    afterAll(async () => {
      await withAdmin(adminUrl(), (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    });

    it('refuses other commands on an unmigrated database, applies every migration once, then has nothing to do', async () => {
      const refused = await manage(['prunetokens'], { databaseUrl: emptyUrl });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/^Error: The database has \d+ unapplied migrations? \(CreateUsersAndAuthTokens1763856000000.*\); run `npm run manage -- migrate` first\.\n$/);

      const first = await manage(['migrate'], { databaseUrl: emptyUrl });
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(/^Applied \d+ migrations?:\n {2}CreateUsersAndAuthTokens1763856000000\n/);

      const second = await manage(['migrate'], { databaseUrl: emptyUrl });
      expect(second.code).toBe(0);
      expect(second.stdout).toBe('No migrations to apply.\n');

      const created = await manage(['createuser', 'first_admin', 'admin@example.com', '--password-stdin'], {
        databaseUrl: emptyUrl,
        input: `${STRONG_PASSWORD}\n`,
      });
      expect(created.code).toBe(0);
    });

    it('has nothing to apply on the test database, which is already migrated', async () => {
      const result = await run(['migrate']);
      expect(result.code).toBe(0);
      expect(result.stdout).toBe('No migrations to apply.\n');
    });
  });
});
