import { Injectable } from '@nestjs/common';
import type { PageParams } from '../common/http/pagination';
import { Database, ForeignKeyViolation, Queryable, Statement, UniqueViolation } from '../database/database';
import { restartIdentity } from '../database/identity';
import { ISO_TIMESTAMPS } from '../database/timestamptz';
import { DEFAULT_ORDERING, LeadListQuery, ORDERING_COLUMNS, parseOrdering } from './lead-list-query';
import { LEAD_COLUMNS, LeadFields, LeadRow, SEARCHED_LEAD_COLUMNS, WRITABLE_LEAD_FIELDS } from './lead.mapper';

export const LEAD_EMAIL_UNIQUE_INDEX = 'leads_owner_id_email_lower_key';

/** The owner already has a lead with this email (any case). */
export class DuplicateLeadEmailError extends Error {}

/** The owner's user row vanished between authentication and the insert. */
export class LeadOwnerGoneError extends Error {}

const COLUMN_LIST = Object.values(LEAD_COLUMNS);
const COLUMNS = COLUMN_LIST.map(({ column }) => column).join(', ');
const PAGE_COLUMNS = COLUMN_LIST.map(({ column }) => `p.${column}`).join(', ');
const TYPE_CASTS = { integer: '::int', text: '', timestamptz: '::timestamptz' } as const;
const CASTS: Readonly<Record<string, string>> = Object.fromEntries(COLUMN_LIST.map(({ column, type }) => [column, TYPE_CASTS[type]]));
const TIMESTAMP_COLUMNS: ReadonlySet<string> = new Set(COLUMN_LIST.filter(({ type }) => type === 'timestamptz').map(({ column }) => column));

/** `%`, `_` and `\` typed by a user match themselves, not any character. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, '\\$&');
}

export interface ListStatement {
  statement: Statement;
  parameters: unknown[];
}

/** A page's rows, each with the total; when the page is empty, one row of nulls with the total. */
type PageRow = { [K in keyof LeadRow]: LeadRow[K] | null } & { total: number };

const orderByOf = (ordering: LeadListQuery['ordering'], alias = ''): string =>
  ordering.map((term) => `${alias}${ORDERING_COLUMNS[term.field]} ${term.descending ? 'DESC' : 'ASC'}`).join(', ');

const DEFAULT_ORDER_BY = orderByOf(parseOrdering(DEFAULT_ORDERING, {}));

const SEARCH_CONDITION = `(${SEARCHED_LEAD_COLUMNS.map((column) => `${column} ILIKE $2 ESCAPE '\\'`).join(' OR ')})`;

function whereOf(query: LeadListQuery, parameters: unknown[]): string {
  let where = 'owner_id = $1';
  if (query.search !== null) {
    parameters.push(`%${escapeLike(query.search)}%`);
    where += ` AND ${SEARCH_CONDITION}`;
  }
  return where;
}

/**
 * One statement for a page and its total: the owner's matching leads counted,
 * joined to the page, so the count needs no second round trip and an empty
 * page past the end still tells it (one row of nulls). Both parts start from
 * `owner_id = $1`, so PostgreSQL reads only the owner's rows through an
 * owner-first index however many leads other owners hold; the default order
 * (id) is read straight off leads_owner_id_id_idx. The outer ORDER BY sorts
 * at most one page: the join does not promise to keep the page's order. The
 * default ordering's text is fixed, so it is a named statement; other
 * orderings are not.
 */
export function listStatement(ownerId: number, query: LeadListQuery, page: PageParams): ListStatement {
  const parameters: unknown[] = [ownerId];
  const where = whereOf(query, parameters);
  const orderBy = orderByOf(query.ordering);
  const n = parameters.length;
  const text =
    `SELECT ${PAGE_COLUMNS}, c.total FROM (SELECT count(*)::int AS total FROM leads WHERE ${where}) c ` +
    `LEFT JOIN LATERAL (SELECT ${COLUMNS} FROM leads WHERE ${where} ORDER BY ${orderBy} LIMIT $${n + 1} OFFSET $${n + 2}) p ON true ` +
    `ORDER BY ${orderByOf(query.ordering, 'p.')}`;
  const name = orderBy === DEFAULT_ORDER_BY ? (query.search === null ? 'leads.page' : 'leads.page_search') : undefined;
  return { statement: { name, text, types: ISO_TIMESTAMPS }, parameters: [...parameters, page.limit, page.offset] };
}

