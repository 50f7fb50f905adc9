import type { FindingSource, Severity, Status } from '../finding.js';

/**
 * A finding as listings show it: what the indexes project, so a page is served from an
 * index alone. `lastSeen` is lastSeenIdx: exact after every transition, and at most a
 * week behind for a finding that only repeats (see docs/design.md); the finding itself
 * (`GET /findings/{id}`) has the exact value.
 */
export interface FindingSummaryView {
  id: string;
  team: string;
  routedBy: string;
  accountId: string;
  region: string;
  source: FindingSource;
  severity: Severity;
  status: Status;
  title: string;
  rule: string;
  resource: { type: string; id: string };
  firstSeen: string;
  lastSeen: string;
}

/**
 * One history entry: what a source said (`cause: event`), what a person did (`api`,
 * `slack`), what the notifier did (`notifier`), or a suppression running out (`expiry`).
 */
export interface HistoryView {
  at: string;
  kind: string;
  cause: 'event' | 'api' | 'slack' | 'notifier' | 'expiry';
  eventId?: string;
  actor?: string;
  reason?: string;
  from?: { status: Status; severity: Severity };
  to: { status: Status; severity: Severity };
  changes?: string[];
  /** When a suppression ends (suppressed) or ended (suppression-expired). */
  until?: string;
  assignee?: string;
}

/** A finding with its detail and history: `GET /findings/{id}`. */
export interface FindingView extends FindingSummaryView {
  sources?: FindingSource[];
  sourceStatus: 'OPEN' | 'RESOLVED';
  count: number;
  transition: string;
  transitionAt: string;
  reopenCount: number;
  version: number;
  /** Who last moved the status by hand (`api:…`, `slack:…`, `vigil:…`), when and why. */
  statusAt?: string;
  statusBy?: string;
  statusReason?: string;
  /** While SUPPRESSED: until when, and by whom (a person, or `config:<suppression id>`). */
  suppressedUntil?: string;
  suppressedBy?: string;
  assignee?: string;
  description?: string;
  consoleUrl?: string;
  sourceId?: string;
  resourceTags?: Record<string, string>;
  /** Oldest first; the newest `historyLimit` entries when there are more (`historyTruncated`). */
  history: HistoryView[];
  historyTruncated: boolean;
}

/** The part of a finding an action decides from. */
export interface ActionState {
  id: string;
  team: string;
  status: Status;
  severity: Severity;
  version: number;
  suppressedUntil?: string;
  reopenCount?: number;
  assignee?: string;
}
