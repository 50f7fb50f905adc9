import { hash } from 'node:crypto';
import { mergeSources, severityRank, type FindingSource, type Observation, type Severity, type SourceStatus, type Status } from './finding.js';

/** Who owns a finding and how that was decided (see routing). */
export interface Ownership {
  team: string;
  routedBy: string;
  /** Teams told as well as the owner (global rules). */
  alsoNotify?: string[];
  /** The owner has no team configuration: stored under its name, notified to the default destination. */
  unconfigured?: boolean;
  /** The finding's rule is in staging: recorded, notified to nobody. */
  staged?: boolean;
  /** A suppression rule of the configuration in force: its id and when it ends (ISO). */
  suppression?: { id: string; until: string };
}

/** State transitions people are told about; the stream of the table carries them. */
export type Transition = 'OPENED' | 'RESOLVED' | 'REOPENED' | 'ESCALATED' | 'DEESCALATED' | 'UPDATED';

/**
 * The stored state of a finding: small on purpose (it is read and rewritten by most
 * events, and one write unit covers 1 KB). Long text lives in {@link FindingDetail}.
 */
export interface FindingState {
  id: string;
  /** The primary source: the first of `sources` in {@link SOURCE_PRIORITY} order. */
  source: FindingSource;
  /** Every source that has reported this finding. */
  sources: FindingSource[];
  rule: string;
  accountId: string;
  region: string;
  severity: Severity;
  status: Status;
  /** What the source said last, whatever Vigil's lifecycle made of it. */
  sourceStatus: SourceStatus;
  title: string;
  resourceType: string;
  resourceId: string;
  firstSeen: string;
  lastSeen: string;
  /** Occurrences: the source's own count when it keeps one, else distinct observations. */
  count: number;
  team: string;
  routedBy: string;
  alsoNotify?: string[];
  unconfigured?: boolean;
  staged?: boolean;
  /** The suppression rule (configuration) or `api` suppression that hides the finding. */
  suppressedBy?: string;
  /** When a suppression ends; then the finding reopens. */
  suppressedUntil?: string;
  /** When, by whom and why the status was last set by a person (acknowledge, suppress). */
  statusAt?: string;
  statusBy?: string;
  statusReason?: string;
  assignee?: string;
  transition: Transition;
  transitionAt: string;
  reopenCount: number;
  /**
   * lastSeen as the indexes see it. Refreshed on changes and at most once per
   * `indexRefreshMs`, so a re-published finding costs one base-table write and no
   * index writes (see docs/design.md).
   */
  lastSeenIdx: string;
  /** Keys of the latest observations applied, oldest first: exact de-duplication of replays. */
  recent: string[];
  /** Optimistic-concurrency version; every write is conditional on it. */
  version: number;
  sample?: boolean;
  /**
   * A short hash of the detail item's content as last written ({@link detailTag}): a
   * change whose text is the same leaves the detail item alone.
   */
  detailTag?: string;
  /**
   * Set by a quiet reconciliation (a first backfill): the transition at this time is
   * recorded but not announced. Any later transition has another transitionAt, so the
   * marker silences that one write only.
   */
  quietTransitionAt?: string;
}

/** What is written only on creation and changes: long text and what routing read. */
export interface FindingDetail {
  id: string;
  description: string;
  consoleUrl: string;
  /** The source's own identifier (GuardDuty finding id, Config rule ARN). */
  sourceId: string;
  resourceTags?: Record<string, string>;
}

export type HistoryKind =
  | 'opened'
  | 'resolved'
  | 'reopened'
  | 'escalated'
  | 'deescalated'
  | 'updated'
  | 'late-observation'
  // What people and Vigil's own functions do to a finding:
  | 'notified'
  | 'acknowledged'
  | 'suppressed'
  | 'unsuppressed'
  | 'assigned';

/** What caused a history entry: an event, or who acted (API, Slack, the notifier, an expiry, a reconciliation). */
export type HistoryCause = 'event' | 'api' | 'slack' | 'notifier' | 'expiry' | 'reconciled';

