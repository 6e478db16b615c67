'use strict';

/**
 * `npm run bench:queries`: the statements behind authentication and the lead
 * reads, next to the shapes they were chosen over, measured from Node through
 * node-postgres the way the app runs them (a pool of DATABASE_POOL_SIZE,
 * default 10, unnamed extended-protocol statements), with nothing else around
 * them: no HTTP, no framework. Each shape runs for --duration seconds (default
 * 5, after a 2 s warm-up) on --connections concurrent callers (default 32, as
 * the HTTP bench).
 *
 * Data: 100 owners with one token and 10 leads each, one owner with 1,000
 * leads, and (unless --small) 10,000 other owners with 1,000,000 tokens and
 * 1,000,000 leads, as in `npm run bench -- --scale`.
 *
 * Env: APP_DIST (default dist: its migrations create the schema and its
 * statements are measured), BENCH_DATABASE_URL or DATA_DIR +
 * EMBEDDED_POSTGRES_PORT, DATABASE_POOL_SIZE.
 */
const { join, resolve } = require('node:path');
const { mkdirSync, writeFileSync } = require('node:fs');
const { createHash } = require('node:crypto');
const { performance } = require('node:perf_hooks');
const { Pool } = require('pg');
const { openBenchDatabase, withClient } = require('./lib/database');
const { startServer } = require('./lib/processes');
const { fmt } = require('./lib/report');

const ROOT = resolve(__dirname, '..');
const RESULTS = join(__dirname, 'results');
const log = (message) => process.stdout.write(`[queries] ${message}\n`);

function parseArgs(argv) {
  const options = { duration: 5, warmup: 2, connections: 32, small: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--small') options.small = true;
    else if (['--duration', '--warmup', '--connections'].includes(arg)) {
      const value = Number(argv[++i]);
      if (!Number.isFinite(value) || value <= 0) throw new Error(`${arg} needs a positive number`);
      options[arg.slice(2)] = value;
    } else throw new Error(`unknown argument ${arg} (see the comment at the top of bench/query-shapes.js)`);
  }
  return options;
}

const OWNERS = 100;
/** A token digest the seed and the callers agree on, without hashing in the loop. */
const digestOf = (n) => n.toString(16).padStart(64, '0');
const LEAD_COLUMNS = 'id, name, email, message, owner_id, created_at, updated_at';

/** One name per statement text, worked out once rather than on every execution being measured. */
const statementNames = new Map();
function statementName(sql) {
  let name = statementNames.get(sql);
  if (name === undefined) {
    name = `q${createHash('sha1').update(sql).digest('hex').slice(0, 16)}`;
    statementNames.set(sql, name);
  }
  return name;
}

