import { isAdminPolicy, isPublicPolicy } from './policy.js';
import type { Detection, MatchClause, Operator, Predicate, RecordPath, Scalar } from './types.js';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const flat = (values: unknown[]): unknown[] => values.flatMap((value) => (Array.isArray(value) ? value : [value]));

/**
 * Every value at a dotted path, walking arrays implicitly; `undefined` and `null` are
 * absent. `valuesAt({a: [{b: 1}, {b: [2, 3]}]}, 'a.b')` is `[1, 2, 3]`.
 */
export function valuesAt(record: unknown, path: RecordPath): unknown[] {
  if (typeof path !== 'string') return path.flatMap((p) => valuesAt(record, p));
  let current: unknown[] = [record];
  for (const key of path.split('.')) {
    current = flat(current).flatMap((value) => (isObject(value) && key in value ? [value[key]] : []));
  }
  return flat(current).filter((value) => value !== undefined && value !== null);
}

/** The first non-empty string at any of the paths, in order. */
export function firstString(record: unknown, paths: readonly string[]): string | undefined {
  for (const path of paths) {
    const found = valuesAt(record, path).find((value): value is string => typeof value === 'string' && value.length > 0);
    if (found !== undefined) return found;
  }
  return undefined;
}

const strings = (values: unknown[]): string[] => values.filter((value): value is string => typeof value === 'string');

/** A CIDR block that covers every address: prefix length 0, IPv4 or IPv6. */
export function isOpenCidr(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const [address, length, ...rest] = value.trim().split('/');
  return rest.length === 0 && length === '0' && (address?.includes('.') === true || address?.includes(':') === true);
}

type OperatorFn<O extends Operator> = (values: unknown[], predicate: Predicate & { op: O }) => boolean;

/** The interpreter of {@link Predicate}: one pure function per operator. */
export const OPERATORS: { [O in Operator]: OperatorFn<O> } = {
  equals: (values, p) => values.some((value) => p.values.includes(value as Scalar)),
  'anything-but': (values, p) => !values.some((value) => p.values.includes(value as Scalar)),
  exists: (values) => values.length > 0,
  absent: (values) => values.length === 0,
  prefix: (values, p) => strings(values).some((value) => p.values.some((v) => value.startsWith(v))),
  suffix: (values, p) => strings(values).some((value) => p.values.some((v) => value.endsWith(v))),
  contains: (values, p) => strings(values).some((value) => p.values.some((v) => value.includes(v))),
  'cidr-open': (values) => values.some(isOpenCidr),
  'policy-public': (values) => values.some(isPublicPolicy),
  'policy-admin': (values) => values.some(isAdminPolicy),
};

export function predicateHolds(record: unknown, predicate: Predicate): boolean {
  const operator = OPERATORS[predicate.op] as (values: unknown[], p: Predicate) => boolean;
  return operator(valuesAt(record, predicate.path), predicate);
}

const str = (value: unknown): string | undefined => (typeof value === 'string' && value.length > 0 ? value : undefined);

/**
 * A call failed when it has an `errorCode`, or, for sign-in events, when the response
 * names the event with `Failure` (`{"ConsoleLogin": "Failure"}`: CloudTrail's way of
 * recording a failed sign-in, which has no error code).
 */
export function failureOf(record: Json): string | undefined {
  const errorCode = str(record.errorCode);
  if (errorCode) return errorCode;
  const eventName = str(record.eventName);
  const response = record.responseElements;
  if (eventName && isObject(response) && response[eventName] === 'Failure') return `${eventName} Failure`;
  return undefined;
}

export function isReadOnlyCall(record: Json): boolean {
  return record.readOnly === true || record.readOnly === 'true';
}

export function clauseMatches(record: Json, clause: MatchClause): boolean {
  if (clause.eventSource && !clause.eventSource.includes(str(record.eventSource) ?? '')) return false;
  if (clause.eventName && !clause.eventName.includes(str(record.eventName) ?? '')) return false;
  return (clause.where ?? []).every((predicate) => predicateHolds(record, predicate));
}

/** Whether one detection matches one CloudTrail record. */
export function detectionMatches(record: Json, detection: Detection): boolean {
  if (!detection.includeFailed && failureOf(record) !== undefined) return false;
  if (!detection.includeReadOnly && isReadOnlyCall(record)) return false;
  return detection.match.some((clause) => clauseMatches(record, clause));
}

/** The detections of a catalogue that match a record, in catalogue order. */
export function matchDetections(record: Json, catalogue: readonly Detection[]): Detection[] {
  return catalogue.filter((detection) => detectionMatches(record, detection));
}
