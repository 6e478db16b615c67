import type { EmbeddedPostgresHandle } from '../../src/database/embedded-postgres';
import { ADMIN_URL_ENV, TEMPLATE_ENV, withAdmin } from './test-database';

export default async function globalTeardown(): Promise<void> {
  const server = (globalThis as { __embeddedPostgres?: EmbeddedPostgresHandle }).__embeddedPostgres;
  if (server) {
    await server.stop();
    return;
  }
  // On a shared server each test file drops its own database; the template goes last.
  const adminUrl = process.env[ADMIN_URL_ENV];
  const template = process.env[TEMPLATE_ENV];
  if (adminUrl && template) {
    await withAdmin(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`));
  }
}
