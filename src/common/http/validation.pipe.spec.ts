import 'reflect-metadata';
import { ArgumentMetadata, Type } from '@nestjs/common';
import { LoginDto } from '../../auth/dto/login.dto';
import { RegisterDto } from '../../auth/dto/register.dto';
import { CreateLeadDto } from '../../leads/dto/create-lead.dto';
import { UpdateLeadDto } from '../../leads/dto/update-lead.dto';
import { PROTOTYPE_KEY_DETAIL } from './body-check';
import { ApiException } from './problem-details';
import { ApiValidationPipe, MAX_UNKNOWN_FIELDS_LISTED, UNKNOWN_FIELD_MESSAGE } from './validation.pipe';

const pipe = new ApiValidationPipe();
const body = (metatype: Type<unknown>): ArgumentMetadata => ({ type: 'body', metatype });

async function refusal(value: unknown, metatype: Type<unknown>): Promise<{ status: number; detail: string; errors?: Record<string, string[]> }> {
  try {
    await pipe.transform(value, body(metatype));
  } catch (error) {
    if (error instanceof ApiException) return { status: error.getStatus(), detail: error.detail, errors: error.errors };
    throw error;
  }
  throw new Error('the pipe accepted the body');
}

const ownNames = (prototype: object) => Reflect.ownKeys(prototype).map(String).sort();

describe('ApiValidationPipe', () => {
  const objectPrototype = ownNames(Object.prototype);
  afterEach(() => {
    // Whatever a test sent, the prototypes it could reach are as they were.
    expect(ownNames(Object.prototype)).toEqual(objectPrototype);
    expect(Object.getOwnPropertyDescriptor(Object.prototype, '__proto__')?.get).toEqual(expect.any(Function));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  describe('prototype keys', () => {
    it('refuses a body holding them at any depth, before class-transformer or Nest copy it', async () => {
      for (const text of [
        '{"__proto__":{"polluted":1},"username":"a"}',
        '{"constructor":{"prototype":{"polluted":1}}}',
        '{"username":{"__proto__":{"polluted":1}}}',
        '{"password":[{"prototype":{"polluted":1}}]}',
      ]) {
        expect({ text, refusal: await refusal(JSON.parse(text), LoginDto) }).toEqual({ text, refusal: { status: 400, detail: PROTOTYPE_KEY_DETAIL, errors: undefined } });
      }
    });

    it('refuses the body the old multipart parser built from a field named __proto__ (which made Nest delete Object.prototype.__proto__)', async () => {
      const fields = Object.setPrototypeOf({ username: 'a', password: 'b' }, [Object.prototype, 'x']) as object;
      expect(await refusal(fields, LoginDto)).toEqual({ status: 400, detail: PROTOTYPE_KEY_DETAIL, errors: undefined });
    });

    it('leaves the keys alone as values', async () => {
      const dto = await pipe.transform({ username: '__proto__', password: 'constructor', name: 'prototype' }, body(LoginDto));
      expect(dto).toBeInstanceOf(LoginDto);
      expect({ ...(dto as object) }).toEqual({ username: '__proto__', password: 'constructor', name: 'prototype' });
    });
  });

  describe('unknown fields', () => {
    it('names a few as class-validator would, with the errors of the known fields', async () => {
      expect(await refusal({ zeta: 1, username: '', alpha: 2, email: 'nope' }, RegisterDto)).toEqual({
        status: 400,
        detail: 'Invalid input.',
        errors: {
          zeta: [UNKNOWN_FIELD_MESSAGE],
          alpha: [UNKNOWN_FIELD_MESSAGE],
          username: ['This field may not be blank.'],
          email: ['Enter a valid email address.'],
          password: ['This field is required.'],
        },
      });
    });

    it(`names exactly ${MAX_UNKNOWN_FIELDS_LISTED} unknown fields without a count`, async () => {
      const unknown = Object.fromEntries(Array.from({ length: MAX_UNKNOWN_FIELDS_LISTED }, (_, index) => [`extra${index}`, index]));
      const { errors } = await refusal({ ...unknown, username: 'a' }, LoginDto);
      expect(Object.keys(errors!)).toEqual(Object.keys(unknown));
    });

    it('names the first ones in body order and counts the rest, for 9,000 of them', async () => {
      const unknown = Object.fromEntries(Array.from({ length: 9000 }, (_, index) => [`k${String(index).padStart(4, '0')}`, 'v']));
      const { errors } = await refusal({ name: 'Lead', ...unknown, email: 'not-an-email' }, CreateLeadDto);
      const listed = Object.keys(unknown).slice(0, MAX_UNKNOWN_FIELDS_LISTED);
      expect(errors).toEqual({
        ...Object.fromEntries(listed.map((key) => [key, [UNKNOWN_FIELD_MESSAGE]])),
        email: ['Enter a valid email address.'],
        message: ['This field is required.'],
        non_field_errors: [`${9000 - MAX_UNKNOWN_FIELDS_LISTED} more unknown fields were not listed.`],
      });
      expect(JSON.stringify(errors).length).toBeLessThan(1000);
    });

    it('counts one left out in the singular, and knows inherited and read-only fields', async () => {
      const unknown = Object.fromEntries(Array.from({ length: MAX_UNKNOWN_FIELDS_LISTED + 1 }, (_, index) => [`x${index}`, index]));
      const { errors } = await refusal({ id: 5, owner: 2, created_at: 'x', updated_at: 'y', name: 'Lead', ...unknown }, UpdateLeadDto);
      expect(errors!.non_field_errors).toEqual(['1 more unknown field was not listed.']);
      expect(Object.keys(errors!)).toHaveLength(MAX_UNKNOWN_FIELDS_LISTED + 1);
    });

    it('accepts a valid body as before', async () => {
      const dto = await pipe.transform({ name: ' Ada ', email: 'ada@example.com', message: 'Hi', id: 3 }, body(CreateLeadDto));
      expect(dto).toBeInstanceOf(CreateLeadDto);
      expect(dto).toMatchObject({ name: 'Ada', email: 'ada@example.com', message: 'Hi' });
    });
  });
});
