import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { RegisterDto } from '../auth/dto/register.dto';
import { ImportedToken, importedTokenProblem, KNOX42_TOKEN_KEY_LENGTH, KNOX5_TOKEN_KEY_LENGTH } from '../auth/imported-tokens';
import type { FieldErrors } from '../common/http/problem-details';
import { toFieldErrors } from '../common/http/validation.pipe';
import { CreateLeadDto } from '../leads/dto/create-lead.dto';
import type { ImportedLeadRow } from '../leads/leads.repository';
import type { ImportedUserRow } from '../users/users.repository';
import { DjangoSource, isId, MAX_ID, SourceLead, SourceUser } from './django-source';

/**
 * Why a row does not come over. Every reason but `expired` and
 * `knox42-in-knox5` is a refusal: by default it stops the import (nothing is
 * written and every refused row is listed), `--skip-invalid` leaves the row
 * behind and imports the rest. The other two are tokens that no longer work
 * in Django either, so they are only counted and listed.
 */
export type SkipReason =
  | 'invalid-id'
  | 'invalid-username'
  | 'invalid-email'
  | 'invalid-password-hash'
  | 'duplicate-username'
  | 'no-owner'
  | 'unknown-owner'
  | 'owner-skipped'
  | 'invalid-fields'
  | 'duplicate-email'
  | 'unknown-user'
  | 'user-skipped'
  | 'invalid-token'
  | 'expired'
  | 'knox42-in-knox5';

const NOT_LIVE_IN_DJANGO: ReadonlySet<SkipReason> = new Set(['expired', 'knox42-in-knox5']);

export const isRefusal = (reason: SkipReason): boolean => !NOT_LIVE_IN_DJANGO.has(reason);

export type RowKind = 'user' | 'lead' | 'token';

export interface SkippedRow {
  kind: RowKind;
  /** The row as the report names it: `user 20`, `lead 12`, `knox token 720da105 (user 7)`, `DRF token of user 4`. */
  subject: string;
  reason: SkipReason;
  /** Why, in a sentence; never a password hash, a knox digest or a DRF key. */
  detail: string;
}

export interface ImportPlan {
  users: ImportedUserRow[];
  leads: ImportedLeadRow[];
  tokens: ImportedToken[];
  skipped: SkippedRow[];
}

/**
 * What the target's unique indexes compare, computed by the target itself so
 * that two rows are duplicates here exactly when its indexes would say so.
 */
export interface UniquenessKeys {
  /** users_username_nfkc_lower_key's expression for each name, in order. */
  usernames(names: readonly string[]): Promise<string[]>;
  /** leads_owner_id_email_lower_key's lower(email) for each address, in order. */
  emails(emails: readonly string[]): Promise<string[]>;
}

export interface PlanOptions {
  now: Date;
  /** An expiry for DRF tokens, counted from `now`; null: none, as in Django. */
  drfTokenTtlMs: number | null;
}

/** Django's hash, as varchar(255) can hold it: the encoded string is stored as it is, never re-encoded. */
const MAX_HASH_LENGTH = 255;

/**
 * Decides, row by row, what comes over: users and leads judged by the same
 * DTOs and rules as the routes that create them (RegisterDto, CreateLeadDto,
 * the unique indexes), tokens by TokensService's own importedTokenProblem.
 * A row that cannot come over is listed with its reason, and what depends on
 * it (a skipped user's leads and tokens) with its own. Where two rows want
 * one unique value, the lower id keeps it.
 */
export async function planImport(source: DjangoSource, options: PlanOptions, keys: UniquenessKeys): Promise<ImportPlan> {
  const skipped: SkippedRow[] = [];
  const skip = (kind: RowKind, subject: string, reason: SkipReason, detail: string): void => void skipped.push({ kind, subject, reason, detail });

  const { users, skippedUsers } = await planUsers(source.users, keys, skip);
  const sourceUserIds = new Set(source.users.map((user) => user.id));
  const leads = await planLeads(source.leads, { sourceUserIds, skippedUsers }, keys, skip);
  const tokens = planTokens(source, options, { sourceUserIds, skippedUsers }, skip);
  // Listed users, then leads, then tokens, each in id order (tokens as the source lists them): an operator reads down one table at a time.
  const rank = (row: SkippedRow): number => KIND_ORDER.indexOf(row.kind);
  skipped.sort((a, b) => rank(a) - rank(b) || rowId(a) - rowId(b));
  return { users, leads, tokens, skipped };
}

const KIND_ORDER: readonly RowKind[] = ['user', 'lead', 'token'];
const rowId = (row: SkippedRow): number => (row.kind === 'token' ? 0 : Number(row.subject.slice(row.kind.length + 1)));

type Skip = (kind: RowKind, subject: string, reason: SkipReason, detail: string) => void;

