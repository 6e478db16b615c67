import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, Repository } from 'typeorm';
import { uniqueViolation } from '../database/postgres-errors';
import { readRows, ReadStatement } from '../database/read-rows';
import { ISO_TIMESTAMPS } from '../database/timestamptz';
import { Lead } from './lead.entity';
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

/**
 * One statement for a page and its total: the owner's matching leads counted,
 * joined to the page, so the count needs no second round trip and an empty
 * page past the end still tells it (one row of nulls). Both parts start from
 * `owner_id = $1`, so PostgreSQL reads only the owner's rows through an
 * owner-first index however many leads other owners hold; the default order
 * (created_at DESC, id DESC) is read straight off
 * leads_owner_id_created_at_idx. The outer ORDER BY sorts at most one page:
 * the join does not promise to keep the page's order. The default ordering's
 * text is fixed, so it is a named statement; other orderings are not.
 */
export function listStatement(ownerId: number, query: LeadListQuery): ListStatement {
  const parameters: unknown[] = [ownerId];
  let where = 'owner_id = $1';
  if (query.search !== null) {
    parameters.push(`%${escapeLike(query.search)}%`);
    where += ` AND (name ILIKE $2 ESCAPE '\\' OR email ILIKE $2 ESCAPE '\\' OR message ILIKE $2 ESCAPE '\\')`;
  }
  const orderBy = orderByOf(query.ordering);
  const n = parameters.length;
  const text =
    `SELECT ${PAGE_COLUMNS}, c.total FROM (SELECT count(*)::int AS total FROM leads WHERE ${where}) c ` +
    `LEFT JOIN LATERAL (SELECT ${COLUMNS} FROM leads WHERE ${where} ORDER BY ${orderBy} LIMIT $${n + 1} OFFSET $${n + 2}) p ON true ` +
    `ORDER BY ${orderByOf(query.ordering, 'p.')}`;
  const name = orderBy === DEFAULT_ORDER_BY ? (query.search === null ? 'leads.page' : 'leads.page_search') : undefined;
  return { statement: { name, text }, parameters: [...parameters, query.limit, query.offset] };
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

  async listOwned(ownerId: number, query: LeadListQuery): Promise<{ count: number; leads: LeadRecord[] }> {
    const { statement, parameters } = listStatement(ownerId, query);
    const rows = await readRows<PageRow>(this.leads.manager.connection, statement, parameters, ISO_TIMESTAMPS);
    const leads = rows.filter((row): row is PageRow & LeadRow => row.id !== null).map(toRecord);
    return { count: rows[0].total, leads };
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
