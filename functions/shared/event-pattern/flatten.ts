import type { JsonScalar } from './types.js';

/**
 * One leaf value of an event, with the array elements it sits in: array id → element
 * index. Two leaves from different elements of the same array cannot satisfy one
 * pattern together (EventBridge's "array-consistent" matching, aws/event-ruler
 * README, "JSON Array Matching").
 */
export interface Leaf {
  value: JsonScalar;
  arrays: ReadonlyMap<number, number>;
}

/** Leaves by field path (see {@link pathKey}). */
export type LeafIndex = ReadonlyMap<string, readonly Leaf[]>;

/** A path as a map key; JSON keeps `{"a.b": 1}` and `{"a": {"b": 1}}` apart. */
export const pathKey = (path: readonly string[]): string => JSON.stringify(path);

/**
 * Flattens an event to its leaves. Arrays are "crushed out": their elements (at any
 * depth) are values of the enclosing field. Objects are not leaves, and an empty array
 * contributes no value, so neither can satisfy a value or `exists: true`.
 */
export function flattenEvent(event: unknown): LeafIndex {
  const index = new Map<string, Leaf[]>();
  let nextArrayId = 0;

  const walk = (value: unknown, path: string[], arrays: ReadonlyMap<number, number>): void => {
    if (Array.isArray(value)) {
      const id = nextArrayId++;
      value.forEach((element, i) => walk(element, path, new Map(arrays).set(id, i)));
    } else if (value !== null && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) walk(child, [...path, key], arrays);
    } else if (path.length > 0 && (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')) {
      const key = pathKey(path);
      const leaves = index.get(key) ?? [];
      leaves.push({ value, arrays });
      index.set(key, leaves);
    }
  };

  walk(event, [], new Map());
  return index;
}

/** Whether two leaves (or a leaf and the leaves chosen so far) can come from one array element each. */
export function consistent(chosen: ReadonlyMap<number, number>, arrays: ReadonlyMap<number, number>): boolean {
  for (const [id, i] of arrays) {
    const j = chosen.get(id);
    if (j !== undefined && j !== i) return false;
  }
  return true;
}
