import { get, IncomingMessage, ClientRequest } from 'node:http';
import { registerUser, RegisteredUser, tokenHeader } from './support/accounts';
import { LeadBody } from './support/leads';
import { createTestApp, TestApp } from './support/test-app';

jest.setTimeout(120_000);

const BIG = 5_000;
/** Leads with 450-character messages: about 20 MB of JSON, more than loopback socket buffers hold. */
const HUGE = 30_000;
const POOL_SIZE = 10;

/** A GET on a connection of its own, answered as it arrives (supertest would buffer the whole body). */
interface Streamed {
  request: ClientRequest;
  response: Promise<IncomingMessage>;
}

function streamedGet(t: TestApp, path: string, user: RegisteredUser): Streamed {
  const [name, value] = tokenHeader(user.token);
  const request = get(`${t.baseUrl}${path}`, { agent: false, headers: { [name]: value } });
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    request.once('response', resolve);
    request.once('error', reject);
  });
  return { request, response };
}

/** The whole body, or how it ended when the transfer was cut off. */
function readAll(response: IncomingMessage): Promise<{ body: Buffer; complete: boolean }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    const done = () => resolve({ body: Buffer.concat(chunks), complete: response.complete });
    response.once('end', done);
    response.once('error', done);
    response.once('aborted', done);
    response.once('close', done);
  });
}

