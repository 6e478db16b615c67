import { Inject, Injectable } from '@nestjs/common';
import { InvalidImportedTokens, TokensService } from '../auth/tokens.service';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/app-config.module';
import { Database, Queryable } from '../database/database';
import { LeadsRepository } from '../leads/leads.repository';
import { UsersRepository } from '../users/users.repository';
import type { DjangoSource } from './django-source';
import { readDumpdata } from './dumpdata-source';
import { DjangoImportError } from './import-error';
import { isRefusal, planImport } from './import-plan';
import { formatRefusal, ImportReport } from './import-report';
import { ImportTarget, plural } from './import-target';
import { readPostgres } from './postgres-source';

export interface DjangoImportOptions {
  /** A postgres:// or postgresql:// URL of the Django database, or the path of a dumpdata JSON file. */
  from: string;
  /** Do everything, then roll back. */
  dryRun: boolean;
  /** Import what can come over and list the rest, rather than refuse. */
  skipInvalid: boolean;
  /** `app_label.Model` (or a table name), or null to find the leads model by its fields. */
  leadsModel: string | null;
  /** How long an imported DRF token lives from the import; null: for ever, as in Django. */
  drfTokenTtlMs: number | null;
}

/** Thrown to roll a dry run back once it has done everything, carrying what it did. */
class DryRunDone extends Error {
  constructor(readonly report: ImportReport) {
    super('dry run: rolled back');
  }
}

const nextIdAfter = (rows: readonly { id: number }[], sequenceNext: number | null): number =>
  rows.reduce((next, row) => (Number.isSafeInteger(row.id) ? Math.max(next, row.id + 1) : next), sequenceNext ?? 1);

const isPostgresUrl = (source: string): boolean => /^postgres(?:ql)?:\/\//i.test(source);

/**
 * Moves a Django + knox Leads deployment into this database: reads the
 * source (only reads it), then in one transaction on the target checks that
 * it has no users, judges every row (import-plan.ts) and writes users and
 * leads through their repositories and tokens through TokensService, ids
 * kept. Anything that fails rolls it all back; a dry run rolls back on
 * purpose, after the same writes, so what it reports is what an import does.
 */
@Injectable()
export class DjangoImportService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly database: Database,
    private readonly users: UsersRepository,
    private readonly leads: LeadsRepository,
    private readonly tokens: TokensService,
  ) {}

  async run(options: DjangoImportOptions, progress: (line: string) => void): Promise<ImportReport> {
    progress(`Reading ${isPostgresUrl(options.from) ? 'the Django database (read only)' : options.from}...`);
    const source = isPostgresUrl(options.from)
      ? await readPostgres(options.from, options.leadsModel, { connectMs: this.config.databaseConnectTimeoutMs })
      : await readDumpdata(options.from, options.leadsModel);
    progress(
      `Read ${plural(source.users.length, 'user')}, ${plural(source.leads.length, 'lead')} (${source.leadsModel.label}), ` +
        `${plural(source.knox.tokens.length + (source.drfTokens?.length ?? 0), 'token')}.`,
    );
    try {
      return await this.database.transaction((db) => this.importInto(db, source, options, progress));
    } catch (error) {
      if (error instanceof DryRunDone) return error.report;
      // Only if a token expired between the check and the write, a moment later: the whole import rolled back.
      if (error instanceof InvalidImportedTokens) throw new DjangoImportError(`${error.message}. Nothing was changed; run the import again.`, { cause: error });
      throw error;
    }
  }

  private async importInto(db: Queryable, source: DjangoSource, options: DjangoImportOptions, progress: (line: string) => void): Promise<ImportReport> {
    const target = new ImportTarget(db);
    await target.lock();
    await target.refuseUnlessEmpty(source);
    const importedAt = await target.now();

    progress('Checking every row against this API\'s rules...');
    const plan = await planImport(source, { now: importedAt, drfTokenTtlMs: options.drfTokenTtlMs }, target.keys());
    if (!options.skipInvalid && plan.skipped.some((row) => isRefusal(row.reason))) throw new DjangoImportError(formatRefusal(source, plan));

    progress(`Writing ${plural(plan.users.length, 'user')}, ${plural(plan.leads.length, 'lead')}, ${plural(plan.tokens.length, 'token')}${options.dryRun ? ' (dry run: rolled back after)' : ''}...`);
    // Past every id the source used (skipped rows' too) and its own sequences: an id Django gave out never names something else here.
    const users = await this.users.insertImported(plan.users, nextIdAfter(source.users, source.nextIds.users), db);
    const leads = await this.leads.insertImported(plan.leads, nextIdAfter(source.leads, source.nextIds.leads), db);
    await this.tokens.importTokens(plan.tokens, db);

    const count = (kind: 'knox5' | 'knox42' | 'drf'): number => plan.tokens.filter((token) => token.kind === kind).length;
    const report: ImportReport = {
      source,
      dryRun: options.dryRun,
      importedAt,
      imported: { users: users.count, leads: leads.count, tokens: { knox5: count('knox5'), knox42: count('knox42'), drf: count('drf') } },
      skipped: plan.skipped,
      nextIds: { users: users.nextId, leads: leads.nextId },
      drfTokenTtlMs: options.drfTokenTtlMs,
    };
    if (options.dryRun) throw new DryRunDone(report);
    return report;
  }
}
