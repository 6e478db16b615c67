import { Module } from '@nestjs/common';
import { AuthCoreModule } from '../auth/auth-core.module';
import { LeadsRepository } from '../leads/leads.repository';
import { UsersModule } from '../users/users.module';
import { DjangoImportService } from './django-import.service';

/**
 * The Django importer over the app's own writers: UsersRepository,
 * LeadsRepository and TokensService. LeadsRepository is provided here rather
 * than through LeadsModule, whose controller a management command must not boot.
 */
@Module({
  imports: [UsersModule, AuthCoreModule],
  providers: [DjangoImportService, LeadsRepository],
  exports: [DjangoImportService],
})
export class DjangoImportModule {}
