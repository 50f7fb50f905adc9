import type { Severity } from '../finding.js';

/** A JSON scalar a predicate can compare with. */
export type Scalar = string | number | boolean | null;

/**
 * A dotted path into a CloudTrail record, e.g. `userIdentity.type` or
 * `requestParameters.ipPermissions.items.ipRanges.items.cidrIp`. Arrays met on the way are
 * walked implicitly (as in EventBridge patterns), so one path can name many values.
 * A predicate may name several paths: their values are pooled.
 */
export type RecordPath = string | readonly string[];

/**
 * One test on the values found at a path. The operators are a closed set, interpreted by
 * `OPERATORS` in `matcher.ts`; `null` counts as absent.
 *
 * - `equals`: some value is one of `values` (strict equality).
 * - `anything-but`: no value is one of `values`. A missing field passes; add `exists` to
 *   require it (EventBridge's `anything-but` requires presence; ours does not).
 * - `exists` / `absent`: at least one value / no value.
 * - `prefix` / `suffix` / `contains`: some string value starts with / ends with / contains one of `values`.
 * - `cidr-open`: some value is a CIDR block with prefix length 0 (`0.0.0.0/0`, `::/0`).
 * - `policy-public`: some value is a resource policy (object or JSON string) with an
 *   `Allow` statement for every principal and no restricting condition (see `policy.ts`).
 * - `policy-admin`: some value is an identity policy with an `Allow` statement of
 *   `Action: "*"` on `Resource: "*"`.
 */
export type Predicate =
  | { path: RecordPath; op: 'equals' | 'anything-but'; values: readonly Scalar[] }
  | { path: RecordPath; op: 'prefix' | 'suffix' | 'contains'; values: readonly string[] }
  | { path: RecordPath; op: 'exists' | 'absent' | 'cidr-open' | 'policy-public' | 'policy-admin' };

export type Operator = Predicate['op'];

/**
 * One way a record can match: the call (`eventSource` and `eventName`, each any of the
 * listed; omitted means any) and predicates that must all hold.
 */
export interface MatchClause {
  eventSource?: readonly string[];
  eventName?: readonly string[];
  where?: readonly Predicate[];
}

/**
 * What a finding is about:
 * - `event`: the resource the call acted on, looked up by `eventSource:eventName` in
 *   `CLOUDTRAIL_RESOURCES` (`resources.ts`);
 * - `account`: the account the record belongs to;
 * - `principal`: the identity that made the call (sign-ins).
 */
export type ResourceKind = 'event' | 'account' | 'principal';

/**
 * A CloudTrail detection, as data. A record matches when any clause matches, and (unless
 * the detection says otherwise) the call succeeded and was not read-only.
 */
export interface Detection {
  /** Stable id, kebab-case; it is the finding's `rule` and part of its id. */
  id: string;
  title: string;
  severity: Severity;
  /** Why it matters, one or two sentences. */
  description: string;
  /** What to do about it, one or two sentences; copied into every finding. */
  remediation: string;
  match: readonly MatchClause[];
  resource: ResourceKind;
  /** Failed calls (an `errorCode`, or a sign-in `Failure`) match too. Default false. */
  includeFailed?: boolean;
  /** Read-only calls match too. Default false. */
  includeReadOnly?: boolean;
  /** Where the check comes from (benchmarks, AWS documentation). */
  references?: readonly string[];
  /**
   * Repeats by the same principal on the same resource within this many minutes of the
   * last one raise the count of one finding; after a longer quiet, the finding reopens.
   * Default: one day.
   */
  mergeWindowMinutes?: number;
}

/** Keeps a catalogue entry's literal type checked against {@link Detection}. */
export function defineDetection(detection: Detection): Detection {
  return detection;
}
