/** A JSON value that can sit at a leaf of an event. */
export type JsonScalar = string | number | boolean | null;

/**
 * An EventBridge event pattern: a JSON object whose leaves are arrays of allowed
 * values or match expressions, and whose `$or` keys hold arrays of sub-patterns.
 * Kept loose on purpose: patterns come from templates and are checked with
 * `validatePattern`.
 */
export type EventPattern = Record<string, unknown>;

/** The operators a match expression (`{ "<operator>": ... }`) may use. */
export const OPERATORS = ['prefix', 'suffix', 'equals-ignore-case', 'wildcard', 'anything-but', 'numeric', 'exists', 'cidr'] as const;
export type Operator = (typeof OPERATORS)[number];

export const OR_KEY = '$or';
