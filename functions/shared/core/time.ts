import { InvalidEventError } from './errors.js';

// Some published CloudTrail and GuardDuty samples carry "2025-01-21 17:49:47.000000000"
// (a space and nanoseconds) instead of ISO-8601; AWS itself sends ISO-8601 with Z.
const LENIENT = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})?$/;
// What AWS sends, and what Vigil writes: parsed as it is, without the lenient pattern's
// captures and rebuilt string (every event carries two or three timestamps).
const CANONICAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{3})?Z$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digits(value: string, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) n = n * 10 + value.charCodeAt(i) - 48;
  return n;
}

/**
 * Whether a CANONICAL string names a real instant as written (no 30 February, no 24:00),
 * so that it is already its own canonical form. Anything else takes the Date.parse path,
 * which rolls such values over exactly as before.
 */
function isCalendarTime(value: string): boolean {
  const year = digits(value, 0, 4);
  const month = digits(value, 5, 2);
  const day = digits(value, 8, 2);
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!)) return false;
  return digits(value, 11, 2) < 24 && digits(value, 14, 2) < 60 && digits(value, 17, 2) < 60;
}

/**
 * Parses an AWS timestamp into canonical ISO-8601 with milliseconds and `Z`.
 * Throws {@link InvalidEventError} when the value is not a timestamp at all.
 */
export function toIsoTimestamp(value: unknown, field: string): string {
  if (typeof value !== 'string') {
    throw new InvalidEventError('invalid-detail', `${field} is not a timestamp string`);
  }
  if (CANONICAL.test(value) && isCalendarTime(value)) return value.length === 24 ? value : `${value.slice(0, 19)}.000Z`;
  const m = LENIENT.exec(value.trim());
  if (!m) {
    throw new InvalidEventError('invalid-detail', `${field} is not an ISO-8601 timestamp: ${JSON.stringify(value).slice(0, 60)}`);
  }
  const fraction = (m[3] ?? '').padEnd(3, '0').slice(0, 3);
  const zone = m[4] ?? 'Z';
  const ms = Date.parse(`${m[1]}T${m[2]}.${fraction}${zone}`);
  if (Number.isNaN(ms)) {
    throw new InvalidEventError('invalid-detail', `${field} is not a valid date: ${value.slice(0, 60)}`);
  }
  return new Date(ms).toISOString();
}

/** Like {@link toIsoTimestamp} but for optional fields: undefined/null/invalid give undefined. */
export function toIsoTimestampOrUndefined(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  try {
    return toIsoTimestamp(value, 'timestamp');
  } catch {
    return undefined;
  }
}
