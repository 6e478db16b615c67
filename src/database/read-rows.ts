import type { CustomTypesConfig, Pool } from 'pg';
import type { DataSource } from 'typeorm';

/**
 * A read-only statement straight on TypeORM's node-postgres pool: the same
 * connections, timeouts and error shapes TypeORM's `query()` meets
 * (isDatabaseUnavailable knows both), without the query runner and event
 * broadcast TypeORM builds around each statement, about a tenth of a small
 * request's CPU. Only the hot reads use it: authenticating a token and
 * reading leads. Writes stay on TypeORM, for its transactions and its
 * QueryFailedError. `types` overrides the type parsers for this statement
 * only (ISO_TIMESTAMPS, say).
 */
export async function readRows<T>(dataSource: DataSource, sql: string, parameters: unknown[], types?: CustomTypesConfig): Promise<T[]> {
  const pool = (dataSource.driver as unknown as { master: Pool }).master;
  const result = await pool.query({ text: sql, values: parameters, types });
  return result.rows as T[];
}
