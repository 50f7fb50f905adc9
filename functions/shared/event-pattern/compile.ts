import { consistent, flattenEvent, pathKey, type LeafIndex } from './flatten.js';
import { cidrContains, parseCidr, parseIp } from './ip.js';
import { OR_KEY, type EventPattern, type JsonScalar } from './types.js';
import { wildcardMatcher } from './wildcard.js';

type ValueTest = (value: JsonScalar) => boolean;

/** What one field of a pattern requires: a leaf passing any test, or (with `exists: false`) no leaf at all. */
interface Condition {
  key: string;
  tests: ValueTest[];
  allowAbsent: boolean;
}

/** One way of satisfying the pattern: every condition must hold. `$or` multiplies branches. */
type Branch = ReadonlyMap<string, Condition>;

const fold = (s: string) => s.toLowerCase();
const isString = (v: JsonScalar): v is string => typeof v === 'string';
const isNumber = (v: JsonScalar): v is number => typeof v === 'number';

/** `prefix`/`suffix` argument: a string, or `{ "equals-ignore-case": string }`. */
function affix(arg: unknown, test: (value: string, affix: string) => boolean): ValueTest {
  if (typeof arg === 'string') return (v) => isString(v) && test(v, arg);
  const folded = fold((arg as { 'equals-ignore-case': string })['equals-ignore-case']);
  return (v) => isString(v) && test(fold(v), folded);
}

const startsWith = (v: string, a: string) => v.startsWith(a);
const endsWith = (v: string, a: string) => v.endsWith(a);

/**
 * A value excluded by `anything-but` only when it has the excluded type: a string list
 * excludes strings, a number list numbers; any other leaf (null, booleans, the other
 * type) passes, as in aws/event-ruler's ByteMachine.
 */
function anythingBut(arg: unknown): ValueTest {
  if (Array.isArray(arg) || typeof arg === 'string' || typeof arg === 'number') {
    const excluded = (Array.isArray(arg) ? arg : [arg]) as Array<string | number>;
    return (v) => !((isString(v) || isNumber(v)) && excluded.includes(v));
  }
  const [[nested, value]] = Object.entries(arg as Record<string, unknown>) as [[string, unknown]];
  switch (nested) {
    case 'prefix':
      return (v) => !(isString(v) && v.startsWith(value as string));
    case 'suffix':
      return (v) => !(isString(v) && v.endsWith(value as string));
    case 'wildcard': {
      const test = wildcardMatcher(value as string);
      return (v) => !(isString(v) && test(v));
    }
    default: {
      const excluded = (Array.isArray(value) ? value : [value]).map((s) => fold(s as string));
      return (v) => !(isString(v) && excluded.includes(fold(v)));
    }
  }
}

function numeric(arg: unknown[]): ValueTest {
  const checks: Array<(n: number) => boolean> = [];
  for (let i = 0; i < arg.length; i += 2) {
    const bound = arg[i + 1] as number;
    switch (arg[i]) {
      case '=':
        checks.push((n) => n === bound);
        break;
      case '<':
        checks.push((n) => n < bound);
        break;
      case '<=':
        checks.push((n) => n <= bound);
        break;
      case '>':
        checks.push((n) => n > bound);
        break;
      default:
        checks.push((n) => n >= bound);
    }
  }
  return (v) => isNumber(v) && checks.every((check) => check(v));
}

function exact(expected: JsonScalar): ValueTest {
  if (typeof expected === 'string') {
    // EventBridge compares IP-shaped strings as addresses: "2001:db8::1" equals "2001:0db8:0:0:0:0:0:1".
    const ip = parseIp(expected);
    if (ip) {
      return (v) => {
        if (v === expected) return true;
        const other = isString(v) ? parseIp(v) : undefined;
        return other?.version === ip.version && other.value === ip.value;
      };
    }
  }
  // Strict equality keeps types apart: "5" is not 5, "" is not null; 5 and 5.0 are one number.
  return (v) => v === expected;
}

