import { ApiException } from '../common/http/problem-details';
import { ISO_TIMESTAMPS } from '../database/timestamptz';
import { parseLeadListQuery, parseOrdering } from './lead-list-query';
import { escapeLike, listPartStatement, listStatement } from './leads.repository';

function errorsOf(query: Record<string, unknown>): Record<string, string[]> | undefined {
  try {
    parseLeadListQuery(query);
  } catch (error) {
    if (error instanceof ApiException) return error.errors;
    throw error;
  }
  return undefined;
}

describe('parseOrdering', () => {
  const order = (raw?: string) => parseOrdering(raw, {}).map((term) => `${term.descending ? '-' : ''}${term.field}`);

  it('defaults to id ascending, as DRF lists a model by its primary key', () => {
    expect(order(undefined)).toEqual(['id']);
  });

  it('appends id in the direction of the last listed field', () => {
    expect(order('name')).toEqual(['name', 'id']);
    expect(order('-name,email')).toEqual(['-name', 'email', 'id']);
    expect(order('name,-updated_at')).toEqual(['name', '-updated_at', '-id']);
  });

  it('does not append id when the client listed it', () => {
    expect(order('-id')).toEqual(['-id']);
    expect(order('id,name')).toEqual(['id', 'name']);
  });

  it('skips empty parts and falls back to the default when nothing is left', () => {
    expect(order(' name , ,')).toEqual(['name', 'id']);
    expect(order(',')).toEqual(['id']);
  });

  it('reports every unknown field and never echoes more than a short prefix', () => {
    const errors: Record<string, string[]> = {};
    parseOrdering(`name,owner,--id,createdAt,${'x'.repeat(500)}`, errors);
    expect(errors.ordering).toHaveLength(4);
    expect(errors.ordering[0]).toContain('"owner"');
    expect(errors.ordering[2]).toBe('"createdAt" is not a valid ordering. Choose from id, name, email, created_at, updated_at, each optionally prefixed with "-".');
    expect(errors.ordering[3].length).toBeLessThan(200);
  });
});

describe('parseLeadListQuery', () => {
  it('reads defaults: the plain list, in id order', () => {
    expect(parseLeadListQuery({})).toEqual({ page: null, search: null, ordering: [{ field: 'id', descending: false }] });
  });

  it('pages only with a limit, or with a page size (LEADS_PAGE_SIZE); an offset alone is ignored, as in DRF', () => {
    expect(parseLeadListQuery({ limit: '5' }).page).toEqual({ limit: 5, offset: 0 });
    expect(parseLeadListQuery({ offset: '10' }).page).toBeNull();
    expect(parseLeadListQuery({ limit: '', offset: '10' }).page).toBeNull();
    expect(parseLeadListQuery({}, 25).page).toEqual({ limit: 25, offset: 0 });
    expect(parseLeadListQuery({ limit: '3', offset: '6' }, 25).page).toEqual({ limit: 3, offset: 6 });
  });

  it('checks an offset even when it has no effect', () => {
    expect(errorsOf({ offset: '-1' })).toEqual({ offset: ['Ensure this value is greater than or equal to 0.'] });
  });

  it('takes the last of repeated values, as Django does', () => {
    expect(parseLeadListQuery({ limit: ['5', '7'], search: ['a', 'b'] })).toMatchObject({ page: { limit: 7 }, search: 'b' });
  });

  it('strips null characters and surrounding space from search', () => {
    expect(parseLeadListQuery({ search: ' a\u0000b ' }).search).toBe('ab');
    expect(parseLeadListQuery({ search: '\u0000 ' }).search).toBeNull();
  });

  it('refuses nested values', () => {
    expect(errorsOf({ limit: { a: '1' }, search: { b: 'x' }, ordering: ['name', { c: 1 }] })).toEqual({
      limit: ['A valid integer is required.'],
      search: ['Not a valid string.'],
      ordering: ['Not a valid string.'],
    });
  });

  it('accepts signs and surrounding spaces on integers but bounds them', () => {
    expect(parseLeadListQuery({ limit: ' +3 ', offset: '0' }).page).toEqual({ limit: 3, offset: 0 });
    expect(errorsOf({ limit: '-0' })).toEqual({ limit: ['Ensure this value is greater than or equal to 1.'] });
  });
});

describe('escapeLike', () => {
  it('escapes the LIKE wildcards and the escape character', () => {
    expect(escapeLike('100%_a\\b')).toBe('100\\%\\_a\\\\b');
    expect(escapeLike('plain')).toBe('plain');
  });
});

const PAGE = { limit: 20, offset: 0 };

