import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SessionsModule } from '../sessions/sessions.module';
import { AuthController } from './auth.controller';
import { AuthToken } from './auth-token.entity';
import { AuthCoreModule } from './auth-core.module';
import { TokenPruner } from './token-pruner';
import { TokenStrategy } from './token.strategy';

@Module({
  // The browser-session interceptors on the controller are built in this module and read auth_tokens.
  imports: [PassportModule, TypeOrmModule.forFeature([AuthToken]), AuthCoreModule, SessionsModule],
  controllers: [AuthController],
  providers: [TokenStrategy, TokenPruner],
  exports: [AuthCoreModule],
})
export class AuthModule {}
