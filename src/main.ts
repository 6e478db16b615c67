// First: it configures V8 and libuv before they are used (see the module).
import './process/memory-tuning';
import 'reflect-metadata';
import cluster from 'node:cluster';
import type { Server } from 'node:http';
import { INestApplication } from '@nestjs/common';
import { createApp } from './app.factory';
import { AppLogger } from './common/logging/app-logger';
import { redactText } from './common/logging/redact';
import { AppConfig, ConfigError, loadConfig } from './config/app-config';
import { ResolvedDatabase, resolveDatabase } from './database/resolve-database';
import { runClusterPrimary } from './process/cluster-primary';
import { installGracefulShutdown, trackResponses } from './process/graceful-shutdown';
import { describeStartupFailure } from './process/startup-failure';

/**
 * While the server starts, error lines are held back: if it fails, the one
 * line on stderr says why and they go out at debug level only (the same
 * failure, as stacks); once it listens, they go out as the errors they were.
 */
class StartupLogger extends AppLogger {
  private held: Array<[unknown, unknown[]]> | null = [];

  override error(message: unknown, ...rest: unknown[]): void {
    if (this.held) this.held.push([message, rest]);
    else super.error(message, ...rest);
  }

  /** The server is up: what was held back was not fatal, so it is reported. */
  started(): void {
    const held = this.held ?? [];
    this.held = null;
    for (const [message, rest] of held) super.error(message, ...rest);
  }

  /** The server did not start: what was held back is the detail of the failure. */
  failed(error: unknown): void {
    const held = this.held ?? [];
    this.held = null;
    for (const [message, rest] of held) this.debug(message, ...rest);
    this.debug(error instanceof Error ? error : String(error), 'Main');
  }
}

/** One line on stderr, exit 1: what a newcomer sees when the server cannot start. */
async function failStartup(error: unknown, config: AppConfig, logger: StartupLogger): Promise<never> {
  logger.failed(error);
  const line = redactText(describeStartupFailure(error, config));
  process.stderr.write(`Leads API could not start: ${line}\n`);
  await logger.flush();
  process.exit(1);
}

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
  const logger = new StartupLogger(config.logLevel);
  // A stray rejection in background work must not take every request down with it.
  process.on('unhandledRejection', (reason) => logger.error(reason instanceof Error ? reason : String(reason), 'Process'));

  if (config.clusterWorkers > 0 && cluster.isPrimary) {
    try {
      await runClusterPrimary(config, logger);
    } catch (error) {
      return failStartup(error, config, logger);
    }
    logger.started();
    return;
  }

  let database: ResolvedDatabase;
  try {
    database = await resolveDatabase(config, { onLog: (message) => logger.debug(message, 'EmbeddedPostgres') });
  } catch (error) {
    return failStartup(error, config, logger);
  }

  let app: INestApplication | undefined;
  installGracefulShutdown({
    app: () => app,
    release: () => database.release(),
    lameDuckMs: config.shutdownLameDuckMs,
    timeoutMs: config.shutdownTimeoutMs,
    logger,
  });

  try {
    app = await createApp(config, database.url, logger);
    trackResponses(app.getHttpServer() as Server);
    await app.listen(config.port, config.host);
  } catch (error) {
    await app?.close().catch(() => undefined);
    await database.release().catch(() => undefined);
    return failStartup(error, config, logger);
  }
  logger.started();
  logger.log(`Leads API listening on http://${config.host}:${config.port} using ${database.description}`, 'Main');
}

void bootstrap();
