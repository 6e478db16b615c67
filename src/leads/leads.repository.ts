import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, Repository } from 'typeorm';
import { uniqueViolation } from '../database/postgres-errors';
import { readRows, ReadStatement } from '../database/read-rows';
import { ISO_TIMESTAMPS } from '../database/timestamptz';
import { Lead } from './lead.entity';
import type { PageParams } from '../common/http/pagination';
import { DEFAULT_ORDERING, LeadListQuery, ORDERING_COLUMNS, parseOrdering } from './lead-list-query';

export type LeadFields = Pick<Lead, 'name' | 'email' | 'message'>;

export const LEAD_EMAIL_UNIQUE_INDEX = 'leads_owner_id_email_lower_key';

/** The owner already has a lead with this email (any case). */
export class DuplicateLeadEmailError extends Error {}

/** The owner's user row vanished between authentication and the insert. */
export class LeadOwnerGoneError extends Error {}

/** A lead as the repository returns it: timestamps already in the ISO form the API prints. */
export interface LeadRecord {
  id: number;
  name: string;
  email: string;
  message: string;
  ownerId: number;
  createdAt: string;
  updatedAt: string;
}

/** Reads parse timestamps to ISO strings (ISO_TIMESTAMPS); TypeORM's writes return Dates. */
interface LeadRow {
  id: number;
  name: string;
  email: string;
  message: string;
  owner_id: number;
  created_at: string | Date;
  updated_at: string | Date;
}

const COLUMNS = 'id, name, email, message, owner_id, created_at, updated_at';
const PAGE_COLUMNS = COLUMNS.split(', ').map((column) => `p.${column}`).join(', ');
/** Fixed order and names: only these keys of a change ever become SET clauses. */
const WRITABLE: ReadonlyArray<keyof LeadFields> = ['name', 'email', 'message'];

const iso = (timestamp: string | Date): string => (typeof timestamp === 'string' ? timestamp : timestamp.toISOString());

