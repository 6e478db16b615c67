// First: it configures V8 and libuv before they are used (see the module).
import './server/memory-tuning';
import 'reflect-metadata';
import cluster from 'node:cluster';
import { INestApplication } from '@nestjs/common';
import { createApp } from './app.factory';
import { JsonLogger } from './common/logging/json-logger';
import { AppConfig, ConfigError, loadConfig } from './config/app-config';
import { resolveDatabase } from './database/resolve-database';
import { runClusterPrimary } from './server/cluster-primary';
import { installGracefulShutdown } from './server/graceful-shutdown';

async function bootstrap(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = new JsonLogger(config.logLevel);
  // A stray rejection in background work must not take every request down with it.
  process.on('unhandledRejection', (reason) => logger.error(reason instanceof Error ? reason : String(reason), 'Process'));

  if (config.clusterWorkers > 0 && cluster.isPrimary) {
    await runClusterPrimary(config, logger);
    return;
  }

  const database = await resolveDatabase(config, { onLog: (message) => logger.debug(message, 'EmbeddedPostgres') });

  let app: INestApplication | undefined;
  installGracefulShutdown({ app: () => app, release: () => database.release(), timeoutMs: config.shutdownTimeoutMs, logger });

  try {
    app = await createApp(config, database.url, logger);
    await app.listen(config.port, config.host);
  } catch (error) {
    logger.error(error instanceof Error ? error : String(error), 'Main');
    await app?.close().catch(() => undefined);
    await database.release();
    process.exit(1);
  }
  logger.log(`Leads API listening on http://${config.host}:${config.port} using ${database.description}`, 'Main');
}

void bootstrap();
