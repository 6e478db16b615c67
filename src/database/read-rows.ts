import type { CustomTypesConfig, Pool } from 'pg';
import type { DataSource } from 'typeorm';

/**
 * A read statement's SQL, and a name when its text is fixed. PostgreSQL parses
 * and plans a named statement once per connection (one generic plan, as the
 * connections ask in data-source-options.ts), an unnamed one on every
 * execution: for the hot reads that was most of the database's work
 * (`npm run bench:queries`). Only fixed texts
 * get a name: each name is prepared on every pooled connection, so text
 * built from a client's choices (an ordering, say) stays unnamed and cannot
 * pile up prepared statements.
 */
export interface ReadStatement {
  readonly text: string;
  readonly name?: string;
}

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
export async function readRows<T>(dataSource: DataSource, statement: ReadStatement, values: unknown[], types?: CustomTypesConfig): Promise<T[]> {
  const pool = (dataSource.driver as unknown as { master: Pool }).master;
  const result = await pool.query({ name: statement.name, text: statement.text, values, types });
  return result.rows as T[];
}
