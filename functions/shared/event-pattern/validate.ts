import { parseCidr } from './ip.js';
import { OPERATORS, OR_KEY, type Operator } from './types.js';
import { wildcardProblems } from './wildcard.js';

const isPlainObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);
const isFiniteNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const isOperator = (key: string): key is Operator => (OPERATORS as readonly string[]).includes(key);
const describe = (value: unknown) => (Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`);

const LOWER_BOUNDS = new Set(['>', '>=']);
const UPPER_BOUNDS = new Set(['<', '<=']);

function child(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** `prefix` and `suffix` take a string, or `{ "equals-ignore-case": string }`. */
function affixProblems(operator: string, value: unknown): string[] {
  if (typeof value === 'string') return [];
  if (isPlainObject(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === 'equals-ignore-case' && typeof value['equals-ignore-case'] === 'string') return [];
  }
  return [`${operator} takes a string or { "equals-ignore-case": string }, not ${describe(value)}`];
}

function anythingButProblems(value: unknown): string[] {
  if (typeof value === 'string' || isFiniteNumber(value)) return [];
  if (Array.isArray(value)) {
    if (value.length === 0) return ['anything-but list must not be empty'];
    const allStrings = value.every((v) => typeof v === 'string');
    const allNumbers = value.every(isFiniteNumber);
    return allStrings || allNumbers ? [] : ['anything-but list must hold only strings or only numbers'];
  }
  if (isPlainObject(value)) {
    const keys = Object.keys(value);
    if (keys.length !== 1) return [`anything-but takes one nested operator, not ${keys.length}`];
    const [nested] = keys as [string];
    const arg = value[nested];
    switch (nested) {
      case 'prefix':
      case 'suffix':
        // "Anything-but matching only works with a single prefix, not a list" (Content filtering page).
        return typeof arg === 'string' && arg !== '' ? [] : [`anything-but ${nested} takes one non-empty string, not ${describe(arg)}`];
      case 'equals-ignore-case':
        if (typeof arg === 'string') return [];
        if (Array.isArray(arg) && arg.length > 0 && arg.every((v) => typeof v === 'string')) return [];
        return [`anything-but equals-ignore-case takes a string or a non-empty list of strings, not ${describe(arg)}`];
      case 'wildcard':
        return typeof arg === 'string' ? wildcardProblems(arg).map((p) => `anything-but wildcard ${JSON.stringify(arg)}: ${p}`) : [`anything-but wildcard takes a string, not ${describe(arg)}`];
      default:
        return [`anything-but does not support "${nested}" (only prefix, suffix, equals-ignore-case, wildcard)`];
    }
  }
  return [`anything-but takes a string, a number, a list of either, or a nested operator, not ${describe(value)}`];
}

/** `numeric`: `["=", n]`, `[op, n]`, or a lower bound followed by an upper bound. */
function numericProblems(value: unknown): string[] {
  if (!Array.isArray(value)) return [`numeric takes an array such as [">", 0, "<=", 5], not ${describe(value)}`];
  const [op1, n1, op2, n2, ...rest] = value as unknown[];
  const bad = `numeric ${JSON.stringify(value)}`;
  if (typeof op1 !== 'string' || !['=', '<', '<=', '>', '>='].includes(op1)) return [`${bad}: first element must be one of = < <= > >=`];
  if (!isFiniteNumber(n1)) return [`${bad}: ${op1} must be followed by a number`];
  if (value.length === 2) return [];
  if (rest.length > 0 || value.length !== 4) return [`${bad}: too many elements`];
  if (!LOWER_BOUNDS.has(op1)) return [`${bad}: only a lower bound (> or >=) may be followed by an upper bound`];
  if (typeof op2 !== 'string' || !UPPER_BOUNDS.has(op2)) return [`${bad}: the second operator must be < or <=`];
  if (!isFiniteNumber(n2)) return [`${bad}: ${op2} must be followed by a number`];
  if (n1 >= n2) return [`${bad}: the lower bound must be below the upper bound`];
  return [];
}

function matchExpressionProblems(expression: Record<string, unknown>): string[] {
  const keys = Object.keys(expression);
  if (keys.length !== 1) return [`a match expression has exactly one operator, not ${keys.length} (${keys.join(', ') || 'none'})`];
  const [operator] = keys as [string];
  const arg = expression[operator];
  if (!isOperator(operator)) return [`unknown operator "${operator}"`];
  switch (operator) {
    case 'prefix':
    case 'suffix':
      return affixProblems(operator, arg);
    case 'equals-ignore-case':
      return typeof arg === 'string' ? [] : [`equals-ignore-case takes a string, not ${describe(arg)}`];
    case 'wildcard':
      return typeof arg === 'string' ? wildcardProblems(arg).map((p) => `wildcard ${JSON.stringify(arg)}: ${p}`) : [`wildcard takes a string, not ${describe(arg)}`];
    case 'anything-but':
      return anythingButProblems(arg);
    case 'numeric':
      return numericProblems(arg);
    case 'exists':
      return typeof arg === 'boolean' ? [] : [`exists takes true or false, not ${describe(arg)}`];
    case 'cidr':
      return typeof arg === 'string' && parseCidr(arg) ? [] : [`cidr takes an IPv4 or IPv6 block such as "10.0.0.0/24", not ${describe(arg)}`];
  }
}

function leafProblems(values: unknown[], path: string): string[] {
  if (values.length === 0) return [`${path}: empty arrays are not allowed`];
  return values.flatMap((value, i) => {
    const at = `${path}[${i}]`;
    if (value === null || typeof value === 'string' || typeof value === 'boolean') return [];
    if (typeof value === 'number') return Number.isFinite(value) ? [] : [`${at}: numbers must be finite`];
    if (Array.isArray(value)) return [`${at}: nested arrays are not allowed`];
    if (isPlainObject(value)) return matchExpressionProblems(value).map((p) => `${at}: ${p}`);
    return [`${at}: ${describe(value)} is not a JSON value`];
  });
}

function objectProblems(pattern: Record<string, unknown>, path: string, insideOr: boolean): string[] {
  const keys = Object.keys(pattern);
  if (keys.length === 0) return [`${path || 'pattern'}: empty objects are not allowed`];
  return keys.flatMap((key) => {
    const value = pattern[key];
    const at = child(path, key);
    if (key === OR_KEY) {
      if (!Array.isArray(value) || value.length < 2) return [`${at}: must be an array of at least two sub-patterns`];
      return value.flatMap((alternative, i) =>
        isPlainObject(alternative) ? objectProblems(alternative, `${at}[${i}]`, true) : [`${at}[${i}]: each sub-pattern must be an object`],
      );
    }
    if (insideOr && isOperator(key)) return [`${at}: "${key}" is an operator and cannot be a field name inside $or`];
    if (Array.isArray(value)) return leafProblems(value, at);
    if (isPlainObject(value)) return objectProblems(value, at, insideOr);
    return [`${at}: must be an array of allowed values or a nested object, not ${describe(value)}`];
  });
}

/**
 * What EventBridge would reject in an event pattern, one problem per string, each
 * naming its path (e.g. `detail.state[0]: unknown operator "contains"`). Empty when
 * the pattern is valid.
 *
 * Follows the Amazon EventBridge User Guide ("Event patterns", "Content filtering in
 * Amazon EventBridge event patterns", "Comparison operators") and, where those are
 * silent, the compiler of EventBridge's open-source matching engine, aws/event-ruler.
 */
export function validatePattern(pattern: unknown): string[] {
  if (!isPlainObject(pattern)) return [`pattern must be a JSON object, not ${describe(pattern)}`];
  return objectProblems(pattern, '', false);
}
