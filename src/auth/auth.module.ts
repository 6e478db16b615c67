import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { SessionsModule } from './sessions/sessions.module';
import { AuthController } from './auth.controller';
import { AuthCoreModule } from './auth-core.module';
import { TokenPruner } from './token-pruner';
import { TokenStrategy } from './token.strategy';

@Module({
  // The browser-session interceptors on the controller are built in this module: they revoke through TokensService.
  imports: [PassportModule, AuthCoreModule, SessionsModule],
  controllers: [AuthController],
  providers: [TokenStrategy, TokenPruner],
  // The global token guard, an APP_GUARD of AppModule, ends browser sessions whose cookie names a dead token.
  exports: [AuthCoreModule, SessionsModule],
})
export class AuthModule {}
