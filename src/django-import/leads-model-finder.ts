import { DjangoImportError } from './import-error';
import type { LeadsModelCandidate } from './django-source';

/** The fields that make a model a leads model, whatever it is called. */
export const LEAD_FIELDS = ['name', 'email', 'message', 'owner'] as const;

const describe = (candidate: LeadsModelCandidate): string =>
  `${candidate.label}${candidate.table && candidate.table !== candidate.label ? ` (table ${candidate.table})` : ''}, ${candidate.rows} row${candidate.rows === 1 ? '' : 's'}`;

/**
 * The leads model among the source's candidates: the one `--leads-model`
 * names (a label compares as Django's do, in any case; a PostgreSQL table
 * name is accepted too), else the only one. Several without a choice, or
 * none, is refused: guessing would import the wrong table's rows as leads.
 */
export function chooseLeadsModel(candidates: readonly LeadsModelCandidate[], requested: string | null): LeadsModelCandidate {
  const listed = candidates.map((candidate) => `  ${describe(candidate)}`);
  if (requested !== null) {
    const wanted = requested.toLowerCase();
    const chosen = candidates.find((candidate) => candidate.label === wanted || candidate.table?.toLowerCase() === wanted);
    if (chosen) return chosen;
    throw new DjangoImportError(
      candidates.length === 0
        ? `--leads-model ${requested}: the source has no model with the fields of a lead (${LEAD_FIELDS.join(', ')}).`
        : [`--leads-model ${requested}: no model of that name has the fields of a lead (${LEAD_FIELDS.join(', ')}). These do:`, ...listed].join('\n'),
    );
  }
  if (candidates.length === 1) return candidates[0];
  if (candidates.length === 0) {
    throw new DjangoImportError(
      `The source has no leads model: no model has the fields ${LEAD_FIELDS.join(', ')} (owner a foreign key to auth.User). ` +
        'A dump must include it: python manage.py dumpdata auth.user knox.authtoken authtoken.token <app>.<model>.',
    );
  }
  throw new DjangoImportError(
    [`Several models have the fields of a lead (${LEAD_FIELDS.join(', ')}):`, ...listed, 'Name the one to import with --leads-model <app_label.Model>; nothing was changed.'].join('\n'),
  );
}
