import type { Queryable } from './database';

/** The largest value of an integer identity column. */
const MAX_INTEGER_ID = 2_147_483_647;

/**
 * Moves a table's `id` identity past every row, and to `atLeast` when that
 * is further (another system's own next id), after rows were inserted with
 * their ids kept (OVERRIDING SYSTEM VALUE), which the identity does not see.
 * `ALTER TABLE … RESTART` rolls back with the transaction, unlike setval(),
 * so a dry run or a failed import leaves the identity as it was. Returns the
 * next id.
 */
export async function restartIdentity(table: 'users' | 'leads', atLeast: number | null, db: Queryable): Promise<number> {
  const rows = await db.rows<{ next: number }>(`SELECT COALESCE(max(id), 0) + 1 AS next FROM ${table}`);
  // An id the column cannot hold is not one this table will ever be asked for.
  const wanted = atLeast !== null && Number.isSafeInteger(atLeast) && atLeast <= MAX_INTEGER_ID ? atLeast : 1;
  const next = Math.max(rows[0].next, wanted);
  await db.run(`ALTER TABLE ${table} ALTER COLUMN id RESTART WITH ${next}`);
  return next;
}
