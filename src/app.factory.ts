import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import cookieParser from 'cookie-parser';
import { AppModule } from './app.module';
import { bodyParsers } from './common/http/body-parsers';
import { noStore, requestLogger } from './common/http/request-logger';
import { corsOptions, securityHeaders } from './common/http/security-headers';
import { consolePages } from './console/console-pages';
import { JsonLogger } from './common/logging/json-logger';
import { AppConfig } from './config/app-config';
import { setupOpenApi } from './openapi';
import { csrfFormField } from './sessions/csrf-form-field.middleware';
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
  app.use(securityHeaders());
  const cors = corsOptions(config.corsOrigins);
  if (cors) app.enableCors(cors);
  app.use(urlLengthLimit(config.http.maxUrlLength));
  app.use(handlerTimeout(config.http.handlerTimeoutMs));
  app.use('/api', noStore);
  app.use(...bodyParsers(config.http.bodyLimitBytes));
  app.use(cookieParser(), csrfFormField);
  app.use(...consolePages());
  setupOpenApi(app);
  return app;
}
