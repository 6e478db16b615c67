/**
 * The one definition of "the same username", shared by everything that stores,
 * finds or counts usernames: register, login (body and HTTP Basic), the
 * management CLI, the unique index and the login throttle.
 */

/** Django's `AbstractBaseUser.normalize_username`: Unicode NFKC, so `ａlice` (fullwidth) is `alice`. */
export function normalizeUsername(username: string): string {
  return username.normalize('NFKC');
}

/**
 * A username as a form field cleans it: trimmed (DRF's CharField) and then
 * normalised (Django's UsernameField), which is what register stores and what
 * login looks up. Trimmed again after normalising because NFKC can turn a
 * leading character into a space (`´` is a space and a combining accent), so
 * that cleaning is idempotent: the DTO may clean a name and the repository
 * clean it again without the two ever disagreeing.
 */
export function cleanUsername(raw: string): string {
  return normalizeUsername(raw.trim()).trim();
}

/**
 * What the unique index (and the login lookup) compares, in SQL. `normalize`
 * is IMMUTABLE (PostgreSQL 13+), so it may appear in an index expression; the
 * application stores NFKC forms anyway, and the SQL normalisation covers rows
 * written before it did.
 */
export const USERNAME_MATCH_SQL = 'lower(normalize("username", NFKC))';

/** The unique index on USERNAME_MATCH_SQL (migration 1796119522468-NormalizeUsernames). */
export const USERNAME_UNIQUE_INDEX = 'users_username_nfkc_lower_key';

/** Its predecessor on lower(username), still mapped should the migration be reverted under this code. */
export const LEGACY_USERNAME_UNIQUE_INDEX = 'users_username_lower_key';

/**
 * The key the per-username login throttle counts under: the cleaned name,
 * case-folded at least as coarsely as PostgreSQL's lower() folds it under any
 * collation, so that no two spellings that reach the same account can have
 * two budgets. JavaScript's toLowerCase is Unicode's full mapping (as ICU
 * collations apply it); libc collations map one code point at a time, so a
 * word-final Σ lowers to σ there and to ς here, and İ lowers to i there and to
 * i + U+0307 here. Both are folded to the libc form. Folding too far only
 * makes two rare, distinct names share a budget, never one name get two.
 */
export function usernameThrottleKey(raw: string): string {
  return cleanUsername(raw).toLowerCase().replace(/ς/g, 'σ').replace(/i\u0307/g, 'i');
}
