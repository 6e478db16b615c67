import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The list of leads is in `id` order by default (DRF's plain list in the
 * model's primary-key order), and a long one is read in keyset parts
 * (`owner_id = $1 AND id > $2 ORDER BY id LIMIT n`): this index serves both
 * as an ordered range read of one owner's rows, however many leads other
 * owners hold. (owner_id, created_at, id) stays for `ordering=created_at`.
 */
export class LeadsOwnerIdIdIndex1796400000000 implements MigrationInterface {
  name = 'LeadsOwnerIdIdIndex1796400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX "leads_owner_id_id_idx" ON "leads" ("owner_id", "id")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "leads_owner_id_id_idx"`);
  }
}