interface UserFates {
  sourceUserIds: ReadonlySet<number>;
  /** Each skipped user's reason, for what depended on them. */
  skippedUsers: ReadonlyMap<number, SkipReason>;
}

async function planUsers(sourceUsers: readonly SourceUser[], keys: UniquenessKeys, skip: Skip): Promise<{ users: ImportedUserRow[]; skippedUsers: Map<number, SkipReason> }> {
  const skippedUsers = new Map<number, SkipReason>();
  const skipUser = (user: SourceUser, reason: SkipReason, detail: string): void => {
    skippedUsers.set(user.id, reason);
    skip('user', `user ${user.id}`, reason, detail);
  };

  const accepted: ImportedUserRow[] = [];
  for (const user of [...sourceUsers].sort((a, b) => a.id - b.id)) {
    if (!isId(user.id) || user.id > MAX_ID) {
      skipUser(user, 'invalid-id', `the id ${user.id} does not fit this API's integer ids (1 to ${MAX_ID})`);
      continue;
    }
    const { fields, errors } = await validateAccount(user);
    if (errors.username) skipUser(user, 'invalid-username', `username ${quote(user.username)}: ${errors.username.join(' ')}`);
    else if (errors.email) skipUser(user, 'invalid-email', `email ${quote(user.email)}: ${errors.email.join(' ')}`);
    else if (user.password.length > MAX_HASH_LENGTH || user.password.includes('\0')) {
      skipUser(user, 'invalid-password-hash', `the password field is not a Django hash (longer than ${MAX_HASH_LENGTH} characters, or with a NUL)`);
    } else {
      accepted.push({
        id: user.id,
        username: fields.username,
        email: fields.email ?? '',
        passwordHash: user.password,
        isActive: user.isActive,
        lastLogin: user.lastLogin,
        dateJoined: user.dateJoined,
      });
    }
  }

  // Django compares usernames exactly, so `Bob` and `bob` may both exist there; here they are one name.
  const usernameKeys = await keys.usernames(accepted.map((user) => user.username));
  const holders = new Map<string, ImportedUserRow>();
  const users: ImportedUserRow[] = [];
  accepted.forEach((user, index) => {
    const holder = holders.get(usernameKeys[index]);
    if (!holder) {
      holders.set(usernameKeys[index], user);
      users.push(user);
      return;
    }
    skippedUsers.set(user.id, 'duplicate-username');
    skip(
      'user',
      `user ${user.id}`,
      'duplicate-username',
      `username ${quote(user.username)} is user ${holder.id}'s ${quote(holder.username)} under this API's rule (Unicode NFKC, any letter case), ` +
        `which Django does not apply; user ${holder.id}, the lower id, keeps the name`,
    );
  });
  return { users, skippedUsers };
}

async function planLeads(sourceLeads: readonly SourceLead[], fates: UserFates, keys: UniquenessKeys, skip: Skip): Promise<ImportedLeadRow[]> {
  const accepted: ImportedLeadRow[] = [];
  for (const lead of [...sourceLeads].sort((a, b) => a.id - b.id)) {
    const subject = `lead ${lead.id}`;
    if (!isId(lead.id) || lead.id > MAX_ID) {
      skip('lead', subject, 'invalid-id', `the id ${lead.id} does not fit this API's integer ids (1 to ${MAX_ID})`);
      continue;
    }
    const owner = lead.ownerId;
    if (owner === null) {
      skip('lead', subject, 'no-owner', 'owner is NULL: no user can see this lead (in Django either)');
      continue;
    }
    if (!fates.sourceUserIds.has(owner)) {
      skip('lead', subject, 'unknown-owner', `its owner, user ${owner}, is not in the source`);
      continue;
    }
    const ownerFate = fates.skippedUsers.get(owner);
    if (ownerFate) {
      skip('lead', subject, 'owner-skipped', `its owner, user ${owner}, is skipped (${ownerFate})`);
      continue;
    }
    const { fields, errors } = await validateLead(lead);
    const problems = Object.entries(errors);
    if (problems.length > 0) {
      const values = lead as unknown as Record<string, unknown>;
      const described = problems.map(([field, messages]) => `${field} ${quote(values[field])}: ${messages.join(' ')}`);
      skip('lead', subject, 'invalid-fields', `${described.join('; ')} (this API's rules for a lead)`);
      continue;
    }
    accepted.push({ id: lead.id, ownerId: owner, name: fields.name, email: fields.email, message: fields.message, createdAt: lead.createdAt, updatedAt: lead.updatedAt });
  }

  // The tutorial's email is unique across all leads, but case-sensitively; here it is unique per owner, in any case.
  const emailKeys = await keys.emails(accepted.map((lead) => lead.email));
  const holders = new Map<string, ImportedLeadRow>();
  const leads: ImportedLeadRow[] = [];
  accepted.forEach((lead, index) => {
    const key = `${lead.ownerId} ${emailKeys[index]}`;
    const holder = holders.get(key);
    if (!holder) {
      holders.set(key, lead);
      leads.push(lead);
      return;
    }
    skip(
      'lead',
      `lead ${lead.id}`,
      'duplicate-email',
      `email ${quote(lead.email)} is lead ${holder.id}'s ${quote(holder.email)} but for case, and both are user ${lead.ownerId}'s; ` +
        `this API keeps one lead per email and owner, in any case (lead ${holder.id}, the lower id, comes over)`,
    );
  });
  return leads;
}

