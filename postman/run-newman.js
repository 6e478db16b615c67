#!/usr/bin/env node
// Runs the Postman collection with newman against the built server.
//   node postman/run-newman.js                 start dist/main.js on its own embedded PostgreSQL and port
//   node postman/run-newman.js --base-url URL  run against a server that is already running
// Exits non-zero when any request or assertion fails.
const { spawn } = require('node:child_process');
const { mkdtempSync, chmodSync, rmSync } = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const newman = require('newman');

const root = path.resolve(__dirname, '..');
const collection = path.join(__dirname, 'leads-api.postman_collection.json');
const environment = path.join(__dirname, 'local.postman_environment.json');

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

async function waitUntilReady(baseUrl, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`the server exited early with code ${child.exitCode}`);
    try {
      const response = await fetch(`${baseUrl}/health/ready`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the server at ${baseUrl} was not ready within ${timeoutMs / 1000} s`);
}

async function startServer() {
  const dataParent = mkdtempSync(path.join(os.tmpdir(), 'leads-api-postman-'));
  // As root, the embedded PostgreSQL runs as the `postgres` user, which must reach this folder.
  chmodSync(dataParent, 0o755);
  const port = await freePort();
  const env = {
    ...process.env,
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: dataParent,
    EMBEDDED_POSTGRES_PORT: String(await freePort()),
    LOG_LEVEL: process.env.LOG_LEVEL || 'warn',
  };
  if (process.env.POSTMAN_DATABASE_URL) env.DATABASE_URL = process.env.POSTMAN_DATABASE_URL;
  else delete env.DATABASE_URL;
  const dist = path.resolve(root, process.env.APP_DIST || 'dist');
  const child = spawn(process.execPath, [path.join(dist, 'main.js')], { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] });
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitUntilReady(baseUrl, child, 60_000);
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    rmSync(dataParent, { recursive: true, force: true });
  };
  return { baseUrl, stop };
}

function runCollection(baseUrl) {
  return new Promise((resolve, reject) => {
    newman.run(
      {
        collection,
        environment,
        envVar: [{ key: 'baseUrl', value: baseUrl }],
        reporters: ['cli'],
        timeoutRequest: 10_000,
      },
      (error, summary) => (error ? reject(error) : resolve(summary)),
    );
  });
}

async function main() {
  const flag = process.argv.indexOf('--base-url');
  const external = flag >= 0 ? process.argv[flag + 1] : undefined;
  const server = external ? { baseUrl: external.replace(/\/$/, ''), stop: async () => undefined } : await startServer();
  let failed;
  try {
    if (external) await waitUntilReady(server.baseUrl, null, 60_000);
    const summary = await runCollection(server.baseUrl);
    const { requests, assertions } = summary.run.stats;
    failed = summary.run.failures.length > 0 || summary.error !== undefined;
    console.log(`newman: ${requests.total} requests, ${assertions.total - assertions.failed} of ${assertions.total} assertions passed`);
    console.log(`${assertions.total - assertions.failed} passed, ${assertions.failed} failed`);
  } finally {
    await server.stop();
  }
  process.exit(failed ? 1 : 0);
}

main().catch((error) => {
  console.error(`newman run failed: ${error.message}`);
  process.exit(1);
});