function toRecord(row: LeadRow): LeadRecord {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    message: row.message,
    ownerId: row.owner_id,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

/** `%`, `_` and `\` typed by a user match themselves, not any character. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, '\\$&');
}

export interface ListStatement {
  statement: ReadStatement;
  parameters: unknown[];
}

/** A page's rows, each with the total; when the page is empty, one row of nulls with the total. */
type PageRow = { [K in keyof LeadRow]: LeadRow[K] | null } & { total: number };

const orderByOf = (ordering: LeadListQuery['ordering'], alias = ''): string =>
  ordering.map((term) => `${alias}${ORDERING_COLUMNS[term.field]} ${term.descending ? 'DESC' : 'ASC'}`).join(', ');

const DEFAULT_ORDER_BY = orderByOf(parseOrdering(DEFAULT_ORDERING, {}));

function whereOf(query: LeadListQuery, parameters: unknown[]): string {
  let where = 'owner_id = $1';
  if (query.search !== null) {
    parameters.push(`%${escapeLike(query.search)}%`);
    where += ` AND (name ILIKE $2 ESCAPE '\\' OR email ILIKE $2 ESCAPE '\\' OR message ILIKE $2 ESCAPE '\\')`;
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
  return { statement: { name, text }, parameters: [...parameters, page.limit, page.offset] };
}

/** Rows per statement of the plain list: its first part, then each part after the last row sent. */
export const LIST_BATCH_SIZE = 1000;

/**
 * Where the plain list stopped: the last row's value of each ordering term,
 * timestamps in PostgreSQL's own text (microseconds included; the API's ISO
 * form stops at milliseconds, which would repeat or skip rows).
 */
export type ListPosition = ReadonlyArray<string | number>;

const TIMESTAMP_COLUMNS: ReadonlySet<string> = new Set(['created_at', 'updated_at']);
const CASTS: Record<string, string> = { id: '::int', created_at: '::timestamptz', updated_at: '::timestamptz' };
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
    return { column, value: `$${parameters.length}${CASTS[column] ?? ''}`, op: term.descending ? '<' : '>' };
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
  return { statement: { name, text }, parameters };
}

/** The ordering terms' values of a row, as listPartStatement selects them: where the next part starts. */
function positionOf(query: LeadListQuery, row: Record<string, unknown>): ListPosition {
  return query.ordering.map((term) => row[positionColumn(ORDERING_COLUMNS[term.field])] as string | number);
}

export const FIND_OWNED: ReadStatement = { name: 'leads.find_owned', text: `SELECT ${COLUMNS} FROM leads WHERE owner_id = $1 AND id = $2` };
const EXISTS_OWNED: ReadStatement = { name: 'leads.exists_owned', text: 'SELECT 1 FROM leads WHERE owner_id = $1 AND id = $2' };

/**
 * Every method takes the owner first and puts it in the WHERE clause, so no
 * query can reach another owner's leads; missing and not-owned look the same.
 */
@Injectable()
export class LeadsRepository {
  constructor(@InjectRepository(Lead) private readonly leads: Repository<Lead>) {}

  async findOwned(ownerId: number, id: number): Promise<LeadRecord | null> {
    const rows = await readRows<LeadRow>(this.leads.manager.connection, FIND_OWNED, [ownerId, id], ISO_TIMESTAMPS);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async existsOwned(ownerId: number, id: number): Promise<boolean> {
    const rows = await readRows(this.leads.manager.connection, EXISTS_OWNED, [ownerId, id]);
    return rows.length > 0;
  }

  async listOwned(ownerId: number, query: LeadListQuery, page: PageParams): Promise<{ count: number; leads: LeadRecord[] }> {
    const { statement, parameters } = listStatement(ownerId, query, page);
    const rows = await readRows<PageRow>(this.leads.manager.connection, statement, parameters, ISO_TIMESTAMPS);
    const leads = rows.filter((row): row is PageRow & LeadRow => row.id !== null).map(toRecord);
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
  ): Promise<{ leads: LeadRecord[]; next: ListPosition | null }> {
    const { statement, parameters } = listPartStatement(ownerId, query, position, limit);
    const rows = await readRows<LeadRow & Record<string, unknown>>(this.leads.manager.connection, statement, parameters, ISO_TIMESTAMPS);
    const next = rows.length === limit ? positionOf(query, rows[rows.length - 1]) : null;
    return { leads: rows.map(toRecord), next };
  }

  /** Relies on the unique index on (owner_id, lower(email)): concurrent duplicates cannot both land. */
  async createOwned(ownerId: number, fields: LeadFields): Promise<LeadRecord> {
    const rows: LeadRow[] = await this.write(
      `INSERT INTO leads (owner_id, name, email, message) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
      [ownerId, fields.name, fields.email, fields.message],
    );
    return toRecord(rows[0]);
  }

  /** Sets the given fields (all, for PUT; some, for PATCH) and always `updated_at`. Null when not the owner's. */
  async updateOwned(ownerId: number, id: number, fields: Partial<LeadFields>): Promise<LeadRecord | null> {
    const parameters: unknown[] = [ownerId, id];
    const assignments = ['updated_at = now()'];
    for (const key of WRITABLE) {
      if (fields[key] === undefined) continue;
      parameters.push(fields[key]);
      assignments.push(`${key} = $${parameters.length}`);
    }
    // TypeORM answers an UPDATE with [rows, affected count].
    const [rows] = (await this.write(
      `UPDATE leads SET ${assignments.join(', ')} WHERE owner_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
      parameters,
    )) as [LeadRow[], number];
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async deleteOwned(ownerId: number, id: number): Promise<boolean> {
    const [, affected] = (await this.leads.query('DELETE FROM leads WHERE owner_id = $1 AND id = $2', [ownerId, id])) as [unknown[], number];
    return affected > 0;
  }

  private async write<T>(sql: string, parameters: unknown[]): Promise<T> {
    try {
      return (await this.leads.query(sql, parameters)) as T;
    } catch (error) {
      if (uniqueViolation(error) === LEAD_EMAIL_UNIQUE_INDEX) throw new DuplicateLeadEmailError();
      if (error instanceof QueryFailedError && (error.driverError as { code?: string }).code === '23503') throw new LeadOwnerGoneError();
      throw error;
    }
  }
}
