import { readFile } from 'node:fs/promises';
import {
  DjangoSource,
  isId,
  isoTimestamp,
  KnoxTableVersion,
  LeadsModelCandidate,
  SourceDrfToken,
  SourceKnoxToken,
  SourceLead,
  SourceUser,
} from './django-source';
import { DjangoImportError } from './import-error';
import { chooseLeadsModel, LEAD_FIELDS } from './leads-model-finder';

/** One object of `manage.py dumpdata`'s output. */
interface DumpObject {
  model: string;
  pk?: unknown;
  fields: Record<string, unknown>;
}

const USER_MODEL = 'auth.user';
const KNOX_MODEL = 'knox.authtoken';
const DRF_MODEL = 'authtoken.token';
/** knox 4.2's token_key length, and the width of its column: a longer key can only be knox 5's. */
const KNOX42_KEY_LENGTH = 8;
/** How many problems a refused file lists: enough to see the pattern. */
const LISTED_PROBLEMS = 10;

/**
 * Reads the JSON of `python manage.py dumpdata auth.user knox.authtoken
 * authtoken.token <app>.<model>` (an array, as `--format json` writes it, or
 * one object a line, as `--format jsonl` does). Foreign keys may be ids or
 * natural keys (`--natural-foreign`); users need their ids, so a dump made
 * with `--natural-primary` is refused. A file that does not read as such a
 * dump is refused whole, naming the first problems: it is not Django's.
 */
export async function readDumpdata(path: string, requestedModel: string | null): Promise<DjangoSource> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new DjangoImportError(`Could not read ${path}: ${code === 'ENOENT' ? 'no such file' : error instanceof Error ? error.message : String(error)}.`);
  }
  const objects = parseObjects(path, text);
  const problems: string[] = [];
  const notes = new Set<string>();
  const byModel = new Map<string, DumpObject[]>();
  for (const object of objects) {
    const label = object.model.toLowerCase();
    byModel.set(label, [...(byModel.get(label) ?? []), object]);
  }

  const timestamp = (object: DumpObject, field: string, nullable: boolean): string | null => {
    const value = object.fields[field];
    if (value === null && nullable) return null;
    const parsed = isoTimestamp(value);
    if (!parsed) {
      problems.push(`${where(object)}: ${field} is not a timestamp`);
      return null;
    }
    if (parsed.naive) notes.add('The dump has timestamps without a time zone (USE_TZ = False); they were read as UTC.');
    return parsed.value;
  };

  const users: SourceUser[] = [];
  for (const object of byModel.get(USER_MODEL) ?? []) {
    if (object.pk === undefined) {
      problems.push(`${where(object)}: no pk; dump without --natural-primary, so that user ids (and /api/leads/<id> owners) stay what they are`);
      continue;
    }
    const { username, email, password, is_active: isActive, is_staff: isStaff, is_superuser: isSuperuser } = object.fields;
    if (!isId(object.pk)) problems.push(`${where(object)}: pk is not a user id`);
    else if (typeof username !== 'string' || typeof email !== 'string' || typeof password !== 'string' || typeof isActive !== 'boolean') {
      problems.push(`${where(object)}: username, email, password and is_active are not those of auth.User`);
    } else {
      users.push({
        id: object.pk,
        username,
        email,
        password,
        isActive,
        isStaff: isStaff === true,
        isSuperuser: isSuperuser === true,
        lastLogin: timestamp(object, 'last_login', true),
        dateJoined: timestamp(object, 'date_joined', false) ?? '',
      });
    }
  }
  if (users.length === 0 && problems.length === 0) {
    throw new DjangoImportError(`${path} has no ${USER_MODEL} rows: dump them with python manage.py dumpdata auth.user knox.authtoken authtoken.token <app>.<model>.`);
  }
  const idsByUsername = new Map(users.map((user) => [user.username, user.id]));
  const userRef = (object: DumpObject, field: string): number | null => {
    const value = object.fields[field];
    if (value === null || isId(value)) return value;
    // --natural-foreign writes a user as [username].
    if (Array.isArray(value) && value.length === 1 && typeof value[0] === 'string') {
      const id = idsByUsername.get(value[0]);
      if (id !== undefined) return id;
      problems.push(`${where(object)}: ${field} names a user who is not in the dump`);
      return null;
    }
    problems.push(`${where(object)}: ${field} is neither a user id nor a natural key`);
    return null;
  };

  const knoxTokens: SourceKnoxToken[] = [];
  for (const object of byModel.get(KNOX_MODEL) ?? []) {
    const { token_key: tokenKey } = object.fields;
    const userId = userRef(object, 'user');
    if (typeof object.pk !== 'string' || typeof tokenKey !== 'string' || userId === null) {
      problems.push(`${where(object)}: not a knox AuthToken (digest, token_key, user)`);
      continue;
    }
    knoxTokens.push({ digest: object.pk, tokenKey, userId, created: timestamp(object, 'created', false) ?? '', expiry: timestamp(object, 'expiry', true) });
  }

  const drfTokens: SourceDrfToken[] = [];
  for (const object of byModel.get(DRF_MODEL) ?? []) {
    const userId = userRef(object, 'user');
    if (typeof object.pk !== 'string' || userId === null) {
      problems.push(`${where(object)}: not a DRF Token (key, user)`);
      continue;
    }
    drfTokens.push({ key: object.pk, userId, created: timestamp(object, 'created', false) ?? '' });
  }

  const candidates: LeadsModelCandidate[] = [...byModel.entries()]
    .filter(([label, rows]) => ![USER_MODEL, KNOX_MODEL, DRF_MODEL].includes(label) && rows.every((row) => LEAD_FIELDS.every((field) => field in row.fields)))
    .map(([label, rows]) => ({
      label,
      table: null,
      rows: rows.length,
      hasCreatedAt: rows.every((row) => 'created_at' in row.fields),
      hasUpdatedAt: rows.every((row) => 'updated_at' in row.fields),
    }));
  if (problems.length > 0) throw refused(path, problems);
  const leadsModel = chooseLeadsModel(candidates, requestedModel);
  // This API's lead ids are integers; a model keyed otherwise (a UUID, say) cannot keep its ids here.
  const leadId = (object: DumpObject): number => {
    if (typeof object.pk === 'number' && Number.isSafeInteger(object.pk)) return object.pk;
    problems.push(`${where(object)}: pk is not an integer id`);
    return 0;
  };

  const leads: SourceLead[] = (byModel.get(leadsModel.label) ?? []).map((object) => ({
    id: leadId(object),
    ownerId: userRef(object, 'owner'),
    name: object.fields.name,
    email: object.fields.email,
    message: object.fields.message,
    createdAt: leadsModel.hasCreatedAt ? timestamp(object, 'created_at', false) : null,
    updatedAt: leadsModel.hasUpdatedAt ? timestamp(object, 'updated_at', false) : null,
  }));
  if (problems.length > 0) throw refused(path, problems);

  return {
    description: path,
    users,
    leadsModel,
    leads,
    knox: { ...knoxVersion(knoxTokens), tokens: knoxTokens },
    drfTokens,
    nextIds: { users: null, leads: null },
    notes: [...notes],
  };
}

