import { RegisteredUser, tokenHeader } from './accounts';
import { TestApp } from './test-app';

export interface LeadBody {
  id: number;
  name: string;
  email: string;
  message: string;
  owner: number;
  created_at: string;
  updated_at: string;
}

/** Creates a lead through the API, as a client would. */
export async function createLead(t: TestApp, user: RegisteredUser, fields: Partial<Record<'name' | 'email' | 'message', string>> = {}): Promise<LeadBody> {
  const suffix = Math.random().toString(36).slice(2, 10);
  const body = { name: `Lead ${suffix}`, email: `lead-${suffix}@example.com`, message: 'Hello there.', ...fields };
  const response = await t.http().post('/api/leads').set(...tokenHeader(user.token)).send(body);
  if (response.status !== 201) throw new Error(`create lead failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body as LeadBody;
}

/** The row as stored, for checking that a refused request changed nothing. */
export async function leadRow(t: TestApp, id: number): Promise<Record<string, unknown> | undefined> {
  const { rows } = await t.db.query('SELECT id, name, email, message, owner_id, created_at, updated_at FROM leads WHERE id = $1', [id]);
  return rows[0];
}
