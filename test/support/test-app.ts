import { INestApplication } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { createApp } from '../../src/app.factory';
import { AppLogger } from '../../src/common/logging/app-logger';
import { loadConfig } from '../../src/config/app-config';
import { createDatabaseFromTemplate } from './test-database';

export interface TestApp {
  app: INestApplication;
  /** supertest bound to the running server: real HTTP over loopback. */
  http: () => TestAgent;
  /** Direct SQL on this file's database, for arranging and checking rows. */
  db: Pool;
  baseUrl: string;
  close(): Promise<void>;
}

/**
 * Every test talks from 127.0.0.1, so production login limits would turn a
 * test's burst of logins into 429s. Throttle tests pass tight limits in `env`.
 */
export const GENEROUS_THROTTLES: Record<string, string> = {
  THROTTLE_LOGIN_PER_IP: '1000000',
  THROTTLE_LOGIN_PER_USERNAME: '1000000',
  THROTTLE_REGISTER_PER_IP: '1000000',
  THROTTLE_PASSWORD_CHANGE_PER_USER: '1000000',
};

/**
 * The real application, built as main.ts builds it, listening on a random
 * loopback port, over a fresh database of its own. `env` sets configuration
 * exactly as environment variables would.
 */
export async function createTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const database = await createDatabaseFromTemplate();
  // Local state (the generated SECRET_KEY) goes to a directory of the test's own, not the checkout's .data.
  const dataDir = mkdtempSync(join(tmpdir(), 'leads-api-test-data-'));
  const config = loadConfig({
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_URL: database.url,
    DATA_DIR: dataDir,
    ...GENEROUS_THROTTLES,
    ...env,
  });
  // Synchronous writes to process.stdout, where the suites that check what is logged read the lines.
  const app = await createApp(config, database.url, new AppLogger(config.logLevel, process.stdout));
  await app.listen(0, '127.0.0.1');
  const server = app.getHttpServer();
  const address = server.address();
  const baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const db = new Pool({ connectionString: database.url, max: 3 });
  // An idle connection of this helper pool that the server ends (the database dropped with FORCE at close) is not a test failure.
  db.on('error', () => undefined);
  return {
    app,
    http: () => request(baseUrl),
    db,
    baseUrl,
    async close() {
      await db.end();
      await app.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