export interface HistoryEntry {
  id: string;
  /** The observation time the entry is about (its sort key, so replays write the same key). */
  at: string;
  kind: HistoryKind;
  cause: HistoryCause;
  /** The event that said it (cause `event`). */
  eventId?: string;
  /** Who acted (causes `api`, `slack`): a user, a token subject, a role. */
  actor?: string;
  reason?: string;
  /** End of a suppression. */
  until?: string;
  assignee?: string;
  transition?: Transition;
  from?: { status: Status; severity: Severity };
  to: { status: Status; severity: Severity };
  changes?: string[];
}

export type Decision =
  | { kind: 'noop'; reason: NoopReason }
  | { kind: 'create'; next: FindingState; detail: FindingDetail; history: HistoryEntry }
  | { kind: 'change'; next: FindingState; detail?: FindingDetail; history: HistoryEntry; expectedVersion: number }
  | { kind: 'touch'; next: FindingState; expectedVersion: number };

export type NoopReason = 'duplicate' | 'resolution-of-unknown-finding' | 'late-beyond-window';

export interface FoldOptions {
  ownership: Ownership;
  /** How stale lastSeenIdx may get before a repeat refreshes it. */
  indexRefreshMs: number;
  /** How many observation keys a finding remembers for de-duplication. */
  recentWindow: number;
}

export const DEFAULT_FOLD_OPTIONS: Omit<FoldOptions, 'ownership'> = {
  indexRefreshMs: 24 * 60 * 60 * 1000,
  // Ten keys (~140 bytes) keep the finding item under 1 KB, one write unit.
  recentWindow: 10,
};

/**
 * A compact, totally ordered key for an observation: its time in base-36 milliseconds,
 * then a short tag of what it says. Two different statements made at the same instant
 * (published samples do this) are then distinct and ordered the same way on every
 * delivery, so any arrival order folds to the same state.
 */
export function observationKey(obs: Observation): string {
  const said = [obs.status, obs.severity, obs.title, obs.resource.type, obs.resource.id].join('\u001f');
  return `${Date.parse(obs.observedAt).toString(36)}.${hash('sha256', said, 'hex').slice(0, 4)}`;
}

/** Orders observation keys: by time, then by tag. */
export function compareKeys(a: string, b: string): number {
  const ai = a.indexOf('.');
  const bi = b.indexOf('.');
  const at = ai < 0 ? a : a.slice(0, ai);
  const bt = bi < 0 ? b : b.slice(0, bi);
  let dt: number;
  if (at.length === bt.length && at[0] !== '-' && bt[0] !== '-') {
    // Base-36 digits of equal length (no sign, no leading zeros) sort as their numbers do.
    dt = at < bt ? -1 : at > bt ? 1 : 0;
  } else {
    dt = parseInt(at, 36) - parseInt(bt, 36);
  }
  if (dt !== 0) return dt;
  const atag = ai < 0 ? '' : a.slice(ai + 1);
  const btag = bi < 0 ? '' : b.slice(bi + 1);
  return atag < btag ? -1 : atag > btag ? 1 : 0;
}

/** The window's keys with `key` in its place (recent is kept sorted), the oldest dropped beyond the window. */
function insertKey(recent: readonly string[], key: string, window: number): string[] {
  let at = recent.length;
  while (at > 0 && compareKeys(recent[at - 1]!, key) > 0) at--;
  const keys = [...recent.slice(0, at), key, ...recent.slice(at)];
  return keys.length > window ? keys.slice(keys.length - window) : keys;
}

/** The long text of a finding as an observation states it (built only for creates and changes). */
function detailOf(obs: Observation): FindingDetail {
  return {
    id: obs.id,
    description: obs.description,
    consoleUrl: obs.consoleUrl,
    sourceId: obs.sourceId,
    ...(obs.resource.tags ? { resourceTags: obs.resource.tags } : {}),
  };
}

/** A short hash of a finding's detail: equal tags, same text (8 hex digits: a clash is one in four billion). */
export function detailTag(detail: FindingDetail): string {
  const tags = detail.resourceTags ? JSON.stringify(detail.resourceTags) : '';
  return hash('sha256', [detail.description, detail.consoleUrl, detail.sourceId, tags].join('\u001f'), 'hex').slice(0, 8);
}

