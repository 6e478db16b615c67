import { types as pgTypes } from 'pg';
import type { CustomTypesConfig, Pool } from 'pg';
import type { DataSource } from 'typeorm';
import { timestamptzToIso } from './timestamptz';

const TIMESTAMPTZ_OID = 1184;

/**
 * Type parsers for rows that go straight into a response: `timestamptz`
 * columns arrive as ISO strings, as the API prints them, instead of Dates
 * that JSON.stringify would convert back. Every other type parses as usual.
 */
export const ISO_TIMESTAMPS: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === TIMESTAMPTZ_OID && format !== 'binary' ? timestamptzToIso : pgTypes.getTypeParser(oid, format)) as CustomTypesConfig['getTypeParser'],
};

/**
 * A read-only statement straight on TypeORM's node-postgres pool: the same
 * connections, timeouts and error shapes TypeORM's `query()` meets
 * (isDatabaseUnavailable knows both), without the query runner and event
 * broadcast TypeORM builds around each statement, about a tenth of a small
 * request's CPU. Only the hot reads use it: authenticating a token and
 * reading leads. Writes stay on TypeORM, for its transactions and its
 * QueryFailedError.
 */
export async function readRows<T>(dataSource: DataSource, sql: string, parameters: unknown[], types?: CustomTypesConfig): Promise<T[]> {
  const pool = (dataSource.driver as unknown as { master: Pool }).master;
  const result = await pool.query({ text: sql, values: parameters, types });
  return result.rows as T[];
}
