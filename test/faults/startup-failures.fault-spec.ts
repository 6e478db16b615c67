import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../support/free-port';
import { APP_DIST, ControlledPostgres, SECRET_KEY, startControlledPostgres, startServer } from './support/harness';

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `node dist/main.js` with this environment, run until it exits by itself (60 s at most). */
function runToExit(env: Record<string, string>): Promise<Exit> {
  const childEnv: Record<string, string | undefined> = { ...process.env, HOST: '127.0.0.1', LOG_LEVEL: 'info', SECRET_KEY, ...env };
  for (const name of ['DATABASE_URL', 'NODE_CLUSTER_WORKERS', 'REDIS_URL']) if (!(name in env)) delete childEnv[name];
  const child = spawn(process.execPath, [join(APP_DIST, 'main.js')], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((done, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`the server did not exit within 60 s:\n${stdout}\n${stderr}`));
    }, 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      // Let the pipes deliver what is left.
      setImmediate(() => done({ code, stdout, stderr }));
    });
  });
}

/** Exit 1, and stderr is exactly one line of plain text (no JSON, no stack) matching `words`. */
function expectOneLine(exit: Exit, words: RegExp): void {
  const lines = exit.stderr.split('\n').filter((line) => line.trim() !== '');
  expect({ code: exit.code, lines }).toEqual({ code: 1, lines: [expect.stringMatching(words)] });
  expect(lines[0]).toMatch(/^Leads API could not start: /);
  expect(lines[0]).not.toMatch(/^\s*\{|\bat .+:\d+:\d+/);
  // The details went to the debug log only (LOG_LEVEL=info here): no JSON error lines either.
  expect(exit.stdout).not.toMatch(/"level":"error"/);
}

const listenOn = (port: number): Promise<Server> =>
  new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => done(server));
  });

describe('startup failures: one line on stderr and exit 1', () => {
  let postgres: ControlledPostgres;
  const cleanUp: string[] = [];

  beforeAll(async () => {
    postgres = await startControlledPostgres();
  });

  afterAll(async () => {
    await postgres.exit();
    for (const path of cleanUp) rmSync(path, { recursive: true, force: true });
  });

  const newDataDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'leads-startup-'));
    cleanUp.push(dir);
    return dir;
  };

  it('a second server on the same DATA_DIR says the data directory is in use, on the same and on another PostgreSQL port', async () => {
    const dataDir = newDataDir();
    const pgPort = String(await freePort());
    const first = await startServer({ DATA_DIR: dataDir, EMBEDDED_POSTGRES_PORT: pgPort, DATABASE_URL: '' });
    try {
      for (const port of [pgPort, String(await freePort())]) {
        const second = await runToExit({ DATA_DIR: dataDir, EMBEDDED_POSTGRES_PORT: port, PORT: String(await freePort()) });
        expectOneLine(second, /the data directory .*postgres is in use by another server \(PostgreSQL pid \d+ on port \d+, most likely another npm start/);
        expect(second.stderr).not.toMatch(/port in use|EMBEDDED_POSTGRES_PORT/);
      }
      // The first one is untouched.
      expect((await fetch(`${first.baseUrl}/health/ready`)).status).toBe(200);
    } finally {
      first.signal('SIGTERM');
      expect(await first.exited).toBe(0);
    }
  });

  it('a taken embedded PostgreSQL port names EMBEDDED_POSTGRES_PORT', async () => {
    const port = await freePort();
    const squatter = await listenOn(port);
    try {
      const exit = await runToExit({ DATA_DIR: newDataDir(), EMBEDDED_POSTGRES_PORT: String(port), PORT: String(await freePort()) });
      expectOneLine(exit, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is in use by another program, so the embedded PostgreSQL cannot listen there: set EMBEDDED_POSTGRES_PORT`));
    } finally {
      squatter.close();
    }
  });

  it('a taken HTTP port names PORT', async () => {
    const port = await freePort();
    const squatter = await listenOn(port);
    try {
      const exit = await runToExit({ DATABASE_URL: postgres.url, PORT: String(port), DATA_DIR: newDataDir() });
      expectOneLine(exit, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is in use by another program: stop it, or set PORT`));
    } finally {
      squatter.close();
    }
  });

  it('DATABASE_URL naming a database that does not exist says so and how to create it', async () => {
    const url = new URL(postgres.url);
    url.pathname = '/leads_missing';
    const exit = await runToExit({ DATABASE_URL: url.toString(), PORT: String(await freePort()), DATA_DIR: newDataDir() });
    expectOneLine(
      exit,
      new RegExp(`database "leads_missing" does not exist on 127\\.0\\.0\\.1:${url.port}; create it with: createdb -h 127\\.0\\.0\\.1 -p ${url.port} -U leads leads_missing$`),
    );
    expect(exit.stderr).not.toContain(url.password);
  });

  it('DATABASE_URL with a wrong password, or where nothing listens, says which', async () => {
    const url = new URL(postgres.url);
    url.password = 'not-the-password';
    const wrong = await runToExit({ DATABASE_URL: url.toString(), PORT: String(await freePort()), DATA_DIR: newDataDir() });
    expectOneLine(wrong, /PostgreSQL on 127\.0\.0\.1:\d+ refused the password of user "leads": check the password in DATABASE_URL/);
    expect(wrong.stderr).not.toContain('not-the-password');

    const nobody = await freePort();
    const refused = await runToExit({ DATABASE_URL: `postgres://leads:x@127.0.0.1:${nobody}/leads`, PORT: String(await freePort()), DATA_DIR: newDataDir() });
    expectOneLine(refused, new RegExp(`nothing accepts connections on 127\\.0\\.0\\.1:${nobody} \\(DATABASE_URL\\)`));
  });

  it('a DATA_DIR behind a folder the postgres user cannot enter says which folder and what to do (as root); a 0755 path works', async () => {
    const locked = mkdtempSync(join(tmpdir(), 'leads-locked-'));
    cleanUp.push(locked);
    chmodSync(locked, 0o700);
    const dataDir = join(locked, 'project', '.data');
    mkdirSync(dataDir, { recursive: true });
    const open = mkdtempSync(join(tmpdir(), 'leads-open-'));
    cleanUp.push(open);
    chmodSync(open, 0o755);

    if (userInfo().uid === 0) {
      const exit = await runToExit({ DATA_DIR: dataDir, EMBEDDED_POSTGRES_PORT: String(await freePort()), PORT: String(await freePort()) });
      expectOneLine(
        exit,
        new RegExp(`the "postgres" user, which cannot enter ${locked} \\(mode 0700 drwx------, owner root:root\\) on the way to its data .*: allow it with "chmod o\\+x ${locked}"`),
      );
      expect(exit.stderr).not.toMatch(/EACCES|spawn/);
    } else {
      // Not root: PostgreSQL runs as this user, who owns the folder, so the same layout starts.
      const server = await startServer({ DATA_DIR: dataDir, EMBEDDED_POSTGRES_PORT: String(await freePort()), DATABASE_URL: '' });
      server.signal('SIGTERM');
      expect(await server.exited).toBe(0);
    }
    const server = await startServer({ DATA_DIR: join(open, 'project', '.data'), EMBEDDED_POSTGRES_PORT: String(await freePort()), DATABASE_URL: '' });
    expect((await fetch(`${server.baseUrl}/health/ready`)).status).toBe(200);
    server.signal('SIGTERM');
    expect(await server.exited).toBe(0);
  });
});