async function seed(client, { small }) {
  await client.query(`
    INSERT INTO users (username, email, password_hash)
    SELECT 'owner_' || g, 'owner_' || g || '@bench.example', '!unusable' FROM generate_series(1, ${OWNERS + 1}) g`);
  const { rows } = await client.query(`SELECT id, username FROM users WHERE username LIKE 'owner\\_%' ORDER BY id`);
  const owners = rows.slice(0, OWNERS).map((row, index) => ({ id: row.id, digest: digestOf(index + 1) }));
  const bigOwner = rows[OWNERS].id;
  await client.query(
    `INSERT INTO auth_tokens (digest, token_key, user_id, expiry)
     SELECT d.digest, substr(d.digest, 57, 8), d.user_id, now() + interval '10 hours'
       FROM unnest($1::text[], $2::int[]) AS d(digest, user_id)`,
    [owners.map((o) => o.digest), owners.map((o) => o.id)],
  );
  await client.query(
    `INSERT INTO leads (name, email, message, owner_id, created_at, updated_at)
     SELECT 'Lead ' || g, 'lead-' || g || '-' || o || '@bench.example', 'A lead.', o, now() - g * interval '1 minute', now()
       FROM unnest($1::int[]) o, generate_series(1, 10) g`,
    [owners.map((o) => o.id)],
  );
  await client.query(
    `INSERT INTO leads (name, email, message, owner_id, created_at, updated_at)
     SELECT 'Lead ' || g, 'big-' || g || '@bench.example', 'A lead.', $1, now() - g * interval '1 minute', now()
       FROM generate_series(1, 1000) g`,
    [bigOwner],
  );
  if (!small) {
    log('inserting 10,000 other owners, 1,000,000 tokens and 1,000,000 leads');
    await client.query(`
      INSERT INTO users (username, email, password_hash)
      SELECT 'scale_' || g, 'scale_' || g || '@bench.example', '!unusable' FROM generate_series(1, 10000) g`);
    const first = (await client.query(`SELECT min(id) AS first FROM users WHERE username LIKE 'scale\\_%'`)).rows[0].first;
    await client.query(
      `INSERT INTO auth_tokens (digest, token_key, user_id, expiry)
       SELECT encode(sha256(convert_to('scale-token-' || g, 'UTF8')), 'hex'), substr(md5(g::text), 1, 8), $1::int + g % 10000, now() + interval '10 hours'
         FROM generate_series(1, 1000000) g`,
      [first],
    );
    await client.query(
      `INSERT INTO leads (name, email, message, owner_id, created_at, updated_at)
       SELECT 'Scale lead ' || g, 'scale-' || g || '@bench.example', 'A lead of another owner.', $1::int + g % 10000, now() - g * interval '1 second', now()
         FROM generate_series(1, 1000000) g`,
      [first],
    );
  }
  await client.query('VACUUM ANALYZE');
  await client.query('CHECKPOINT');
  const leadIds = new Map();
  for (const row of (await client.query('SELECT owner_id, array_agg(id) AS ids FROM leads WHERE owner_id = ANY($1) GROUP BY owner_id', [owners.map((o) => o.id)])).rows) {
    leadIds.set(row.owner_id, row.ids);
  }
  return { owners, bigOwner, leadIds };
}

/**
 * The shapes compared. `run(pool, caller)` does one request's database work and returns the
 * number of statements it sent; `chosen` marks the app's.
 */
