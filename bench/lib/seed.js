'use strict';

const { withClient } = require('./database');

/** Strong enough for Django's validators, never used outside the benchmark database. */
const PASSWORD = 'Bench-quartz-Meadow-917';

async function call(baseUrl, method, path, { token, body } = {}) {
  const headers = {};
  if (token) headers.authorization = `Token ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

function expectStatus(result, status, what) {
  if (result.status !== status) throw new Error(`${what}: expected ${status}, got ${result.status} ${JSON.stringify(result.body)}`);
  return result.body;
}

async function inParallel(count, concurrency, work) {
  const results = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      results[index] = await work(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}

/**
 * Everything through the API, as clients would: users (register), their
 * leads, and for each user a second token that is then revoked (logout).
 */
async function seed({ baseUrl, users: userCount, leadsPerUser, runId }) {
  const users = await inParallel(userCount, 4, async (i) => {
    const username = `bench_${runId}_${i}`;
    const body = expectStatus(
      await call(baseUrl, 'POST', '/api/auth/register', { body: { username, email: `${username}@bench.example`, password: PASSWORD } }),
      200,
      'register',
    );
    const login = expectStatus(await call(baseUrl, 'POST', '/api/auth/login', { body: { username, password: PASSWORD } }), 200, 'login');
    expectStatus(await call(baseUrl, 'POST', '/api/auth/logout', { token: login.token }), 204, 'logout');
    return { id: body.user.id, username, token: body.token, revokedToken: login.token, leadIds: [] };
  });

  if (leadsPerUser > 0) {
    const created = await inParallel(userCount * leadsPerUser, 16, async (n) => {
      const user = users[n % userCount];
      const lead = expectStatus(
        await call(baseUrl, 'POST', '/api/leads', {
          token: user.token,
          body: { name: `Seed Lead ${n}`, email: `seed-${n}@bench.example`, message: `Seeded lead number ${n} for the benchmark.` },
        }),
        201,
        'create lead',
      );
      return { user, id: lead.id };
    });
    for (const { user, id } of created) user.leadIds.push(id);
  }
  return { runId, password: PASSWORD, users };
}

/**
 * S9's user: registered through the API like the others, then given `leads`
 * leads with one SQL statement (100,000 through the API would take minutes
 * and measure nothing), VACUUM ANALYZE'd so that the plans see them.
 */
async function seedBigList({ baseUrl, databaseUrl, runId, leads }) {
  const username = `bench_${runId}_big`;
  const body = expectStatus(
    await call(baseUrl, 'POST', '/api/auth/register', { body: { username, email: `${username}@bench.example`, password: PASSWORD } }),
    200,
    'register the big-list user',
  );
  await withClient(databaseUrl, async (client) => {
    await client.query(
      `INSERT INTO leads (owner_id, name, email, message)
       SELECT $1::int, 'Big List Lead ' || g, 'big-' || g || '@bench.example', 'Seeded lead number ' || g || ' of the big list, for the benchmark.'
         FROM generate_series(1, $2::int) g`,
      [body.user.id, leads],
    );
    await client.query('VACUUM ANALYZE leads');
  });
  return { id: body.user.id, username, token: body.token, leads };
}

module.exports = { seed, seedBigList, call, PASSWORD };
