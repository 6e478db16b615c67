'use strict';
// Starts the compiled server (APP_DIST, default dist) as a child process on free loopback ports and
// its own embedded PostgreSQL in a temporary DATA_DIR, and waits until /health/ready answers.
// Used by the Postman (newman) run and the browser test, so both see the app exactly as `npm start` runs it.

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');

/** Settings of the caller's shell that would change what the suites expect of a default server. */
const CLEARED_ENV = ['DATABASE_URL', 'SECRET_KEY', 'CORS_ORIGINS', 'COOKIE_SECURE', 'REDIS_URL', 'NODE_CLUSTER_WORKERS', 'AUTH_TOKEN_LIMIT_PER_USER', 'AUTH_TOKEN_PREFIX'];

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * @param {{ name: string, env?: Record<string, string>, readyTimeoutMs?: number, inheritOutput?: boolean }} options
 *   `env` is applied last (e.g. DATABASE_URL to use a server of your own instead of the embedded one).
 */
async function startBuiltApp({ name, env: extraEnv = {}, readyTimeoutMs = 120_000, inheritOutput = false }) {
  const main = path.join(path.resolve(ROOT, process.env.APP_DIST || 'dist'), 'main.js');
  if (!fs.existsSync(main)) throw new Error(`${main} not found: build first (npm run build) or set APP_DIST`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `leads-${name}-`));
  const port = await freePort();
  const env = { ...process.env, HOST: '127.0.0.1', PORT: String(port), EMBEDDED_POSTGRES_PORT: String(await freePort()), DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  for (const variable of CLEARED_ENV) delete env[variable];
  Object.assign(env, extraEnv);

  const child = spawn(process.execPath, [main], { cwd: ROOT, env, stdio: ['ignore', inheritOutput ? 'inherit' : 'pipe', inheritOutput ? 'inherit' : 'pipe'] });
  const output = [];
  const keep = (chunk) => {
    output.push(chunk.toString());
    if (output.length > 200) output.shift();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const baseUrl = `http://127.0.0.1:${port}`;

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + readyTimeoutMs;
  let ready = false;
  while (!ready) {
    const state = await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve(null), 250))]);
    if (state || Date.now() > deadline) {
      await stop();
      const why = state ? `exited (${JSON.stringify(state)})` : `was not ready within ${readyTimeoutMs / 1000} s`;
      throw new Error(`the app ${why}:\n${output.join('')}`);
    }
    ready = await fetch(`${baseUrl}/health/ready`).then((response) => response.ok, () => false);
  }
  return { baseUrl, output, stop };
}

module.exports = { freePort, startBuiltApp, ROOT };
