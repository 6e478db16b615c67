import 'reflect-metadata';
import { INestApplication } from '@nestjs/common';
import { createApp } from './app.factory';
import { JsonLogger } from './common/logging/json-logger';
import { AppConfig, ConfigError, loadConfig } from './config/app-config';
import { resolveDatabase } from './database/resolve-database';

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

  const database = await resolveDatabase(config, { onLog: (message) => logger.debug(message, 'EmbeddedPostgres') });

  let app: INestApplication | undefined;
  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.log(`received ${signal}, shutting down`, 'Main');
    try {
      await app?.close();
    } finally {
      await database.release();
    }
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));

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
