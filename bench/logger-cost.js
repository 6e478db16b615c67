'use strict';

/**
 * `node bench/logger-cost.js`: what one request log line costs in CPU, for
 * the app's logger (pino over StdoutDestination: src/common/logging/) against
 * the hand-written one pino replaced (kept below as it was: JSON.stringify
 * and one synchronous stdout write per event-loop turn), with pino's own
 * destinations for reference. Nothing else runs: no HTTP, no database.
 *
 * Each measurement is a child process whose stdout is a file or a pipe (the
 * parent reads and discards), as the app's is under `npm run bench` or a
 * supervisor. It writes --lines request lines (method, URL, status, ms: the
 * request logger's fields, already safe), --per-turn of them per event-loop
 * turn (1: a quiet server; 16: a busy one answering many connections per
 * turn), waits until every line is written (the old logger's last batch,
 * AppLogger's flush(), the end of pino's destination), and reports its CPU
 * time (user + system of every thread, so the libuv thread doing pino's
 * asynchronous writes counts) per line. The `none` variant does the same
 * turns and fields without logging: its figure is
 * subtracted. Variants alternate within each of --rounds rounds; the median
 * round is reported.
 *
 *   npm run build && node bench/logger-cost.js [--lines 100000] [--rounds 5] [--per-turn 1,16]
 *
 * Env: APP_DIST (default dist), for the app's logger.
 */
const { spawn } = require('node:child_process');
const { closeSync, mkdtempSync, openSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join, resolve } = require('node:path');
const { setImmediate } = require('node:timers');

/**
 * pino's destination options by variant, beside the app's own (`app`:
 * AppLogger's default, StdoutDestination: one write per event-loop turn on
 * the event loop, bounded queue). `pino` is pino's asynchronous destination,
 * the app's before StdoutDestination (each write as soon as the previous one
 * is done, on libuv's thread pool); `pino-4k` holds lines until 4 kB are
 * queued (it would need a timer to get a quiet server's lines out);
 * `pino-bounded` is what SonicBoom's options offer for the same rules (4 kB,
 * a 10 ms periodic flush for a quiet server, a 4 MiB bound past which lines
 * are dropped); `pino-sync` writes each line at once.
 */
const PINO_VARIANTS = {
  app: undefined,
  pino: { sync: false },
  'pino-4k': { sync: false, minLength: 4096 },
  'pino-bounded': { sync: false, minLength: 4096, periodicFlush: 10, maxLength: 4 * 1024 * 1024 },
  'pino-sync': { sync: true },
};
const VARIANTS = ['none', 'old', ...Object.keys(PINO_VARIANTS)];
const SINKS = ['file', 'pipe'];

function option(name, fallback) {
  const index = process.argv.indexOf(`--${name}`);
  return index < 0 ? fallback : process.argv[index + 1];
}

/** The logger this project had before pino, reduced to what the request line used. */
function oldLogger() {
  const SEVERITY = { debug: 10, info: 20, warn: 30, error: 40 };
  const FLUSH_AT_BYTES = 64 * 1024;
  let pending = '';
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (pending === '') return;
    const text = pending;
    pending = '';
    process.stdout.write(text);
  };
  const writeLine = (line, urgent) => {
    pending += `${line}\n`;
    if (urgent || pending.length >= FLUSH_AT_BYTES) return flush();
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
  const threshold = SEVERITY.info;
  const enabled = (level) => (SEVERITY[level] ?? 0) >= threshold;
  return {
    enabled,
    request(level, fields) {
      if (!enabled(level)) return;
      const entry = { time: new Date().toISOString(), level, msg: 'request', ...fields };
      writeLine(JSON.stringify(entry), entry.level === 'error' || entry.level === 'fatal');
    },
    // Its last batch goes out on the next turn, synchronously.
    done: () => new Promise((resolve) => setImmediate(resolve)),
  };
}

