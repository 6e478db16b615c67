import { randomBytes } from 'node:crypto';
import { TestApp } from './test-app';

export const STRONG_PASSWORD = 'violet-Harbor-42-lantern';

export interface RegisteredUser {
  id: number;
  username: string;
  email: string;
  password: string;
  token: string;
}

export function uniqueName(prefix = 'user'): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

/** Registers through the API, as a client would. */
export async function registerUser(t: TestApp, username = uniqueName()): Promise<RegisteredUser> {
  const email = `${username}@example.com`;
  const response = await t.http().post('/api/auth/register').send({ username, email, password: STRONG_PASSWORD });
  if (response.status !== 200) throw new Error(`register failed: ${response.status} ${JSON.stringify(response.body)}`);
  return { id: response.body.user.id, username, email, password: STRONG_PASSWORD, token: response.body.token };
}

export const tokenHeader = (token: string): [string, string] => ['Authorization', `Token ${token}`];
