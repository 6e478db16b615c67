import { Client } from 'pg';
import { redactText } from '../common/logging/redact';
import { DjangoSource, KnoxTableVersion, LeadsModelCandidate, SourceDrfToken, SourceKnoxToken, SourceLead, SourceUser } from './django-source';
import { DjangoImportError } from './import-error';
import { chooseLeadsModel } from './leads-model-finder';

/**
 * Timestamps as UTC ISO text with microseconds, rendered by PostgreSQL in a
 * session whose TimeZone is UTC: the instants Django stored, to the
 * microsecond, whatever the server's DateStyle.
 */
const ISO = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;
const at = (column: string): string => `to_char(${column}, ${ISO})`;

/** knox 4.2's token_key column is 8 wide; knox 5's is 25 (its longest prefix + 15). */
const KNOX42_COLUMN_WIDTH = 8;

interface CandidateRow {
  schema: string;
  table: string;
  columns: string[];
  first_schema: boolean;
}

/**
 * Reads the Django database at `url` in one REPEATABLE READ, READ ONLY
 * transaction: PostgreSQL itself refuses any write, and every table is read
 * from the same snapshot, so a Django still serving while it is read gives
 * a consistent picture (no token of a user read before the user was).
 *
 * The leads model is found by its columns (information_schema.columns: name,
 * email, message, owner_id with a foreign key to auth_user) and named by
 * django_content_type, which also covers a model with its own db_table.
 */
