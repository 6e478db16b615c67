import { DynamicModule, Global, InjectionToken, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions, buildPoolConfig, DatabaseTimeouts } from './data-source-options';
import { Database } from './database';

export interface DatabaseModuleOptions {
  url: string;
  poolSize: number;
  timeouts: DatabaseTimeouts;
  /** Apply pending migrations before the pool opens (DATABASE_MIGRATE). */
  migrate: boolean;
}

/**
 * Applies the pending migrations on a single connection of TypeORM's,
 * closed again before the app's pool opens: TypeORM's DataSource holds no
 * connection while the app serves.
 */
export async function runMigrations(url: string, timeouts: DatabaseTimeouts): Promise<string[]> {
  const dataSource = new DataSource(buildDataSourceOptions(url, 1, timeouts));
  await dataSource.initialize();
  try {
    return (await dataSource.runMigrations({ transaction: 'each' })).map((migration) => migration.name);
  } finally {
    await dataSource.destroy();
  }
}

/** The Database handle for every module, opened once per process. */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(options: DatabaseModuleOptions): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        {
          provide: Database,
          useFactory: async (): Promise<Database> => {
            if (options.migrate) await runMigrations(options.url, options.timeouts);
            return Database.connect(buildPoolConfig(options.url, options.poolSize, options.timeouts));
          },
        },
      ],
      exports: [Database],
    };
  }

  /**
   * The same handle, opened by `useFactory` once `inject` is ready: the
   * management CLI opens it after its DataSource has connected, which waits
   * for a database that is still starting (`--wait`).
   */
  static forRootAsync(options: { inject: InjectionToken[]; useFactory: (...dependencies: never[]) => Promise<Database> }): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [{ provide: Database, inject: options.inject, useFactory: options.useFactory }],
      exports: [Database],
    };
  }
}