function compileValues(key: string, values: unknown[]): Condition {
  const tests: ValueTest[] = [];
  let allowAbsent = false;
  for (const value of values) {
    if (value === null || typeof value !== 'object') {
      tests.push(exact(value as JsonScalar));
      continue;
    }
    const [[operator, arg]] = Object.entries(value as Record<string, unknown>) as [[string, unknown]];
    switch (operator) {
      case 'prefix':
        tests.push(affix(arg, startsWith));
        break;
      case 'suffix':
        tests.push(affix(arg, endsWith));
        break;
      case 'equals-ignore-case': {
        const folded = fold(arg as string);
        tests.push((v) => isString(v) && fold(v) === folded);
        break;
      }
      case 'wildcard': {
        const test = wildcardMatcher(arg as string);
        tests.push((v) => isString(v) && test(v));
        break;
      }
      case 'anything-but':
        tests.push(anythingBut(arg));
        break;
      case 'numeric':
        tests.push(numeric(arg as unknown[]));
        break;
      case 'cidr': {
        const block = parseCidr(arg as string)!;
        tests.push((v) => {
          const ip = isString(v) ? parseIp(v) : undefined;
          return ip !== undefined && cidrContains(block, ip);
        });
        break;
      }
      default:
        // exists: true is satisfied by any leaf, exists: false by there being none.
        if (arg === true) tests.push(() => true);
        else allowAbsent = true;
    }
  }
  return { key, tests, allowAbsent };
}

/**
 * Expands a (valid) pattern object into branches, the way aws/event-ruler's compiler
 * does: fields are set on every current branch, and `$or` forks each branch once per
 * alternative. A field set again later (outside and inside an `$or`) replaces it.
 */
function compileObject(pattern: Record<string, unknown>, path: string[], branches: Branch[]): Branch[] {
  let current = branches;
  for (const [key, value] of Object.entries(pattern)) {
    if (key === OR_KEY && Array.isArray(value)) {
      current = value.flatMap((alternative) => compileObject(alternative as Record<string, unknown>, path, current));
    } else if (Array.isArray(value)) {
      const condition = compileValues(pathKey([...path, key]), value);
      current = current.map((branch) => new Map(branch).set(condition.key, condition));
    } else {
      current = compileObject(value as Record<string, unknown>, [...path, key], current);
    }
  }
  return current;
}

/**
 * Whether the event satisfies every condition of the branch with leaves taken from one
 * element of each array they share. Positive conditions pick leaves first; `exists:
 * false` holds when no leaf of that field is consistent with the picked ones.
 */
function matchBranch(branch: Branch, leaves: LeafIndex): boolean {
  const conditions = [...branch.values()];
  const candidates = conditions.map((c) => (leaves.get(c.key) ?? []).filter((leaf) => c.tests.some((test) => test(leaf.value))));

  const search = (i: number, chosen: ReadonlyMap<number, number>, absent: string[]): boolean => {
    if (i === conditions.length) {
      return absent.every((key) => !(leaves.get(key) ?? []).some((leaf) => consistent(chosen, leaf.arrays)));
    }
    for (const leaf of candidates[i]!) {
      if (!consistent(chosen, leaf.arrays)) continue;
      if (search(i + 1, new Map([...chosen, ...leaf.arrays]), absent)) return true;
    }
    return conditions[i]!.allowAbsent && search(i + 1, chosen, [...absent, conditions[i]!.key]);
  };

  return search(0, new Map(), []);
}

/** A pattern prepared once for matching many events. */
export interface CompiledPattern {
  matches(event: unknown): boolean;
}

/** Compiles a pattern that {@link validatePattern} accepted. */
export function compileValidPattern(pattern: EventPattern): CompiledPattern {
  const branches = compileObject(pattern, [], [new Map()]);
  return {
    matches(event) {
      const leaves = flattenEvent(event);
      return branches.some((branch) => matchBranch(branch, leaves));
    },
  };
}
