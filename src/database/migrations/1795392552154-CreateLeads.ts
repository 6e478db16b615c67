import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateLeads1795392552154 implements MigrationInterface {
  name = 'CreateLeads1795392552154';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "leads" (
        "id" integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        "name" varchar(100) NOT NULL,
        "email" varchar(100) NOT NULL,
        "message" varchar(500) NOT NULL,
        "owner_id" integer NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now()
      )`);
    // One lead per email and owner, whatever the case: the index (not a
    // check-then-insert) is what stops two concurrent requests both landing.
    // Its leading owner_id column also serves the foreign key's cascade.
    await queryRunner.query(`CREATE UNIQUE INDEX "leads_owner_id_email_lower_key" ON "leads" ("owner_id", lower("email"))`);
    // Lists are always one owner's rows, newest first by default; with id as
    // the tie-breaker the default page is read straight off this index.
    await queryRunner.query(`CREATE INDEX "leads_owner_id_created_at_idx" ON "leads" ("owner_id", "created_at", "id")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "leads"`);
  }
}
