import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from '../../support/free-port';

export const APP_DIST = resolve(process.env.APP_DIST ?? 'dist');
export const REDIS_URL = process.env.FAULTS_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** A hang shows up as this client timeout, never as a test waiting forever. */
export const NO_HANG_MS = 10_000;

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((done) => setTimeout(done, 200));
  }
  throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
}

export interface ControlledPostgres {
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  exit(): Promise<void>;
}

/** An embedded PostgreSQL in a helper process, stoppable and restartable on the same data. */
export async function startControlledPostgres(): Promise<ControlledPostgres> {
  const parent = mkdtempSync(join(tmpdir(), 'leads-faults-'));
  const port = await freePort();
  const child = spawn(process.execPath, [join(__dirname, 'postgres-control.js'), join(parent, 'postgres'), String(port)], {
    env: { ...process.env, APP_DIST },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const waiting: Array<(line: string) => void> = [];
  lines.on('line', (line) => waiting.shift()?.(line));
  const next = () => new Promise<string>((done) => waiting.push(done));
  const command = async (text: string, expected: string): Promise<void> => {
    const answer = next();
    child.stdin!.write(`${text}\n`);
    const line = await answer;
    if (line !== expected) throw new Error(`postgres control: ${text} -> ${line}`);
  };
  const ready = await next();
  if (!ready.startsWith('ready ')) throw new Error(`postgres control: ${ready}`);
  return {
    url: ready.slice('ready '.length),
    stop: () => command('stop', 'stopped'),
    start: () => command('start', 'started'),
    exit: () =>
      new Promise<void>((done) => {
        child.once('exit', () => done());
        child.stdin!.end('exit\n');
      }),
  };
}

export interface ServerProcess {
  baseUrl: string;
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code once the process has gone. */
  exited: Promise<number | null>;
  signal(name: NodeJS.Signals): void;
}

export const SECRET_KEY = randomBytes(32).toString('hex');

/** The compiled server (`node $APP_DIST/main.js`) on a free loopback port, once /health answers. */
export async function startServer(env: Record<string, string>): Promise<ServerProcess> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'leads-faults-data-'));
  const child = spawn(process.execPath, [join(APP_DIST, 'main.js')], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'warn', SECRET_KEY, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const baseUrl = `http://127.0.0.1:${port}`;
  let gone = false;
  void exited.then(() => (gone = true));
  await waitFor('the server to answer /health', async () => {
    if (gone) throw new Error(`the server exited during startup:\n${output}`);
    const response = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(2_000) });
    return response.ok ? true : undefined;
  });
  return { baseUrl, child, output: () => output, exited, signal: (name) => child.kill(name) };
}

export interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown> | undefined;
}

/** One request with a client-side deadline: a server that hangs fails the test instead of stalling it. */
export async function call(baseUrl: string, method: string, path: string, options: { token?: string; body?: unknown } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Token ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: AbortSignal.timeout(NO_HANG_MS),
  });
  const text = await response.text();
  let body: Record<string, unknown> | undefined;
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, body };
}

export const STRONG_PASSWORD = 'violet-Harbor-42-lantern';

export function uniqueName(prefix = 'fault'): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

export async function register(baseUrl: string, username = uniqueName()): Promise<{ id: number; username: string; token: string }> {
  const answer = await call(baseUrl, 'POST', '/api/auth/register', { body: { username, email: `${username}@example.com`, password: STRONG_PASSWORD } });
  if (answer.status !== 200) throw new Error(`register: ${answer.status} ${JSON.stringify(answer.body)}`);
  return { id: (answer.body!.user as { id: number }).id, username, token: answer.body!.token as string };
}