describe('listStatement', () => {
  it('keeps every value a client sends out of the SQL text', () => {
    const query = parseLeadListQuery({ search: "x' OR 1=1 --", ordering: '-name,email', limit: '5', offset: '10' });
    const { statement, parameters } = listStatement(42, query, query.page!);
    expect(statement.text).not.toContain('OR 1=1');
    expect(statement.text).toContain('ORDER BY name DESC, email ASC, id ASC LIMIT $3 OFFSET $4');
    expect(parameters).toEqual([42, "%x' OR 1=1 --%", 5, 10]);
  });

  it('filters the page and its count on the owner first, always', () => {
    const { statement, parameters } = listStatement(7, parseLeadListQuery({ search: 'acme' }), PAGE);
    expect(statement.text).toContain('SELECT count(*)::int AS total FROM leads WHERE owner_id = $1 AND (');
    expect(statement.text).toContain('FROM leads WHERE owner_id = $1 AND (name ILIKE $2');
    expect(parameters[0]).toBe(7);
  });

  it('orders the joined page again outside the join, with the same terms', () => {
    const { statement } = listStatement(7, parseLeadListQuery({ ordering: 'updated_at' }), PAGE);
    expect(statement.text).toContain('ORDER BY updated_at ASC, id ASC LIMIT $2 OFFSET $3) p ON true ORDER BY p.updated_at ASC, p.id ASC');
  });

  it('names only the statements whose text is fixed: the default ordering, with or without a search', () => {
    expect(listStatement(7, parseLeadListQuery({}), PAGE).statement.name).toBe('leads.page');
    expect(listStatement(7, parseLeadListQuery({ ordering: 'id' }), { limit: 5, offset: 40 }).statement.name).toBe('leads.page');
    expect(listStatement(7, parseLeadListQuery({ search: 'a' }), PAGE).statement.name).toBe('leads.page_search');
    expect(listStatement(7, parseLeadListQuery({ ordering: 'name' }), PAGE).statement.name).toBeUndefined();
    expect(listStatement(7, parseLeadListQuery({ ordering: 'id,id' }), PAGE).statement.name).toBeUndefined();
  });

  it('gives one name one text, whatever the owner, page and search', () => {
    const texts = new Map<string, Set<string>>();
    for (const raw of [{}, { limit: '5' }, { limit: '20', offset: '90' }, { search: 'x' }, { search: '%_' }, { ordering: 'id' }]) {
      for (const owner of [1, 99]) {
        const query = parseLeadListQuery(raw);
        const { statement } = listStatement(owner, query, query.page ?? PAGE);
        if (statement.name) texts.set(statement.name, (texts.get(statement.name) ?? new Set()).add(statement.text));
      }
    }
    expect([...texts.keys()].sort()).toEqual(['leads.page', 'leads.page_search']);
    for (const variants of texts.values()) expect(variants.size).toBe(1);
  });
});

describe('listPartStatement', () => {
  it('reads the default list from the start, then after the last id sent, on four fixed, named texts', () => {
    const plain = parseLeadListQuery({});
    const first = listPartStatement(7, plain, null, 1000);
    expect(first.statement).toEqual({
      name: 'leads.list',
      text: 'SELECT id, name, email, message, owner_id, created_at, updated_at FROM leads WHERE owner_id = $1 ORDER BY id ASC LIMIT $2',
      types: ISO_TIMESTAMPS,
    });
    expect(first.parameters).toEqual([7, 1000]);
    const after = listPartStatement(7, plain, [1234], 1000);
    expect(after.statement.name).toBe('leads.list_after');
    expect(after.statement.text).toContain('WHERE owner_id = $1 AND id > $2::int ORDER BY id ASC LIMIT $3');
    expect(after.parameters).toEqual([7, 1234, 1000]);
    const searched = parseLeadListQuery({ search: 'a' });
    expect(listPartStatement(7, searched, null, 10).statement.name).toBe('leads.list_search');
    const searchedAfter = listPartStatement(7, searched, [5], 10);
    expect(searchedAfter.statement.name).toBe('leads.list_search_after');
    expect(searchedAfter.statement.text).toContain("ESCAPE '\\') AND id > $3::int ORDER BY id ASC LIMIT $4");
    expect(searchedAfter.parameters).toEqual([7, '%a%', 5, 10]);
  });

  it('compares one row for terms in one direction, timestamps at full precision', () => {
    const query = parseLeadListQuery({ ordering: '-created_at' });
    const first = listPartStatement(7, query, null, 10);
    expect(first.statement.name).toBeUndefined();
    expect(first.statement.text).toContain(', created_at::text AS created_at_position FROM leads');
    const after = listPartStatement(7, query, ['2026-01-01 00:00:00.123456+00', 9], 10);
    expect(after.statement.text).toContain('AND (created_at, id) < ($2::timestamptz, $3::int) ORDER BY created_at DESC, id DESC LIMIT $4');
    expect(after.parameters).toEqual([7, '2026-01-01 00:00:00.123456+00', 9, 10]);
  });

  it('expands mixed directions term by term', () => {
    const query = parseLeadListQuery({ ordering: 'name,-email' });
    const { statement, parameters } = listPartStatement(7, query, ['n', 'e@x.com', 3], 10);
    expect(statement.text).toContain('AND ((name > $2) OR (name = $2 AND email < $3) OR (name = $2 AND email = $3 AND id < $4::int)) ORDER BY name ASC, email DESC, id DESC LIMIT $5');
    expect(parameters).toEqual([7, 'n', 'e@x.com', 3, 10]);
  });
});
