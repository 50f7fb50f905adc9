import { describe, expect, it } from 'vitest';
import { InvalidEventError } from '../../functions/shared/core/errors.js';
import { toIsoTimestamp, toIsoTimestampOrUndefined } from '../../functions/shared/core/time.js';

/** What toIsoTimestamp must return for a canonical ISO-8601 string: Date's own reading of it. */
function viaDate(value: string): string {
  return new Date(Date.parse(value)).toISOString();
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

describe('toIsoTimestamp', () => {
  it('returns what Date reads for every canonical form, including days and hours that roll over', () => {
    // A seeded walk over the calendar's edges: month ends, leap days, 24:00, 60 seconds.
    let seed = 7;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const years = [1, 1970, 1999, 2000, 2023, 2024, 2100, 2400, 9999];
    let checked = 0;
    for (const year of years) {
      for (let month = 1; month <= 12; month++) {
        for (const day of [1, 28, 29, 30, 31]) {
          const hour = [0, 23, 24][next(3)]!;
          const minute = [0, 59][next(2)]!;
          const second = [0, 59][next(2)]!;
          const base = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}`;
          for (const value of [`${base}Z`, `${base}.${pad(next(1000), 3)}Z`]) {
            if (Number.isNaN(Date.parse(value))) expect(() => toIsoTimestamp(value, 't')).toThrow(InvalidEventError);
            else expect(toIsoTimestamp(value, 't'), value).toBe(viaDate(value));
            checked++;
          }
        }
      }
    }
    expect(checked).toBe(years.length * 12 * 5 * 2);
  });

  it('keeps a valid canonical string as it is and adds milliseconds to one without', () => {
    expect(toIsoTimestamp('2024-02-29T23:59:59.999Z', 't')).toBe('2024-02-29T23:59:59.999Z');
    expect(toIsoTimestamp('2026-10-05T00:00:00Z', 't')).toBe('2026-10-05T00:00:00.000Z');
  });

  it('rolls impossible dates over as Date does', () => {
    expect(toIsoTimestamp('2026-02-30T00:00:00Z', 't')).toBe('2026-03-02T00:00:00.000Z');
    expect(toIsoTimestamp('2023-02-29T12:00:00.000Z', 't')).toBe('2023-03-01T12:00:00.000Z');
    expect(toIsoTimestamp('2026-10-05T24:00:00Z', 't')).toBe('2026-10-06T00:00:00.000Z');
  });

  it('reads the lenient forms published samples carry', () => {
    expect(toIsoTimestamp('2025-01-21 17:49:47.000000000', 't')).toBe('2025-01-21T17:49:47.000Z');
    expect(toIsoTimestamp('2025-01-21T17:49:47.5+02:00', 't')).toBe('2025-01-21T15:49:47.500Z');
    expect(toIsoTimestamp(' 2025-01-21T17:49:47Z ', 't')).toBe('2025-01-21T17:49:47.000Z');
  });

  it('names the field when the value is not a timestamp', () => {
    expect(() => toIsoTimestamp('2026-13-05T00:00:00Z', 'detail.updatedAt')).toThrow(/detail\.updatedAt is not a valid date/);
    expect(() => toIsoTimestamp('yesterday', 'detail.updatedAt')).toThrow(/detail\.updatedAt is not an ISO-8601 timestamp/);
    expect(() => toIsoTimestamp(1700000000, 'time')).toThrow(/time is not a timestamp string/);
    expect(toIsoTimestampOrUndefined('yesterday')).toBeUndefined();
  });
});
