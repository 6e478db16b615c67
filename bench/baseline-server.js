'use strict';

/**
 * The floor the app is measured against: node:http + pg, doing the same SQL
 * as the app for the benchmarked routes (the token digest lookup joined to
 * the user, then the lead statements of LeadsRepository) and nothing else: no framework, no
 * validation, no logging. Only for `npm run bench`; not a server to deploy.
 *
 * Env: PORT, DATABASE_URL, DATABASE_POOL_SIZE (default 10, as the app's).
 */
const http = require('node:http');
const { createHash } = require('node:crypto');
const { Pool } = require('pg');

const pool = new Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.DATABASE_POOL_SIZE ?? 10),
  // As the app's connections (src/database/data-source-options.ts): one generic plan per named statement.
  options: '-c plan_cache_mode=force_generic_plan',
});

// The app's statements, named as the app names them (src/database/database.ts): PostgreSQL
// parses and plans each once per connection.
const AUTH = {
  name: 'auth_tokens.find_by_digest_with_user',
  text: `SELECT t.id, t.user_id AS "userId", t.created_at AS "createdAt", t.expiry, t.last_used_at AS "lastUsedAt",
                u.username, u.email, u.is_active AS "isActive"
           FROM auth_tokens t JOIN users u ON u.id = t.user_id
          WHERE t.digest IN ($1, $3) AND t.kind = CASE WHEN t.digest = $1 THEN $2 ELSE $4 END`,
};
const LEAD_COLUMNS = 'id, name, email, message, owner_id, created_at, updated_at';
const LEAD = { name: 'leads.find_owned', text: `SELECT ${LEAD_COLUMNS} FROM leads WHERE owner_id = $1 AND id = $2` };
// LeadsRepository's page: the owner's count joined to the page, in one statement.
const PAGE = {
  name: 'leads.page',
  text:
    `SELECT ${LEAD_COLUMNS.split(', ').map((column) => `p.${column}`).join(', ')}, c.total ` +
    'FROM (SELECT count(*)::int AS total FROM leads WHERE owner_id = $1) c ' +
    `LEFT JOIN LATERAL (SELECT ${LEAD_COLUMNS} FROM leads WHERE owner_id = $1 ORDER BY id ASC LIMIT $2 OFFSET $3) p ON true ` +
    'ORDER BY p.id ASC',
};
// LeadsRepository's plain list, its first part (S2's 10 leads are all of it): listPartStatement.
const LIST = { name: 'leads.list', text: `SELECT ${LEAD_COLUMNS} FROM leads WHERE owner_id = $1 ORDER BY id ASC LIMIT $2` };
const LIST_PART = 1000;
const run = (statement, values) => pool.query({ ...statement, values });

const HEADER = /^(?:token|bearer)[ \t]+([\x21-\x7e]+)[ \t]*$/i;

function send(response, status, body) {
  const json = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(json),
    'Cache-Control': 'no-store',
  });
  response.end(json);
}

const unauthorized = (response) =>
  send(response, 401, { detail: 'Invalid token.' });

async function authenticate(request) {
  const match = HEADER.exec(request.headers.authorization ?? '');
  if (!match) return null;
  const digest = createHash('sha256').update(match[1], 'utf8').digest('hex');
  // The app's parameters for one of its own tokens: a single candidate digest, of kind native.
  const { rows } = await run(AUTH, [digest, 'native', null, null]);
  const row = rows[0];
  if (!row || !row.isActive || (row.expiry !== null && row.expiry.getTime() <= Date.now())) return null;
  return row;
}

const toLead = (row) => ({
  id: row.id,
  name: row.name,
  email: row.email,
  message: row.message,
  owner: row.owner_id,
  created_at: row.created_at,
  updated_at: row.updated_at,
});

async function handle(request, response) {
  const url = new URL(request.url, 'http://localhost');
  const path = url.pathname.replace(/\/$/, '');
  if (path === '/health') return send(response, 200, { status: 'ok' });
  if (request.method !== 'GET') return send(response, 405, { detail: 'Method not allowed.' });

  const user = await authenticate(request);
  if (!user) return unauthorized(response);

  if (path === '/api/auth/user') return send(response, 200, { id: user.userId, username: user.username, email: user.email });

  if (path === '/api/leads' && !url.searchParams.has('limit')) {
    // S2: the plain array. (A list longer than one part is streamed by the app; the baseline has no such scenario.)
    const { rows } = await run(LIST, [user.userId, LIST_PART]);
    return send(response, 200, rows.map(toLead));
  }

  if (path === '/api/leads') {
    const limit = Number(url.searchParams.get('limit'));
    const offset = 0;
    const { rows } = await run(PAGE, [user.userId, limit, offset]);
    const count = rows[0].total;
    const leads = rows.filter((row) => row.id !== null).map(toLead);
    const next = offset + limit < count ? `http://${request.headers.host}/api/leads?limit=${limit}&offset=${offset + limit}` : null;
    return send(response, 200, { count, next, previous: null, results: leads });
  }

  const leadMatch = /^\/api\/leads\/(\d{1,10})$/.exec(path);
  if (leadMatch) {
    const { rows } = await run(LEAD, [user.userId, Number(leadMatch[1])]);
    if (rows.length === 0) return send(response, 404, { detail: 'Not found.' });
    return send(response, 200, toLead(rows[0]));
  }
  return send(response, 404, { detail: 'Not found.' });
}

const server = http.createServer((request, response) => {
  handle(request, response).catch((error) => {
    process.stderr.write(`baseline: ${error.stack ?? error}\n`);
    if (!response.headersSent) send(response, 500, { detail: 'A server error occurred.' });
  });
});

server.listen(Number(process.env.PORT ?? 3114), '127.0.0.1');

process.once('SIGTERM', () => {
  server.close(() => void pool.end().then(() => process.exit(0)));
  server.closeIdleConnections();
});
