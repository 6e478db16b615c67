#!/usr/bin/env node
// Runs the Postman collection with newman against the built server.
//   node postman/run-newman.js                 start dist/main.js on its own embedded PostgreSQL and port
//   node postman/run-newman.js --base-url URL  run against a server that is already running
// Exits non-zero when any request or assertion fails.
const path = require('node:path');
const newman = require('newman');
const { startBuiltApp } = require('../scripts/lib/start-built-app');

const collection = path.join(__dirname, 'leads-api.postman_collection.json');
const environment = path.join(__dirname, 'local.postman_environment.json');

/** For --base-url: a server someone else started may still be starting. */
async function waitUntilReady(baseUrl, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
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

function startServer() {
  // POSTMAN_DATABASE_URL: run against a PostgreSQL of your own instead of an embedded one.
  const env = process.env.POSTMAN_DATABASE_URL ? { DATABASE_URL: process.env.POSTMAN_DATABASE_URL } : {};
  return startBuiltApp({ name: 'postman', env, readyTimeoutMs: 60_000, inheritOutput: true });
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
    if (external) await waitUntilReady(server.baseUrl, 60_000);
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