/** Rows per statement of the plain list: its first part, then each part after the last row sent. */
export const LIST_BATCH_SIZE = 1000;

/**
 * Where the plain list stopped: the last row's value of each ordering term,
 * timestamps in PostgreSQL's own text (microseconds included; the API's ISO
 * form stops at milliseconds, which would repeat or skip rows).
 */
export type ListPosition = ReadonlyArray<string | number>;

const positionColumn = (column: string): string => (TIMESTAMP_COLUMNS.has(column) ? `${column}_position` : column);

/**
 * The keyset condition "after `position` in this ordering". All terms in one
 * direction: one row comparison, which an index on the same columns serves
 * (`id > $2` for the default). Mixed directions: the expanded form,
 * `(a > $x) OR (a = $x AND b < $y) OR ...`. Every column is NOT NULL, so no
 * NULL ordering rules apply; `id` is always a term, so the order is total.
 */
function afterCondition(query: LeadListQuery, parameters: unknown[], position: ListPosition): string {
  const refs = query.ordering.map((term, index) => {
    const column = ORDERING_COLUMNS[term.field];
    parameters.push(position[index]);
    return { column, value: `$${parameters.length}${CASTS[column]}`, op: term.descending ? '<' : '>' };
  });
  if (refs.every((ref) => ref.op === refs[0].op)) {
    if (refs.length === 1) return `${refs[0].column} ${refs[0].op} ${refs[0].value}`;
    return `(${refs.map((ref) => ref.column).join(', ')}) ${refs[0].op} (${refs.map((ref) => ref.value).join(', ')})`;
  }
  const alternatives = refs.map((ref, index) =>
    [...refs.slice(0, index).map((earlier) => `${earlier.column} = ${earlier.value}`), `${ref.column} ${ref.op} ${ref.value}`].join(' AND '),
  );
  return `(${alternatives.map((alternative) => `(${alternative})`).join(' OR ')})`;
}

/**
 * One part of the plain list: the owner's matching leads in the requested
 * order, after `position` (none: from the start), at most `limit` of them.
 * A keyset rather than OFFSET or a server-side cursor: each part is an
 * indexed range read on a connection that goes back to the pool at once, so
 * a slow client holds no connection while it reads. The default ordering's
 * texts are fixed and named.
 */
export function listPartStatement(ownerId: number, query: LeadListQuery, position: ListPosition | null, limit: number): ListStatement {
  const parameters: unknown[] = [ownerId];
  let where = whereOf(query, parameters);
  if (position !== null) where += ` AND ${afterCondition(query, parameters, position)}`;
  const positions = query.ordering
    .map((term) => ORDERING_COLUMNS[term.field])
    .filter((column) => TIMESTAMP_COLUMNS.has(column))
    .map((column) => `, ${column}::text AS ${positionColumn(column)}`)
    .join('');
  parameters.push(limit);
  const orderBy = orderByOf(query.ordering);
  const text = `SELECT ${COLUMNS}${positions} FROM leads WHERE ${where} ORDER BY ${orderBy} LIMIT $${parameters.length}`;
  const name =
    orderBy === DEFAULT_ORDER_BY ? `leads.list${query.search === null ? '' : '_search'}${position === null ? '' : '_after'}` : undefined;
  return { statement: { name, text, types: ISO_TIMESTAMPS }, parameters };
}

