/**
 * What the importer reads from a Django deployment, whichever way it was
 * read (postgres-source.ts, dumpdata-source.ts): the rows as Django holds
 * them, nothing judged yet (import-plan.ts decides what comes over).
 *
 * Timestamps are ISO 8601 text in UTC (`2025-05-31T09:15:02.481516Z`), as
 * precise as the source keeps them: PostgreSQL's microseconds reach the
 * target's timestamptz columns through SQL, not through a Date.
 */

/** A row of `auth_user`. */
export interface SourceUser {
  id: number;
  username: string;
  email: string;
  /** Django's encoded hash (`pbkdf2_sha256$…`, `argon2$…`, `!…` for unusable), never printed. */
  password: string;
  isActive: boolean;
  isStaff: boolean;
  isSuperuser: boolean;
  lastLogin: string | null;
  dateJoined: string;
}

/** A row of the leads model; the text fields stay unknown until CreateLeadDto has judged them. */
export interface SourceLead {
  id: number;
  /** Null when the row's owner is NULL (the tutorial's `owner` is nullable). */
  ownerId: number | null;
  name: unknown;
  email: unknown;
  message: unknown;
  /** Null when the model has no `created_at`. */
  createdAt: string | null;
  /** Null when the model has no `updated_at`. */
  updatedAt: string | null;
}

/** A row of knox's `knox_authtoken`. */
export interface SourceKnoxToken {
  /** The SHA-512 hex knox stored (the row's primary key); never printed. */
  digest: string;
  tokenKey: string;
  userId: number;
  created: string;
  expiry: string | null;
}

/** A row of DRF's `authtoken_token`: one per user. */
export interface SourceDrfToken {
  /** The raw key, which Django stores in the clear; never printed, stored here only as a digest. */
  key: string;
  userId: number;
  created: string;
}

/**
 * Which knox made the rows of the table: knox 4.2's `token_key` column is 8
 * wide, knox 5's 25 (its longest prefix, 10, + 15). knox 5 keeps a 4.2 row
 * an upgrade left behind but no longer accepts its token.
 */
export type KnoxTableVersion = '5' | '4.2';

/** A model that has a lead's fields: name, email, message and an owner that is a user. */
export interface LeadsModelCandidate {
  /** Django's model label, lower case as django_content_type and dumpdata write it (`leadsapi.leadmodel`). */
  label: string;
  /** The PostgreSQL table (schema-qualified when not in the search path's first schema); null from a dump. */
  table: string | null;
  rows: number;
  hasCreatedAt: boolean;
  hasUpdatedAt: boolean;
}

export interface DjangoSource {
  /** The source as the report names it: a URL with its password hidden, or a file path. */
  description: string;
  users: SourceUser[];
  leadsModel: LeadsModelCandidate;
  leads: SourceLead[];
  knox: {
    /** Null when the source has no knox table (PostgreSQL) or no knox rows (a dump). */
    version: KnoxTableVersion | null;
    /** How the version was told, for the report. */
    versionFrom: string;
    tokens: SourceKnoxToken[];
  };
  /** Null when the source has no DRF authtoken table (PostgreSQL); a dump's absent rows read as none. */
  drfTokens: SourceDrfToken[] | null;
  /**
   * The ids Django would hand out next (its sequences), when the source
   * tells them: ids of rows deleted in Django are then never reused here.
   */
  nextIds: { users: number | null; leads: number | null };
  /** Things the operator should know about the source itself (a dump's naive timestamps, say). */
  notes: string[];
}

/** `YYYY-MM-DDTHH:MM:SS[.ffffff]` with `Z` or an offset; a Django dump's naive times are read as UTC. */
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(Z|[+-]\d{2}:\d{2})?$/;

/**
 * A timestamp as the importer keeps it, or undefined when the text is not
 * one. Naive values (a project with USE_TZ = False) are taken as UTC; the
 * caller says so in the report.
 */
export function isoTimestamp(text: unknown): { value: string; naive: boolean } | undefined {
  if (typeof text !== 'string') return undefined;
  const match = ISO_TIMESTAMP.exec(text);
  if (!match || Number.isNaN(Date.parse(match[1] ? text : `${text}Z`))) return undefined;
  return match[1] ? { value: text, naive: false } : { value: `${text}Z`, naive: true };
}

/** The largest id the target's integer identity columns can hold. */
export const MAX_ID = 2_147_483_647;

export const isId = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
