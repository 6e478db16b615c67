import { ApiException } from '../common/http/problem-details';
import { parseLeadListQuery, parseOrdering } from './lead-list-query';
import { escapeLike, listStatement } from './leads.repository';

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

  it('defaults to newest first, id breaking ties in the same direction', () => {
    expect(order(undefined)).toEqual(['-createdAt', '-id']);
  });

  it('appends id in the direction of the last listed field', () => {
    expect(order('name')).toEqual(['name', 'id']);
    expect(order('-name,email')).toEqual(['-name', 'email', 'id']);
    expect(order('name,-updatedAt')).toEqual(['name', '-updatedAt', '-id']);
  });

  it('does not append id when the client listed it', () => {
    expect(order('-id')).toEqual(['-id']);
    expect(order('id,name')).toEqual(['id', 'name']);
  });

  it('skips empty parts and falls back to the default when nothing is left', () => {
    expect(order(' name , ,')).toEqual(['name', 'id']);
    expect(order(',')).toEqual(['-createdAt', '-id']);
  });

  it('reports every unknown field and never echoes more than a short prefix', () => {
    const errors: Record<string, string[]> = {};
    parseOrdering(`name,owner,--id,${'x'.repeat(500)}`, errors);
    expect(errors.ordering).toHaveLength(3);
    expect(errors.ordering[0]).toContain('"owner"');
    expect(errors.ordering[2].length).toBeLessThan(200);
  });
});

describe('parseLeadListQuery', () => {
  it('reads defaults', () => {
    expect(parseLeadListQuery({})).toEqual({ limit: 20, offset: 0, search: null, ordering: [{ field: 'createdAt', descending: true }, { field: 'id', descending: true }] });
  });

  it('takes the last of repeated values, as Django does', () => {
    expect(parseLeadListQuery({ limit: ['5', '7'], search: ['a', 'b'] })).toMatchObject({ limit: 7, search: 'b' });
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
    expect(parseLeadListQuery({ limit: ' +3 ', offset: '0' })).toMatchObject({ limit: 3, offset: 0 });
    expect(errorsOf({ limit: '-0' })).toEqual({ limit: ['Ensure this value is greater than or equal to 1.'] });
  });
});

describe('escapeLike', () => {
  it('escapes the LIKE wildcards and the escape character', () => {
    expect(escapeLike('100%_a\\b')).toBe('100\\%\\_a\\\\b');
    expect(escapeLike('plain')).toBe('plain');
  });
});

describe('listStatement', () => {
  it('keeps every value a client sends out of the SQL text', () => {
    const query = parseLeadListQuery({ search: "x' OR 1=1 --", ordering: '-name,email', limit: '5', offset: '10' });
    const { statement, parameters } = listStatement(42, query);
    expect(statement.text).not.toContain('OR 1=1');
    expect(statement.text).toContain('ORDER BY name DESC, email ASC, id ASC LIMIT $3 OFFSET $4');
    expect(parameters).toEqual([42, "%x' OR 1=1 --%", 5, 10]);
  });

  it('filters the page and its count on the owner first, always', () => {
    const { statement, parameters } = listStatement(7, parseLeadListQuery({ search: 'acme' }));
    expect(statement.text).toContain('SELECT count(*)::int AS total FROM leads WHERE owner_id = $1 AND (');
    expect(statement.text).toContain('FROM leads WHERE owner_id = $1 AND (name ILIKE $2');
    expect(parameters[0]).toBe(7);
  });

  it('orders the joined page again outside the join, with the same terms', () => {
    const { statement } = listStatement(7, parseLeadListQuery({ ordering: 'updatedAt' }));
    expect(statement.text).toContain('ORDER BY updated_at ASC, id ASC LIMIT $2 OFFSET $3) p ON true ORDER BY p.updated_at ASC, p.id ASC');
  });

  it('names only the statements whose text is fixed: the default ordering, with or without a search', () => {
    expect(listStatement(7, parseLeadListQuery({})).statement.name).toBe('leads.page');
    expect(listStatement(7, parseLeadListQuery({ ordering: '-createdAt', limit: '5', offset: '40' })).statement.name).toBe('leads.page');
    expect(listStatement(7, parseLeadListQuery({ search: 'a' })).statement.name).toBe('leads.page_search');
    expect(listStatement(7, parseLeadListQuery({ ordering: 'name' })).statement.name).toBeUndefined();
    expect(listStatement(7, parseLeadListQuery({ ordering: '-createdAt,-createdAt' })).statement.name).toBeUndefined();
  });

  it('gives one name one text, whatever the owner, page and search', () => {
    const texts = new Map<string, Set<string>>();
    for (const raw of [{}, { limit: '5' }, { offset: '90' }, { search: 'x' }, { search: '%_' }, { ordering: '-createdAt' }]) {
      for (const owner of [1, 99]) {
        const { statement } = listStatement(owner, parseLeadListQuery(raw));
        if (statement.name) texts.set(statement.name, (texts.get(statement.name) ?? new Set()).add(statement.text));
      }
    }
    expect([...texts.keys()].sort()).toEqual(['leads.page', 'leads.page_search']);
    for (const variants of texts.values()) expect(variants.size).toBe(1);
  });
});
