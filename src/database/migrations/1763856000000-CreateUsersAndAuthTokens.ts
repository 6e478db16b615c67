import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateUsersAndAuthTokens1763856000000 implements MigrationInterface {
  name = 'CreateUsersAndAuthTokens1763856000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "users" (
        "id" integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        "username" varchar(150) NOT NULL,
        "email" varchar(254) NOT NULL,
        "password_hash" varchar(255) NOT NULL,
        "is_active" boolean NOT NULL DEFAULT true,
        "last_login" timestamptz,
        "date_joined" timestamptz NOT NULL DEFAULT now()
      )`);
    // Usernames are unique regardless of case, enforced by the index so that
    // concurrent registrations cannot both succeed.
    await queryRunner.query(`CREATE UNIQUE INDEX "users_username_lower_key" ON "users" (lower("username"))`);

    await queryRunner.query(`
      CREATE TABLE "auth_tokens" (
        "id" integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        "digest" char(64) NOT NULL,
        "token_key" varchar(16) NOT NULL,
        "user_id" integer NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
        "name" varchar(64),
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "expiry" timestamptz,
        "last_used_at" timestamptz
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX "auth_tokens_digest_key" ON "auth_tokens" ("digest")`);
    await queryRunner.query(`CREATE INDEX "auth_tokens_user_id_idx" ON "auth_tokens" ("user_id", "created_at")`);
    await queryRunner.query(
      `CREATE INDEX "auth_tokens_expiry_idx" ON "auth_tokens" ("expiry") WHERE "expiry" IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "auth_tokens"`);
    await queryRunner.query(`DROP TABLE "users"`);
  }
}
