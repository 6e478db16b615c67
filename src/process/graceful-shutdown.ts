import type { INestApplication } from '@nestjs/common';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Server as NetServer } from 'node:net';
import type { AppLogger } from '../common/logging/app-logger';

const IDLE_SWEEP_MS = 100;
/**
 * After the listener closes, a connection it accepted a moment earlier may
 * not have had its request read yet, and Node counts such a connection as
 * idle. Closing it then would discard the request (and reset the client), so
 * idle connections are left alone for this long before the sweeps start.
 */
const FRESH_CONNECTION_GRACE_MS = 500;
/**
 * Signals this close to the first are the same request to stop: `npm start`
 * passes on its own copy of a terminal's Ctrl-C or a group's SIGTERM, and a
 * cluster primary passes on its own. A signal later than this is a second
 * Ctrl-C: stop at once.
 */
export const REPEATED_SIGNAL_MS = 1_000;
/** On a forced stop, how long the embedded PostgreSQL gets to stop before the process exits anyway. */
const FORCED_RELEASE_MS = 5_000;

export const SHUTDOWN_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

const draining = new WeakSet<object>();
/** Responses not finished yet, per server (see trackResponses). */
const inFlight = new WeakMap<object, Set<ServerResponse>>();

/** True once `server` has been told to shut down: readiness answers 503 from then on. */
export function isDraining(server: unknown): boolean {
  return typeof server === 'object' && server !== null && draining.has(server);
}

/**
 * Keeps track of the responses in progress, so that a drain can tell those
 * that started before the signal to close their connection too. Call once,
 * before the server listens.
 */
export function trackResponses(server: Server): void {
  if (inFlight.has(server)) return;
  const responses = new Set<ServerResponse>();
  inFlight.set(server, responses);
  // First, before Fastify's handler can write any header.
  server.prependListener('request', (_request: IncomingMessage, response: ServerResponse) => {
    if (draining.has(server)) {
      response.shouldKeepAlive = false;
      return;
    }
    responses.add(response);
    response.once('close', () => responses.delete(response));
  });
}

/**
 * The lame-duck state: the server still accepts and answers, but every
 * answer carries `Connection: close` (no connection outlives its request, so
 * clients and load balancers reconnect elsewhere) and readiness fails.
 */
export function startDraining(server: Server): void {
  if (draining.has(server)) return;
  draining.add(server);
  trackResponses(server);
  for (const response of inFlight.get(server) ?? []) {
    if (!response.headersSent) response.shouldKeepAlive = false;
  }
}

/**
 * Node takes one connection from the kernel's accept queue per turn of its
 * event loop, so a burst that reached the server just before the signal may
 * still be queued there, and closing the listening socket resets every
 * connection still queued. The listener closes once this many turns in a row
 * (each with a poll for new connections) took none, or after
 * LISTENER_QUIET_CAP_MS when connections keep coming. Counted in turns, not
 * milliseconds: on a busy machine a process may not run at all for longer
 * than any quiet period one would pick.
 */
const LISTENER_QUIET_TURNS = 3;
const LISTENER_QUIET_CAP_MS = 2_000;

/**
 * Stops accepting connections without dropping any that already reached the
 * server (see LISTENER_QUIET_TURNS); connections that arrive later are
 * refused (ECONNREFUSED). `http.Server.close()` is not used: it also closes
 * every connection that has no request in progress yet, including those just
 * accepted whose request has not been read. Resolves once the listening
 * socket is closed; the server's 'close' event follows when the last
 * connection has gone.
 */
export function closeListener(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    const started = Date.now();
    let accepted = 0;
    let seen = 0;
    let quietTurns = 0;
    const onConnection = (): void => {
      accepted += 1;
    };
    server.on('connection', onConnection);
    // An immediate scheduled from an immediate runs in the next turn, after that turn's poll.
    const turn = (): void => {
      if (accepted === seen) quietTurns += 1;
      else [seen, quietTurns] = [accepted, 0];
      if (quietTurns < LISTENER_QUIET_TURNS && Date.now() - started < LISTENER_QUIET_CAP_MS) {
        setImmediate(turn);
        return;
      }
      server.removeListener('connection', onConnection);
      if (server.listening) NetServer.prototype.close.call(server);
      resolve();
    };
    setImmediate(turn);
  });
}

/**
 * Stops accepting (closeListener) and waits for the requests in flight: each
 * answer closes its connection, idle keep-alive connections are closed after
 * a short grace, and past `timeoutMs` whatever remains is cut. Resolves true
 * when everything drained in time.
 */
