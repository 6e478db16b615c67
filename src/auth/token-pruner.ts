import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/app-config.module';
import { TokensService } from './tokens.service';

/**
 * Deletes expired tokens in bulk on a timer (as Sanctum's PruneExpired does),
 * so authentication never has to clean up after tokens nobody presents again.
 */
@Injectable()
export class TokenPruner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TokenPruner.name);
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly tokens: TokensService,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.prune(), this.config.auth.pruneIntervalMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async prune(): Promise<void> {
    try {
      const deleted = await this.tokens.pruneExpired();
      if (deleted > 0) this.logger.log(`pruned ${deleted} expired token(s)`);
    } catch (error) {
      this.logger.warn(`token prune failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
