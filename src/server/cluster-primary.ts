import cluster, { Worker } from 'node:cluster';
import { DataSource } from 'typeorm';
import type { JsonLogger } from '../common/logging/json-logger';
import type { AppConfig } from '../config/app-config';
import { buildDataSourceOptions } from '../database/data-source-options';
import { resolveDatabase } from '../database/resolve-database';

const RESTART_BUDGET = 5;
const RESTART_WINDOW_MS = 60_000;
/** Beyond the workers' own SHUTDOWN_TIMEOUT, time to close pools and exit. */
const EXIT_GRACE_MS = 10_000;

async function migrate(url: string, config: AppConfig): Promise<string[]> {
  const dataSource = new DataSource(
    buildDataSourceOptions(url, 1, { connectMs: config.databaseConnectTimeoutMs, statementMs: config.databaseStatementTimeoutMs }),
  );
  await dataSource.initialize();
  try {
    return (await dataSource.runMigrations({ transaction: 'each' })).map((migration) => migration.name);
  } finally {
    await dataSource.destroy();
  }
}

/**
 * The cluster primary serves no requests: it starts the embedded PostgreSQL
 * if needed, migrates once (workers racing to migrate would collide), forks
 * one worker per requested core on the shared port, replaces a worker that
 * crashes, and on SIGTERM/SIGINT lets every worker drain before it stops the
 * database and exits 0.
 */
export async function runClusterPrimary(config: AppConfig, logger: JsonLogger): Promise<void> {
  const database = await resolveDatabase(config, { onLog: (message) => logger.debug(message, 'EmbeddedPostgres') });
  let stopping = false;
  let exitCode = 0;

  const stop = async (reason: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.log(`${reason}, stopping ${Object.keys(cluster.workers ?? {}).length} worker(s)`, 'Cluster');
    const workers = Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker !== undefined);
    await Promise.all(workers.map((worker) => stopWorker(worker, config.shutdownTimeoutMs + EXIT_GRACE_MS)));
    await database.release().catch((error: unknown) => logger.error(error instanceof Error ? error : String(error), 'Cluster'));
    logger.log('all workers stopped', 'Cluster');
    process.exit(exitCode);
  };
  process.on('SIGTERM', () => void stop('received SIGTERM'));
  process.on('SIGINT', () => void stop('received SIGINT'));

  try {
    const applied = await migrate(database.url, config);
    if (applied.length > 0) logger.log(`applied migrations: ${applied.join(', ')}`, 'Cluster');
  } catch (error) {
    logger.error(error instanceof Error ? error : String(error), 'Cluster');
    exitCode = 1;
    await stop('migrations failed');
    return;
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
