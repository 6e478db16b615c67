import { DynamicModule, Global, Module } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { getOptionsToken, getStorageToken, ThrottlerModuleOptions, ThrottlerStorageService } from '@nestjs/throttler';
import type { AppConfig } from '../../config/app-config';
import { buildThrottlers } from './auth-throttle.guard';
import { RedisThrottlerStorage } from './redis-throttler.storage';

/**
 * Provides what @nestjs/throttler's guard injects: the named limits from the
 * configuration, and the counter storage (Redis when REDIS_URL is set, so
 * instances share counters; this process's memory otherwise).
 */
@Global()
@Module({})
export class ThrottlingModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ThrottlingModule,
      providers: [
        {
          provide: getOptionsToken(),
          inject: [Reflector],
          useFactory: (reflector: Reflector): ThrottlerModuleOptions => ({
            throttlers: buildThrottlers(config.throttle, reflector),
            setHeaders: false,
          }),
        },
        { provide: getStorageToken(), useClass: config.redisUrl ? RedisThrottlerStorage : ThrottlerStorageService },
      ],
      exports: [getOptionsToken(), getStorageToken()],
    };
  }
}
