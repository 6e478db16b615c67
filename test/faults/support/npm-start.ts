import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request, Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../../support/free-port';
import { SECRET_KEY, waitFor } from './harness';

/** The project whose `npm start` is run (its package.json scripts and dist/). */
export const APP_ROOT = resolve(process.env.APP_ROOT ?? join(__dirname, '..', '..', '..'));

export interface NpmStarted {
  baseUrl: string;
  port: number;
  dataDir: string;
  /** npm's pid, which is also the process group's id. */
  pgid: number;
  child: ChildProcess;
  output(): string;
  /** npm's own exit. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** A signal to the whole process group, as a terminal's Ctrl-C or `kill -- -PGID` sends it. */
  signalGroup(name: NodeJS.Signals): void;
  /** True while any process of the group is left. */
  groupAlive(): boolean;
  /** Kills whatever is left of the group and deletes the data directory. */
  cleanUp(): Promise<void>;
}

/**
 * `npm start` as a user runs it: through npm (its `start` script, with the
 * shell npm puts in between), in a process group of its own like a terminal's
 * foreground job, with the embedded PostgreSQL under a temporary DATA_DIR on
 * free ports. The `prestart` build is skipped (npm's --ignore-scripts skips
 * pre/post scripts only): the suite runs on a build made before it.
 */
export async function startWithNpm(env: Record<string, string> = {}): Promise<NpmStarted> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'leads-npm-start-'));
  const childEnv: Record<string, string | undefined> = {
    ...process.env,
    HOST: '127.0.0.1',
    PORT: String(port),
    EMBEDDED_POSTGRES_PORT: String(await freePort()),
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    SECRET_KEY,
    npm_config_ignore_scripts: 'true',
    npm_config_update_notifier: 'false',
    ...env,
  };
  for (const name of ['DATABASE_URL', 'NODE_CLUSTER_WORKERS', 'REDIS_URL']) if (!(name in env)) delete childEnv[name];
  const child = spawn('npm', ['start'], { cwd: APP_ROOT, env: childEnv, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal })),
  );
  let gone = false;
  void exited.then(() => (gone = true));
  const pgid = child.pid!;
  const groupAlive = (): boolean => {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const started: NpmStarted = {
    baseUrl: `http://127.0.0.1:${port}`,
    port,
    dataDir,
    pgid,
    child,
    output: () => output,
    exited,
    signalGroup: (name) => process.kill(-pgid, name),
    groupAlive,
    cleanUp: async () => {
      if (groupAlive()) process.kill(-pgid, 'SIGKILL');
      await waitFor('the npm start group to end', async () => (groupAlive() ? undefined : true), 20_000).catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  try {
    await waitFor(
      'npm start to answer /health/ready',
      async () => {
        if (gone) throw new Error(`npm start exited during startup:\n${output}`);
        const response = await fetch(`${started.baseUrl}/health/ready`, { signal: AbortSignal.timeout(2_000) });
        return response.ok ? true : undefined;
      },
      120_000,
    );
  } catch (error) {
    await started.cleanUp();
    throw error;
  }
  return started;
}

export interface RawAnswer {
  status: number | string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * One request on a connection of its own. Resolves with
 * the status, or with the socket error's code (ECONNRESET, ECONNREFUSED)
 * instead of rejecting. `sent` resolves once the whole request was written.
 */
export function rawRequest(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): { sent: Promise<void>; answer: Promise<RawAnswer> } {
  let markSent: () => void = () => undefined;
  const sent = new Promise<void>((done) => (markSent = done));
  // A keep-alive agent of its own: the client asks to keep the connection, so a `Connection: close` is the server's choice.
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const answer = new Promise<RawAnswer>((done) => {
    const req = request({ host: '127.0.0.1', port, path, headers, agent }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => done({ status: response.statusCode ?? 0, headers: response.headers, body }));
      response.on('error', (error: NodeJS.ErrnoException) => done({ status: error.code ?? String(error), headers: {}, body }));
    });
    req.setTimeout(30_000, () => req.destroy(Object.assign(new Error('client timeout'), { code: 'CLIENT_TIMEOUT' })));
    req.on('error', (error: NodeJS.ErrnoException) => {
      markSent();
      done({ status: error.code ?? String(error), headers: {}, body: '' });
    });
    req.on('finish', () => markSent());
    req.end();
  }).finally(() => agent.destroy());
  return { sent, answer };
}
