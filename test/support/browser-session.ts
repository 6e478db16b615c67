import type { Response } from 'supertest';
import { RegisteredUser } from './accounts';
import { TestApp } from './test-app';

export interface SetCookie {
  value: string;
  /** Lower-cased attribute names; flags map to true. */
  attributes: Record<string, string | true>;
}

/** The Set-Cookie headers of a response, by cookie name. */
export function setCookies(response: Response): Record<string, SetCookie> {
  const raw = response.headers['set-cookie'] as unknown;
  const lines = Array.isArray(raw) ? (raw as string[]) : typeof raw === 'string' ? [raw] : [];
  const result: Record<string, SetCookie> = {};
  for (const line of lines) {
    const [pair, ...parts] = line.split(';').map((part) => part.trim());
    const eq = pair.indexOf('=');
    const attributes: Record<string, string | true> = {};
    for (const part of parts) {
      const at = part.indexOf('=');
      if (at < 0) attributes[part.toLowerCase()] = true;
      else attributes[part.slice(0, at).toLowerCase()] = part.slice(at + 1);
    }
    result[pair.slice(0, eq)] = { value: decodeURIComponent(pair.slice(eq + 1)), attributes };
  }
  return result;
}

/** A `Cookie` request header from name/value pairs. */
export const cookieHeader = (cookies: Record<string, string | undefined>): string =>
  Object.entries(cookies)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `${name}=${encodeURIComponent(value as string)}`)
    .join('; ');

/** The first step of the Django flow: GET the login route for a csrftoken cookie. */
export async function fetchCsrfToken(t: TestApp, sessionid?: string): Promise<string> {
  const request = t.http().get('/api/auth/login');
  if (sessionid) request.set('Cookie', cookieHeader({ sessionid }));
  const response = await request;
  if (response.status !== 200) throw new Error(`GET /api/auth/login failed: ${response.status}`);
  return setCookies(response).csrftoken.value;
}

export interface BrowserSession {
  sessionid: string;
  csrftoken: string;
  /** The token body the login answered with. */
  token: string;
  /** `Cookie` header carrying both cookies. */
  cookie: string;
}

/** Logs in as a browser does: csrftoken cookie first, then the form post with X-CSRFToken. */
export async function browserLogin(t: TestApp, user: Pick<RegisteredUser, 'username' | 'password'>): Promise<BrowserSession> {
  const csrf = await fetchCsrfToken(t);
  const response = await t
    .http()
    .post('/api/auth/login')
    .set('Cookie', cookieHeader({ csrftoken: csrf }))
    .set('X-CSRFToken', csrf)
    .send({ username: user.username, password: user.password });
  if (response.status !== 200) throw new Error(`browser login failed: ${response.status} ${JSON.stringify(response.body)}`);
  const cookies = setCookies(response);
  const sessionid = cookies.sessionid.value;
  const csrftoken = cookies.csrftoken.value;
  return { sessionid, csrftoken, token: response.body.token as string, cookie: cookieHeader({ sessionid, csrftoken }) };
}
