import { join } from 'node:path';
import { AppConfig, maskDatabaseUrl } from '../config/app-config';
import { attachToRunningEmbeddedPostgres, startEmbeddedPostgres } from './embedded-postgres';

export interface ResolvedDatabase {
  /** Connection string, password included: never log it, log `description`. */
  url: string;
  /** Where the data lives, safe for logs. */
  description: string;
  /** Stops the embedded server if this process started it; otherwise does nothing. */
  release(): Promise<void>;
}

export interface ResolveDatabaseOptions {
  onLog?: (message: string) => void;
  /**
   * Use an embedded server that another process (a running `npm start`)
   * already serves from the same DATA_DIR, instead of failing to start a
   * second one on its data. The server keeps sole ownership of it.
   */
  attachToRunning?: boolean;
}

export const EMBEDDED_DATABASE_NAME = 'leads';

/**
 * DATABASE_URL when set, else the embedded PostgreSQL under DATA_DIR: the one
 * rule that the server and the management commands share, so they always
 * look at the same data.
 */
export async function resolveDatabase(config: AppConfig, options: ResolveDatabaseOptions = {}): Promise<ResolvedDatabase> {
  if (config.databaseUrl !== null) {
    return { url: config.databaseUrl, description: maskDatabaseUrl(config.databaseUrl), release: async () => undefined };
  }
  const directory = join(config.dataDir, 'postgres');
  const embeddedOptions = { directory, port: config.embeddedPostgresPort, database: EMBEDDED_DATABASE_NAME };
  const describe = (url: string): string => `embedded PostgreSQL ${maskDatabaseUrl(url)} (data in ${directory})`;

  if (options.attachToRunning) {
    const url = await attachToRunningEmbeddedPostgres(embeddedOptions);
    if (url !== null) return { url, description: describe(url), release: async () => undefined };
  }
  // Its own process group: a Ctrl-C of `npm start` reaches the server, which drains and then stops it.
  const embedded = await startEmbeddedPostgres({ ...embeddedOptions, persistent: true, ownProcessGroup: true, onLog: options.onLog });
  return { url: embedded.url, description: describe(embedded.url), release: () => embedded.stop() };
}
