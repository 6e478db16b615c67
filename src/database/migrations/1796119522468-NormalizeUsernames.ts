import { MigrationInterface, QueryRunner } from 'typeorm';

interface Collision {
  usernames: string[];
  ids: number[];
}

/**
 * Usernames are unique as Django compares them: after Unicode NFKC
 * (`normalize_username`), in any letter case. The unique index moves from
 * lower(username) to lower(normalize(username, NFKC)), which the login lookup
 * uses too. Stored usernames are left as they are (Django never rewrites them
 * either); new ones are stored in NFKC form by the application.
 *
 * Rows that only the new rule finds equal (`ａlice` and `alice`) would make
 * the index fail to build: the migration refuses, naming them, and changes
 * nothing, so that an operator decides which account keeps the name.
 */
export class NormalizeUsernames1796119522468 implements MigrationInterface {
  name = 'NormalizeUsernames1796119522468';

  async up(queryRunner: QueryRunner): Promise<void> {
    const [server] = (await queryRunner.query(
      `SELECT current_setting('server_version_num')::int AS version, current_setting('server_encoding') AS encoding`,
    )) as { version: number; encoding: string }[];
    if (server.version < 130000 || server.encoding !== 'UTF8') {
      throw new Error(
        `NormalizeUsernames needs PostgreSQL 13 or later with a UTF8 database, for normalize() (found version ${server.version}, encoding ${server.encoding}).`,
      );
    }

    const collisions = (await queryRunner.query(`
      SELECT array_agg("username" ORDER BY "id") AS usernames, array_agg("id" ORDER BY "id") AS ids
        FROM "users"
       GROUP BY lower(normalize("username", NFKC))
      HAVING count(*) > 1
       ORDER BY min("id")`)) as Collision[];
    if (collisions.length > 0) {
      const groups = collisions.map(({ usernames, ids }) => usernames.map((username, i) => `${JSON.stringify(username)} (id ${ids[i]})`).join(' = '));
      throw new Error(
        [
          `NormalizeUsernames: ${collisions.length} group(s) of users share one username once usernames are compared as Django compares them (Unicode NFKC, any letter case):`,
          ...groups.map((group) => `  ${group}`),
          'Rename all but one user of each group (UPDATE users SET username = ... WHERE id = ...), then run the migrations again. Nothing was changed.',
        ].join('\n'),
      );
    }

    await queryRunner.query(`CREATE UNIQUE INDEX "users_username_nfkc_lower_key" ON "users" (lower(normalize("username", NFKC)))`);
    await queryRunner.query(`DROP INDEX "users_username_lower_key"`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // Names equal under lower() are equal under the NFKC index too (NFKC only merges more), so the old index
    // builds; were a pair ever to differ, PostgreSQL names the duplicate and the transaction keeps the new index.
    await queryRunner.query(`CREATE UNIQUE INDEX "users_username_lower_key" ON "users" (lower("username"))`);
    await queryRunner.query(`DROP INDEX "users_username_nfkc_lower_key"`);
  }
}
