import { DataSourceOptions } from 'typeorm';
import { AuthToken } from '../auth/auth-token.entity';
import { Lead } from '../leads/lead.entity';
import { User } from '../users/user.entity';
import { CreateUsersAndAuthTokens1763856000000 } from './migrations/1763856000000-CreateUsersAndAuthTokens';
import { CreateLeads1795392552154 } from './migrations/1795392552154-CreateLeads';

/** Listed explicitly (no globs) so that ts-node, jest and the compiled build all see the same set. */
export const ENTITIES = [User, AuthToken, Lead];
export const MIGRATIONS = [CreateUsersAndAuthTokens1763856000000, CreateLeads1795392552154];

/**
 * The one place that turns a connection string into TypeORM options: the app,
 * the management CLI, the TypeORM CLI and the tests all build on it.
 */
export function buildDataSourceOptions(databaseUrl: string, poolSize = 10): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'typeorm_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    logging: false,
    extra: {
      max: poolSize,
      connectionTimeoutMillis: 5_000,
      // A stuck statement must not hold a pooled connection forever.
      statement_timeout: 15_000,
      application_name: 'leads-api',
    },
  };
}
