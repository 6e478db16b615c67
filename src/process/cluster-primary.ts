import cluster, { Worker } from 'node:cluster';
import type { AppLogger } from '../common/logging/app-logger';
import type { AppConfig } from '../config/app-config';
import { runMigrations } from '../database/database.module';
import { resolveDatabase } from '../database/resolve-database';
import { REPEATED_SIGNAL_MS, SHUTDOWN_SIGNALS } from './graceful-shutdown';

const RESTART_BUDGET = 5;
const RESTART_WINDOW_MS = 60_000;
/** Beyond the workers' own SHUTDOWN_TIMEOUT, time to close pools and exit. */
const EXIT_GRACE_MS = 10_000;

/**
 * The cluster primary serves no requests: it starts the embedded PostgreSQL
 * if needed, migrates once (workers racing to migrate would collide), forks
 * one worker per requested core on the shared port, replaces a worker that
 * crashes, and on SIGTERM/SIGINT lets every worker drain (each keeps its
 * SHUTDOWN_LAME_DUCK, then SHUTDOWN_TIMEOUT) before it stops the database and
 * exits 0. A second signal, later than REPEATED_SIGNAL_MS, is passed on to
 * the workers as a second one, which makes them stop at once. A failure
 * before any worker is forked (the database, the migrations) is thrown.
 */
export async function runClusterPrimary(config: AppConfig, logger: AppLogger): Promise<void> {
  const database = await resolveDatabase(config, { onLog: (message) => logger.debug(message, 'EmbeddedPostgres') });
  let stopping = false;
  let exitCode = 0;
  let firstSignalAt = 0;
  let forced = false;

  const liveWorkers = (): Worker[] => Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker !== undefined);
  const stop = async (reason: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    const workers = liveWorkers();
    logger.log(`${reason}, stopping ${workers.length} worker(s)`, 'Cluster');
    const deadlineMs = config.shutdownLameDuckMs + config.shutdownTimeoutMs + EXIT_GRACE_MS;
    await Promise.all(workers.map((worker) => stopWorker(worker, deadlineMs)));
    await database.release().catch((error: unknown) => logger.error(error instanceof Error ? error : String(error), 'Cluster'));
    logger.log('all workers stopped', 'Cluster');
    await logger.flush();
    process.exit(exitCode);
  };
  const onSignal = (signal: string): void => {
    if (!stopping) {
      firstSignalAt = Date.now();
      void stop(`received ${signal}`);
    } else if (!forced && firstSignalAt > 0 && Date.now() - firstSignalAt > REPEATED_SIGNAL_MS) {
      forced = true;
      exitCode = 1;
      logger.warn(`received ${signal} again: the workers stop now`, 'Cluster');
      for (const worker of liveWorkers()) worker.process.kill('SIGTERM');
    }
  };
  for (const signal of SHUTDOWN_SIGNALS) process.on(signal, onSignal);

  try {
    const applied = await runMigrations(database.url, { connectMs: config.databaseConnectTimeoutMs, statementMs: config.databaseStatementTimeoutMs });
    if (applied.length > 0) logger.log(`applied migrations: ${applied.join(', ')}`, 'Cluster');
  } catch (error) {
    for (const signal of SHUTDOWN_SIGNALS) process.removeListener(signal, onSignal);
    await database.release().catch(() => undefined);
    throw error;
  }

  const env = { DATABASE_URL: database.url, DATABASE_MIGRATE: 'false' };
  const listening = new WeakSet<Worker>();
  const restarts: number[] = [];

  const fork = (): Worker => {
    const worker = cluster.fork(env);
    worker.once('listening', () => listening.add(worker));
    return worker;
  };

  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    const how = signal ? `signal ${signal}` : `code ${code}`;
    if (!listening.has(worker)) {
      // A worker that never came up will not come up on a retry either (port in use, bad database).
      logger.error(`worker ${worker.process.pid} failed to start (${how})`, 'Cluster');
      exitCode = 1;
      void stop('a worker failed to start');
      return;
    }
    const now = Date.now();
    while (restarts.length > 0 && now - restarts[0] > RESTART_WINDOW_MS) restarts.shift();
    if (restarts.length >= RESTART_BUDGET) {
      logger.error(`worker ${worker.process.pid} died (${how}); ${RESTART_BUDGET} restarts in a minute, giving up`, 'Cluster');
      exitCode = 1;
      void stop('workers keep crashing');
      return;
    }
    restarts.push(now);
    logger.warn(`worker ${worker.process.pid} died (${how}), starting a replacement`, 'Cluster');
    fork();
  });

  for (let index = 0; index < config.clusterWorkers; index += 1) fork();
  logger.log(
    `cluster primary ${process.pid}: ${config.clusterWorkers} worker(s) on http://${config.host}:${config.port} using ${database.description}`,
    'Cluster',
  );
  if (!config.redisUrl) {
    logger.warn('REDIS_URL is not set: each worker keeps its own throttle counters, so limits are per worker', 'Cluster');
  }
}

function stopWorker(worker: Worker, deadlineMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (worker.isDead()) return resolve();
    const timer = setTimeout(() => worker.process.kill('SIGKILL'), deadlineMs);
    worker.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    worker.process.kill('SIGTERM');
  });
}
