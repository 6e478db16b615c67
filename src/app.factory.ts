import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { bodyParsers } from './common/http/body-parsers';
import { noStore, requestLogger } from './common/http/request-logger';
import { JsonLogger } from './common/logging/json-logger';
import { AppConfig } from './config/app-config';
import { setupOpenApi } from './openapi';
import { applyServerLimits, handlerTimeout, urlLengthLimit } from './server/http-limits';

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
  app.set('trust proxy', config.trustProxy);
  applyServerLimits(app.getHttpServer(), config.http);
  app.use(requestLogger(logger));
  app.use(urlLengthLimit(config.http.maxUrlLength));
  app.use(handlerTimeout(config.http.handlerTimeoutMs));
  app.use('/api', noStore);
  app.use(...bodyParsers(config.http.bodyLimitBytes));
  setupOpenApi(app);
  return app;
}
