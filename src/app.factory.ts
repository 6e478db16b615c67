import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { bodyParsers } from './common/http/body-parsers';
import { noStore, requestLogger } from './common/http/request-logger';
import { JsonLogger } from './common/logging/json-logger';
import { AppConfig } from './config/app-config';
import { setupOpenApi } from './openapi';

/**
 * Builds the HTTP application exactly as production runs it; main.ts and the
 * e2e tests both call this, so tests exercise the real middleware stack.
 */
export async function createApp(config: AppConfig, databaseUrl: string, logger = new JsonLogger(config.logLevel)): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot({ config, databaseUrl }), {
    bodyParser: false,
    logger,
    abortOnError: false,
  });
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(requestLogger(logger));
  app.use('/api', noStore);
  app.use(...bodyParsers());
  setupOpenApi(app);
  return app;
}
