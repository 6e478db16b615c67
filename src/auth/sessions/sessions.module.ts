import { Module } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/app-config.module';
import { BrowserSessions, CSRF_KEY } from './browser-sessions.service';
import { deriveKey } from './csrf-token';
import { loadOrCreateSecretKey } from './secret-key';
import { SessionsController } from './sessions.controller';

/**
 * The browser transport of auth's tokens: the CSRF key, the session and CSRF
 * cookies, and the route that hands out a csrftoken. The login and logout
 * interceptors are not provided here: `@UseInterceptors` makes them
 * injectables of the module whose controller uses them (AuthModule), which
 * gives them TokensService, the one writer of `auth_tokens`.
 */
@Module({
  controllers: [SessionsController],
  providers: [
    {
      provide: CSRF_KEY,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): Buffer => deriveKey(config.secretKey ?? loadOrCreateSecretKey(config.dataDir), 'csrf'),
    },
    BrowserSessions,
  ],
  exports: [BrowserSessions],
})
export class SessionsModule {}
