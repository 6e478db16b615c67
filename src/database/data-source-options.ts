import { Logger } from '@nestjs/common';
import type { PoolConfig } from 'pg';
import { DataSourceOptions } from 'typeorm';
import { CreateUsersAndAuthTokens1763856000000 } from './migrations/1763856000000-CreateUsersAndAuthTokens';
import { CreateLeads1795392552154 } from './migrations/1795392552154-CreateLeads';
import { NormalizeUsernames1796119522468 } from './migrations/1796119522468-NormalizeUsernames';
import { LeadsOwnerIdIdIndex1796400000000 } from './migrations/1796400000000-LeadsOwnerIdIdIndex';
import { ImportedTokens1796600000000 } from './migrations/1796600000000-ImportedTokens';

/** Listed explicitly (no globs) so that ts-node, jest and the compiled build all see the same set. */
export const MIGRATIONS = [
  CreateUsersAndAuthTokens1763856000000,
  CreateLeads1795392552154,
  NormalizeUsernames1796119522468,
  LeadsOwnerIdIdIndex1796400000000,
  ImportedTokens1796600000000,
];

const poolLogger = new Logger('Database');

export interface DatabaseTimeouts {
  connectMs: number;
  statementMs: number;
}

const DEFAULT_TIMEOUTS: DatabaseTimeouts = { connectMs: 5_000, statementMs: 15_000 };

/**
 * The node-postgres pool settings: the app's own pool (database.ts) and
 * TypeORM's, for the migrations, are built from these alone.
 */
export function buildPoolConfig(databaseUrl: string, poolSize = 10, timeouts: DatabaseTimeouts = DEFAULT_TIMEOUTS): PoolConfig {
  return {
    connectionString: databaseUrl,
    max: poolSize,
    // A request must fail over to 503 quickly, not hang, when the server is gone.
    connectionTimeoutMillis: timeouts.connectMs,
    // A stuck statement must not hold a pooled connection forever; the
    // client-side timeout also covers a server that stopped answering at all.
    statement_timeout: timeouts.statementMs,
    query_timeout: timeouts.statementMs + 5_000,
    keepAlive: true,
    application_name: 'leads-api',
    // The hot reads are named statements (database.ts), and every one of them finds its rows through
    // an owner-first or digest index whatever the parameters, so one generic plan per connection
    // serves them all. Left to choose, PostgreSQL kept re-planning a full page of leads on every
    // execution once the table was large (its early custom plans looked cheaper than the generic
    // one; see bench/README.md, "Query shapes").
    options: '-c plan_cache_mode=force_generic_plan',
  };
}

/**
 * TypeORM's options over the same pool settings: the migrations (at startup,
 * from the management CLI and the TypeORM CLI) and the tests build on it.
 * No entities: the migrations are SQL, and nothing else runs through TypeORM;
 * only the TypeORM CLI's migration:generate compares them with the schema,
 * and data-source.ts adds them for it.
 */
export function buildDataSourceOptions(databaseUrl: string, poolSize = 10, timeouts: DatabaseTimeouts = DEFAULT_TIMEOUTS): DataSourceOptions {
  const { connectionString, ...extra } = buildPoolConfig(databaseUrl, poolSize, timeouts);
  return {
    type: 'postgres',
    url: connectionString,
    migrations: MIGRATIONS,
    migrationsTableName: 'typeorm_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    logging: false,
    // An idle pooled connection dropped by the server (restart, failover) is
    // reported here; without a handler it would crash the process.
    poolErrorHandler: (error: Error) => poolLogger.warn(`idle database connection lost: ${error.message}`),
    extra,
  };
}
