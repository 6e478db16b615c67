import 'reflect-metadata';
import { INestApplication } from '@nestjs/common';
import { join } from 'node:path';
import { createApp } from './app.factory';
import { JsonLogger } from './common/logging/json-logger';
import { AppConfig, ConfigError, loadConfig, maskDatabaseUrl } from './config/app-config';
import { EmbeddedPostgresHandle, startEmbeddedPostgres } from './database/embedded-postgres';

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

  let embedded: EmbeddedPostgresHandle | undefined;
  let databaseUrl = config.databaseUrl;
  if (databaseUrl === null) {
    embedded = await startEmbeddedPostgres({
      directory: join(config.dataDir, 'postgres'),
      port: config.embeddedPostgresPort,
      database: 'leads',
      persistent: true,
      onLog: (message) => logger.debug(message, 'EmbeddedPostgres'),
    });
    databaseUrl = embedded.url;
  }

  let app: INestApplication | undefined;
  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.log(`received ${signal}, shutting down`, 'Main');
    try {
      await app?.close();
    } finally {
      await embedded?.stop();
    }
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));

  try {
    app = await createApp(config, databaseUrl, logger);
    await app.listen(config.port, config.host);
  } catch (error) {
    logger.error(error instanceof Error ? error : String(error), 'Main');
    await app?.close().catch(() => undefined);
    await embedded?.stop();
    process.exit(1);
  }
  const where = embedded ? `embedded PostgreSQL ${maskDatabaseUrl(databaseUrl)} (data in ${join(config.dataDir, 'postgres')})` : maskDatabaseUrl(databaseUrl);
  logger.log(`Leads API listening on http://${config.host}:${config.port} using ${where}`, 'Main');
}

void bootstrap();
