import { hash } from 'node:crypto';

/** Severities, lowest first. The order is the escalation order. */
export const SEVERITIES = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
export type Severity = (typeof SEVERITIES)[number];

export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

/** What the source says about the problem: it is there, or it is gone. */
export type SourceStatus = 'OPEN' | 'RESOLVED';

/**
 * Vigil's own lifecycle of a finding. Sources only ever say OPEN or RESOLVED; NOTIFIED,
 * ACKNOWLEDGED and SUPPRESSED are states people and the notifier put a finding in, and
 * a source repeating "still open" must not reset them (Security Hub's workflow reset to
 * NEW is exactly the noise Vigil exists to avoid).
 */
export const STATUSES = ['OPEN', 'NOTIFIED', 'ACKNOWLEDGED', 'SUPPRESSED', 'RESOLVED'] as const;
export type Status = (typeof STATUSES)[number];

/** The sources Vigil understands, by EventBridge `source`. */
export type FindingSource = 'aws.config' | 'aws.guardduty' | 'aws.cloudtrail' | 'aws.securityhub';
/** The sources a rule, suppression or query may name, by EventBridge `source`. */
export const FINDING_SOURCES: readonly FindingSource[] = ['aws.config', 'aws.guardduty', 'aws.cloudtrail', 'aws.securityhub'];

/**
 * When several sources report one problem (a Security Hub control and the Config rule
 * behind it; a GuardDuty finding and its Security Hub copy), the finding's `source` is
 * the first of them in this order, whatever order they arrived in: the service that
 * detected the problem before the one that aggregated it.
 */
export const SOURCE_PRIORITY: readonly FindingSource[] = ['aws.config', 'aws.guardduty', 'aws.cloudtrail', 'aws.securityhub'];

/** Merges a source into a finding's sources, in priority order. */
export function mergeSources(sources: readonly FindingSource[], source: FindingSource): FindingSource[] {
  const all = new Set([...sources, source]);
  return SOURCE_PRIORITY.filter((s) => all.has(s));
}

export interface ResourceRef {
  /** AWS resource type as the source names it, e.g. `AWS::Logs::LogGroup` or `Instance`. */
  type: string;
  /** The resource's id or ARN; `unknown` when the source names none. */
  id: string;
  /** Tags the event carried for the resource (GuardDuty, Security Hub); used for routing. */
  tags?: Record<string, string>;
}

/**
 * One source's statement about a finding at a point in time: what a normalizer makes
 * of one event. The store folds observations into a {@link FindingState}.
 */
export interface Observation {
  id: string;
  source: FindingSource;
  /** OCSF class name of the finding, for consumers that speak OCSF. */
  ocsfClass: 'Compliance Finding' | 'Detection Finding';
  /** The rule, finding type or detection that produced it (Config rule name, GuardDuty type). */
  rule: string;
  accountId: string;
  region: string;
  severity: Severity;
  status: SourceStatus;
  title: string;
  description: string;
  resource: ResourceRef;
  /** When the source made this statement; orders observations of one finding. */
  observedAt: string;
  /** When the source first saw the problem, if it says (GuardDuty `createdAt`). */
  firstSeenAt?: string;
  /** The source's own running count of occurrences, if it keeps one (GuardDuty `service.count`). */
  sourceCount?: number;
  /** Source-specific identifier of the finding (GuardDuty finding id, Config rule ARN). */
  sourceId: string;
  consoleUrl: string;
  /** The EventBridge event id that carried it. */
  eventId: string;
  /**
   * False when the observation only matters for a finding Vigil already has (a
   * resolution of something never seen open). Defaults to true.
   */
  createIfMissing?: boolean;
  /**
   * Merge window (StreamAlert's merge keys): repeats within this time of the last
   * occurrence raise the count of one finding; a repeat after a longer quiet reopens it,
   * so the owner hears of it again. Unset: repeats always merge (sources that resolve
   * their own findings).
   */
  mergeWindowMs?: number;
  /** True for AWS-generated sample findings. */
  sample?: boolean;
}

/**
 * A stable finding id from the parts that identify the problem: same parts, same id,
 * on every machine and in every Region. 128 bits of SHA-256 as hex keeps keys short.
 */
export function findingId(source: FindingSource, ...parts: string[]): string {
  // One-shot hash: no Hash object per event (the same digest as createHash's).
  return hash('sha256', [source, ...parts].join('\u001f'), 'hex').slice(0, 32);
}

/** Caps free text so one verbose event cannot bloat an item that is read on every event. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