function planTokens(source: DjangoSource, options: PlanOptions, fates: UserFates, skip: Skip): ImportedToken[] {
  const tokens: ImportedToken[] = [];
  const ownerProblem = (userId: number): { reason: SkipReason; detail: string } | null => {
    if (!fates.sourceUserIds.has(userId)) return { reason: 'unknown-user', detail: `its user, ${userId}, is not in the source` };
    const fate = fates.skippedUsers.get(userId);
    return fate ? { reason: 'user-skipped', detail: `its user, ${userId}, is skipped (${fate})` } : null;
  };
  const accept = (token: ImportedToken, subject: string): void => {
    const problem = importedTokenProblem(token, options.now);
    if (problem === null) tokens.push(token);
    else if (problem === 'expired') skip('token', subject, 'expired', `expired at ${token.expiry?.toISOString()}`);
    else skip('token', subject, 'invalid-token', problem);
  };

  for (const row of source.knox.tokens) {
    const subject = `knox token ${row.tokenKey} (user ${row.userId})`;
    if (row.expiry !== null && Date.parse(row.expiry) <= options.now.getTime()) {
      skip('token', subject, 'expired', `expired at ${row.expiry}`);
      continue;
    }
    let kind: ImportedToken['kind'];
    if (source.knox.version === '4.2') kind = 'knox42';
    else if (row.tokenKey.length === KNOX5_TOKEN_KEY_LENGTH) kind = 'knox5';
    else if (row.tokenKey.length === KNOX42_TOKEN_KEY_LENGTH) {
      skip(
        'token',
        subject,
        'knox42-in-knox5',
        'a knox 4.2 row in a knox 5 table: knox 5 finds a token by its first 15 characters and digests it otherwise, so this one stopped working in Django at the upgrade and is not brought back here',
      );
      continue;
    } else {
      skip('token', subject, 'invalid-token', `a token_key of ${row.tokenKey.length} characters is neither knox 5's ${KNOX5_TOKEN_KEY_LENGTH} nor knox 4.2's ${KNOX42_TOKEN_KEY_LENGTH}`);
      continue;
    }
    const owner = ownerProblem(row.userId);
    if (owner) {
      skip('token', subject, owner.reason, owner.detail);
      continue;
    }
    accept({ userId: row.userId, kind, secret: row.digest, tokenKey: row.tokenKey, createdAt: new Date(row.created), expiry: row.expiry === null ? null : new Date(row.expiry) }, subject);
  }

  const expiry = options.drfTokenTtlMs === null ? null : new Date(options.now.getTime() + options.drfTokenTtlMs);
  for (const row of source.drfTokens ?? []) {
    const subject = `DRF token of user ${row.userId}`;
    const owner = ownerProblem(row.userId);
    if (owner) {
      skip('token', subject, owner.reason, owner.detail);
      continue;
    }
    accept({ userId: row.userId, kind: 'drf', secret: row.key, tokenKey: null, createdAt: new Date(row.created), expiry }, subject);
  }
  return tokens;
}

/** RegisterDto's username and email rules, as the register route and `createuser` apply them (the password is Django's hash: not judged). */
async function validateAccount(user: SourceUser): Promise<{ fields: RegisterDto; errors: FieldErrors }> {
  const fields = plainToInstance(RegisterDto, { username: user.username, email: user.email });
  const errors = toFieldErrors(await validate(fields, { stopAtFirstError: true, validationError: { target: false, value: false } }));
  delete errors.password;
  return { fields, errors };
}

/** CreateLeadDto's rules, as POST /api/leads applies them: what the route would refuse does not come in by the side door. */
async function validateLead(lead: SourceLead): Promise<{ fields: CreateLeadDto; errors: FieldErrors }> {
  const fields = plainToInstance(CreateLeadDto, { name: lead.name, email: lead.email, message: lead.message });
  const errors = toFieldErrors(await validate(fields, { stopAtFirstError: true, validationError: { target: false, value: false } }));
  return { fields, errors };
}

/** A value for a sentence: JSON-quoted (control characters visible), long ones shortened. */
function quote(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 60)}…" (${typeof value === 'string' ? [...value].length : text.length} characters)` : text;
}
