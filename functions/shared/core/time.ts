import { InvalidEventError } from './errors.js';

// Some published CloudTrail and GuardDuty samples carry "2025-01-21 17:49:47.000000000"
// (a space and nanoseconds) instead of ISO-8601; AWS itself sends ISO-8601 with Z.
const LENIENT = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Parses an AWS timestamp into canonical ISO-8601 with milliseconds and `Z`.
 * Throws {@link InvalidEventError} when the value is not a timestamp at all.
 */
export function toIsoTimestamp(value: unknown, field: string): string {
  if (typeof value !== 'string') {
    throw new InvalidEventError('invalid-detail', `${field} is not a timestamp string`);
  }
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
