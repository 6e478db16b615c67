import { digestToken } from '../../src/auth/token-crypto';
import { RegisteredUser, tokenHeader } from './accounts';
import { TestApp } from './test-app';

export interface TokenRow {
  id: number;
  user_id: number;
  token_key: string;
  name: string | null;
  created_at: Date;
  expiry: Date | null;
  last_used_at: Date | null;
}

/** Logs in through the API and returns the new raw token (fails the test on anything but 200). */
export async function login(t: TestApp, user: Pick<RegisteredUser, 'username' | 'password'>, name?: string): Promise<string> {
  const response = await t.http().post('/api/auth/login').send({ username: user.username, password: user.password, ...(name ? { name } : {}) });
  if (response.status !== 200) throw new Error(`login failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.token as string;
}

/** The stored row of a raw token, found the way the server finds it: by digest. */
export async function tokenRow(t: TestApp, token: string): Promise<TokenRow | undefined> {
  const { rows } = await t.db.query<TokenRow>(
    'SELECT id, user_id, token_key, name, created_at, expiry, last_used_at FROM auth_tokens WHERE digest = $1',
    [digestToken(token)],
  );
  return rows[0];
}

export async function tokenCount(t: TestApp, userId: number): Promise<number> {
  const { rows } = await t.db.query<{ count: string }>('SELECT count(*) AS count FROM auth_tokens WHERE user_id = $1', [userId]);
  return Number(rows[0].count);
}

/** Arranges a token as if it had been created long ago and already expired (knox's test approach, no fake clocks). */
export async function expireToken(t: TestApp, token: string): Promise<void> {
  await t.db.query(
    `UPDATE auth_tokens SET created_at = now() - interval '2 days', expiry = now() - interval '1 second' WHERE digest = $1`,
    [digestToken(token)],
  );
}

export async function setActive(t: TestApp, userId: number, active: boolean): Promise<void> {
  await t.db.query('UPDATE users SET is_active = $2 WHERE id = $1', [userId, active]);
}

/** GET /api/auth/user with the token: the cheapest authenticated request. */
export const whoAmI = (t: TestApp, token: string) => t.http().get('/api/auth/user').set(...tokenHeader(token));
