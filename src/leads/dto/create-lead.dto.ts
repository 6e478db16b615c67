import { TextField } from '../../common/http/fields';
import { ReadOnlyField } from './read-only-field';

/** The body of POST and PUT: every writable field is required. */
export class CreateLeadDto {
  @TextField({ maxLength: 100, example: 'Ada Lovelace' })
  name: string;

  @TextField({ maxLength: 100, email: true, example: 'ada@example.com', description: 'Unique per owner, case-insensitively' })
  email: string;

  @TextField({ maxLength: 500, example: 'Interested in the analytical engine.' })
  message: string;

  @ReadOnlyField({ type: 'integer', description: 'Ignored' })
  id?: unknown;

  @ReadOnlyField({ type: 'integer', description: 'Ignored: the owner is always the caller' })
  owner?: unknown;

  @ReadOnlyField({ type: 'string', format: 'date-time', description: 'Ignored' })
  created_at?: unknown;

  @ReadOnlyField({ type: 'string', format: 'date-time', description: 'Ignored' })
  updated_at?: unknown;
}
