import { DRF } from '../common/http/drf-messages';
import { PageParams, parsePageParams, queryParam } from '../common/http/pagination';
import { FieldErrors, validationFailed } from '../common/http/problem-details';
import { LEAD_COLUMNS, SORTABLE_LEAD_FIELDS, SortableLeadField } from './lead.mapper';

/** The JSON names clients may sort by, mapped to their columns: nothing else ever reaches ORDER BY. */
export const ORDERING_COLUMNS: Readonly<Record<SortableLeadField, string>> = Object.freeze(
  Object.fromEntries(SORTABLE_LEAD_FIELDS.map((field) => [field, LEAD_COLUMNS[field].column])) as Record<SortableLeadField, string>,
);

export interface OrderTerm {
  field: SortableLeadField;
  descending: boolean;
}

export interface LeadListQuery {
  /** DRF's LimitOffsetPagination: null = the plain list (no `limit`, no LEADS_PAGE_SIZE). */
  page: PageParams | null;
  /** Trimmed, null characters removed (as DRF's SearchFilter does); null = no filter. */
  search: string | null;
  /** Always ends with a unique key, so that the order is total and pages never overlap. */
  ordering: OrderTerm[];
}

/** DRF's plain list is in the queryset's order; the tutorial's has none, so `id`, as the model's primary key. */
export const DEFAULT_ORDERING = 'id';

const isOrderingField = (name: string): name is SortableLeadField => Object.prototype.hasOwnProperty.call(ORDERING_COLUMNS, name);

function orderingError(term: string): string {
  const shown = term.length > 40 ? `${term.slice(0, 40)}…` : term;
  return `"${shown}" is not a valid ordering. Choose from ${Object.keys(ORDERING_COLUMNS).join(', ')}, each optionally prefixed with "-".`;
}

/**
 * `ordering` as DRF's OrderingFilter reads it (comma-separated, `-` for
 * descending), except that an unknown field is an error rather than ignored.
 * `id` is appended as the final tie-breaker, in the direction of the last
 * listed field, unless the client already listed it.
 */
export function parseOrdering(raw: string | undefined, errors: FieldErrors): OrderTerm[] {
  const terms: OrderTerm[] = [];
  const problems: string[] = [];
  for (const part of (raw ?? DEFAULT_ORDERING).split(',')) {
    const term = part.trim();
    if (term === '') continue;
    const descending = term.startsWith('-');
    const field = descending ? term.slice(1) : term;
    if (isOrderingField(field)) terms.push({ field, descending });
    else problems.push(orderingError(term));
  }
  if (problems.length > 0) {
    errors.ordering = problems;
    return [];
  }
  if (terms.length === 0) return parseOrdering(DEFAULT_ORDERING, errors);
  if (!terms.some((term) => term.field === 'id')) {
    terms.push({ field: 'id', descending: terms[terms.length - 1].descending });
  }
  return terms;
}

/**
 * Reads the list query, reporting every bad parameter at once. Unknown
 * parameters are ignored, as in DRF. `pageSize` is LEADS_PAGE_SIZE (DRF's
 * PAGE_SIZE): with it every list is a page; without it only a `limit` makes one.
 */
export function parseLeadListQuery(query: Record<string, unknown>, pageSize: number | null = null): LeadListQuery {
  const errors: FieldErrors = {};
  const page = parsePageParams(query, errors, pageSize);

  const rawSearch = queryParam(query, 'search');
  if (typeof rawSearch === 'object') errors.search = [DRF.notAString];
  const search = typeof rawSearch === 'string' ? rawSearch.replaceAll('\0', '').trim() : '';

  const rawOrdering = queryParam(query, 'ordering');
  if (typeof rawOrdering === 'object') errors.ordering = [DRF.notAString];
  const ordering = parseOrdering(typeof rawOrdering === 'string' ? rawOrdering : undefined, errors);

  if (Object.keys(errors).length > 0) throw validationFailed(errors);
  return { page, search: search === '' ? null : search, ordering };
}
