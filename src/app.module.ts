import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { AuthModule } from './auth/auth.module';
import { ThrottlingModule } from './auth/throttling/throttling.module';
import { TokenAuthGuard } from './auth/token-auth.guard';
import { ProblemDetailsFilter } from './http/problem-details.filter';
import { ApiValidationPipe } from './common/http/validation.pipe';
import { AppConfig } from './config/app-config';
import { AppConfigModule } from './config/app-config.module';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { LeadsModule } from './leads/leads.module';
import { UsersModule } from './users/users.module';

export interface AppModuleOptions {
  config: AppConfig;
  /** Resolved by main.ts: DATABASE_URL, or the embedded server it started. */
  databaseUrl: string;
}

/**
 * Cross-cutting behaviour is registered here as providers, so that a test
 * app built from this module behaves exactly like production.
 */
@Module({})
export class AppModule {
  static forRoot({ config, databaseUrl }: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        DatabaseModule.forRoot({
          url: databaseUrl,
          poolSize: config.databasePoolSize,
          timeouts: { connectMs: config.databaseConnectTimeoutMs, statementMs: config.databaseStatementTimeoutMs },
          migrate: config.databaseMigrate,
        }),
        UsersModule,
        AuthModule,
        HealthModule,
        LeadsModule,
        ThrottlingModule.forRoot(config),
      ],
      providers: [
        { provide: APP_PIPE, useClass: ApiValidationPipe },
        { provide: APP_GUARD, useClass: TokenAuthGuard },
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
      ],
    };
  }
}