function shapes(app, data, prepared) {
  const pick = (caller) => data.owners[caller.next++ % data.owners.length];
  // Named statements are parsed and planned once per connection (PostgreSQL then settles on a
  // generic plan); unnamed ones, as node-postgres sends a plain query, on every execution.
  const query = prepared
    ? (pool, sql, parameters) => pool.query({ name: statementName(sql), text: sql, values: parameters })
    : (pool, sql, parameters) => pool.query(sql, parameters);
  const defaults = { search: null, ordering: [{ field: 'id', descending: false }] };
  const PAGE = `SELECT ${LEAD_COLUMNS} FROM leads WHERE owner_id = $1 ORDER BY id LIMIT $2 OFFSET $3`;
  const COUNT = 'SELECT count(*)::int AS count FROM leads WHERE owner_id = $1';

  /** The app's own statement (LeadsRepository's listStatement): the count joined to the page. */
  const appStatement = async (pool, ownerId, limit, offset) => {
    const { statement, parameters } = app.listStatement(ownerId, { ...defaults, page: { limit, offset } }, { limit, offset });
    await query(pool, statement.text, parameters);
    return 1;
  };
  /** The page, and a count only when the page does not tell it (full, or empty past the first). */
  const pageThenCountIfNeeded = async (pool, ownerId, limit, offset) => {
    const { rows } = await query(pool, PAGE, [ownerId, limit, offset]);
    if (rows.length > 0 && rows.length < limit) return 1;
    if (rows.length === 0 && offset === 0) return 1;
    await query(pool, COUNT, [ownerId]);
    return 2;
  };
  /** DRF's LimitOffsetPagination: always a count, then the page. */
  const countThenPage = async (pool, ownerId, limit, offset) => {
    await query(pool, COUNT, [ownerId]);
    await query(pool, PAGE, [ownerId, limit, offset]);
    return 2;
  };
  /** One statement: the total as a window over the owner's rows, on every row of the page. */
  const windowCount = async (pool, ownerId, limit, offset) => {
    await query(
      pool,
      `SELECT ${LEAD_COLUMNS}, count(*) OVER () AS total FROM leads WHERE owner_id = $1 ORDER BY id LIMIT $2 OFFSET $3`,
      [ownerId, limit, offset],
    );
    return 1;
  };
  /** The total as a sub-select (computed once) on every row of the page; an empty page past the end needs a count of its own. */
  const countBesidePage = async (pool, ownerId, limit, offset) => {
    const { rows } = await query(
      pool,
      `SELECT ${LEAD_COLUMNS}, (SELECT count(*)::int FROM leads WHERE owner_id = $1) AS total
         FROM leads WHERE owner_id = $1 ORDER BY id LIMIT $2 OFFSET $3`,
      [ownerId, limit, offset],
    );
    if (rows.length > 0 || offset === 0) return 1;
    await query(pool, COUNT, [ownerId]);
    return 2;
  };
  const listShapes = (group, ownerOf, limit, offset) => [
    { group, name: 'count LEFT JOIN LATERAL page, one statement (app)', chosen: true, run: (pool, c) => appStatement(pool, ownerOf(c), limit, offset) },
    { group, name: 'page, then a count only when the page is full', run: (pool, c) => pageThenCountIfNeeded(pool, ownerOf(c), limit, offset) },
    { group, name: 'count, then page (DRF LimitOffsetPagination)', run: (pool, c) => countThenPage(pool, ownerOf(c), limit, offset) },
    { group, name: 'page with count(*) OVER ()', run: (pool, c) => windowCount(pool, ownerOf(c), limit, offset) },
    { group, name: 'page with the count as a sub-select', run: (pool, c) => countBesidePage(pool, ownerOf(c), limit, offset) },
  ];

  return [
    {
      group: 'authenticate a token',
      name: 'token joined to its user, one statement (app)',
      chosen: true,
      run: async (pool, c) => (await query(pool, app.FIND_BY_DIGEST_WITH_USER.text, [pick(c).digest, 'native', null, null]), 1),
    },
    {
      group: 'authenticate a token',
      name: 'token, then its user',
      run: async (pool, c) => {
        const { rows } = await query(pool, 'SELECT id, user_id, created_at, expiry, last_used_at FROM auth_tokens WHERE digest = $1', [pick(c).digest]);
        await query(pool, 'SELECT username, email, is_active FROM users WHERE id = $1', [rows[0].user_id]);
        return 2;
      },
    },
    {
      group: 'plain list: 10 leads (S2)',
      name: 'first part of the keyset list, one statement (app)',
      chosen: true,
      run: async (pool, c) => {
        const { statement, parameters } = app.listPartStatement(pick(c).id, { ...defaults, page: null }, null, app.LIST_BATCH_SIZE);
        await query(pool, statement.text, parameters);
        return 1;
      },
    },
    ...listShapes('list: 10 leads, limit 20', (c) => pick(c).id, 20, 0),
    ...listShapes('list: 10 leads, limit 5 (S2c)', (c) => pick(c).id, 5, 0),
    ...listShapes('list: 1,000 leads, limit 20', () => data.bigOwner, 20, 0),
    ...listShapes('list: 1,000 leads, limit 20, offset 900', () => data.bigOwner, 20, 900),
    {
      group: 'one lead',
      name: 'owner_id = $1 AND id = $2 (app)',
      chosen: true,
      run: async (pool, c) => {
        const owner = pick(c);
        const ids = data.leadIds.get(owner.id);
        await query(pool, app.FIND_OWNED.text, [owner.id, ids[c.next % ids.length]]);
        return 1;
      },
    },
  ];
}