/** The app's AppLogger, on its own destination or on one of pino's others (`options`, for comparison). */
function appLogger(options) {
  const dist = resolve(process.env.APP_DIST ?? 'dist');
  const { AppLogger } = require(join(dist, 'common/logging/app-logger.js'));
  const pino = require(require.resolve('pino', { paths: [dist] }));
  if (!options) {
    const logger = new AppLogger('info');
    return { enabled: (level) => logger.enabled(level), request: (level, fields) => logger.logSafe(level, 'request', fields), done: () => logger.flush() };
  }
  const destination = pino.destination({ dest: 1, ...options });
  const logger = new AppLogger('info', destination);
  return {
    enabled: (level) => logger.enabled(level),
    request: (level, fields) => logger.logSafe(level, 'request', fields),
    done: () =>
      new Promise((resolve) => {
        destination.once('close', resolve);
        destination.end();
      }),
  };
}

function noLogger() {
  return { enabled: () => true, request: () => undefined, done: () => Promise.resolve() };
}

async function child(variant, lines, perTurn) {
  const logger = variant === 'none' ? noLogger() : variant === 'old' ? oldLogger() : appLogger(PINO_VARIANTS[variant]);
  const urls = ['/api/leads/17', '/api/leads?limit=5', '/api/auth/user', '/api/leads/17?ordering=-created_at&search=alice'];
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  let written = 0;
  await new Promise((done) => {
    const turn = () => {
      for (let i = 0; i < perTurn && written < lines; i++, written++) {
        const status = written % 10 === 0 ? 401 : 200;
        const level = status >= 500 ? 'error' : 'info';
        if (logger.enabled(level)) {
          logger.request(level, { method: 'GET', url: urls[written % urls.length], status, ms: Math.round((0.5 + (written % 7) / 10) * 1000) / 1000 });
        }
      }
      if (written < lines) setImmediate(turn);
      else done();
    };
    setImmediate(turn);
  });
  await logger.done();
  const used = process.cpuUsage(cpu);
  const wallNs = Number(process.hrtime.bigint() - started);
  process.stderr.write(`${JSON.stringify({ cpuUs: used.user + used.system, wallNs })}\n`);
}

function measure(variant, sink, lines, perTurn, directory) {
  return new Promise((resolveRun, reject) => {
    const file = sink === 'file' ? openSync(join(directory, `${variant}.log`), 'w') : null;
    const proc = spawn(process.execPath, [join(__dirname, 'logger-cost.js'), '--child', variant, String(lines), String(perTurn)], {
      stdio: ['ignore', file ?? 'pipe', 'pipe'],
    });
    let received = 0;
    if (!file) proc.stdout.on('data', (chunk) => (received += chunk.length));
    let report = '';
    proc.stderr.on('data', (chunk) => (report += chunk));
    proc.once('error', reject);
    proc.once('close', (code) => {
      if (file !== null) closeSync(file);
      if (code !== 0) return reject(new Error(`${variant}: exit ${code}: ${report}`));
      const { cpuUs, wallNs } = JSON.parse(report.trim().split('\n').pop());
      resolveRun({ cpuUs, wallNs, received });
    });
  });
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main() {
  const lines = Number(option('lines', '100000'));
  const rounds = Number(option('rounds', '5'));
  const perTurns = option('per-turn', '1,16').split(',').map(Number);
  const directory = mkdtempSync(join(tmpdir(), 'logger-cost-'));
  try {
    process.stdout.write(`${lines.toLocaleString('en-US')} request lines per run, ${rounds} rounds, Node ${process.version}\n\n`);
    process.stdout.write('| sink | lines per turn | logger | CPU µs/line | net of `none` |\n|---|---:|---|---:|---:|\n');
    for (const sink of SINKS) {
      for (const perTurn of perTurns) {
        const runs = Object.fromEntries(VARIANTS.map((variant) => [variant, []]));
        for (let round = 0; round < rounds; round++) {
          for (const variant of VARIANTS) runs[variant].push((await measure(variant, sink, lines, perTurn, directory)).cpuUs / lines);
        }
        const none = median(runs.none);
        for (const variant of VARIANTS.slice(1)) {
          const perLine = median(runs[variant]);
          process.stdout.write(`| ${sink} | ${perTurn} | ${variant} | ${perLine.toFixed(2)} | ${(perLine - none).toFixed(2)} |\n`);
        }
      }
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') {
  child(process.argv[3], Number(process.argv[4]), Number(process.argv[5])).catch((error) => {
    process.stderr.write(`${error.stack}\n`);
    process.exit(1);
  });
} else {
  main().catch((error) => {
    process.stderr.write(`${error.stack}\n`);
    process.exit(1);
  });
}
