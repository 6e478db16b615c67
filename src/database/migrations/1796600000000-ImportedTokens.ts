import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Room for the tokens a Django deployment issued (knox 5, knox 4.2, DRF's
 * authtoken), so that moving over logs nobody out. `kind` says how a
 * presented token is digested to find its row: SHA-256 for this server's own
 * tokens and DRF keys (64 hex), knox's SHA-512 kept as knox stored it (128
 * hex). The CHECK ties each kind to its digest's length, so a row can never
 * be found through another kind's algorithm.
 */
export class ImportedTokens1796600000000 implements MigrationInterface {
  name = 'ImportedTokens1796600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // knox 5's token_key column is 25 wide (its maximum prefix + 15); its keys are 15 characters.
    await queryRunner.query(`
      ALTER TABLE "auth_tokens"
        ALTER COLUMN "digest" TYPE varchar(128),
        ALTER COLUMN "token_key" TYPE varchar(25),
        ADD COLUMN "kind" varchar(8) NOT NULL DEFAULT 'native',
        ADD CONSTRAINT "auth_tokens_kind_check" CHECK ("kind" IN ('native', 'knox5', 'knox42', 'drf')),
        ADD CONSTRAINT "auth_tokens_digest_kind_check"
          CHECK (length("digest") = CASE WHEN "kind" IN ('knox5', 'knox42') THEN 128 ELSE 64 END)`);
  }

  /**
   * Refuses while imported tokens exist: dropping them would log their
   * holders out, and narrowing the columns under them cannot succeed. The
   * operator who means it deletes them first (the message says how).
   */
  async down(queryRunner: QueryRunner): Promise<void> {
    const rows = (await queryRunner.query(`SELECT count(*)::int AS count FROM "auth_tokens" WHERE "kind" <> 'native'`)) as { count: number }[];
    const count = rows[0]?.count ?? 0;
    if (count > 0) {
      throw new Error(
        `${count} imported token(s) are still in auth_tokens; reverting would log their holders out. ` +
          `To revert anyway, revoke them first: DELETE FROM auth_tokens WHERE kind <> 'native'`,
      );
    }
    await queryRunner.query(`
      ALTER TABLE "auth_tokens"
        DROP CONSTRAINT "auth_tokens_digest_kind_check",
        DROP CONSTRAINT "auth_tokens_kind_check",
        DROP COLUMN "kind",
        ALTER COLUMN "token_key" TYPE varchar(16),
        ALTER COLUMN "digest" TYPE char(64)`);
  }
}
