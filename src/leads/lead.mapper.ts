import type { CreateLeadDto } from './dto/create-lead.dto';
import type { LeadResponse } from './dto/lead-response.dto';

interface LeadColumn {
  /** The column in `leads`. */
  readonly column: string;
  readonly type: 'integer' | 'text' | 'timestamptz';
  /** A client may set it (POST, PUT, PATCH): the one allow-list of writable fields. */
  readonly writable?: true;
  /** A client may sort by it (`ordering`). */
  readonly sortable?: true;
  /** `search` looks for its text (DRF's SearchFilter `search_fields`). */
  readonly searchable?: true;
}

/**
 * Every field of a lead's answer, in the answer's order, with its column:
 * the statements' column lists, the writable fields and the orderings all
 * come from here, so that adding a column means adding it here, to the
 * mapper below, the DTOs, the entity and a migration.
 */
export const LEAD_COLUMNS = {
  id: { column: 'id', type: 'integer', sortable: true },
  name: { column: 'name', type: 'text', writable: true, sortable: true, searchable: true },
  email: { column: 'email', type: 'text', writable: true, sortable: true, searchable: true },
  message: { column: 'message', type: 'text', writable: true, searchable: true },
  owner: { column: 'owner_id', type: 'integer' },
  created_at: { column: 'created_at', type: 'timestamptz', sortable: true },
  updated_at: { column: 'updated_at', type: 'timestamptz', sortable: true },
} as const satisfies { readonly [Field in keyof LeadResponse]: LeadColumn };

type Columns = typeof LEAD_COLUMNS;
type FieldWith<Flag extends 'writable' | 'sortable'> = { [Field in keyof Columns]: Columns[Field] extends Record<Flag, true> ? Field : never }[keyof Columns];

export type WritableLeadField = FieldWith<'writable'>;
export type SortableLeadField = FieldWith<'sortable'>;

const fieldsWith = <Field extends keyof Columns>(flag: 'writable' | 'sortable' | 'searchable'): Field[] =>
  (Object.keys(LEAD_COLUMNS) as Array<keyof Columns>).filter((field) => flag in LEAD_COLUMNS[field]) as Field[];

/** The fields a body may set, in a fixed order: nothing else a client sends ever reaches the database. */
export const WRITABLE_LEAD_FIELDS: readonly WritableLeadField[] = fieldsWith<WritableLeadField>('writable');
/** The fields `ordering` may name, in the order the error message lists them. */
export const SORTABLE_LEAD_FIELDS: readonly SortableLeadField[] = fieldsWith<SortableLeadField>('sortable');
/** The fields `search` matches, in order. */
export const SEARCHED_LEAD_FIELDS: readonly (keyof Columns)[] = fieldsWith('searchable');
/** Their columns. */
export const SEARCHED_LEAD_COLUMNS: readonly string[] = SEARCHED_LEAD_FIELDS.map((field) => LEAD_COLUMNS[field].column);

/** The values a client may write: the writable fields of the create body. */
export type LeadFields = Pick<CreateLeadDto, WritableLeadField>;

/**
 * The create body holds every field of the answer: the writable ones as their
 * values, the others as @ReadOnlyField (accepted and ignored, as DRF ignores
 * read-only fields), so that a client can PUT back exactly what it got. A
 * field added here and missing from CreateLeadDto fails to compile below,
 * naming it; create-lead.dto.spec.ts checks that the body accepts it.
 */
type BodyFields = { [Field in keyof Columns]: Field extends WritableLeadField ? LeadResponse[Field] : unknown };
type CoversEveryField<Body extends BodyFields> = Body;
type _CreateLeadDtoCoversEveryField = CoversEveryField<Required<CreateLeadDto>>;

/** A lead's row as the statements select it: each column under its own name, timestamps already in the API's ISO form. */
export type LeadRow = { [Field in keyof Columns as Columns[Field]['column']]: LeadResponse[Field] };

/** Copies the writable fields only: a body's id, owner or timestamps (or anything else) never reach the database. */
export function writableFields<T extends Partial<LeadFields>>(body: T): Pick<T, WritableLeadField> {
  const fields: Partial<LeadFields> = {};
  for (const field of WRITABLE_LEAD_FIELDS) if (body[field] !== undefined) fields[field] = body[field];
  return fields as Pick<T, WritableLeadField>;
}

/**
 * A lead as the API shows it, in snake_case as DRF renders the model; built
 * field by field so that nothing else on the row (a list's keyset position,
 * say) can leak out.
 */
export function toLeadResponse(row: LeadRow): LeadResponse {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    message: row.message,
    owner: row.owner_id,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}
