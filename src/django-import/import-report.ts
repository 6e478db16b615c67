import type { ImportedTokenKind } from '../auth/imported-tokens';
import type { DjangoSource } from './django-source';
import { ImportPlan, isRefusal, RowKind, SkippedRow } from './import-plan';
import { plural } from './import-target';

/** What one import did (or, dry, would have done). */
export interface ImportReport {
  source: DjangoSource;
  dryRun: boolean;
  /** The transaction's now(): leads without timestamps carry it. */
  importedAt: Date;
  imported: { users: number; leads: number; tokens: Record<ImportedTokenKind, number> };
  skipped: SkippedRow[];
  /** The ids the target hands out next. */
  nextIds: { users: number; leads: number };
  drfTokenTtlMs: number | null;
}

const KIND_NOUNS: Record<RowKind, string> = { user: 'user', lead: 'lead', token: 'token' };

/**
 * The report on stdout: what came from where, every row left behind with
 * its reason, what the operator should know, and the counts last. It names
 * rows by id (tokens by token_key, DRF tokens by user) and never prints a
 * password hash, a knox digest or a DRF key.
 */
export function formatReport(report: ImportReport): string {
  const { source, imported } = report;
  const verb = report.dryRun ? 'Would import' : 'Imported';
  const tokens = imported.tokens.knox5 + imported.tokens.knox42 + imported.tokens.drf;
  const skippedOf = (kind: RowKind): SkippedRow[] => report.skipped.filter((row) => row.kind === kind);
  const lines = [
    report.dryRun ? `Dry run: nothing was written. Read ${readFrom(source)}.` : `Read ${readFrom(source)}.`,
    ...(report.skipped.length > 0 ? ['', `Not imported (${report.skipped.length}):`, ...report.skipped.map(skippedLine)] : []),
    '',
    'Notes:',
    ...notes(report).map((note) => `  - ${note}`),
    '',
    `${verb}: ${plural(imported.users, 'user')}, ${plural(imported.leads, 'lead')}, ${plural(tokens, 'token')} ` +
      `(${imported.tokens.knox5} knox 5, ${imported.tokens.knox42} knox 4.2, ${imported.tokens.drf} DRF).`,
    `Not imported: ${(['user', 'lead', 'token'] as const).map((kind) => countLine(kind, skippedOf(kind))).join('; ')}.`,
  ];
  return lines.join('\n');
}

/**
 * The refusal when rows cannot come over and --skip-invalid was not given:
 * every such row, and what would still have been left behind anyway.
 */
export function formatRefusal(source: DjangoSource, plan: ImportPlan): string {
  const refused = plan.skipped.filter((row) => isRefusal(row.reason));
  const others = plan.skipped.filter((row) => !isRefusal(row.reason));
  return [
    `${plural(refused.length, 'row')} of ${source.description} cannot come over; nothing was written:`,
    ...refused.map(skippedLine),
    `Fix them in Django and import again, or pass --skip-invalid to import the ${plural(plan.users.length, 'user')}, ${plural(plan.leads.length, 'lead')} ` +
      `and ${plural(plan.tokens.length, 'token')} that can, leaving these behind.`,
    ...(others.length > 0 ? [`Left behind either way, as they no longer work in Django: ${countLine('token', others)}.`] : []),
  ].join('\n');
}

function readFrom(source: DjangoSource): string {
  const table = source.leadsModel.table ? `, table ${source.leadsModel.table}` : '';
  const drf = source.drfTokens === null ? 'no DRF tokens table' : plural(source.drfTokens.length, 'DRF token');
  return (
    `${source.description}: ${plural(source.users.length, 'user')}, ${plural(source.leads.length, 'lead')} (${source.leadsModel.label}${table}), ` +
    `${plural(source.knox.tokens.length, 'knox token')}, ${drf}`
  );
}

function skippedLine(row: SkippedRow): string {
  return `  ${row.subject}: ${row.reason}: ${row.detail}`;
}

function countLine(kind: RowKind, rows: readonly SkippedRow[]): string {
  if (rows.length === 0) return `0 ${KIND_NOUNS[kind]}s`;
  const byReason = new Map<string, number>();
  for (const row of rows) byReason.set(row.reason, (byReason.get(row.reason) ?? 0) + 1);
  return `${plural(rows.length, KIND_NOUNS[kind])} (${[...byReason].map(([reason, count]) => `${reason} ${count}`).join(', ')})`;
}

function notes(report: ImportReport): string[] {
  const { source } = report;
  const superusers = source.users.filter((user) => user.isSuperuser).length;
  const staff = source.users.filter((user) => user.isStaff).length;
  const inactive = source.users.filter((user) => user.isActive === false).length;
  const importedAt = report.importedAt.toISOString();
  const model = source.leadsModel;
  const notes = [
    "Passwords keep Django's hashes, stored as they are: users log in with the passwords they had, and on the first login the hash is replaced by this server's argon2id. Unusable ones (!…) stay unusable.",
    `is_staff and is_superuser have no meaning here and were not imported (${plural(superusers, 'superuser')} and ${plural(staff, 'staff user')} in the source): every user manages their own leads and tokens, and operators use npm run manage.`,
  ];
  if (inactive > 0) notes.push(`${plural(inactive, 'inactive user')} came over inactive: no login, and their tokens answer "User inactive or deleted." until npm run manage -- activate.`);
  if (!model.hasCreatedAt) notes.push(`${model.label} keeps no created_at: each lead's created_at and updated_at is the time of this import, ${importedAt}.`);
  else if (!model.hasUpdatedAt) notes.push(`${model.label} keeps no updated_at: each lead's updated_at is its created_at.`);
  if (source.knox.version !== null) notes.push(`knox tokens: a knox ${source.knox.version === '5' ? '5' : '4.2'} table (${source.knox.versionFrom}); unexpired ones keep their expiry.`);
  else notes.push(`No knox tokens: ${source.knox.versionFrom}.`);
  if (source.drfTokens !== null && source.drfTokens.length > 0) {
    notes.push(
      report.drfTokenTtlMs === null
        ? 'DRF tokens never expire, as in Django; --drf-token-ttl would give them an expiry counted from the import.'
        : `DRF tokens expire at ${new Date(report.importedAt.getTime() + report.drfTokenTtlMs).toISOString()} (--drf-token-ttl, counted from the import).`,
    );
  }
  notes.push(...source.notes);
  notes.push(`The next new user here gets id ${report.nextIds.users}, the next new lead id ${report.nextIds.leads}.`);
  return notes;
}
