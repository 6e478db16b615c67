import { Database } from '../src/database/database';
import { registerUser, RegisteredUser, tokenHeader } from './support/accounts';
import { createTestApp, TestApp } from './support/test-app';
import { parseLeadListQuery } from '../src/leads/lead-list-query';
import { LIST_BATCH_SIZE, listPartStatement, listStatement } from '../src/leads/leads.repository';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

const OTHER_OWNERS = 100;
const LEADS_PER_OTHER_OWNER = 1000;

/**
 * The list queries must stay fast however many leads other owners hold: they
 * must reach the caller's rows through an owner-first index, never by
 * reading the whole table. The statements explained are the repository's own.
 */
describe('leads: list query plans with many leads of other owners', () => {
  let t: TestApp;
  let owner: RegisteredUser;
  let busyOwnerId: number;

  beforeAll(async () => {
    t = await createTestApp();
    owner = await registerUser(t);
    await t.db.query(
      `INSERT INTO leads (owner_id, name, email, message)
       SELECT $1, 'Mine ' || i, 'mine' || i || '@example.com', 'my message ' || i FROM generate_series(1, 55) AS i`,
      [owner.id],
    );
    const others = await t.db.query(
      `INSERT INTO users (username, email, password_hash)
       SELECT 'bulk_' || i, 'bulk_' || i || '@example.com', 'not-a-hash' FROM generate_series(1, $1::int) AS i RETURNING id`,
      [OTHER_OWNERS],
    );
    busyOwnerId = others.rows[0].id;
    await t.db.query(
      `INSERT INTO leads (owner_id, name, email, message, created_at)
       SELECT u.id, 'Bulk ' || g, 'bulk' || g || '@example.com', 'bulk message ' || g, now() - g * interval '1 second'
         FROM users u CROSS JOIN generate_series(1, $1::int) AS g
        WHERE u.username LIKE 'bulk\\_%'`,
      [LEADS_PER_OTHER_OWNER],
    );
    await t.db.query('ANALYZE leads');
  }, 120_000);
  afterAll(async () => {
    await t.close();
  });

  async function plan(sql: string, parameters: unknown[]): Promise<PlanNode[]> {
    const { rows } = await t.db.query(`EXPLAIN (FORMAT JSON) ${sql}`, parameters);
    return nodes(rows[0]['QUERY PLAN'][0].Plan);
  }

  it('holds the rows the plans are about', async () => {
    const { rows } = await t.db.query('SELECT count(*)::int AS n FROM leads');
    expect(rows[0].n).toBe(55 + OTHER_OWNERS * LEADS_PER_OTHER_OWNER);
    const response = await t.http().get('/api/leads').set(...tokenHeader(owner.token)).expect(200);
    expect(response.body).toHaveLength(55);
  });

  it.each([
    ['the default list', {}],
    ['a search', { search: 'message 4' }],
    ['a search with wildcards typed by the user', { search: '50%_' }],
    ['an ordering by name', { ordering: 'name' }],
    ['an ordering by -updated_at,email on a later page', { ordering: '-updated_at,email', offset: '40' }],
  ])('%s reads leads through an owner index, with no sequential scan', async (_label, query) => {
    for (const ownerId of [() => owner.id, () => busyOwnerId]) {
      const { statement, parameters } = listStatement(ownerId(), parseLeadListQuery(query), parseLeadListQuery(query, 20).page!);
      const planNodes = await plan(statement.text, parameters);
      const onLeads = planNodes.filter((node) => node['Relation Name'] === 'leads' || node['Index Name']?.startsWith('leads_'));
      expect(onLeads.map((node) => node['Node Type'])).not.toContain('Seq Scan');
      // Both the count and the page reach the leads through an owner-first index.
      expect(onLeads.filter((node) => /^leads_owner_id_/.test(node['Index Name'] ?? '')).length).toBeGreaterThanOrEqual(2);
    }
  });

  it('reads the default page straight off the (owner_id, id) index: no sort below the page limit', async () => {
    for (const ownerId of [owner.id, busyOwnerId]) {
      const { statement, parameters } = listStatement(ownerId, parseLeadListQuery({}), { limit: 20, offset: 20 });
      const limit = (await plan(statement.text, parameters)).find((node) => node['Node Type'] === 'Limit');
      const underLimit = nodes(limit as PlanNode);
      expect(underLimit.map((node) => node['Node Type'])).not.toContain('Sort');
      expect(underLimit.find((node) => node['Index Name'])?.['Index Name']).toBe('leads_owner_id_id_idx');
    }
  });

  it('reads each part of the plain list as an ordered range of the (owner_id, id) index, first and later parts alike', async () => {
    const busyIds = (await t.db.query('SELECT id FROM leads WHERE owner_id = $1 ORDER BY id', [busyOwnerId])).rows.map((row) => row.id as number);
    for (const position of [null, [busyIds[500]]]) {
      const { statement, parameters } = listPartStatement(busyOwnerId, parseLeadListQuery({}), position, LIST_BATCH_SIZE);
      const planNodes = await plan(statement.text, parameters);
      expect(planNodes.map((node) => node['Node Type'])).not.toContain('Sort');
      expect(planNodes.map((node) => node['Node Type'])).not.toContain('Seq Scan');
      const scan = planNodes.find((node) => node['Index Name']);
      expect(scan?.['Index Name']).toBe('leads_owner_id_id_idx');
    }
  });

  it('reads a later part of an ordering by created_at through its own index, by the row comparison', async () => {
    const { statement, parameters } = listPartStatement(busyOwnerId, parseLeadListQuery({ ordering: 'created_at' }), ['2026-01-01 00:00:00+00', 1], LIST_BATCH_SIZE);
    const planNodes = await plan(statement.text, parameters);
    expect(planNodes.map((node) => node['Node Type'])).not.toContain('Seq Scan');
    expect(planNodes.find((node) => node['Index Name'])?.['Index Name']).toBe('leads_owner_id_created_at_idx');
  });

  it("runs the app's statements on connections that plan each named statement once, generically", async () => {
    const database = t.app.get(Database);
    const settings = await Promise.all(Array.from({ length: 3 }, () => database.rows<{ plan_cache_mode: string }>('SHOW plan_cache_mode')));
    expect(settings.map((rows) => rows[0].plan_cache_mode)).toEqual(Array(3).fill('force_generic_plan'));
  });

  it.each([
    ['the default page', {}, (ownerId: number) => `${ownerId}, 20, 0`],
    ['a searched page', { search: 'message 4' }, (ownerId: number) => `${ownerId}, '%message 4%', 20, 0`],
  ])('answers %s with a generic plan through owner-first indexes, as the named statement runs', async (_label, query, values) => {
    const { statement } = listStatement(owner.id, parseLeadListQuery(query), { limit: 20, offset: 0 });
    const client = await t.db.connect();
    try {
      await client.query('SET plan_cache_mode = force_generic_plan');
      await client.query(`PREPARE page_plan AS ${statement.text}`);
      const { rows } = await client.query(`EXPLAIN (FORMAT JSON) EXECUTE page_plan(${values(busyOwnerId)})`);
      const planNodes = nodes(rows[0]['QUERY PLAN'][0].Plan);
      expect(planNodes.map((node) => node['Node Type'])).not.toContain('Seq Scan');
      expect(planNodes.filter((node) => /^leads_owner_id_/.test(node['Index Name'] ?? '')).length).toBeGreaterThanOrEqual(2);
    } finally {
      await client.query('DEALLOCATE ALL');
      await client.query('RESET plan_cache_mode');
      client.release();
    }
  });
});