/** The ordering terms' values of a row, as listPartStatement selects them: where the next part starts. */
function positionOf(query: LeadListQuery, row: Record<string, unknown>): ListPosition {
  return query.ordering.map((term) => row[positionColumn(ORDERING_COLUMNS[term.field])] as string | number);
}

export const FIND_OWNED: Statement = {
  name: 'leads.find_owned',
  text: `SELECT ${COLUMNS} FROM leads WHERE owner_id = $1 AND id = $2`,
  types: ISO_TIMESTAMPS,
};
const EXISTS_OWNED: Statement = { name: 'leads.exists_owned', text: 'SELECT 1 FROM leads WHERE owner_id = $1 AND id = $2' };
const WRITABLE_COLUMNS = WRITABLE_LEAD_FIELDS.map((field) => LEAD_COLUMNS[field].column);
const CREATE: Statement = {
  name: 'leads.create',
  text:
    `INSERT INTO leads (${LEAD_COLUMNS.owner.column}, ${WRITABLE_COLUMNS.join(', ')}) ` +
    `VALUES ($1, ${WRITABLE_COLUMNS.map((_, index) => `$${index + 2}`).join(', ')}) RETURNING ${COLUMNS}`,
  types: ISO_TIMESTAMPS,
};
const DELETE_OWNED: Statement = { name: 'leads.delete_owned', text: 'DELETE FROM leads WHERE owner_id = $1 AND id = $2' };

/** A lead another system made (import-django): its id and owner kept, its timestamps as ISO text to keep their microseconds. */
export interface ImportedLeadRow extends LeadFields {
  id: number;
  ownerId: number;
  /** Null when the other system kept none: the time of the import. */
  createdAt: string | null;
  /** Null when the other system kept none: the same as created_at. */
  updatedAt: string | null;
}

/**
 * Parallel arrays, unnested: one statement for a batch. `id` is GENERATED
 * ALWAYS, so keeping an id needs the override. now() is the transaction's
 * start, one instant for the whole import.
 */
const INSERT_IMPORTED: Statement = {
  name: 'leads.insert_imported',
  text: `INSERT INTO leads (id, ${LEAD_COLUMNS.owner.column}, ${WRITABLE_COLUMNS.join(', ')}, created_at, updated_at) OVERRIDING SYSTEM VALUE
         SELECT id, owner_id, ${WRITABLE_COLUMNS.join(', ')}, COALESCE(created_at, now()), COALESCE(updated_at, created_at, now())
           FROM unnest($1::int[], $2::int[], ${WRITABLE_COLUMNS.map((_, index) => `$${index + 3}::varchar[]`).join(', ')},
                       $${WRITABLE_COLUMNS.length + 3}::timestamptz[], $${WRITABLE_COLUMNS.length + 4}::timestamptz[])
                AS t(id, owner_id, ${WRITABLE_COLUMNS.join(', ')}, created_at, updated_at)`,
};
/** Rows per INSERT_IMPORTED, so that a large import never builds one huge message. */
const IMPORT_BATCH_SIZE = 1000;

/** The repository's own errors for the constraints a write can meet; anything else passes through. */
function translated(error: unknown): unknown {
  if (error instanceof UniqueViolation && error.constraint === LEAD_EMAIL_UNIQUE_INDEX) return new DuplicateLeadEmailError();
  if (error instanceof ForeignKeyViolation) return new LeadOwnerGoneError();
  return error;
}

/**
 * Every method takes the owner first and puts it in the WHERE clause, so no
 * query can reach another owner's leads; missing and not-owned look the same.
 * Rows come back as the statements select them (LeadRow); lead.mapper.ts
 * turns them into answers.
 */
@Injectable()
export class LeadsRepository {
  constructor(private readonly db: Database) {}

  async findOwned(ownerId: number, id: number): Promise<LeadRow | null> {
    const rows = await this.db.rows<LeadRow>(FIND_OWNED, [ownerId, id]);
    return rows[0] ?? null;
  }

