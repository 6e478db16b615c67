import 'reflect-metadata';
import { ApiValidationPipe } from '../../common/http/validation.pipe';
import { LEAD_COLUMNS, WRITABLE_LEAD_FIELDS, writableFields } from '../lead.mapper';
import { CreateLeadDto } from './create-lead.dto';
import type { LeadResponse } from './lead-response.dto';
import { UpdateLeadDto } from './update-lead.dto';

/** An answer as a client got it: every field of LEAD_COLUMNS (the type checker keeps it complete). */
const answer: LeadResponse = {
  id: 12,
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  message: 'Interested in the analytical engine.',
  owner: 7,
  created_at: '2026-11-22T20:05:35.451Z',
  updated_at: '2026-11-22T20:05:35.451Z',
};

describe('CreateLeadDto and LEAD_COLUMNS', () => {
  const pipe = new ApiValidationPipe();

  it('has a sample of every field of the answer', () => {
    expect(Object.keys(answer).sort()).toEqual(Object.keys(LEAD_COLUMNS).sort());
  });

  it.each([
    ['PUT (CreateLeadDto)', CreateLeadDto],
    ['PATCH (UpdateLeadDto)', UpdateLeadDto],
  ])('%s accepts back every field of an answer, and only the writable ones go on', async (_method, metatype) => {
    const dto = (await pipe.transform({ ...answer }, { type: 'body', metatype })) as CreateLeadDto;
    expect(writableFields(dto)).toEqual(Object.fromEntries(WRITABLE_LEAD_FIELDS.map((field) => [field, answer[field]])));
  });

  it('validates each writable field: none is taken as read-only', async () => {
    for (const field of WRITABLE_LEAD_FIELDS) {
      const refused = await pipe.transform({ ...answer, [field]: 42 }, { type: 'body', metatype: CreateLeadDto }).then(
        () => undefined,
        (error: { errors?: Record<string, string[]> }) => error.errors,
      );
      expect({ field, refused: Object.keys(refused ?? {}) }).toEqual({ field, refused: [field] });
    }
  });
});
