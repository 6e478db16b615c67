import { createHash, randomBytes } from 'node:crypto';
import {
  ImportedToken,
  importedTokenProblem,
  knox42Digest,
  knox5Digest,
  legacyCandidates,
  toImportedTokenRow,
} from './imported-tokens';
import { digestToken, generateToken, isWellFormedToken } from './token-crypto';
import { djangoSecrets, dumpFile, dumpFileOf, DumpRow, FixtureToken as SecretToken } from '../../test/support/django-secrets';

/**
 * Checked against the Django fixtures (test/fixtures/django), whose knox rows
 * knox's own code produced: every raw token in secrets.json must find the
 * digest and token_key of its row in the dump, through the kind it was
 * issued as.
 */
const secrets = djangoSecrets();
const NOW = new Date(secrets.now);

/** Every fixture token with the dump row it was stored as (knox: keyed by digest; DRF: by the key itself). */
const cases = Object.entries(secrets.fixtures).flatMap(([fixture, { files, tokens }]) => {
  const dump = dumpFile(dumpFileOf({ files }));
  return tokens.map((secret, index) => {
    const model = secret.kind === 'drf' ? 'authtoken.token' : 'knox.authtoken';
    const pk = secret.kind === 'drf' ? secret.token : secret.digest;
    const row = dump.find((r) => r.model === model && r.pk === pk);
    if (!row) throw new Error(`${fixture}: no ${model} row for ${secret.kind} token of user ${secret.user_id}`);
    return { label: `${fixture} token #${index}: ${secret.kind} of user ${secret.user_id}${secret.expired ? ', expired' : ''}`, secret, row };
  });
});

/** What an importer hands over for a dump row. */
function importedFrom(secret: SecretToken, row: DumpRow): ImportedToken {
  const knox = secret.kind !== 'drf';
  return {
    userId: Number(row.fields.user),
    kind: secret.kind,
    secret: String(row.pk),
    tokenKey: knox ? String(row.fields.token_key) : null,
    createdAt: new Date(String(row.fields.created)),
    expiry: knox && row.fields.expiry !== null ? new Date(String(row.fields.expiry)) : null,
  };
}

