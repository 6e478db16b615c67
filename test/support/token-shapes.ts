import { randomBytes } from 'node:crypto';
import { generateToken } from '../../src/auth/token-crypto';

/** Every token format a client may send us: ours with and without a prefix, knox 5 and 4.2, DRF authtoken, any long base64url key. */
export const TOKENS_OF_EVERY_FORMAT: Record<string, string> = {
  'ours, prefixed': generateToken('lp_').token,
  'ours, no prefix': generateToken('').token,
  'knox 5 (TOKEN_PREFIX + 64 hex)': `knox_${randomBytes(32).toString('hex')}`,
  'knox 4.2 (64 hex)': randomBytes(32).toString('hex'),
  'DRF authtoken (40 hex)': randomBytes(20).toString('hex'),
  'base64url, 32 characters': randomBytes(24).toString('base64url'),
};

/** Every character percent-encoded, as no client needs to but any may. */
const encodeAll = (text: string): string => [...Buffer.from(text)].map((byte) => `%${byte.toString(16).padStart(2, '0').toUpperCase()}`).join('');

/** Where a token may sit in a URL, encoded or not. */
export function tokenPlacements(token: string): string[] {
  return [
    `/api/leads/${token}`,
    `/api/leads/${token}/`,
    `/api/auth/tokens/${token}`,
    `/api/${token}/leads`,
    `/api/leads/x${token}.json`,
    `/api/leads/(${token})`,
    `/api/leads/${encodeAll(token)}`,
    `/api/leads/${token.slice(0, 10)}%${token.charCodeAt(10).toString(16)}${token.slice(11)}`,
    `/api/leads/${encodeAll(encodeAll(token))}`,
    `/api/leads?q=${token}`,
    `/api/leads?search=alice&x=${token}&limit=2`,
    `/api/leads?x=Token%20${token}`,
    `/api/leads?x=Token+${token}`,
    `/api/leads?x=Bearer%20${token}`,
    `/api/leads?x=${encodeURIComponent(`Token ${token}`)}`,
    `/api/leads?x=${encodeAll(token)}`,
    `/api/leads?x=${encodeAll(encodeAll(encodeAll(token)))}`,
    `/api/leads?x=${encodeAll(encodeAll(encodeAll(encodeAll(token))))}`,
    `/api/leads?${token}=1`,
    `/api/leads?${token}`,
    `/api/leads?a=1&${encodeAll(token)}=2`,
    `/api/leads?filter[${token}]=1`,
    `/api/leads?x=${token};y=1`,
    `/api/leads?x=a,${token}`,
    `/api/leads#${token}`,
    `http://api.example.com/api/leads/${token}?q=${token}`,
  ];
}

/** The text with every percent-escape decoded, as often as it takes. */
export function decodedAll(text: string): string {
  let out = text;
  for (let i = 0; i < 10; i++) out = out.replace(/(?:%[0-9A-Fa-f]{2})+/g, (escapes) => Buffer.from(escapes.replace(/%/g, ''), 'hex').toString('latin1'));
  return out;
}
