import type { INestApplication } from '@nestjs/common';
import type { Server } from 'node:http';
import type { JsonLogger } from '../common/logging/json-logger';

const IDLE_SWEEP_MS = 100;

/**
 * Stops accepting connections and waits for requests in flight, closing each
 * keep-alive connection as soon as it falls idle. Past the deadline the
 * remaining connections are cut. Resolves true when everything drained in time.
 */
export function drainHttpServer(server: Server, timeoutMs: number): Promise<boolean> {
  // Requests already queued on a kept-alive socket are answered, then the socket closes.
  server.on('request', (_request, response: { shouldKeepAlive: boolean }) => {
    response.shouldKeepAlive = false;
  });
  return new Promise((resolve) => {
    let drained = true;
    const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
    const deadline = setTimeout(() => {
      drained = false;
      server.closeAllConnections();
    }, timeoutMs);
    server.close(() => {
      clearInterval(sweep);
      clearTimeout(deadline);
      resolve(drained);
    });
    server.closeIdleConnections();
  });
}

export interface ShutdownHooks {
  app: () => INestApplication | undefined;
  /** Runs after the app closed (e.g. stop the embedded PostgreSQL). */
  release: () => Promise<void>;
  timeoutMs: number;
  logger: JsonLogger;
}

/**
 * SIGTERM/SIGINT: drain HTTP (up to SHUTDOWN_TIMEOUT), close the app (its
 * shutdown hooks end the pool and Redis), release the database, exit 0.
 * Repeated signals are ignored rather than killing the drain half way (a
 * terminal's Ctrl-C reaches a cluster's workers as well as its primary).
 */
export function installGracefulShutdown(hooks: ShutdownHooks): void {
  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    hooks.logger.log(`received ${signal}, shutting down`, 'Main');
    let code = 0;
    try {
      const app = hooks.app();
      if (app) {
        const drained = await drainHttpServer(app.getHttpServer() as Server, hooks.timeoutMs);
        if (!drained) hooks.logger.warn(`requests still running after ${hooks.timeoutMs} ms were cut off`, 'Main');
        await app.close();
      }
    } catch (error) {
      code = 1;
      hooks.logger.error(error instanceof Error ? error : String(error), 'Main');
    } finally {
      await hooks.release().catch((error: unknown) => {
        code = 1;
        hooks.logger.error(error instanceof Error ? error : String(error), 'Main');
      });
    }
    hooks.logger.log('shutdown complete', 'Main');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}
