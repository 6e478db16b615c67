import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ThrottlerStorage, ThrottlerStorageService } from '@nestjs/throttler';
import type Redis from 'ioredis';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/app-config.module';

/**
 * One round trip, atomic on the Redis server: count the hit, start the window
 * on the first one, and open a block when the count passes the limit. Two
 * instances incrementing at the same moment can therefore never both slip
 * under the limit. Returns {hits, ms left in window, blocked, ms left in block}.
 */
const INCREMENT_SCRIPT = `
local hitsKey, blockKey = KEYS[1], KEYS[2]
local ttl, limit, block = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local blockLeft = redis.call('PTTL', blockKey)
if blockLeft > 0 then
  return {tonumber(redis.call('GET', hitsKey) or '0'), redis.call('PTTL', hitsKey), 1, blockLeft}
end
local hits = redis.call('INCR', hitsKey)
local left = redis.call('PTTL', hitsKey)
if left < 0 then
  redis.call('PEXPIRE', hitsKey, ttl)
  left = ttl
end
if hits > limit then
  if block > 0 then
    redis.call('SET', blockKey, '1', 'PX', block)
    return {hits, left, 1, block}
  end
  return {hits, left, 1, left}
end
return {hits, left, 0, 0}
`;

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

const FALLBACK_WARNING_INTERVAL_MS = 30_000;

const toSeconds = (ms: number): number => Math.max(0, Math.ceil(ms / 1000));

/**
 * Throttle counters in Redis, so that every instance behind a load balancer
 * counts against the same limit. If Redis cannot be reached the counters fall
 * back to this process's memory: logins stay limited per instance, and an
 * outage of Redis never becomes an outage of login.
 */
@Injectable()
export class RedisThrottlerStorage implements ThrottlerStorage, OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RedisThrottlerStorage.name);
  private readonly redis: Redis;
  private readonly fallback = new ThrottlerStorageService();
  private lastWarning = 0;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    // Loaded only when REDIS_URL selects this storage: a server without Redis keeps the client out of memory.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { default: RedisClient } = require('ioredis') as typeof import('ioredis');
    this.redis = new RedisClient(config.redisUrl ?? 'redis://127.0.0.1:6379', {
      // Fail fast instead of queueing: a login must not wait on a dead Redis.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: 1_000,
      connectTimeout: 2_000,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
      lazyConnect: true,
    });
    this.redis.on('error', (error: Error) => this.warn(`redis: ${error.message}`));
  }

  async onModuleInit(): Promise<void> {
    try {
      await this.redis.connect();
    } catch (error) {
      this.warn(`redis not reachable at startup, throttling in memory until it is: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    const hitsKey = `${this.config.redisKeyPrefix}throttle:{${key}}`;
    try {
      const [hits, left, blocked, blockLeft] = (await this.redis.eval(INCREMENT_SCRIPT, 2, hitsKey, `${hitsKey}:block`, ttl, limit, blockDuration)) as number[];
      return { totalHits: hits, timeToExpire: toSeconds(left), isBlocked: blocked === 1, timeToBlockExpire: toSeconds(blockLeft) };
    } catch (error) {
      this.warn(`throttling in memory, redis failed: ${error instanceof Error ? error.message : String(error)}`);
      return this.fallback.increment(key, ttl, limit, blockDuration, throttlerName);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.fallback.onApplicationShutdown();
    if (this.redis.status === 'ready') await this.redis.quit().catch(() => undefined);
    else this.redis.disconnect();
  }

  private warn(message: string): void {
    const now = Date.now();
    if (now - this.lastWarning < FALLBACK_WARNING_INTERVAL_MS) return;
    this.lastWarning = now;
    this.logger.warn(message);
  }
}
