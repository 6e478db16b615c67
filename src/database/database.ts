import { Logger, OnApplicationShutdown } from '@nestjs/common';
import { DatabaseError, Pool } from 'pg';
import type { CustomTypesConfig, PoolClient, PoolConfig, QueryResultRow } from 'pg';

/**
 * A statement's SQL, and a name when its text is fixed. PostgreSQL parses
 * and plans a named statement once per connection (one generic plan, as the
 * connections ask in data-source-options.ts), an unnamed one on every
 * execution: for the hot reads that was most of the database's work
 * (bench/README.md, "Query shapes"). Only fixed texts get a name: each name
 * is prepared on every pooled connection, so text built from a client's
 * choices (an ordering, say) stays unnamed and cannot pile up prepared
 * statements. `types` overrides the type parsers for this statement only.
 */
export interface Statement {
  readonly text: string;
  readonly name?: string;
  readonly types?: CustomTypesConfig;
}

/** What a repository runs its statements on: the pool, or one transaction's connection. */
export interface Queryable {
  /** The rows the statement returns. */
  rows<T extends QueryResultRow>(statement: Statement | string, values?: unknown[]): Promise<T[]>;
  /** The rows, and how many rows an INSERT, UPDATE or DELETE affected. */
  run<T extends QueryResultRow>(statement: Statement | string, values?: unknown[]): Promise<{ rows: T[]; count: number }>;
}

/** A constraint the statement violated, by name: what a repository turns into its own error. */
abstract class ConstraintViolation extends Error {
  constructor(
    readonly constraint: string,
    options: { cause: unknown },
  ) {
    super(`${new.target.name} on ${constraint}`, options);
    this.name = new.target.name;
  }
}

/** SQLSTATE 23505: a unique index already holds the value. */
export class UniqueViolation extends ConstraintViolation {}

/** SQLSTATE 23503: the referenced row is gone (or a referencing row still exists). */
export class ForeignKeyViolation extends ConstraintViolation {}

/** The one place where PostgreSQL's constraint errors become typed errors; every other error passes through as it came. */
function translateError(error: unknown): unknown {
  if (!(error instanceof DatabaseError)) return error;
  if (error.code === '23505') return new UniqueViolation(error.constraint ?? '', { cause: error });
  if (error.code === '23503') return new ForeignKeyViolation(error.constraint ?? '', { cause: error });
  return error;
}

const config = (statement: Statement | string, values: unknown[] | undefined) =>
  typeof statement === 'string' ? { text: statement, values } : { text: statement.text, name: statement.name, types: statement.types, values };

async function query<T extends QueryResultRow>(
  client: PoolClient,
  statement: Statement | string,
  values: unknown[] | undefined,
): Promise<{ rows: T[]; count: number }> {
  const result = await client.query<T>(config(statement, values));
  return { rows: result.rows, count: result.rowCount ?? 0 };
}

/**
 * Lends `use` one pooled connection and gives it back, or discards it when
 * `use` calls `discard` or the connection fails meanwhile. Checked out, a
 * connection has no pool listener: a server that goes away while it is lent
 * would otherwise be an unhandled 'error'.
 */
async function lend<T>(pool: Pool, use: (client: PoolClient, discard: (error: Error) => void) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const discard = (error: Error): void => {
    broken ??= error;
  };
  client.on('error', discard);
  try {
    return await use(client, discard);
  } finally {
    client.removeListener('error', discard);
    client.release(broken);
  }
}

/**
 * One transaction's connection, for as long as the work runs: a statement
 * issued later (one the work forgot to await, say) is refused rather than run
 * after COMMIT, or on the pooled connection once another request holds it.
 */
class TransactionConnection implements Queryable {
  private ended = false;

  constructor(private readonly client: PoolClient) {}

  end(): void {
    this.ended = true;
  }

  async rows<T extends QueryResultRow>(statement: Statement | string, values?: unknown[]): Promise<T[]> {
    return (await this.run<T>(statement, values)).rows;
  }

  async run<T extends QueryResultRow>(statement: Statement | string, values?: unknown[]): Promise<{ rows: T[]; count: number }> {
    if (this.ended) throw new Error('statement issued on a transaction that has already ended');
    try {
      return await query<T>(this.client, statement, values);
    } catch (error) {
      throw translateError(error);
    }
  }
}

const logger = new Logger('Database');

/**
 * The app's one way to PostgreSQL: a node-postgres pool of its own (sized
 * DATABASE_POOL_SIZE, built from the same options as TypeORM's, which is kept
 * for the migrations only). Repositories run their statements here or in a
 * transaction it opens; errors keep node-postgres's shapes, which
 * isDatabaseUnavailable reads, except the constraint violations, which come
 * out as UniqueViolation and ForeignKeyViolation.
 */
export class Database implements Queryable, OnApplicationShutdown {
  private constructor(private readonly pool: Pool) {}

  /**
   * Opens the pool and checks out one connection, so that a database that
   * cannot be reached (or refuses the credentials) stops the server at
   * startup instead of failing its first request.
   */
  static async connect(poolConfig: PoolConfig): Promise<Database> {
    const pool = new Pool(poolConfig);
    // An idle pooled connection dropped by the server (restart, failover) is
    // reported here; without a handler it would crash the process.
    pool.on('error', (error: Error) => logger.warn(`idle database connection lost: ${error.message}`));
    try {
      (await pool.connect()).release();
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw error;
    }
    return new Database(pool);
  }

  async rows<T extends QueryResultRow>(statement: Statement | string, values?: unknown[]): Promise<T[]> {
    return (await this.run<T>(statement, values)).rows;
  }

  /**
   * One statement on a pooled connection. Not pool.query: that hands the
   * connection back with the statement's error, and pg-pool closes any
   * connection returned with an error, so every duplicate email would cost a
   * new connection (and its prepared statements). An error PostgreSQL answered
   * leaves the connection usable; any other one (the socket, a client-side
   * timeout) discards it.
   */
  run<T extends QueryResultRow>(statement: Statement | string, values?: unknown[]): Promise<{ rows: T[]; count: number }> {
    return lend(this.pool, async (client, discard) => {
      try {
        return await query<T>(client, statement, values);
      } catch (error) {
        if (!(error instanceof DatabaseError)) discard(error instanceof Error ? error : new Error(String(error)));
        throw translateError(error);
      }
    });
  }

  /**
   * Runs `work` on one connection between BEGIN and COMMIT, and rolls back
   * when it throws. A connection that fails meanwhile (or cannot roll back)
   * is discarded rather than returned to the pool; its error reaches the
   * caller through the statement that was running, or the COMMIT.
   */
  transaction<T>(work: (connection: Queryable) => Promise<T>): Promise<T> {
    return lend(this.pool, async (client, discard) => {
      const connection = new TransactionConnection(client);
      try {
        await client.query('BEGIN');
        let result: T;
        try {
          result = await work(connection);
        } finally {
          connection.end();
        }
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(discard);
        throw translateError(error);
      }
    });
  }

  /** Closes every pooled connection. */
  close(): Promise<void> {
    return this.pool.end();
  }

  onApplicationShutdown(): Promise<void> {
    return this.close();
  }
}