async function drive(pool, shape, { connections, seconds }) {
  const latencies = [];
  let statements = 0;
  const deadline = performance.now() + seconds * 1000;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async (_, index) => {
      const caller = { next: index * 7 };
      while (performance.now() < deadline) {
        const t0 = performance.now();
        const sent = await shape.run(pool, caller);
        statements += sent;
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const sorted = Float64Array.from(latencies).sort();
  const at = (p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
  return {
    perSecond: latencies.length / elapsed,
    statementsPerRequest: statements / latencies.length,
    p50: at(50),
    p99: at(99),
    nodeCpuUsPerRequest: ((cpu.user + cpu.system) / latencies.length),
  };
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const appDist = resolve(ROOT, process.env.APP_DIST ?? 'dist');
  // The app's own statements, so that what is marked "(app)" is what the app sends.
  const { listStatement, listPartStatement, LIST_BATCH_SIZE, FIND_OWNED } = require(join(appDist, 'leads', 'leads.repository.js'));
  const { FIND_BY_DIGEST_WITH_USER } = require(join(appDist, 'auth', 'auth-tokens.repository.js'));
  const statements = { listStatement, listPartStatement, LIST_BATCH_SIZE, FIND_OWNED, FIND_BY_DIGEST_WITH_USER };
  const database = await openBenchDatabase({
    appDist,
    dataDir: resolve(ROOT, process.env.DATA_DIR ?? '.data/bench'),
    port: Number(process.env.EMBEDDED_POSTGRES_PORT ?? 54339),
    externalUrl: process.env.BENCH_DATABASE_URL,
  });
  const cleanups = [() => database.close()];
  try {
    log(`PostgreSQL ${database.version} (${database.embedded ? 'embedded' : 'BENCH_DATABASE_URL'}); migrating with the app`);
    mkdirSync(RESULTS, { recursive: true });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    // The app applies its migrations at startup: the schema measured is the one it runs on.
    const port = Number(process.env.PORT ?? 3100);
    const migrating = await startServer({
      name: 'app (migrations)',
      command: process.execPath,
      args: [join(appDist, 'main.js')],
      env: { NODE_ENV: 'production', HOST: '127.0.0.1', PORT: String(port), DATABASE_URL: database.url, LOG_LEVEL: 'warn' },
      port,
      logFile: join(RESULTS, `${stamp}-queries-app.log`),
    });
    await migrating.stop();

    const data = await withClient(database.url, (client) => seed(client, options));
    // Connections set up as the app's (src/database/data-source-options.ts): a named statement gets one
    // generic plan, where PostgreSQL left to itself may keep planning it afresh on every execution.
    const pool = new Pool({
      connectionString: database.url,
      max: Number(process.env.DATABASE_POOL_SIZE ?? 10),
      options: '-c plan_cache_mode=force_generic_plan',
    });
    // pool.end() resolves before every backend has seen its connection close, so some hear the
    // server stop right after: expected then, and worth a line only before.
    let ending = false;
    pool.on('error', (error) => ending || log(`idle connection: ${error.message}`));
    cleanups.push(() => {
      ending = true;
      return pool.end();
    });

    const results = [];
    const unnamed = shapes(statements, data, false);
    const named = shapes(statements, data, true);
    for (let i = 0; i < unnamed.length; i++) {
      for (const [statements, shape] of [['unnamed', unnamed[i]], ['named', named[i]]]) {
        await drive(pool, shape, { connections: options.connections, seconds: options.warmup });
        const figures = await drive(pool, shape, { connections: options.connections, seconds: options.duration });
        results.push({ group: shape.group, name: shape.name, statements, chosen: Boolean(shape.chosen), ...figures });
        log(`${shape.group} | ${shape.name} | ${statements}: ${fmt(figures.perSecond, 0)}/s, p99 ${fmt(figures.p99, 2)} ms`);
      }
    }

    const header =
      '| request | shape | statements | requests/s | statements per request | p50 ms | p99 ms | Node CPU µs/request |\n|---|---|---|---:|---:|---:|---:|---:|';
    const lines = results.map(
      (r) =>
        `| ${r.group} | ${r.chosen ? `**${r.name}**` : r.name} | ${r.statements} | ${fmt(r.perSecond, 0)} | ${fmt(r.statementsPerRequest, 1)} | ${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} | ${fmt(r.nodeCpuUsPerRequest, 0)} |`,
    );
    const table = `${header}\n${lines.join('\n')}`;
    const meta = { startedAt: stamp, postgres: database.version, embedded: database.embedded, node: process.version, ...options };
    writeFileSync(join(RESULTS, `${stamp}-queries.json`), `${JSON.stringify({ meta, results }, null, 2)}\n`);
    writeFileSync(join(RESULTS, `${stamp}-queries.md`), `# Query shapes ${stamp}\n\n${table}\n`);
    process.stdout.write(`\n${table}\n\nWrote bench/results/${stamp}-queries.json and .md\n`);
  } finally {
    while (cleanups.length) await cleanups.pop()().catch((error) => log(`cleanup: ${error.message}`));
  }
}

main().catch((error) => {
  process.stderr.write(`[queries] ${error.stack ?? error}\n`);
  process.exit(1);
});
