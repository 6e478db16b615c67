import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthToken } from '../auth-token.entity';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/app-config.module';
import { BrowserLoginInterceptor, BrowserLogoutInterceptor } from './browser-session.interceptors';
import { BrowserSessions, CSRF_KEY } from './browser-sessions.service';
import { deriveKey } from './csrf-token';
import { loadOrCreateSecretKey } from './secret-key';
import { SessionsController } from './sessions.controller';

@Module({
  imports: [TypeOrmModule.forFeature([AuthToken])],
  controllers: [SessionsController],
  providers: [
    {
      provide: CSRF_KEY,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): Buffer => deriveKey(config.secretKey ?? loadOrCreateSecretKey(config.dataDir), 'csrf'),
    },
    BrowserSessions,
    BrowserLoginInterceptor,
    BrowserLogoutInterceptor,
  ],
  exports: [BrowserSessions, BrowserLoginInterceptor, BrowserLogoutInterceptor],
})
export class SessionsModule {}