const firstChunk = (response: IncomingMessage): Promise<Buffer> => new Promise((resolve) => response.once('data', resolve));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('leads: the plain list of a user with many leads, streamed', () => {
  let t: TestApp;
  let big: RegisteredUser;
  let huge: RegisteredUser;
  let other: RegisteredUser;
  let small: RegisteredUser;

  const idsOf = async (sql: string, parameters: unknown[]): Promise<number[]> => (await t.db.query(sql, parameters)).rows.map((row) => row.id as number);

  /** The app's backends that are running a statement (the test's own pool is idle or is this query). */
  const busyBackends = async (): Promise<number> => {
    const { rows } = await t.db.query(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state NOT IN ('idle')",
    );
    return rows[0].n as number;
  };

  beforeAll(async () => {
    t = await createTestApp({ DATABASE_POOL_SIZE: String(POOL_SIZE) });
    [big, huge, other, small] = [await registerUser(t), await registerUser(t), await registerUser(t), await registerUser(t)];
    // big's and other's leads interleave: ids alone never tell one owner's leads from the other's.
    // Timestamps repeat with microseconds (the API prints milliseconds), and names and emails repeat in mixed case.
    await t.db.query(
      `INSERT INTO leads (owner_id, name, email, message, created_at, updated_at)
       SELECT CASE WHEN i % 3 = 0 THEN $2::int ELSE $1::int END,
              (ARRAY['Ada', 'bob', 'Carol', 'ada', 'Émile'])[1 + i % 5],
              'lead' || i || '@' || (ARRAY['a', 'B', 'c'])[1 + i % 3] || '.example.com',
              'message ' || i || CASE WHEN i % 7 = 0 THEN ' needle' ELSE '' END,
              timestamptz '2026-01-01 00:00:00.000001Z' + (i % 13) * interval '1.000123 second',
              timestamptz '2026-02-01 00:00:00Z' + (i % 11) * interval '1 millisecond'
         FROM generate_series(1, $3::int) AS i`,
      [big.id, other.id, Math.round(BIG * 1.5)],
    );
    await t.db.query(
      `INSERT INTO leads (owner_id, name, email, message)
       SELECT $1, 'Huge ' || i, 'huge' || i || '@example.com', repeat('m', 450) FROM generate_series(1, $2::int) AS i`,
      [huge.id, HUGE],
    );
    for (const i of [1, 2, 3]) {
      await t.db.query(`INSERT INTO leads (owner_id, name, email, message) VALUES ($1, $2, $3, 'hi')`, [small.id, `Small ${i}`, `small${i}@example.com`]);
    }
    await t.db.query('ANALYZE leads');
  });
  afterAll(async () => {
    await t.close();
  });

  const list = (user: RegisteredUser, query = '') => t.http().get(`/api/leads/${query}`).set(...tokenHeader(user.token));

  it('sends every lead of the caller, in id order, and none of anyone else', async () => {
    const response = await list(big).expect(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    // Streamed: no length known in advance.
    expect(response.headers['transfer-encoding']).toBe('chunked');
    expect(response.headers['content-length']).toBeUndefined();
    const leads = response.body as LeadBody[];
    expect(leads).toHaveLength(BIG);
    expect(leads.map((lead) => lead.id)).toEqual(await idsOf('SELECT id FROM leads WHERE owner_id = $1 ORDER BY id', [big.id]));
    expect(leads.every((lead) => lead.owner === big.id)).toBe(true);
    expect(Object.keys(leads[4321]).sort()).toEqual(['created_at', 'email', 'id', 'message', 'name', 'owner', 'updated_at']);
    const { rows } = await t.db.query('SELECT name, email, message, created_at FROM leads WHERE id = $1', [leads[4321].id]);
    expect(leads[4321]).toMatchObject({ name: rows[0].name, email: rows[0].email, message: rows[0].message, created_at: rows[0].created_at.toISOString() });
  });

  it.each([
    ['-created_at', 'created_at DESC, id DESC'],
    ['created_at,-updated_at', 'created_at ASC, updated_at DESC, id DESC'],
    ['name,-email', 'name ASC, email DESC, id DESC'],
    ['-name,id', 'name DESC, id ASC'],
    ['-id', 'id DESC'],
  ])('honours ordering=%s across every part, ties and microseconds included', async (ordering, orderBy) => {
    const response = await list(big, `?ordering=${encodeURIComponent(ordering)}`).expect(200);
    const ids = (response.body as LeadBody[]).map((lead) => lead.id);
    expect(new Set(ids).size).toBe(BIG);
    expect(ids).toEqual(await idsOf(`SELECT id FROM leads WHERE owner_id = $1 ORDER BY ${orderBy}`, [big.id]));
  });

  it('filters the streamed list by search, with an ordering', async () => {
    const response = await list(big, '?search=NEEDLE&ordering=-updated_at').expect(200);
    const expected = await idsOf("SELECT id FROM leads WHERE owner_id = $1 AND message ILIKE '%needle%' ORDER BY updated_at DESC, id DESC", [big.id]);
    expect(expected.length).toBeGreaterThan(0);
    expect((response.body as LeadBody[]).map((lead) => lead.id)).toEqual(expected);
    const all = await list(huge, '?search=huge').expect(200);
    expect(all.body).toHaveLength(HUGE);
  });

  it("answers another user's small request while a long list is being sent, then finishes the long list", async () => {
    const long = streamedGet(t, '/api/leads/', huge);
    const response = await long.response;
    const first = await firstChunk(response);
    response.pause();
    let longDone = false;
    const chunks = [first];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    const ended = new Promise<void>((resolve) => response.once('end', () => resolve()));
    void ended.then(() => (longDone = true));

    const started = Date.now();
    const quick = await list(small).expect(200);
    expect((quick.body as LeadBody[]).map((lead) => lead.name)).toEqual(['Small 1', 'Small 2', 'Small 3']);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(longDone).toBe(false);

    response.resume();
    await ended;
    const leads = JSON.parse(Buffer.concat(chunks).toString('utf8')) as LeadBody[];
    expect(leads).toHaveLength(HUGE);
    expect(leads.map((lead) => lead.id)).toEqual(await idsOf('SELECT id FROM leads WHERE owner_id = $1 ORDER BY id', [huge.id]));
  });

  it('stops reading and releases its connections when clients go away mid-list: more aborted lists than pooled connections', async () => {
    const aborted = Array.from({ length: POOL_SIZE + 5 }, async () => {
      const { request, response } = streamedGet(t, '/api/leads', huge);
      const answer = await response;
      expect(answer.statusCode).toBe(200);
      await firstChunk(answer);
      request.destroy();
    });
    await Promise.all(aborted);

    // Nothing keeps running on the app's connections once the clients are gone...
    await waitFor('the aborted lists to stop', async () => ((await busyBackends()) === 0 ? true : undefined));
    // ...and the pool still serves: the next requests are answered at once.
    const started = Date.now();
    expect((await list(small).expect(200)).body).toHaveLength(3);
    expect((await list(big, '?limit=5').expect(200)).body.count).toBe(BIG);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect((await list(huge).expect(200)).body).toHaveLength(HUGE);
  });

  it('cuts the connection off when the database fails after the list has begun: the client never sees a complete array', async () => {
    const { response } = streamedGet(t, '/api/leads', huge);
    const answer = await response;
    expect(answer.statusCode).toBe(200);
    const first = await firstChunk(answer);
    answer.pause();
    // The server fills the socket and waits; it reads the next part only when the client reads on.
    await sleep(300);
    const locker = await t.db.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE leads IN ACCESS EXCLUSIVE MODE');
      const rest = readAll(answer);
      answer.resume();
      // The next part's statement waits for the lock: kill its backend, as a database failure would.
      const pid = await waitFor('the next part to wait for the lock', async () => {
        const { rows } = await t.db.query(
          "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'SELECT id, name, email%'",
        );
        return rows[0]?.pid as number | undefined;
      });
      await t.db.query('SELECT pg_terminate_backend($1)', [pid]);
      const { body, complete } = await rest;
      expect(complete).toBe(false);
      const text = Buffer.concat([first, body]).toString('utf8');
      expect(text.startsWith('[{')).toBe(true);
      expect(text.endsWith(']')).toBe(false);
      expect(() => JSON.parse(text)).toThrow();
    } finally {
      await locker.query('ROLLBACK');
      locker.release();
    }
    // The app recovers: the pool replaces the dead connection.
    expect((await list(small).expect(200)).body).toHaveLength(3);
    expect((await list(big).expect(200)).body).toHaveLength(BIG);
  });
});
