import * as z from 'zod';

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A JSON object, checked but neither walked nor copied. `z.record(z.string(), z.unknown())`
 * and `.loose()` build a new object key by key, and the blobs Vigil only reads from (an
 * event's `detail` before its normalizer's schema, resource details, product fields) are
 * most of an event's bytes: copying them was the largest single cost of validation.
 */
export const jsonObject = z.custom<Record<string, unknown>>(isJsonObject, {
  error: (issue) => `Invalid input: expected object, received ${jsonTypeOf(issue.input)}`,
});

/** How zod names a value's type in its messages. */
function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}
