import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule, TypeOrmModuleOptions } from '@nestjs/typeorm';
import { DataSource, DataSourceOptions } from 'typeorm';
import { AuthCoreModule } from '../auth/auth-core.module';
import { AppConfig } from '../config/app-config';
import { AppConfigModule } from '../config/app-config.module';
import { buildDataSourceOptions, buildPoolConfig } from '../database/data-source-options';
import { Database } from '../database/database';
import { DatabaseModule } from '../database/database.module';
import { DjangoImportModule } from '../django-import/django-import.module';
import { UsersModule } from '../users/users.module';
import { connect } from './cli-database';
import { ManagementService } from './management.service';

export interface ManageModuleOptions {
  config: AppConfig;
  /** Resolved by runManage: DATABASE_URL, or the embedded server (running, or started for this command). */
  database: { url: string; description: string };
  /** The command's statement timeout: a migration may run far longer than any request is allowed to. */
  statementMs: number;
  /** Seconds to keep retrying the first connection (--wait). */
  waitSeconds: number;
  onWaiting: (reason: string) => void;
}

/**
 * What one management command runs in: the app's configuration, database
 * options and auth and users modules (and the Django importer over them), without the HTTP edge, the browser
 * sessions, the throttler's storage (Redis) or the token prune timer, so the
 * process ends when the command does.
 */
@Module({})
export class ManageModule {
  static forCommand({ config, database, statementMs, waitSeconds, onWaiting }: ManageModuleOptions): DynamicModule {
    return {
      module: ManageModule,
      imports: [
        AppConfigModule.forRoot(config),
        TypeOrmModule.forRootAsync({
          useFactory: (): TypeOrmModuleOptions => ({
            // Two connections are plenty for one command.
            ...buildDataSourceOptions(database.url, 2, { connectMs: config.databaseConnectTimeoutMs, statementMs }),
            // connect() retries, for as long as --wait says, and words the failure.
            retryAttempts: 0,
            toRetry: () => false,
          }),
          dataSourceFactory: (options) => connect(options as DataSourceOptions, database.description, { waitSeconds, onWaiting }),
        }),
        // The repositories' own handle, once the DataSource (which waits, above) has reached the server.
        DatabaseModule.forRootAsync({
          inject: [DataSource],
          useFactory: () => Database.connect(buildPoolConfig(database.url, 1, { connectMs: config.databaseConnectTimeoutMs, statementMs })),
        }),
        UsersModule,
        AuthCoreModule,
        DjangoImportModule,
      ],
      providers: [ManagementService],
    };
  }
}