  async existsOwned(ownerId: number, id: number): Promise<boolean> {
    const rows = await this.db.rows(EXISTS_OWNED, [ownerId, id]);
    return rows.length > 0;
  }

  async listOwned(ownerId: number, query: LeadListQuery, page: PageParams): Promise<{ count: number; leads: LeadRow[] }> {
    const { statement, parameters } = listStatement(ownerId, query, page);
    const rows = await this.db.rows<PageRow>(statement, parameters);
    const leads = rows.filter((row): row is PageRow & LeadRow => row.id !== null);
    return { count: rows[0].total, leads };
  }

  /**
   * One part of the plain list (see listPartStatement), and where the next
   * one starts: null when this part was the last (fewer rows than `limit`).
   */
  async listOwnedPart(
    ownerId: number,
    query: LeadListQuery,
    position: ListPosition | null,
    limit = LIST_BATCH_SIZE,
  ): Promise<{ leads: LeadRow[]; next: ListPosition | null }> {
    const { statement, parameters } = listPartStatement(ownerId, query, position, limit);
    const rows = await this.db.rows<LeadRow & Record<string, unknown>>(statement, parameters);
    const next = rows.length === limit ? positionOf(query, rows[rows.length - 1]) : null;
    return { leads: rows, next };
  }

  /** Relies on the unique index on (owner_id, lower(email)): concurrent duplicates cannot both land. */
  async createOwned(ownerId: number, fields: LeadFields): Promise<LeadRow> {
    try {
      const rows = await this.db.rows<LeadRow>(CREATE, [ownerId, ...WRITABLE_LEAD_FIELDS.map((field) => fields[field])]);
      return rows[0];
    } catch (error) {
      throw translated(error);
    }
  }

  /**
   * Stores leads another system made with their ids and owners, inside the
   * importer's transaction, then moves the id identity past them (and past
   * `nextId`, the other system's own next id, when known). The unique index
   * on (owner_id, lower(email)) still decides.
   */
  async insertImported(leads: readonly ImportedLeadRow[], nextId: number | null, db: Queryable): Promise<{ count: number; nextId: number }> {
    let count = 0;
    for (let start = 0; start < leads.length; start += IMPORT_BATCH_SIZE) {
      const batch = leads.slice(start, start + IMPORT_BATCH_SIZE);
      const result = await db.run(INSERT_IMPORTED, [
        batch.map((lead) => lead.id),
        batch.map((lead) => lead.ownerId),
        ...WRITABLE_LEAD_FIELDS.map((field) => batch.map((lead) => lead[field])),
        batch.map((lead) => lead.createdAt),
        batch.map((lead) => lead.updatedAt),
      ]);
      count += result.count;
    }
    return { count, nextId: await restartIdentity('leads', nextId, db) };
  }

  /** Sets the given fields (all, for PUT; some, for PATCH) and always `updated_at`. Null when not the owner's. */
  async updateOwned(ownerId: number, id: number, fields: Partial<LeadFields>): Promise<LeadRow | null> {
    const parameters: unknown[] = [ownerId, id];
    const assignments = ['updated_at = now()'];
    for (const field of WRITABLE_LEAD_FIELDS) {
      if (fields[field] === undefined) continue;
      parameters.push(fields[field]);
      assignments.push(`${LEAD_COLUMNS[field].column} = $${parameters.length}`);
    }
    // The text depends on which fields are set, so it stays unnamed (see Statement).
    const statement: Statement = { text: `UPDATE leads SET ${assignments.join(', ')} WHERE owner_id = $1 AND id = $2 RETURNING ${COLUMNS}`, types: ISO_TIMESTAMPS };
    try {
      const rows = await this.db.rows<LeadRow>(statement, parameters);
      return rows[0] ?? null;
    } catch (error) {
      throw translated(error);
    }
  }

  async deleteOwned(ownerId: number, id: number): Promise<boolean> {
    const { count } = await this.db.run(DELETE_OWNED, [ownerId, id]);
    return count > 0;
  }
}