export async function drainConnections(server: Server, timeoutMs: number): Promise<boolean> {
  startDraining(server);
  const wasListening = server.listening;
  const closed = new Promise<void>((done) => server.once('close', () => done()));
  await closeListener(server);
  let drained = true;
  let sweep: NodeJS.Timeout | undefined;
  const grace = setTimeout(() => {
    server.closeIdleConnections();
    sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
  }, Math.min(FRESH_CONNECTION_GRACE_MS, timeoutMs));
  const deadline = setTimeout(() => {
    drained = false;
    server.closeAllConnections();
  }, timeoutMs);
  try {
    if (wasListening) await closed;
  } finally {
    clearTimeout(grace);
    clearInterval(sweep);
    clearTimeout(deadline);
  }
  return drained;
}

/** Lame duck, then close the listener and drain: the whole graceful stop of one HTTP server. */
export async function drainHttpServer(server: Server, timeouts: { lameDuckMs: number; timeoutMs: number }): Promise<boolean> {
  startDraining(server);
  if (timeouts.lameDuckMs > 0) await new Promise((done) => setTimeout(done, timeouts.lameDuckMs));
  return drainConnections(server, timeouts.timeoutMs);
}

export interface ShutdownHooks {
  app: () => INestApplication | undefined;
  /** Runs after the app closed (e.g. stop the embedded PostgreSQL). */
  release: () => Promise<void>;
  /** SHUTDOWN_LAME_DUCK: how long to keep serving (readiness 503, `Connection: close`) before closing the listener. */
  lameDuckMs: number;
  /** SHUTDOWN_TIMEOUT: how long requests in flight may take once the listener is closed. */
  timeoutMs: number;
  logger: AppLogger;
  /** For tests; defaults to process.exit once the logger has written its last lines. */
  exit?: (code: number) => void;
  /** For tests; defaults to Date.now. */
  now?: () => number;
}

/**
 * SIGTERM/SIGINT/SIGHUP: readiness turns 503 and answers carry
 * `Connection: close` for SHUTDOWN_LAME_DUCK, then the listener closes
 * (connections already made are still served, new ones are refused), requests
 * in flight get up to SHUTDOWN_TIMEOUT, the app closes (its shutdown hooks end
 * the pool and Redis), the database is released, exit 0.
 *
 * Signals within REPEATED_SIGNAL_MS of the first are the same stop (npm and a
 * cluster primary pass theirs on). A later one forces the stop: connections
 * are cut, the embedded PostgreSQL is stopped and the process exits 1.
 * Returns the handler, for tests.
 */
export function installGracefulShutdown(hooks: ShutdownHooks): (signal: string) => void {
  const exit = hooks.exit ?? ((code: number) => void hooks.logger.flush().then(() => process.exit(code)));
  const now = hooks.now ?? Date.now;
  let firstSignalAt: number | undefined;
  let forced = false;

  const server = (): Server | undefined => hooks.app()?.getHttpServer() as Server | undefined;

  const shutdown = async (signal: string): Promise<void> => {
    hooks.logger.log(
      hooks.lameDuckMs > 0
        ? `received ${signal}: readiness fails, still serving for ${hooks.lameDuckMs} ms, then draining (a second signal stops at once)`
        : `received ${signal}, shutting down (a second signal stops at once)`,
      'Main',
    );
    let code = 0;
    try {
      const app = hooks.app();
      if (app) {
        const drained = await drainHttpServer(app.getHttpServer() as Server, hooks);
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
    if (forced) return;
    hooks.logger.log('shutdown complete', 'Main');
    exit(code);
  };

  const force = async (signal: string): Promise<void> => {
    forced = true;
    hooks.logger.warn(`received ${signal} again: stopping now, cutting off any request still running`, 'Main');
    try {
      server()?.closeAllConnections();
    } catch {
      // Not listening yet, or already closed.
    }
    await Promise.race([hooks.release().catch(() => undefined), new Promise((done) => setTimeout(done, FORCED_RELEASE_MS).unref())]);
    exit(1);
  };

  const onSignal = (signal: string): void => {
    const at = now();
    if (firstSignalAt === undefined) {
      firstSignalAt = at;
      const app = hooks.app();
      if (app) startDraining(app.getHttpServer() as Server);
      void shutdown(signal);
    } else if (!forced && at - firstSignalAt > REPEATED_SIGNAL_MS) {
      void force(signal);
    }
  };
  for (const signal of SHUTDOWN_SIGNALS) process.on(signal, onSignal);
  return onSignal;
}
