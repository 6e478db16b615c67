import type { Response } from 'supertest';
import { registerUser, RegisteredUser, tokenHeader } from './support/accounts';
import { createLead, LeadBody } from './support/leads';
import { expectFieldErrors } from './support/problems';
import { createTestApp, TestApp } from './support/test-app';

interface Row {
  id: number;
  name: string;
  email: string;
  created_at: Date;
  updated_at: Date;
}

const FIELDS: Record<string, (row: Row) => number | string> = {
  id: (row) => row.id,
  name: (row) => row.name,
  email: (row) => row.email,
  created_at: (row) => row.created_at.getTime(),
  updated_at: (row) => row.updated_at.getTime(),
};

/** The documented order, computed here independently of the SQL: id last, in the direction of the last field. */
function expectedOrder(rows: Row[], ordering: string): number[] {
  const terms = ordering.split(',').map((term) => ({ field: term.replace(/^-/, ''), sign: term.startsWith('-') ? -1 : 1 }));
  if (!terms.some((term) => term.field === 'id')) terms.push({ field: 'id', sign: terms[terms.length - 1].sign });
  return [...rows]
    .sort((a, b) => {
      for (const { field, sign } of terms) {
        const [x, y] = [FIELDS[field](a), FIELDS[field](b)];
        if (x !== y) return (x < y ? -1 : 1) * sign;
      }
      return 0;
    })
    .map((row) => row.id);
}

