'use strict';

const { join, resolve } = require('node:path');
const { Client } = require('pg');

function withDatabase(url, database) {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function withClient(url, work) {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * The PostgreSQL the benchmark runs on: BENCH_DATABASE_URL's server, or an
 * embedded one in DATA_DIR started with the app's own code (persistent, so
 * with fsync on, as `npm start` runs it). Each run gets a fresh database.
 */
async function openBenchDatabase({ appDist, dataDir, port, externalUrl }) {
  let adminUrl;
  let stopServer = async () => undefined;
  if (externalUrl) {
    adminUrl = externalUrl;
  } else {
    const { startEmbeddedPostgres } = require(resolve(appDist, 'database', 'embedded-postgres.js'));
    const handle = await startEmbeddedPostgres({ directory: join(dataDir, 'postgres'), port, database: 'postgres', persistent: true });
    adminUrl = handle.adminUrl;
    stopServer = () => handle.stop();
  }
  // Named per process on a shared server, so two runs never drop each other's data.
  const name = externalUrl ? `leads_bench_${process.pid}` : 'leads_bench';
  const version = await withClient(adminUrl, async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${name}`);
    const { rows } = await client.query('SHOW server_version');
    return rows[0].server_version;
  });
  return {
    url: withDatabase(adminUrl, name),
    version,
    embedded: !externalUrl,
    async close() {
      try {
        if (externalUrl) await withClient(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      } finally {
        await stopServer();
      }
    },
  };
}

module.exports = { openBenchDatabase, withClient };
