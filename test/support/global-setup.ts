import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres';
import { StartupError } from '../../src/database/startup-error';
import { freePort } from './free-port';
import { ADMIN_URL_ENV, createMigratedTemplate, databaseUrl, TEMPLATE_ENV } from './test-database';

/**
 * e2e tests run against a real PostgreSQL: TEST_DATABASE_URL when set,
 * otherwise an embedded server started for this run and deleted after it.
 * Migrations run once, into a template that each test file copies.
 */
export default async function globalSetup(): Promise<void> {
  let adminUrl: string;
  const external = process.env.TEST_DATABASE_URL;
  if (external) {
    adminUrl = external;
  } else {
    const directory = join(mkdtempSync(join(tmpdir(), 'leads-api-test-')), 'postgres');
    const server = await startEmbeddedPostgres({ directory, port: await freePort(), database: 'postgres', persistent: false }).catch((error: unknown) => {
      // Something the user can fix (a folder the postgres user cannot enter, say): that one line, not a stack per test file.
      if (error instanceof StartupError) {
        process.stderr.write(`\nThe e2e tests cannot start their embedded PostgreSQL: ${error.message}\n`);
        process.exit(1);
      }
      throw error;
    });
    (globalThis as { __embeddedPostgres?: unknown }).__embeddedPostgres = server;
    adminUrl = server.adminUrl;
  }
  const template = await createMigratedTemplate(adminUrl);
  process.env[ADMIN_URL_ENV] = databaseUrl(adminUrl, new URL(adminUrl).pathname.slice(1) || 'postgres');
  process.env[TEMPLATE_ENV] = template;
}