describe('leads: listing', () => {
  let t: TestApp;
  let pager: RegisteredUser;
  let searcher: RegisteredUser;
  let other: RegisteredUser;
  let rows: Row[];

  beforeAll(async () => {
    t = await createTestApp();
    [pager, searcher, other] = [await registerUser(t), await registerUser(t), await registerUser(t)];
    // 55 leads with many ties: 5 distinct names, 7 distinct creation times, 4 distinct update times.
    await t.db.query(
      `INSERT INTO leads (owner_id, name, email, message, created_at, updated_at)
       SELECT $1, 'name-' || (i % 5), 'lead' || lpad(i::text, 3, '0') || '@example.com', 'message ' || i,
              timestamptz '2026-01-01 00:00:00Z' + (i % 7) * interval '1 minute',
              timestamptz '2026-02-01 00:00:00Z' + (i % 4) * interval '1 minute'
         FROM generate_series(1, 55) AS i`,
      [pager.id],
    );
    await t.db.query(
      `INSERT INTO leads (owner_id, name, email, message)
       SELECT $1, 'name-' || (i % 5), 'lead' || lpad(i::text, 3, '0') || '@example.com', 'message ' || i FROM generate_series(1, 30) AS i`,
      [other.id],
    );
    rows = (await t.db.query('SELECT id, name, email, created_at, updated_at FROM leads WHERE owner_id = $1', [pager.id])).rows;
  });
  afterAll(async () => {
    await t.close();
  });

  const list = (user: RegisteredUser, query: string) => t.http().get(`/api/leads${query}`).set(...tokenHeader(user.token));

  /** Follows `next` from the first page to the last, checking the envelope of every page. */
  async function pageThrough(user: RegisteredUser, firstQuery: string): Promise<LeadBody[]> {
    const seen: LeadBody[] = [];
    let url: string | null = `${t.baseUrl}/api/leads${firstQuery}`;
    let pages = 0;
    while (url) {
      expect(url.startsWith(`${t.baseUrl}/api/leads`)).toBe(true);
      const response: Response = await list(user, url.slice(`${t.baseUrl}/api/leads`.length)).expect(200);
      expect(Object.keys(response.body).sort()).toEqual(['count', 'next', 'previous', 'results']);
      if (pages === 0) expect(response.body.previous).toBeNull();
      else expect(new URL(response.body.previous).searchParams.get('limit')).toBe(new URLSearchParams(firstQuery).get('limit'));
      seen.push(...response.body.results);
      url = response.body.next;
      pages++;
      if (pages > 10) throw new Error('too many pages');
    }
    return seen;
  }

  const idsOf = (leads: LeadBody[]) => leads.map((lead) => lead.id);

  it('answers a user without leads with an empty array, and with limit an empty page', async () => {
    const newcomer = await registerUser(t);
    expect((await list(newcomer, '').expect(200)).body).toEqual([]);
    expect((await list(newcomer, '?limit=20').expect(200)).body).toEqual({ count: 0, next: null, previous: null, results: [] });
  });

  it('answers without limit with a JSON array of every lead of the caller, id ascending, as DRF without pagination', async () => {
    const response = await list(pager, '').expect(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.headers['cache-control']).toBe('no-store');
    expect(Array.isArray(response.body)).toBe(true);
    expect(idsOf(response.body)).toEqual(expectedOrder(rows, 'id'));
    expect(idsOf(response.body)).toEqual([...rows.map((row) => row.id)].sort((a, b) => a - b));
    for (const lead of response.body) {
      expect(Object.keys(lead).sort()).toEqual(['created_at', 'email', 'id', 'message', 'name', 'owner', 'updated_at']);
      expect(lead.owner).toBe(pager.id);
    }
    expect(await list(pager, '/').expect(200)).toHaveProperty('body', response.body);
  });

  it('answers with limit with the envelope: count, absolute next/previous links, and the page', async () => {
    const response = await list(pager, '?limit=20').expect(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(Object.keys(response.body).sort()).toEqual(['count', 'next', 'previous', 'results']);
    expect(response.body.count).toBe(55);
    expect(idsOf(response.body.results)).toEqual(expectedOrder(rows, 'id').slice(0, 20));
    expect(response.body.next).toBe(`${t.baseUrl}/api/leads?limit=20&offset=20`);
    expect(response.body.previous).toBeNull();
  });

  it('ignores offset without limit, as DRF does: still the whole array', async () => {
    const response = await list(pager, '?offset=50').expect(200);
    expect(idsOf(response.body)).toEqual(expectedOrder(rows, 'id'));
  });

  const ORDERINGS = ['-created_at', 'created_at', 'name', '-name', 'name,-created_at', '-updated_at,name', 'updated_at,-name', 'email', '-id', 'id', 'name,-id', '-name,id,created_at'];

  it.each(ORDERINGS)('lists the 55 leads ordered by %s in the array, each exactly once, in order', async (ordering) => {
    const response = await list(pager, `?ordering=${encodeURIComponent(ordering)}`).expect(200);
    expect(idsOf(response.body)).toEqual(expectedOrder(rows, ordering));
  });

  it.each(ORDERINGS)('pages through 55 leads ordered by %s, each exactly once, in order', async (ordering) => {
    const seen = await pageThrough(pager, `?limit=20&ordering=${encodeURIComponent(ordering)}`);
    const ids = seen.map((lead) => lead.id);
    expect(new Set(ids).size).toBe(55);
    expect(ids).toEqual(expectedOrder(rows, ordering));
  });

  it('tolerates spaces and empty parts in ordering, and an empty ordering is the default', async () => {
    const spaced = await list(pager, '?ordering=%20name%20,,-email').expect(200);
    expect(idsOf(spaced.body)).toEqual(expectedOrder(rows, 'name,-email'));
    const empty = await list(pager, '?limit=100&ordering=').expect(200);
    expect(idsOf(empty.body.results)).toEqual(expectedOrder(rows, 'id'));
  });

  it('links keep the other parameters and drop a zero offset', async () => {
    const response = await list(pager, '?ordering=name&limit=10&offset=20&unknown=kept').expect(200);
    const next = new URL(response.body.next);
    const previous = new URL(response.body.previous);
    expect(Object.fromEntries(next.searchParams)).toEqual({ ordering: 'name', limit: '10', offset: '30', unknown: 'kept' });
    expect(Object.fromEntries(previous.searchParams)).toEqual({ ordering: 'name', limit: '10', offset: '10', unknown: 'kept' });
    const second = await list(pager, '/?limit=10&offset=10').expect(200);
    expect(second.body.previous).toBe(`${t.baseUrl}/api/leads/?limit=10`);
    expect(second.body.next).toBe(`${t.baseUrl}/api/leads/?limit=10&offset=20`);
  });

  it('answers past the end with an empty page that links back', async () => {
    const response = await list(pager, '?limit=20&offset=60').expect(200);
    expect(response.body).toMatchObject({ count: 55, next: null, results: [] });
    expect(new URL(response.body.previous).searchParams.get('offset')).toBe('40');
    const last = await list(pager, '?limit=20&offset=40').expect(200);
    expect(last.body.results).toHaveLength(15);
    expect(last.body.next).toBeNull();
  });

  it('reads the last of a repeated parameter and ignores unknown ones, as Django does', async () => {
    const response = await list(pager, '?limit=5&limit=7&page=3&format=xml').expect(200);
    expect(response.body.results).toHaveLength(7);
  });

  it('treats empty limit and offset as absent: the array', async () => {
    const response = await list(pager, '?limit=&offset=').expect(200);
    expect(idsOf(response.body)).toEqual(expectedOrder(rows, 'id'));
  });

  describe('search', () => {
    let leads: Record<string, LeadBody>;
    beforeAll(async () => {
      leads = {
        byName: await createLead(t, searcher, { name: 'Alpha Centauri', email: 'one@example.com', message: 'first' }),
        byEmail: await createLead(t, searcher, { name: 'Second', email: 'ALPHA@example.org', message: 'second' }),
        byMessage: await createLead(t, searcher, { name: 'Third', email: 'three@example.com', message: 'Talked about alphabets' }),
        none: await createLead(t, searcher, { name: 'Fourth', email: 'four@example.com', message: 'nothing to see' }),
        percent: await createLead(t, searcher, { name: '100% sure', email: 'pct@example.com', message: 'm' }),
        underscore: await createLead(t, searcher, { name: 'snake_case', email: 'snake@example.com', message: 'm' }),
        backslash: await createLead(t, searcher, { name: 'back\\slash', email: 'bs@example.com', message: 'm' }),
      };
      await createLead(t, other, { name: 'Alpha of another owner', email: 'alpha-other@example.com', message: 'alpha' });
    });

    /** The ids of the array, which is in id order. */
    const ids = (response: { body: LeadBody[] }) => {
      const found = response.body.map((lead) => lead.id);
      expect(found).toEqual([...found].sort((a, b) => a - b));
      return found;
    };
    const named = (...names: string[]) => names.map((name) => leads[name].id).sort((a, b) => a - b);

    it('matches a case-insensitive substring of name, email or message, of the caller only', async () => {
      const response = await list(searcher, '?search=ALPHA').expect(200);
      expect(ids(response)).toEqual(named('byName', 'byEmail', 'byMessage'));
      for (const lead of response.body) expect(lead.owner).toBe(searcher.id);
      const page = await list(searcher, '?search=ALPHA&limit=10').expect(200);
      expect(page.body.count).toBe(3);
      expect(idsOf(page.body.results)).toEqual(named('byName', 'byEmail', 'byMessage'));
    });

    it('combines with ordering in the array', async () => {
      const response = await list(searcher, '?search=alpha&ordering=-name').expect(200);
      expect(response.body.map((lead: LeadBody) => lead.name)).toEqual(['Third', 'Second', 'Alpha Centauri']);
    });

    it('treats % _ and \\ as literal characters', async () => {
      expect(ids(await list(searcher, `?search=${encodeURIComponent('%')}`).expect(200))).toEqual(named('percent'));
      expect(ids(await list(searcher, '?search=_').expect(200))).toEqual(named('underscore'));
      expect(ids(await list(searcher, `?search=${encodeURIComponent('\\')}`).expect(200))).toEqual(named('backslash'));
      expect(ids(await list(searcher, `?search=${encodeURIComponent('0%s')}`).expect(200))).toEqual([]);
    });

    it('trims the term; a blank search lists everything', async () => {
      expect(ids(await list(searcher, '?search=%20%20centauri%20').expect(200))).toEqual(named('byName'));
      expect((await list(searcher, '?search=%20').expect(200)).body).toHaveLength(7);
      expect((await list(searcher, `?search=${encodeURIComponent('\u0000')}`).expect(200)).body).toHaveLength(7);
    });

    it('combines with ordering and paging, and the links keep the search', async () => {
      const first = await list(searcher, '?search=alpha&ordering=-name&limit=2').expect(200);
      expect(first.body.count).toBe(3);
      expect(first.body.results.map((lead: LeadBody) => lead.name)).toEqual(['Third', 'Second']);
      const next = new URL(first.body.next);
      expect(Object.fromEntries(next.searchParams)).toEqual({ search: 'alpha', ordering: '-name', limit: '2', offset: '2' });
      const second = await list(searcher, `${next.pathname.slice('/api/leads'.length)}${next.search}`).expect(200);
      expect(second.body.results.map((lead: LeadBody) => lead.name)).toEqual(['Alpha Centauri']);
      expect(second.body.next).toBeNull();
    });

    it('pages through a search of the 55 leads without repeats or gaps', async () => {
      const seen = await pageThrough(pager, '?limit=4&search=name-3&ordering=created_at');
      const expected = expectedOrder(rows.filter((row) => row.name === 'name-3'), 'created_at');
      expect(seen.map((lead) => lead.id)).toEqual(expected);
    });
  });

  describe('bad query values', () => {
    it.each([
      ['limit=0', { limit: ['Ensure this value is greater than or equal to 1.'] }],
      ['limit=101', { limit: ['Ensure this value is less than or equal to 100.'] }],
      ['limit=abc', { limit: ['A valid integer is required.'] }],
      ['limit=1.5', { limit: ['A valid integer is required.'] }],
      ['limit=1e2', { limit: ['A valid integer is required.'] }],
      ['offset=-1', { offset: ['Ensure this value is greater than or equal to 0.'] }],
      ['offset=x', { offset: ['A valid integer is required.'] }],
      ['offset=2147483648', { offset: ['Ensure this value is less than or equal to 2147483647.'] }],
      ['offset=999999999999999999999999', { offset: ['A valid integer is required.'] }],
      ['ordering=phone', { ordering: ['"phone" is not a valid ordering. Choose from id, name, email, created_at, updated_at, each optionally prefixed with "-".'] }],
      ['ordering=owner', { ordering: ['"owner" is not a valid ordering. Choose from id, name, email, created_at, updated_at, each optionally prefixed with "-".'] }],
      ['ordering=createdAt', { ordering: ['"createdAt" is not a valid ordering. Choose from id, name, email, created_at, updated_at, each optionally prefixed with "-".'] }],
      ['ordering=name;DROP%20TABLE%20leads', { ordering: ['"name;DROP TABLE leads" is not a valid ordering. Choose from id, name, email, created_at, updated_at, each optionally prefixed with "-".'] }],
    ])('answers ?%s with 400 naming the parameter', async (query, errors) => {
      expectFieldErrors(await list(pager, `?${query}`), errors);
    });

    it('names every bad parameter at once', async () => {
      const choose = 'is not a valid ordering. Choose from id, name, email, created_at, updated_at, each optionally prefixed with "-".';
      expectFieldErrors(await list(pager, '?limit=0&offset=-5&ordering=name,--email,bogus&search=ok'), {
        limit: ['Ensure this value is greater than or equal to 1.'],
        offset: ['Ensure this value is greater than or equal to 0.'],
        ordering: [`"--email" ${choose}`, `"bogus" ${choose}`],
      });
    });

    it('checks offset even without limit, where it has no effect', async () => {
      expectFieldErrors(await list(pager, '?offset=x'), { offset: ['A valid integer is required.'] });
    });
  });
});

describe('leads: with LEADS_PAGE_SIZE (DRF PAGE_SIZE)', () => {
  let t: TestApp;
  let user: RegisteredUser;
  beforeAll(async () => {
    t = await createTestApp({ LEADS_PAGE_SIZE: '10' });
    user = await registerUser(t);
    await t.db.query(
      `INSERT INTO leads (owner_id, name, email, message)
       SELECT $1, 'name-' || i, 'lead' || i || '@example.com', 'message ' || i FROM generate_series(1, 25) AS i`,
      [user.id],
    );
  });
  afterAll(async () => {
    await t.close();
  });

  const list = (query: string) => t.http().get(`/api/leads${query}`).set(...tokenHeader(user.token));

  it('answers every list with the envelope, LEADS_PAGE_SIZE leads a page', async () => {
    const response = await list('').expect(200);
    expect(response.body.count).toBe(25);
    expect(response.body.results).toHaveLength(10);
    expect(response.body.next).toBe(`${t.baseUrl}/api/leads?limit=10&offset=10`);
    expect(response.body.previous).toBeNull();
  });

  it('takes offset alone, and a limit of the request over the default', async () => {
    const second = await list('?offset=20').expect(200);
    expect(second.body.results).toHaveLength(5);
    expect(second.body.next).toBeNull();
    expect(second.body.previous).toBe(`${t.baseUrl}/api/leads?offset=10&limit=10`);
    expect((await list('?limit=3').expect(200)).body.results).toHaveLength(3);
    expectFieldErrors(await list('?limit=101'), { limit: ['Ensure this value is less than or equal to 100.'] });
  });
});

describe('leads: where pagination links point', () => {
  /** A user with three leads: `?limit=1&offset=1` has both a next and a previous link. */
  async function appWithLeads(env: Record<string, string> = {}): Promise<{ t: TestApp; user: RegisteredUser }> {
    const t = await createTestApp(env);
    const user = await registerUser(t);
    await t.db.query(
      `INSERT INTO leads (owner_id, name, email, message)
       SELECT $1, 'name-' || i, 'lead' || i || '@example.com', 'message ' || i FROM generate_series(1, 3) AS i`,
      [user.id],
    );
    return { t, user };
  }

  async function linksFor(t: TestApp, user: RegisteredUser, headers: Record<string, string>): Promise<{ next: string; previous: string }> {
    const response = await t.http().get('/api/leads?limit=1&offset=1&search=name').set(...tokenHeader(user.token)).set(headers).expect(200);
    expect(typeof response.body.next).toBe('string');
    expect(typeof response.body.previous).toBe('string');
    return { next: response.body.next, previous: response.body.previous };
  }

  const FORGED_HOSTS = ['evil.example', 'evil.example:443', 'localhost.evil.example', '127.0.0.1.evil.example', 'evil.example.', 'EVIL.example'];

  describe('by default (no PUBLIC_URL, ALLOWED_HOSTS = the loopback names)', () => {
    let t: TestApp;
    let user: RegisteredUser;
    beforeAll(async () => {
      ({ t, user } = await appWithLeads());
    });
    afterAll(async () => {
      await t.close();
    });

    it('builds absolute links from an allowed Host, port included', async () => {
      const port = new URL(t.baseUrl).port;
      for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, 'LOCALHOST', '[::1]:8080']) {
        const { next, previous } = await linksFor(t, user, { Host: host });
        expect(next).toBe(`http://${host.toLowerCase()}/api/leads?limit=1&offset=2&search=name`);
        expect(previous).toBe(`http://${host.toLowerCase()}/api/leads?limit=1&search=name`);
      }
    });

    it.each(FORGED_HOSTS)('never puts a disallowed Host (%s) in next or previous: the links are relative', async (host) => {
      const { next, previous } = await linksFor(t, user, { Host: host });
      expect(next).toBe('/api/leads?limit=1&offset=2&search=name');
      expect(previous).toBe('/api/leads?limit=1&search=name');
      expect(`${next} ${previous}`.toLowerCase()).not.toContain('evil');
    });

    it('refuses a Host that is not a host name, even before matching it', async () => {
      for (const host of ['127.0.0.1@evil.example', '127.0.0.1/evil.example', 'localhost:80:80']) {
        const { next } = await linksFor(t, user, { Host: host });
        expect(next).toBe('/api/leads?limit=1&offset=2&search=name');
      }
    });

    it('ignores X-Forwarded-Host and X-Forwarded-Proto without TRUST_PROXY', async () => {
      const port = new URL(t.baseUrl).port;
      const { next } = await linksFor(t, user, { Host: `localhost:${port}`, 'X-Forwarded-Host': 'evil.example', 'X-Forwarded-Proto': 'https' });
      expect(next).toBe(`http://localhost:${port}/api/leads?limit=1&offset=2&search=name`);
      const forgedOnly = await linksFor(t, user, { Host: 'evil.example', 'X-Forwarded-Host': `localhost:${port}` });
      expect(forgedOnly.next).toBe('/api/leads?limit=1&offset=2&search=name');
    });
  });

  describe('with PUBLIC_URL', () => {
    let t: TestApp;
    let user: RegisteredUser;
    beforeAll(async () => {
      ({ t, user } = await appWithLeads({ PUBLIC_URL: 'https://api.example.com/leads-api/', TRUST_PROXY: 'loopback' }));
    });
    afterAll(async () => {
      await t.close();
    });

    it('starts every link with it, path prefix included, whatever Host and X-Forwarded-* say', async () => {
      const variants: Record<string, string>[] = [{}, { Host: 'evil.example' }, { Host: 'localhost', 'X-Forwarded-Host': 'evil.example', 'X-Forwarded-Proto': 'http' }];
      for (const headers of variants) {
        const { next, previous } = await linksFor(t, user, headers);
        expect(next).toBe('https://api.example.com/leads-api/api/leads?limit=1&offset=2&search=name');
        expect(previous).toBe('https://api.example.com/leads-api/api/leads?limit=1&search=name');
      }
    });
  });

  describe('with ALLOWED_HOSTS and a trusted proxy', () => {
    let t: TestApp;
    let user: RegisteredUser;
    beforeAll(async () => {
      ({ t, user } = await appWithLeads({ ALLOWED_HOSTS: '.example.com, api.example.org', TRUST_PROXY: 'loopback' }));
    });
    afterAll(async () => {
      await t.close();
    });

    it('matches as Django does: .example.com is the domain and its subdomains, other names exactly', async () => {
      for (const host of ['example.com', 'api.example.com:8443', 'a.b.example.com', 'api.example.org']) {
        expect((await linksFor(t, user, { Host: host })).next).toBe(`http://${host}/api/leads?limit=1&offset=2&search=name`);
      }
      for (const host of ['notexample.com', 'example.com.evil.example', 'x.api.example.org', 'localhost', '127.0.0.1']) {
        expect((await linksFor(t, user, { Host: host })).next).toBe('/api/leads?limit=1&offset=2&search=name');
      }
    });

    it("uses the trusted proxy's X-Forwarded-Host and X-Forwarded-Proto, when that host is allowed too", async () => {
      const forwarded = await linksFor(t, user, { Host: 'internal:3000', 'X-Forwarded-Host': 'api.example.com', 'X-Forwarded-Proto': 'https' });
      expect(forwarded.next).toBe('https://api.example.com/api/leads?limit=1&offset=2&search=name');
      // The last value is the one the nearest proxy wrote.
      const appended = await linksFor(t, user, { 'X-Forwarded-Host': 'evil.example, api.example.com', 'X-Forwarded-Proto': 'http, https' });
      expect(appended.next).toBe('https://api.example.com/api/leads?limit=1&offset=2&search=name');
      const forged = await linksFor(t, user, { Host: 'api.example.com', 'X-Forwarded-Host': 'evil.example' });
      expect(forged.next).toBe('/api/leads?limit=1&offset=2&search=name');
      const oddProto = await linksFor(t, user, { 'X-Forwarded-Host': 'api.example.com', 'X-Forwarded-Proto': 'javascript' });
      expect(oddProto.next).toBe('http://api.example.com/api/leads?limit=1&offset=2&search=name');
    });
  });

  describe('with a TRUST_PROXY that does not include the client', () => {
    let t: TestApp;
    let user: RegisteredUser;
    beforeAll(async () => {
      ({ t, user } = await appWithLeads({ ALLOWED_HOSTS: 'localhost,api.example.com', TRUST_PROXY: '10.0.0.1' }));
    });
    afterAll(async () => {
      await t.close();
    });

    it('never uses its X-Forwarded-Host, even an allowed one', async () => {
      const { next } = await linksFor(t, user, { Host: 'localhost', 'X-Forwarded-Host': 'api.example.com', 'X-Forwarded-Proto': 'https' });
      expect(next).toBe('http://localhost/api/leads?limit=1&offset=2&search=name');
    });
  });
});
