import fastifyCookie from '@fastify/cookie';
import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import { installBodyParsers } from './http/body-parsers';
import { installRequestLogger } from './http/request-logger';
import { corsOptions, installSecurityHeaders } from './http/security-headers';
import { installConsolePages } from './console/console-pages';
import type { AppLogger } from './common/logging/app-logger';
import { AppConfig } from './config/app-config';
import { setupOpenApi } from './http/openapi';
import { decorateAuthRequest } from './auth/request-auth';
import { installCsrfFormField } from './auth/sessions/csrf-form-field';
import { answerClientError, answerFrameworkError, applyServerLimits, installDuplicateHeaderCheck, installRequestLimits } from './http/http-limits';
import { ROUTE_MATCHING, RouteTable } from './http/route-table';

/**
 * Builds the HTTP application exactly as production runs it; main.ts and the
 * e2e tests both call this, so tests exercise the real request pipeline.
 */
export async function createApp(config: AppConfig, databaseUrl: string, logger: AppLogger): Promise<INestApplication> {
  const adapter = new FastifyAdapter({
    logger: false,
    // A hop count is accepted at run time (proxy-addr), though Fastify's types list only the other forms.
    trustProxy: config.trustProxy as boolean | string,
    bodyLimit: config.http.bodyLimitBytes,
    // Every route answers with and without a trailing slash, as the contract lists them.
    routerOptions: { ...ROUTE_MATCHING, maxParamLength: config.http.maxUrlLength },
    requestIdHeader: false,
    clientErrorHandler: answerClientError,
    frameworkErrors: answerFrameworkError,
  });
  // Before Nest registers any route, so that the table sees them all.
  RouteTable.install(adapter.getInstance());
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot({ config, databaseUrl }), adapter, {
    bodyParser: false,
    logger,
    abortOnError: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  applyServerLimits(app.getHttpServer(), config.http);
  installRequestLogger(fastify, logger);
  installSecurityHeaders(fastify);
  const cors = corsOptions(config.corsOrigins);
  if (cors) app.enableCors(cors as Parameters<NestFastifyApplication['enableCors']>[0]);
  installRequestLimits(fastify, config.http);
  installDuplicateHeaderCheck(fastify);
  installBodyParsers(fastify, config.http.bodyLimitBytes);
  await app.register(fastifyCookie as unknown as Parameters<NestFastifyApplication['register']>[0]);
  decorateAuthRequest(fastify);
  installCsrfFormField(fastify);
  await installConsolePages(app);
  setupOpenApi(app);
  return app;
}
