import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { DataSource, MigrationExecutor } from 'typeorm';
import { AuthToken } from '../auth/auth-token.entity';
import { AuthTokensRepository } from '../auth/auth-tokens.repository';
import { DUPLICATE_USERNAME_MESSAGE } from '../auth/auth.service';
import { RegisterDto } from '../auth/dto/register.dto';
import { FieldErrors } from '../common/http/problem-details';
import { toFieldErrors } from '../common/http/validation.pipe';
import { PasswordHasher } from '../users/password-hasher';
import { User } from '../users/user.entity';
import { DuplicateUsernameError, UsersRepository, UserWithHash } from '../users/users.repository';
import { CommandError } from './cli-errors';
import { PasswordSource } from './password-input';

export interface CreatedUser {
  id: number;
  username: string;
  email: string;
}

/**
 * What the management commands do, over the same repositories, validators
 * and hasher as the HTTP routes, so an account made here is indistinguishable
 * from one made by POST /api/auth/register.
 */
export class ManagementService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly users: UsersRepository,
    private readonly tokens: AuthTokensRepository,
    private readonly hasher: PasswordHasher,
  ) {}

  static forDataSource(dataSource: DataSource): ManagementService {
    return new ManagementService(
      dataSource,
      new UsersRepository(dataSource.getRepository(User)),
      new AuthTokensRepository(dataSource.getRepository(AuthToken)),
      new PasswordHasher(),
    );
  }

  async createUser(username: string, email: string | undefined, passwords: PasswordSource): Promise<CreatedUser> {
    // The register route's rules (and trimming), checked before asking for a password.
    const { fields, errors } = await validateRegistration({ username, email });
    delete errors.password;
    if (Object.keys(errors).length > 0) throw invalidInput(errors);
    if (await this.users.findByUsernameWithHash(fields.username)) throw new CommandError(DUPLICATE_USERNAME_MESSAGE);

    const password = await passwords.obtain((candidate) => passwordProblems(candidate, { username: fields.username, email: fields.email ?? '' }));
    const passwordHash = await this.hasher.hash(password);
    try {
      // The unique index still decides if someone registers the name meanwhile.
      const user = await this.users.create({ username: fields.username, email: fields.email ?? '', passwordHash });
      return { id: user.id, username: user.username, email: user.email };
    } catch (error) {
      if (error instanceof DuplicateUsernameError) throw new CommandError(DUPLICATE_USERNAME_MESSAGE);
      throw error;
    }
  }

  /**
   * Every token of the user is revoked with the change, in one transaction:
   * an operator resets a password because the old one (or a device holding a
   * token) can no longer be trusted.
   */
  async changePassword(username: string, passwords: PasswordSource): Promise<{ username: string; revokedTokens: number }> {
    const user = await this.findUser(username);
    const password = await passwords.obtain((candidate) => passwordProblems(candidate, user));
    const passwordHash = await this.hasher.hash(password);
    const revokedTokens = await this.dataSource.transaction(async (manager) => {
      await this.users.setPasswordHash(user.id, passwordHash, manager);
      return this.tokens.deleteAllOwned(user.id, manager);
    });
    return { username: user.username, revokedTokens };
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

  pruneExpiredTokens(): Promise<number> {
    return this.tokens.deleteExpired(new Date());
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

async function validateRegistration(input: { username: string; email?: string; password?: string }): Promise<{
  fields: RegisterDto;
  errors: FieldErrors;
}> {
  const fields = plainToInstance(RegisterDto, input);
  const errors = await validate(fields, { stopAtFirstError: true, validationError: { target: false, value: false } });
  return { fields, errors: toFieldErrors(errors) };
}

/** The register route's password rules (length, then Django's validators against this username and email). */
async function passwordProblems(password: string, owner: { username: string; email: string }): Promise<string[]> {
  const { errors } = await validateRegistration({ username: owner.username, email: owner.email, password });
  return errors.password ?? [];
}

function invalidInput(errors: FieldErrors): CommandError {
  const lines = Object.entries(errors).flatMap(([field, messages]) => messages.map((message) => `  - ${field}: ${message}`));
  return new CommandError(['Invalid input:', ...lines].join('\n'));
}
