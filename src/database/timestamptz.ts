import { types } from 'pg';
import type { CustomTypesConfig } from 'pg';

const TIMESTAMPTZ_OID = 1184;
const generalParser = types.getTypeParser(TIMESTAMPTZ_OID);

const digitAt = (text: string, index: number): number => {
  const code = text.charCodeAt(index) - 48;
  return code >= 0 && code <= 9 ? code : -1;
};

/** `-`, `-`, space, `:`, `:` where `YYYY-MM-DD HH:MM:SS` has them. */
const separatorsInPlace = (text: string): boolean =>
  text.charCodeAt(4) === 45 && text.charCodeAt(7) === 45 && text.charCodeAt(10) === 32 && text.charCodeAt(13) === 58 && text.charCodeAt(16) === 58;

/** Two digits at `index` as a number, or -1. */
function twoDigits(text: string, index: number): number {
  const tens = digitAt(text, index);
  const units = digitAt(text, index + 1);
  return tens < 0 || units < 0 ? -1 : tens * 10 + units;
}

/**
 * PostgreSQL's `timestamptz` text in its one everyday shape,
 * `YYYY-MM-DD HH:MM:SS[.ffffff]±HH[:MM]`, read without regular expressions:
 * every token and every lead carries such timestamps, and node-postgres's
 * general parser (three regular expressions each) was a visible part of a
 * lead list's CPU. Anything else (BC dates, `infinity`, years past 9999 or
 * before 1000, offsets with seconds) goes to that general parser, so the
 * result is always the same Date, to the millisecond.
 */
export function parseTimestamptz(text: string): unknown {
  const length = text.length;
  if (length < 22 || length > 32 || !separatorsInPlace(text)) return generalParser(text);
  const century = twoDigits(text, 0);
  const yearInCentury = twoDigits(text, 2);
  const month = twoDigits(text, 5);
  const day = twoDigits(text, 8);
  const hour = twoDigits(text, 11);
  const minute = twoDigits(text, 14);
  const second = twoDigits(text, 17);
  if (century < 10 || yearInCentury < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return generalParser(text);

  let index = 19;
  let milliseconds = 0;
  if (text.charCodeAt(index) === 46) {
    index++;
    let digits = 0;
    for (let digit = digitAt(text, index); digit >= 0; digit = digitAt(text, ++index)) {
      if (digits < 3) milliseconds = milliseconds * 10 + digit;
      digits++;
    }
    if (digits === 0) return generalParser(text);
    if (digits === 1) milliseconds *= 100;
    else if (digits === 2) milliseconds *= 10;
  }

  const sign = text.charCodeAt(index);
  if (sign !== 43 && sign !== 45) return generalParser(text);
  const offsetHours = twoDigits(text, index + 1);
  let offsetMinutes = 0;
  let end = index + 3;
  if (text.charCodeAt(end) === 58) {
    offsetMinutes = twoDigits(text, end + 1);
    end += 3;
  }
  if (offsetHours < 0 || offsetMinutes < 0 || end !== length) return generalParser(text);

  const offsetMs = (sign === 43 ? 1 : -1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  const utc = Date.UTC(century * 100 + yearInCentury, month - 1, day, hour, minute, second, milliseconds);
  return new Date(utc - offsetMs);
}

/**
 * The instant of a `timestamptz` text as `Date#toISOString` writes it
 * (`YYYY-MM-DDTHH:MM:SS.mmmZ`, microseconds truncated as the Date parser
 * truncates them). For the usual UTC text it is rearranged without building a
 * Date: a Date's `toJSON` was the largest single cost of serialising a page of
 * leads (see bench/README.md, "Where the time goes"). Any other shape or
 * offset goes through parseTimestamptz.
 */
export function timestamptzToIso(text: string): string {
  const length = text.length;
  if (length >= 22 && length <= 29 && isPlainUtc(text, length)) {
    const fractionDigits = length === 22 ? 0 : length - 23;
    const milliseconds = fractionDigits >= 3 ? text.slice(20, 23) : `${text.slice(20, 20 + fractionDigits)}${'000'.slice(fractionDigits)}`;
    return `${text.slice(0, 10)}T${text.slice(11, 19)}.${milliseconds}Z`;
  }
  const parsed = parseTimestamptz(text);
  return parsed instanceof Date && !Number.isNaN(parsed.getTime()) ? parsed.toISOString() : text;
}

const DIGIT_POSITIONS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18];

/** `YYYY-MM-DD HH:MM:SS[.f{1,6}]+00`, the year from 1000, every digit a digit. */
function isPlainUtc(text: string, length: number): boolean {
  if (text.charCodeAt(length - 3) !== 43 || text.charCodeAt(length - 2) !== 48 || text.charCodeAt(length - 1) !== 48) return false;
  if (!separatorsInPlace(text)) return false;
  if (text.charCodeAt(0) === 48) return false;
  for (const index of DIGIT_POSITIONS) if (digitAt(text, index) < 0) return false;
  if (length === 22) return true;
  if (length === 23 || text.charCodeAt(19) !== 46) return false;
  for (let index = 20; index < length - 3; index++) if (digitAt(text, index) < 0) return false;
  return true;
}

const withTimestamptzParser = (parse: (text: string) => unknown): CustomTypesConfig => ({
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === TIMESTAMPTZ_OID && format !== 'binary' ? parse : types.getTypeParser(oid, format)) as CustomTypesConfig['getTypeParser'],
});

/**
 * Type parsers for rows that go straight into a response (a Statement's
 * `types`): `timestamptz` columns arrive as ISO strings, as the API prints
 * them, instead of Dates that JSON.stringify would convert back. Every other
 * type parses as usual.
 */
export const ISO_TIMESTAMPS: CustomTypesConfig = withTimestamptzParser(timestamptzToIso);

/** Type parsers for rows whose `timestamptz` columns the code computes with: Dates, read by parseTimestamptz. */
export const DATE_TIMESTAMPS: CustomTypesConfig = withTimestamptzParser(parseTimestamptz);
