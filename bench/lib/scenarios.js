'use strict';

/**
 * Each scenario builds the request list of one autocannon connection. Lists
 * are prebuilt (autocannon serialises them once) and each connection starts
 * at a different user, so the load is spread over all the seeded tokens.
 */
const auth = (token) => ({ authorization: `Token ${token}` });
const json = { 'content-type': 'application/json' };

function rotate(list, offset) {
  const start = offset % list.length;
  return [...list.slice(start), ...list.slice(0, start)];
}

let uniqueCounter = 0;

const SCENARIOS = {
  S1: {
    title: 'GET /api/auth/user',
    expect: 200,
    requests: (seed, offset) => rotate(seed.users, offset).map((user) => ({ method: 'GET', path: '/api/auth/user', headers: auth(user.token) })),
  },
  S2: {
    title: 'GET /api/leads (10 leads)',
    expect: 200,
    requests: (seed, offset) => rotate(seed.users, offset).map((user) => ({ method: 'GET', path: '/api/leads', headers: auth(user.token) })),
  },
  S2c: {
    title: 'GET /api/leads?limit=5 (page + count)',
    expect: 200,
    requests: (seed, offset) => rotate(seed.users, offset).map((user) => ({ method: 'GET', path: '/api/leads?limit=5', headers: auth(user.token) })),
  },
  S9: {
    title: 'GET /api/leads/ (one user with 100,000 leads: the whole array, streamed)',
    expect: 200,
    requests: (seed) => [{ method: 'GET', path: '/api/leads/', headers: auth(seed.bigList.token) }],
  },
  S3: {
    title: 'GET /api/leads/:id',
    expect: 200,
    requests: (seed, offset) =>
      rotate(
        seed.users.flatMap((user) => user.leadIds.map((id) => ({ method: 'GET', path: `/api/leads/${id}`, headers: auth(user.token) }))),
        offset * 31,
      ),
  },
  S4: {
    title: 'POST /api/leads (unique email)',
    expect: 201,
    // Built per request: every lead needs an email of its own.
    requests: (seed, offset) => [
      {
        method: 'POST',
        setupRequest: (request) => {
          const n = uniqueCounter++;
          const user = seed.users[(offset + n) % seed.users.length];
          return {
            ...request,
            path: '/api/leads',
            headers: { ...json, ...auth(user.token) },
            body: JSON.stringify({ name: `Bench Lead ${n}`, email: `${seed.runId}-s4-${n}@bench.example`, message: 'Created by npm run bench.' }),
          };
        },
      },
    ],
  },
  S5: {
    title: 'POST /api/auth/login',
    expect: 200,
    requests: (seed, offset) =>
      rotate(seed.users, offset).map((user) => ({
        method: 'POST',
        path: '/api/auth/login',
        headers: json,
        body: JSON.stringify({ username: user.username, password: seed.password }),
      })),
  },
  S6: {
    title: 'revoked token (401)',
    expect: 401,
    requests: (seed, offset) => rotate(seed.users, offset).map((user) => ({ method: 'GET', path: '/api/auth/user', headers: auth(user.revokedToken) })),
  },
  S7: {
    title: 'malformed token (401)',
    expect: 401,
    requests: (seed, offset) =>
      rotate(seed.users, offset).map((user) => ({
        method: 'GET',
        path: '/api/auth/user',
        // Right length and alphabet, wrong checksum: refused without a query.
        headers: auth(`${user.token.slice(0, -6)}${user.token.slice(-6) === 'AAAAAA' ? 'BBBBBB' : 'AAAAAA'}`),
      })),
  },
};

module.exports = { SCENARIOS };