export async function readPostgres(url: string, requestedModel: string | null, options: { connectMs: number }): Promise<DjangoSource> {
  const description = redactText(url);
  const client = new Client({ connectionString: url, connectionTimeoutMillis: options.connectMs, application_name: 'leads-api import-django' });
  // A connection lost between statements would otherwise be an unhandled 'error'; the statement in flight reports it.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    throw new DjangoImportError(`Could not connect to the Django database ${description}: ${redactText(messageOf(error))}`, { cause: error });
  }
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await client.query("SET LOCAL TimeZone = 'UTC'");
    const source = await readTables(client, description, requestedModel);
    await client.query('COMMIT');
    return source;
  } catch (error) {
    if (error instanceof DjangoImportError) throw error;
    throw new DjangoImportError(`Could not read the Django database ${description}: ${redactText(messageOf(error))}`, { cause: error });
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function readTables(client: Client, description: string, requestedModel: string | null): Promise<DjangoSource> {
  const exists = async (table: string): Promise<boolean> =>
    (await client.query<{ found: boolean }>('SELECT to_regclass($1) IS NOT NULL AS found', [table])).rows[0].found;
  if (!(await exists('auth_user'))) {
    throw new DjangoImportError(`${description} has no auth_user table: is it the Django database (with django.contrib.auth's User)?`);
  }

  const candidates = await leadsModelCandidates(client, await exists('django_content_type'));
  const leadsModel = chooseLeadsModel([...candidates.keys()], requestedModel);
  const table = candidates.get(leadsModel) as string;

  const users = (
    await client.query<{ id: number; username: string; email: string; password: string; is_active: boolean; is_staff: boolean; is_superuser: boolean; last_login: string | null; date_joined: string }>(
      `SELECT id, username, email, password, is_active, is_staff, is_superuser, ${at('last_login')} AS last_login, ${at('date_joined')} AS date_joined
         FROM auth_user ORDER BY id`,
    )
  ).rows.map(
    (row): SourceUser => ({
      id: row.id,
      username: row.username,
      email: row.email,
      password: row.password,
      isActive: row.is_active,
      isStaff: row.is_staff,
      isSuperuser: row.is_superuser,
      lastLogin: row.last_login,
      dateJoined: row.date_joined,
    }),
  );

  // id and owner_id as text: a BigAutoField's bigint would otherwise arrive as a string anyway.
  const leads = (
    await client.query<{ id: string; owner_id: string | null; name: unknown; email: unknown; message: unknown; created_at: string | null; updated_at: string | null }>(
      `SELECT id::text AS id, owner_id::text AS owner_id, name, email, message,
              ${leadsModel.hasCreatedAt ? at('created_at') : 'NULL'} AS created_at, ${leadsModel.hasUpdatedAt ? at('updated_at') : 'NULL'} AS updated_at
         FROM ${table} ORDER BY id`,
    )
  ).rows.map(
    (row): SourceLead => ({
      id: Number(row.id),
      ownerId: row.owner_id === null ? null : Number(row.owner_id),
      name: row.name,
      email: row.email,
      message: row.message,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    }),
  );
  if (leads.some((lead) => !Number.isSafeInteger(lead.id))) {
    throw new DjangoImportError(`${leadsModel.label}'s ids are not integers; this API's lead ids are, so they cannot be kept.`);
  }

  const knox = (await exists('knox_authtoken')) ? await knoxTokens(client) : { version: null, versionFrom: 'the database has no knox_authtoken table', tokens: [] };

  let drfTokens: SourceDrfToken[] | null = null;
  if (await exists('authtoken_token')) {
    drfTokens = (await client.query<{ key: string; user_id: number; created: string }>(`SELECT key, user_id, ${at('created')} AS created FROM authtoken_token ORDER BY user_id`)).rows.map(
      (row) => ({ key: row.key, userId: row.user_id, created: row.created }),
    );
  }

  return {
    description,
    users,
    leadsModel,
    leads,
    knox,
    drfTokens,
    nextIds: { users: await nextId(client, 'auth_user'), leads: await nextId(client, table) },
    notes: [],
  };
}

/**
 * Every table in the search path with a lead's columns and owner_id a
 * foreign key to auth_user, named by its content type where Django's default
 * table name (`<app_label>_<model>`) matches, else by its table.
 */
async function leadsModelCandidates(client: Client, hasContentTypes: boolean): Promise<Map<LeadsModelCandidate, string>> {
  const { rows } = await client.query<CandidateRow>(`
    SELECT c.table_schema AS schema, c.table_name AS table, array_agg(c.column_name::text) AS columns,
           c.table_schema = (current_schemas(false))[1] AS first_schema
      FROM information_schema.columns c
     WHERE c.table_schema = ANY (current_schemas(false))
     GROUP BY c.table_schema, c.table_name
    HAVING array_agg(c.column_name::text) @> ARRAY['name', 'email', 'message', 'owner_id']
       AND EXISTS (
             SELECT 1 FROM pg_constraint k JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
              WHERE k.contype = 'f' AND cardinality(k.conkey) = 1 AND a.attname = 'owner_id'
                AND k.conrelid = format('%I.%I', c.table_schema, c.table_name)::regclass AND k.confrelid = 'auth_user'::regclass)
     ORDER BY c.table_schema, c.table_name`);
  const labels = new Map<string, string>();
  if (hasContentTypes) {
    const types = await client.query<{ app_label: string; model: string }>('SELECT app_label, model FROM django_content_type');
    for (const { app_label: app, model } of types.rows) labels.set(`${app}_${model}`, `${app}.${model}`);
  }
  // Each candidate with its table as the statements name it, quoted; its label and table are for people.
  const candidates = new Map<LeadsModelCandidate, string>();
  for (const row of rows) {
    const quoted = `${client.escapeIdentifier(row.schema)}.${client.escapeIdentifier(row.table)}`;
    const count = await client.query<{ rows: number }>(`SELECT count(*)::int AS rows FROM ${quoted}`);
    const candidate: LeadsModelCandidate = {
      label: labels.get(row.table) ?? row.table,
      table: row.first_schema ? row.table : `${row.schema}.${row.table}`,
      rows: count.rows[0].rows,
      hasCreatedAt: row.columns.includes('created_at'),
      hasUpdatedAt: row.columns.includes('updated_at'),
    };
    candidates.set(candidate, quoted);
  }
  return candidates;
}

async function knoxTokens(client: Client): Promise<DjangoSource['knox']> {
  const width = (await client.query<{ width: number }>(`SELECT atttypmod - 4 AS width FROM pg_attribute WHERE attrelid = 'knox_authtoken'::regclass AND attname = 'token_key'`)).rows[0]
    ?.width;
  const version: KnoxTableVersion = width !== undefined && width > 0 && width <= KNOX42_COLUMN_WIDTH ? '4.2' : '5';
  const tokens = (
    await client.query<{ digest: string; token_key: string; user_id: number; created: string; expiry: string | null }>(
      `SELECT digest, token_key, user_id, ${at('created')} AS created, ${at('expiry')} AS expiry FROM knox_authtoken ORDER BY created, token_key`,
    )
  ).rows.map((row): SourceKnoxToken => ({ digest: row.digest, tokenKey: row.token_key, userId: row.user_id, created: row.created, expiry: row.expiry }));
  const versionFrom = width !== undefined && width > 0 ? `its token_key column is ${width} characters wide` : 'its token_key column has no width';
  return { version, versionFrom, tokens };
}

/**
 * The id the table's sequence would hand out next, when the connection may
 * read it: ids Django used for rows since deleted are then not reused here.
 */
async function nextId(client: Client, table: string): Promise<number | null> {
  const { rows } = await client.query<{ last: string | null }>(
    `SELECT CASE WHEN s IS NOT NULL AND has_sequence_privilege(s, 'SELECT') THEN pg_sequence_last_value(s::regclass)::text END AS last
       FROM pg_get_serial_sequence($1, 'id') AS s`,
    [table],
  );
  const last = rows[0]?.last;
  return last === null || last === undefined ? null : Number(last) + 1;
}

function messageOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message;
}