describe('imported tokens', () => {
  it('has every kind of fixture token to check', () => {
    expect(new Set(cases.map((c) => c.secret.kind))).toEqual(new Set(['knox5', 'knox42', 'drf']));
    expect(cases.some((c) => c.secret.kind === 'knox5' && c.secret.token.length > 64)).toBe(true);
  });

  describe.each(cases)('$label', ({ secret, row }) => {
    it('is presented with a legacy shape whose candidates include its row digest, under its kind', () => {
      const candidates = legacyCandidates(secret.token);
      expect(candidates).not.toBeNull();
      const expected = secret.kind === 'drf' ? createHash('sha256').update(secret.token).digest('hex') : String(row.pk);
      expect(candidates).toContainEqual({ kind: secret.kind, digest: expected });
      // The other candidate of a bare 64-hex token is another algorithm's digest, never this row's.
      for (const other of candidates ?? []) if (other.kind !== secret.kind) expect(other.digest).not.toBe(expected);
    });

    it("has the row's token_key as knox derives it", () => {
      if (secret.kind === 'knox5') expect(row.fields.token_key).toBe(secret.token.slice(0, 15));
      if (secret.kind === 'knox42') expect(row.fields.token_key).toBe(secret.token.slice(0, 8));
      if (secret.kind !== 'drf') expect(row.fields.token_key).toBe(secret.token_key);
    });

    it('is stored by the import under the digest and kind the presented token looks up, never in the clear', () => {
      const token = importedFrom(secret, row);
      if (secret.expired) {
        expect(importedTokenProblem(token, NOW)).toBe('expired');
        return;
      }
      expect(importedTokenProblem(token, NOW)).toBeNull();
      const stored = toImportedTokenRow(token);
      expect(legacyCandidates(secret.token)).toContainEqual({ kind: stored.kind, digest: stored.digest });
      expect(stored.digest).not.toContain(secret.token);
      expect(stored.tokenKey).toBe(secret.kind === 'drf' ? secret.token.slice(0, 8) : secret.token_key);
      expect(stored.userId).toBe(secret.user_id);
      expect(stored.expiry?.toISOString() ?? null).toBe(secret.expiry === null ? null : new Date(secret.expiry).toISOString());
    });
  });

  describe('digests', () => {
    it('knox 5 digests the UTF-8 of the whole token, prefix included; knox 4.2 the bytes the hex spells', () => {
      const body = 'ab'.repeat(32);
      expect(knox5Digest(body)).toBe(createHash('sha512').update(Buffer.from(body, 'utf8')).digest('hex'));
      expect(knox42Digest(body)).toBe(createHash('sha512').update(Buffer.alloc(32, 0xab)).digest('hex'));
      expect(knox5Digest(`lk_${body}`)).not.toBe(knox5Digest(body));
    });
  });

  describe('legacyCandidates', () => {
    const hex = (bytes: number) => randomBytes(bytes).toString('hex');

    it('looks a bare 64-hex token up as knox 5 and as knox 4.2 at once', () => {
      const token = hex(32);
      expect(legacyCandidates(token)).toEqual([
        { kind: 'knox5', digest: knox5Digest(token) },
        { kind: 'knox42', digest: knox42Digest(token) },
      ]);
    });

    it.each(['lk_', 'leadsprod_', 'acme-', 'x', '0123456789', '!~.'])('takes a knox 5 token with the prefix %j', (prefix) => {
      const token = `${prefix}${hex(32)}`;
      expect(legacyCandidates(token)).toEqual([{ kind: 'knox5', digest: knox5Digest(token) }]);
    });

    it('takes a 40-hex DRF key, digested with SHA-256', () => {
      const key = hex(20);
      expect(legacyCandidates(key)).toEqual([{ kind: 'drf', digest: digestToken(key) }]);
    });

    it.each([
      ['uppercase hex (Django looks tokens up case-sensitively)', () => hex(32).toUpperCase()],
      ['uppercase DRF key', () => hex(20).toUpperCase()],
      ['63 hex', () => hex(32).slice(1)],
      ['39 hex', () => hex(20).slice(1)],
      ['41 hex', () => `${hex(20)}a`],
      ['a prefix of 11 characters', () => `abcdefghijk${hex(32)}`],
      ['a prefix over a hex body that is one short', () => `lk_${hex(32).slice(1)}`],
      ['a space in the prefix', () => `l k${hex(32)}`],
      ['a non-ASCII prefix', () => `é_${hex(32)}`],
      ['a knox 5 token with a suffix', () => `lk_${hex(32)}_`],
      ['the empty string', () => ''],
      ["one of this server's tokens", () => generateToken('').token],
      ["one of this server's prefixed tokens", () => generateToken('leadsprod_').token],
    ])('refuses %s without a candidate', (_label, make) => {
      expect(legacyCandidates(make())).toBeNull();
    });

    it("never takes a string that is one of this server's well-formed tokens", () => {
      for (const prefix of ['', 'lp_', 'abcdefghij']) {
        const { token } = generateToken(prefix);
        expect(isWellFormedToken(token, prefix)).toBe(true);
        expect(legacyCandidates(token)).toBeNull();
      }
    });
  });

  describe('importedTokenProblem', () => {
    const knox: ImportedToken = {
      userId: 3,
      kind: 'knox5',
      secret: 'a'.repeat(128),
      tokenKey: 'lk_aaaaaaaaaaaa',
      createdAt: new Date('2025-01-01T00:00:00Z'),
      expiry: new Date('2099-01-01T00:00:00Z'),
    };
    const drf: ImportedToken = { ...knox, kind: 'drf', secret: 'b'.repeat(40), tokenKey: null, expiry: null };

    it.each<[string, ImportedToken, string | null]>([
      ['a knox 5 row', knox, null],
      ['a knox 4.2 row', { ...knox, kind: 'knox42', tokenKey: 'aaaaaaaa' }, null],
      ['a DRF key with no expiry', drf, null],
      ['a DRF key with its derived token_key', { ...drf, tokenKey: 'bbbbbbbb' }, null],
      ['a knox row that never expires', { ...knox, expiry: null }, null],
      ['an expired knox row', { ...knox, expiry: new Date('2025-05-31T00:00:00Z') }, 'expired'],
      ['a row that expires this instant', { ...knox, expiry: new Date(secrets.now) }, 'expired'],
      ['a knox digest of SHA-256 length', { ...knox, secret: 'a'.repeat(64) }, 'the digest is not 128 lowercase hex characters (SHA-512)'],
      ['an uppercase knox digest', { ...knox, secret: 'A'.repeat(128) }, 'the digest is not 128 lowercase hex characters (SHA-512)'],
      ['a knox 5 row without token_key', { ...knox, tokenKey: null }, 'the token_key is not 1 to 25 printable characters'],
      ['a knox 5 token_key over 25', { ...knox, tokenKey: 'a'.repeat(26) }, 'the token_key is not 1 to 25 printable characters'],
      ['an empty knox 5 token_key', { ...knox, tokenKey: '' }, 'the token_key is not 1 to 25 printable characters'],
      ['a knox 4.2 token_key of 15', { ...knox, kind: 'knox42', tokenKey: 'aaaaaaaaaaaaaaa' }, 'the token_key is not 8 lowercase hex characters'],
      ['a DRF key of 64 hex', { ...drf, secret: 'b'.repeat(64) }, 'the key is not 40 lowercase hex characters'],
      ['a DRF token_key that is not its key', { ...drf, tokenKey: 'cccccccc' }, "the token_key is not the key's first 8 characters"],
      ['an owner id of 0', { ...knox, userId: 0 }, 'the owner is not a user id'],
      ['an invalid creation date', { ...knox, createdAt: new Date('nope') }, 'the creation time is not a date'],
      ['an invalid expiry', { ...knox, expiry: new Date('nope') }, 'the expiry is not a date'],
      ['an unknown kind', { ...knox, kind: 'jwt' as ImportedToken['kind'] }, 'unknown token kind "jwt"'],
    ])('%s', (_label, token, problem) => {
      expect(importedTokenProblem(token, NOW)).toBe(problem);
    });

    it('names no secret in its reasons', () => {
      const raw = 'c'.repeat(39);
      expect(importedTokenProblem({ ...drf, secret: raw }, NOW)).not.toContain(raw);
    });

    it('stores a DRF key as its SHA-256 and its first 8 characters, a knox row as knox stored it', () => {
      expect(toImportedTokenRow(drf)).toEqual({ kind: 'drf', digest: digestToken(drf.secret), tokenKey: 'bbbbbbbb', userId: 3, createdAt: drf.createdAt, expiry: null });
      expect(toImportedTokenRow(knox)).toEqual({ kind: 'knox5', digest: knox.secret, tokenKey: knox.tokenKey, userId: 3, createdAt: knox.createdAt, expiry: knox.expiry });
    });
  });
});
