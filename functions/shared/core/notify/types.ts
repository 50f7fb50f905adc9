import type { FindingSource, Severity, Status } from '../finding.js';
import type { Transition } from '../lifecycle.js';

/**
 * What people and subscribers are told about. Four come from ingest's `transition`
 * (UPDATED and DEESCALATED are recorded, never announced); SUPPRESSED comes from a
 * person's action (status moved to SUPPRESSED).
 */
export const NOTIFICATION_KINDS = ['OPENED', 'REOPENED', 'ESCALATED', 'RESOLVED', 'SUPPRESSED'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** The attributes of a finding item the notifier reads (a stream image, unmarshalled and checked). */
export interface NotifiableFinding {
  id: string;
  source: FindingSource;
  rule: string;
  accountId: string;
  region: string;
  severity: Severity;
  status: Status;
  title: string;
  resourceType: string;
  resourceId: string;
  firstSeen: string;
  lastSeen: string;
  count: number;
  team: string;
  routedBy: string;
  transition: Transition;
  transitionAt: string;
  reopenCount: number;
  version: number;
  sample?: boolean;
  /** Written by a person's action (functions/shared/adapters/finding-action-store.ts). */
  statusAt?: string;
  statusBy?: string;
  statusReason?: string;
  suppressedUntil?: string;
  /** `config:<suppression id>` (routing) or the person who suppressed it. */
  suppressedBy?: string;
  assignee?: string;
}

/** One announceable change of one finding: what a stream record means to the notifier. */
export interface NotificationEvent {
  kind: NotificationKind;
  /** When the change happened: the transition's time, or the time of the person's action. */
  at: string;
  finding: NotifiableFinding;
  /** The finding's status and severity before the change; absent for a new finding. */
  previous?: { status: Status; severity: Severity };
}

/** Why a stream record carries nothing to announce. Stable: a metric dimension. */
export type StreamSkipReason =
  | 'removed'
  | 'not-a-finding'
  | 'malformed-finding'
  | 'no-transition'
  | 'created-resolved'
  | 'transition-not-announced'
  | 'stale-image'
  // Written by a quiet reconciliation (a first backfill): recorded, announced to nobody.
  | 'quiet';

/** A team as the notifier needs it: where its messages go and what it wants to hear. */
export interface TeamSettings {
  name: string;
  /** Absent: the team hears through SNS subscriptions only. */
  slack?: {
    channel: string;
    /** Secrets Manager secret holding the channel's incoming-webhook URL; absent: bot mode. */
    webhookSecretName?: string;
  };
  /** Findings below this severity go to the digest instead of a message. */
  minSeverity: Severity;
  quiet?: {
    /** Local time window; `from` after `to` spans midnight. */
    hours?: { from: string; to: string; timezone?: string };
    /** Rule or detection ids (globs) muted for the team: no message, no digest line. */
    rules?: string[];
    /** At or above this severity a finding is announced even in quiet hours. */
    exceptMinSeverity?: Severity;
  };
  digest?: 'daily' | 'weekly';
}

/** What global configuration adds to a finding at send time. */
export interface RoutingExtras {
  /** Teams told as well as the owner (global rules' alsoNotify), without the owner. */
  alsoNotify: string[];
  /** The finding's rule is on trial: record what would have been sent, send nothing. */
  staged: boolean;
  /** A configured suppression in force: announced to nobody. */
  suppressedBy?: { id: string; reason: string };
}

/**
 * The notifier's view of the routing configuration (the port). One implementation reads
 * config/vigil.yaml (routing-port.ts); tests give plain objects.
 */
export interface TeamSettingsLookup {
  /** The team's settings, or undefined when the configuration has no such team. */
  team(name: string): TeamSettings | undefined;
  /** Every configured team (the digest walks them). */
  teams(): TeamSettings[];
  /**
   * Who hears of a finding whose owner has no configuration (a resource tag naming an
   * unknown team): the default team, if it is configured.
   */
  defaultTeam?(): string | undefined;
  /** Global rules, staging and suppressions as they apply to the finding now. */
  extras(finding: NotifiableFinding, now: Date): RoutingExtras | Promise<RoutingExtras>;
}

/** Channels of one transition: the findings topic, and one Slack channel per team told. */
export type ChannelId = 'sns' | `slack:${string}`;

/** The idempotency key of one delivery: finding, version and channel. */
export function deliveryKey(findingId: string, version: number, channel: ChannelId): string {
  return `${findingId}#${version}#${channel}`;
}

/**
 * Final outcome of one (transition, channel) pair. Every pair ends in exactly one of these,
 * which is what "nothing lost" is checked against: sent + dead-lettered + skipped = planned.
 */
export type DeliveryOutcome =
  | { channel: ChannelId; team?: string; result: 'sent'; as: SentAs; ref?: string }
  | { channel: ChannelId; team?: string; result: 'skipped'; reason: DeliverySkipReason }
  | { channel: ChannelId; team?: string; result: 'dead-lettered'; reason: string };

export type SentAs = 'message' | 'thread-reply' | 'flapping-summary';

/** Why a planned delivery sent nothing. Stable: a metric dimension and the ledger's `reason`. */
export type DeliverySkipReason =
  | 'duplicate'
  | 'staged'
  | 'suppressed'
  | 'below-min-severity'
  | 'quiet-hours'
  | 'muted-rule'
  | 'flapping'
  | 'rolled-up'
  | 'unknown-team'
  | 'no-slack-channel';
