import { isAdminPolicy, isPublicPolicy } from './policy.js';
import type { Detection, MatchClause, Operator, Predicate, RecordPath, Scalar } from './types.js';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const flat = (values: unknown[]): unknown[] => values.flatMap((value) => (Array.isArray(value) ? value : [value]));

/** Path segments by path: paths come from the catalogue and the normalizers, a bounded set. */
const segmentsOf = new Map<string, readonly string[]>();

/**
 * Every value at a dotted path, walking arrays implicitly; `undefined` and `null` are
 * absent. `valuesAt({a: [{b: 1}, {b: [2, 3]}]}, 'a.b')` is `[1, 2, 3]`.
 */
export function valuesAt(record: unknown, path: RecordPath): unknown[] {
  if (typeof path !== 'string') return path.flatMap((p) => valuesAt(record, p));
  let segments = segmentsOf.get(path);
  if (segments === undefined) {
    segments = path.split('.');
    segmentsOf.set(path, segments);
  }
  let current: unknown[] = [record];
  for (const key of segments) {
    const next: unknown[] = [];
    for (const value of flat(current)) {
      if (isObject(value) && key in value) next.push(value[key]);
    }
    current = next;
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

/**
 * A catalogue's detections by the event name they can match: a record is checked only
 * against the detections that name its call, and those that name none.
 */
interface CatalogueIndex {
  byEventName: Map<string, readonly Detection[]>;
  anyEventName: readonly Detection[];
}

/** Built once per catalogue: catalogues are read-only once made. */
const indexes = new WeakMap<readonly Detection[], CatalogueIndex>();

function indexOf(catalogue: readonly Detection[]): CatalogueIndex {
  let index = indexes.get(catalogue);
  if (index) return index;
  const namesAnyClause = (detection: Detection) => detection.match.some((clause) => clause.eventName === undefined);
  const names = new Set(catalogue.flatMap((detection) => detection.match.flatMap((clause) => clause.eventName ?? [])));
  const byEventName = new Map<string, readonly Detection[]>();
  for (const name of names) {
    // Catalogue order kept: a record's observations come out in it.
    byEventName.set(
      name,
      catalogue.filter((detection) => namesAnyClause(detection) || detection.match.some((clause) => clause.eventName?.includes(name))),
    );
  }
  index = { byEventName, anyEventName: catalogue.filter(namesAnyClause) };
  indexes.set(catalogue, index);
  return index;
}

/** The detections of a catalogue that match a record, in catalogue order. */
export function matchDetections(record: Json, catalogue: readonly Detection[]): Detection[] {
  const index = indexOf(catalogue);
  const candidates = index.byEventName.get(str(record.eventName) ?? '') ?? index.anyEventName;
  return candidates.filter((detection) => detectionMatches(record, detection));
}
