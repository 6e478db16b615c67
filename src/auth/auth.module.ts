import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SessionsModule } from './sessions/sessions.module';
import { UsersModule } from '../users/users.module';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { AuthToken } from './auth-token.entity';
import { AuthTokensRepository } from './auth-tokens.repository';
import { TokenPruner } from './token-pruner';
import { TokenStrategy } from './token.strategy';
import { TokensService } from './tokens.service';

@Module({
  imports: [PassportModule, TypeOrmModule.forFeature([AuthToken]), UsersModule, SessionsModule],
  controllers: [AuthController],
  providers: [AuthService, AuthTokensRepository, TokensService, TokenStrategy, TokenPruner],
  // The global token guard, an APP_GUARD of AppModule, ends browser sessions whose cookie names a dead token.
  exports: [TokensService, SessionsModule],
})
export class AuthModule {}
