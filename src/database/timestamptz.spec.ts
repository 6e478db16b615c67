import fc from 'fast-check';
import { types } from 'pg';
import { parseTimestamptz, timestamptzToIso } from './timestamptz';

const general = types.getTypeParser(1184);
const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

/** How PostgreSQL prints a timestamptz with DateStyle ISO: microseconds trimmed of trailing zeros, offset ±HH[:MM]. */
function postgresText(parts: { year: number; month: number; day: number; hour: number; minute: number; second: number; micros: number; offset: number }): string {
  const { year, month, day, hour, minute, second, micros, offset } = parts;
  const fraction = micros === 0 ? '' : `.${pad(micros, 6).replace(/0+$/, '')}`;
  const sign = offset < 0 ? '-' : '+';
  const absolute = Math.abs(offset);
  const zone = `${sign}${pad(Math.floor(absolute / 60))}${absolute % 60 === 0 ? '' : `:${pad(absolute % 60)}`}`;
  return `${pad(year, 4)}-${pad(month)}-${pad(day)} ${pad(hour)}:${pad(minute)}:${pad(second)}${fraction}${zone}`;
}

const timestamp = fc.record({
  year: fc.integer({ min: 1000, max: 9999 }),
  month: fc.integer({ min: 1, max: 12 }),
  day: fc.integer({ min: 1, max: 28 }),
  hour: fc.integer({ min: 0, max: 23 }),
  minute: fc.integer({ min: 0, max: 59 }),
  second: fc.integer({ min: 0, max: 59 }),
  micros: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 999_999 })),
  offset: fc.oneof(fc.constant(0), fc.integer({ min: -15 * 60, max: 15 * 60 })),
});

describe('parseTimestamptz', () => {
  it('gives the same instant as node-postgres for every everyday timestamptz', () => {
    fc.assert(
      fc.property(timestamp, (parts) => {
        const text = postgresText(parts);
        expect((parseTimestamptz(text) as Date).getTime()).toBe((general(text) as Date).getTime());
      }),
      { numRuns: 5000 },
    );
  });

  it.each(['2026-11-23 03:10:24.548123+00', '2026-11-23 03:10:24+05:30', '1999-12-31 23:59:59.9-08'])('reads %s', (text) => {
    expect((parseTimestamptz(text) as Date).toISOString()).toBe((general(text) as Date).toISOString());
  });

  it.each(['infinity', '-infinity', '0044-03-15 12:00:00+00 BC', '12026-01-01 00:00:00+00', '0099-01-01 00:00:00+00', '2026-11-23 03:10:24+05:30:15', '2026-11-23T03:10:24Z'])(
    'leaves the unusual shape %s to the general parser',
    (text) => {
      const expected = general(text);
      const actual = parseTimestamptz(text);
      if (expected instanceof Date) expect((actual as Date).getTime()).toBe(expected.getTime());
      else expect(actual).toEqual(expected);
    },
  );
});

describe('timestamptzToIso', () => {
  it('writes the instant exactly as node-postgres\'s Date would print it, for every everyday timestamptz', () => {
    fc.assert(
      fc.property(timestamp, (parts) => {
        const text = postgresText(parts);
        expect(timestamptzToIso(text)).toBe((general(text) as Date).toISOString());
      }),
      { numRuns: 5000 },
    );
  });

  it.each([
    ['2026-11-23 03:10:24.548123+00', '2026-11-23T03:10:24.548Z'],
    ['2026-11-23 03:10:24.5+00', '2026-11-23T03:10:24.500Z'],
    ['2026-11-23 03:10:24.05+00', '2026-11-23T03:10:24.050Z'],
    ['2026-11-23 03:10:24+00', '2026-11-23T03:10:24.000Z'],
    ['2026-11-23 03:10:24.999999+00', '2026-11-23T03:10:24.999Z'],
    ['2026-11-23 05:10:24.5+02', '2026-11-23T03:10:24.500Z'],
    ['2026-11-22 21:40:24-05:30', '2026-11-23T03:10:24.000Z'],
  ])('writes %s as %s', (text, expected) => {
    expect(timestamptzToIso(text)).toBe(expected);
  });

  it.each(['0999-01-01 00:00:00+00', '12026-01-01 00:00:00+00', '0044-03-15 12:00:00+00 BC', '2026-11-23 03:10:24.+00', '2026-11-23 03:1x:24+00'])(
    'leaves the unusual shape %s to the general parser',
    (text) => {
      const expected = general(text);
      const printed = expected instanceof Date && !Number.isNaN(expected.getTime()) ? expected.toISOString() : text;
      expect(timestamptzToIso(text)).toBe(printed);
    },
  );
});
