import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module';
import { AuthService } from './auth.service';
import { AuthTokensRepository } from './auth-tokens.repository';
import { TokensService } from './tokens.service';

/**
 * Auth's rules without its HTTP side (routes, passport strategy, browser
 * sessions, the prune timer): what AuthModule serves over HTTP, and what
 * `npm run manage` boots, so that both doors run the same code.
 */
@Module({
  imports: [UsersModule],
  providers: [AuthService, AuthTokensRepository, TokensService],
  exports: [AuthService, TokensService],
})
export class AuthCoreModule {}