/**
 * A dump does not say how wide knox's token_key column is, so the rows
 * tell: a key longer than knox 4.2's 8 characters cannot be in a 4.2 table.
 * Keys that are all 8 long read as knox 4.2; a knox 5 table holding only
 * rows a 4.2 upgrade left behind looks the same, which the report says.
 */
function knoxVersion(tokens: readonly SourceKnoxToken[]): { version: KnoxTableVersion | null; versionFrom: string } {
  if (tokens.length === 0) return { version: null, versionFrom: 'the dump has no knox.authtoken rows' };
  if (tokens.some((token) => token.tokenKey.length > KNOX42_KEY_LENGTH)) {
    return { version: '5', versionFrom: `some token_key is longer than knox 4.2's ${KNOX42_KEY_LENGTH} characters` };
  }
  return {
    version: '4.2',
    versionFrom:
      `every token_key is ${KNOX42_KEY_LENGTH} characters, as knox 4.2 writes them (on knox 5, such rows are left from 4.2 and ` +
      'no longer authenticate there: import from the PostgreSQL database, whose column width tells)',
  };
}

function parseObjects(path: string, text: string): DumpObject[] {
  let values: unknown[];
  try {
    const trimmed = text.trimStart();
    if (trimmed.startsWith('[')) {
      const parsed: unknown = JSON.parse(trimmed);
      values = Array.isArray(parsed) ? parsed : [];
    } else {
      values = trimmed
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as unknown);
    }
  } catch (error) {
    throw new DjangoImportError(`${path} is not JSON written by manage.py dumpdata: ${error instanceof Error ? error.message : String(error)}.`);
  }
  const problems: string[] = [];
  const objects = values.filter((value, index): value is DumpObject => {
    const ok =
      typeof value === 'object' &&
      value !== null &&
      typeof (value as DumpObject).model === 'string' &&
      typeof (value as DumpObject).fields === 'object' &&
      (value as DumpObject).fields !== null;
    if (!ok) problems.push(`object ${index + 1}: not {"model", "pk", "fields"}`);
    return ok;
  });
  if (problems.length > 0) throw refused(path, problems);
  if (objects.length === 0) throw new DjangoImportError(`${path} holds no objects: is it the output of manage.py dumpdata?`);
  return objects;
}

function where(object: DumpObject): string {
  return `${object.model} ${typeof object.pk === 'number' || typeof object.pk === 'string' ? pkText(object) : '(no pk)'}`;
}

/** A knox row's pk is its digest and a DRF token's its key: those are never printed. */
function pkText(object: DumpObject): string {
  const label = object.model.toLowerCase();
  if (label === KNOX_MODEL) return `with token_key ${JSON.stringify(object.fields.token_key)}`;
  if (label === DRF_MODEL) return `of user ${JSON.stringify(object.fields.user)}`;
  return String(object.pk);
}

function refused(path: string, problems: string[]): DjangoImportError {
  const more = problems.length > LISTED_PROBLEMS ? [`  ... and ${problems.length - LISTED_PROBLEMS} more`] : [];
  return new DjangoImportError(
    [`${path} does not read as a Django dump; nothing was changed:`, ...problems.slice(0, LISTED_PROBLEMS).map((problem) => `  ${problem}`), ...more].join('\n'),
  );
}
