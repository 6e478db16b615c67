import { Injectable } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { DataSource, MigrationExecutor } from 'typeorm';
import { AuthService, DUPLICATE_USERNAME_MESSAGE, PasswordRefusedError } from '../auth/auth.service';
import { RegisterDto } from '../auth/dto/register.dto';
import { TokensService } from '../auth/tokens.service';
import { FieldErrors } from '../common/http/problem-details';
import { toFieldErrors } from '../common/http/validation.pipe';
import { DjangoImportOptions, DjangoImportService } from '../django-import/django-import.service';
import { DjangoImportError } from '../django-import/import-error';
import type { ImportReport } from '../django-import/import-report';
import { DuplicateUsernameError, UsersRepository, UserWithHash } from '../users/users.repository';
import { CommandError, passwordRefused } from './cli-errors';
import { PasswordSource } from './password-input';

export interface CreatedUser {
  id: number;
  username: string;
  email: string;
}

/**
 * What the management commands do, through the app's own services: an
 * account made here is made by AuthService.createUser, as POST
 * /api/auth/register makes one, and a password is set by
 * AuthService.setPassword, as the change route sets one.
 */
@Injectable()
export class ManagementService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly auth: AuthService,
    private readonly tokens: TokensService,
    private readonly users: UsersRepository,
    private readonly djangoImport: DjangoImportService,
  ) {}

  async createUser(username: string, email: string | undefined, passwords: PasswordSource): Promise<CreatedUser> {
    // The register route's rules (and trimming), checked before asking for a password.
    const { fields, errors } = await validateRegistration({ username, email });
    delete errors.password;
    if (Object.keys(errors).length > 0) throw invalidInput(errors);
    if (await this.users.findByUsernameWithHash(fields.username)) throw new CommandError(DUPLICATE_USERNAME_MESSAGE);

    fields.password = await passwords.obtain((candidate) => this.auth.passwordProblems({ username: fields.username, email: fields.email }, candidate));
    try {
      // The unique index still decides if someone registers the name meanwhile.
      const user = await this.auth.createUser(fields, async (created) => created);
      return { id: user.id, username: user.username, email: user.email };
    } catch (error) {
      if (error instanceof DuplicateUsernameError) throw new CommandError(DUPLICATE_USERNAME_MESSAGE);
      throw error;
    }
  }

  /**
   * The change route's rule: every token of the user is revoked with the
   * change, in one transaction, except the caller's current one; a command
   * has no current token, so all of them go. An operator resets a password
   * because the old one (or a device holding a token) can no longer be trusted.
   */
  async changePassword(username: string, passwords: PasswordSource): Promise<{ username: string; revokedTokens: number }> {
    const user = await this.findUser(username);
    const password = await passwords.obtain((candidate) => this.auth.passwordProblems(user, candidate));
    try {
      return { username: user.username, revokedTokens: await this.auth.setPassword(user, password) };
    } catch (error) {
      if (error instanceof PasswordRefusedError) throw passwordRefused(error.problems);
      throw error;
    }
  }

  /**
   * Tokens are kept, not deleted: until the user is activated again they answer
   * `User inactive or deleted.`, as knox does, and login fails.
   */
  async setActive(username: string, active: boolean): Promise<{ username: string; changed: boolean }> {
    const user = await this.findUser(username);
    if (user.isActive === active) return { username: user.username, changed: false };
    await this.users.setActive(user.id, active);
    return { username: user.username, changed: true };
  }

  /** Everything or nothing: a refusal (the source, the target, rows that cannot come over) has changed nothing. */
  async importDjango(options: DjangoImportOptions, progress: (line: string) => void): Promise<ImportReport> {
    try {
      return await this.djangoImport.run(options, progress);
    } catch (error) {
      if (error instanceof DjangoImportError) throw new CommandError(error.message);
      throw error;
    }
  }

  pruneExpiredTokens(): Promise<number> {
    return this.tokens.pruneExpired();
  }

  async pendingMigrations(): Promise<string[]> {
    const pending = await new MigrationExecutor(this.dataSource).getPendingMigrations();
    return pending.map((migration) => migration.name);
  }

  async migrate(): Promise<string[]> {
    const applied = await this.dataSource.runMigrations({ transaction: 'each' });
    return applied.map((migration) => migration.name);
  }

  private async findUser(username: string): Promise<UserWithHash> {
    const user = await this.users.findByUsernameWithHash(username);
    if (!user) throw new CommandError(`User "${username}" does not exist.`);
    return user;
  }
}

/** RegisterDto's rules, as the route's validation pipe applies them (first failure per field). */
async function validateRegistration(input: { username: string; email?: string }): Promise<{
  fields: RegisterDto;
  errors: FieldErrors;
}> {
  const fields = plainToInstance(RegisterDto, input);
  const errors = await validate(fields, { stopAtFirstError: true, validationError: { target: false, value: false } });
  return { fields, errors: toFieldErrors(errors) };
}

function invalidInput(errors: FieldErrors): CommandError {
  const lines = Object.entries(errors).flatMap(([field, messages]) => messages.map((message) => `  - ${field}: ${message}`));
  return new CommandError(['Invalid input:', ...lines].join('\n'));
}
