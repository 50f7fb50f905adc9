/**
 * EventBridge event-pattern matching, in plain TypeScript: the same answers EventBridge
 * gives for a rule's pattern and an event, so templates' rules can be tested against
 * real events without AWS (see test/meta/template-rules.test.ts).
 *
 * Semantics follow the Amazon EventBridge User Guide pages "Event patterns", "Content
 * filtering in Amazon EventBridge event patterns", "Comparison operators", "Matching on
 * multiple field values" (arrays) and "Matching events on null values and empty
 * strings"; where they are silent, EventBridge's open-source engine aws/event-ruler:
 *
 * - a pattern's fields are ANDed, the values listed for a field ORed; nested objects
 *   match nested fields; `$or` (at any level) holds two or more alternative sub-patterns;
 * - a field whose event value is an array matches if any element matches; two fields
 *   must then be satisfied from the same element of any array they share;
 * - exact values keep JSON types apart (`"5"` is not `5`, `""` is not `null`); numbers
 *   compare numerically;
 * - operators: `prefix`, `suffix` (both also `{ "equals-ignore-case": ... }`),
 *   `equals-ignore-case`, `wildcard`, `anything-but` (value, list, `prefix`, `suffix`,
 *   `wildcard`, `equals-ignore-case`), `numeric`, `exists`, `cidr` (IPv4 and IPv6);
 * - `exists` and every other operator look at leaves only: an object or an empty array
 *   is not a value, so `exists: false` matches it and `exists: true` does not.
 */
import { VigilError } from '../core/errors.js';
import { compileValidPattern, type CompiledPattern } from './compile.js';
import type { EventPattern } from './types.js';
import { validatePattern } from './validate.js';

export { validatePattern } from './validate.js';
export type { CompiledPattern } from './compile.js';
export type { EventPattern, JsonScalar, Operator } from './types.js';
export { OPERATORS } from './types.js';

/** A pattern EventBridge would reject; `problems` lists why. */
export class InvalidEventPatternError extends VigilError {
  public constructor(public readonly problems: readonly string[]) {
    super(`invalid event pattern: ${problems.join('; ')}`);
  }
}

/**
 * Compiles a pattern once for matching many events.
 * Throws {@link InvalidEventPatternError} when {@link validatePattern} finds problems.
 */
export function compilePattern(pattern: unknown): CompiledPattern {
  const problems = validatePattern(pattern);
  if (problems.length > 0) throw new InvalidEventPatternError(problems);
  return compileValidPattern(pattern as EventPattern);
}

/**
 * Whether EventBridge would deliver `event` to a rule with `pattern`.
 * Throws {@link InvalidEventPatternError} for a pattern EventBridge would reject.
 */
export function matches(pattern: unknown, event: unknown): boolean {
  return compilePattern(pattern).matches(event);
}