function historyKindFor(transition: Transition): HistoryKind {
  const kinds: Record<Transition, HistoryKind> = {
    OPENED: 'opened',
    RESOLVED: 'resolved',
    REOPENED: 'reopened',
    ESCALATED: 'escalated',
    DEESCALATED: 'deescalated',
    UPDATED: 'updated',
  };
  return kinds[transition];
}

/**
 * Folds one observation into a finding's current state and says what to write.
 * Pure: the same state and observation always give the same decision, which is what
 * makes ingest idempotent (a replayed observation is a `noop`) and order-safe (an older
 * observation never moves status, severity or text backwards).
 */
export function fold(current: FindingState | undefined, obs: Observation, options: FoldOptions): Decision {
  const key = observationKey(obs);

  if (!current) {
    if (obs.createIfMissing === false) return { kind: 'noop', reason: 'resolution-of-unknown-finding' };
    const detail = detailOf(obs);
    const suppressed = obs.status === 'OPEN' && options.ownership.suppression !== undefined;
    const status: Status = obs.status === 'OPEN' ? (suppressed ? 'SUPPRESSED' : 'OPEN') : 'RESOLVED';
    const next: FindingState = {
      id: obs.id,
      source: obs.source,
      sources: [obs.source],
      rule: obs.rule,
      accountId: obs.accountId,
      region: obs.region,
      severity: obs.severity,
      status,
      sourceStatus: obs.status,
      title: obs.title,
      resourceType: obs.resource.type,
      resourceId: obs.resource.id,
      firstSeen: minIso(obs.firstSeenAt ?? obs.observedAt, obs.observedAt),
      lastSeen: obs.observedAt,
      count: obs.sourceCount ?? 1,
      ...ownershipFields(options.ownership),
      transition: status === 'RESOLVED' ? 'RESOLVED' : 'OPENED',
      transitionAt: obs.observedAt,
      reopenCount: 0,
      lastSeenIdx: obs.observedAt,
      recent: [key],
      version: 1,
      detailTag: detailTag(detail),
    };
    if (obs.sample) next.sample = true;
    return {
      kind: 'create',
      next,
      detail,
      history: { id: obs.id, at: obs.observedAt, kind: status === 'RESOLVED' ? 'resolved' : 'opened', cause: 'event', eventId: obs.eventId, to: { status, severity: obs.severity } },
    };
  }

  if (current.recent.includes(key)) return { kind: 'noop', reason: 'duplicate' };

  const sources = mergeSources(current.sources ?? [current.source], obs.source);
  const base: FindingState = {
    ...current,
    sources,
    source: sources[0]!,
    firstSeen: minIso(current.firstSeen, obs.firstSeenAt ?? obs.observedAt),
    count: obs.sourceCount !== undefined ? Math.max(current.count, obs.sourceCount) : current.count + 1,
    recent: insertKey(current.recent, key, options.recentWindow),
    version: current.version + 1,
  };

  const newest = current.recent[current.recent.length - 1];
  const isLate = newest !== undefined ? compareKeys(key, newest) < 0 : obs.observedAt < current.lastSeen;
  if (isLate) {
    const oldest = current.recent[0];
    if (current.recent.length >= options.recentWindow && oldest !== undefined && compareKeys(key, oldest) < 0) {
      // Older than everything remembered: Vigil cannot tell a first delivery from a replay.
      return { kind: 'noop', reason: 'late-beyond-window' };
    }
    const says = { status: (obs.status === 'OPEN' ? 'OPEN' : 'RESOLVED') as Status, severity: obs.severity };
    if (says.status === statusFamily(current.status) && says.severity === current.severity) {
      return { kind: 'touch', next: base, expectedVersion: current.version };
    }
    // It disagrees with what is known now, but it is older: history, never state.
    return {
      kind: 'change',
      next: base,
      expectedVersion: current.version,
      history: { id: obs.id, at: obs.observedAt, kind: 'late-observation', cause: 'event', eventId: obs.eventId, from: { status: current.status, severity: current.severity }, to: says },
    };
  }

  // Newer than anything known: it may move the lifecycle.
  let status = current.status;
  let transition: Transition | undefined;
  if (obs.status === 'RESOLVED' && current.status !== 'RESOLVED') {
    status = 'RESOLVED';
    transition = 'RESOLVED';
  } else if (obs.status === 'OPEN' && current.status === 'RESOLVED') {
    status = 'OPEN';
    transition = 'REOPENED';
  } else if (obs.status === 'OPEN' && obs.mergeWindowMs !== undefined && Date.parse(obs.observedAt) - Date.parse(current.lastSeen) > obs.mergeWindowMs) {
    // Quiet for longer than the merge window: a new occurrence, not a repeat.
    status = 'OPEN';
    transition = 'REOPENED';
  }
  const severityDelta = severityRank(obs.severity) - severityRank(current.severity);
  if (!transition && severityDelta > 0 && status !== 'RESOLVED') transition = 'ESCALATED';
  if (!transition && severityDelta < 0 && status !== 'RESOLVED') transition = 'DEESCALATED';

  const changes: string[] = [];
  if (transition === 'REOPENED' && current.status !== 'RESOLVED') changes.push('recurred after the merge window');
  if (obs.title !== current.title) changes.push('title');
  if (severityDelta !== 0) changes.push('severity');
  if (obs.resource.type !== current.resourceType || obs.resource.id !== current.resourceId) changes.push('resource');
  if (!transition && changes.length > 0) transition = 'UPDATED';

  const refreshIndex = transition !== undefined || Date.parse(obs.observedAt) - Date.parse(current.lastSeenIdx) >= options.indexRefreshMs;
  const next: FindingState = {
    ...base,
    severity: obs.severity,
    status,
    sourceStatus: obs.status,
    title: obs.title,
    resourceType: obs.resource.type,
    resourceId: obs.resource.id,
    lastSeen: maxIso(current.lastSeen, obs.observedAt),
    lastSeenIdx: refreshIndex ? obs.observedAt : current.lastSeenIdx,
  };
  if (!transition) return { kind: 'touch', next, expectedVersion: current.version };

  next.transition = transition;
  next.transitionAt = obs.observedAt;
  const personSuppressed = current.suppressedBy !== undefined && !current.suppressedBy.startsWith('config:');
  const routing = ownershipFields(options.ownership);
  if (personSuppressed) {
    // A person's suppression stands until it ends, whatever the configuration says now.
    routing.suppressedBy = current.suppressedBy;
    routing.suppressedUntil = current.suppressedUntil;
  }
  Object.assign(next, routing);
  if (transition === 'REOPENED' && options.ownership.suppression) next.status = 'SUPPRESSED';
  if (transition === 'REOPENED') next.reopenCount = current.reopenCount + 1;
  const detail = detailOf(obs);
  const tag = detailTag(detail);
  next.detailTag = tag;
  return {
    kind: 'change',
    next,
    ...(tag !== current.detailTag ? { detail } : {}),
    expectedVersion: current.version,
    history: {
      id: obs.id,
      at: obs.observedAt,
      kind: historyKindFor(transition),
      cause: 'event',
      eventId: obs.eventId,
      from: { status: current.status, severity: current.severity },
      to: { status, severity: obs.severity },
      ...(changes.length ? { changes } : {}),
    },
  };
}

/**
 * The routing fields a finding stores; each is present only when it says something, so
 * the common finding item stays small. A configuration suppression sets the finding's
 * suppression; a person's (`api`) suppression is kept until it ends.
 */
function ownershipFields(o: Ownership): Pick<FindingState, 'team' | 'routedBy' | 'alsoNotify' | 'unconfigured' | 'staged' | 'suppressedBy' | 'suppressedUntil'> {
  return {
    team: o.team,
    routedBy: o.routedBy,
    alsoNotify: o.alsoNotify?.length ? o.alsoNotify : undefined,
    unconfigured: o.unconfigured || undefined,
    staged: o.staged || undefined,
    suppressedBy: o.suppression ? `config:${o.suppression.id}` : undefined,
    suppressedUntil: o.suppression?.until,
  };
}

/** NOTIFIED, ACKNOWLEDGED and SUPPRESSED are all "open" as far as a source can tell. */
function statusFamily(status: Status): Status {
  return status === 'RESOLVED' ? 'RESOLVED' : 'OPEN';
}

function minIso(a: string, b: string): string {
  return a < b ? a : b;
}

function maxIso(a: string, b: string): string {
  return a > b ? a : b;
}
