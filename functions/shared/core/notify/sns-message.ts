import type { Severity, Status } from '../finding.js';
import type { NotificationEvent, NotificationKind } from './types.js';

/** Version of the message body; see docs/notifications/sns-message.schema.json. */
export const SNS_SCHEMA_VERSION = '1.0';

/**
 * The body of every message on the findings topic (JSON). Additive changes keep the
 * major version; a consumer checks `schemaVersion` starts with `1.`.
 */
export interface SnsFindingMessage {
  schemaVersion: typeof SNS_SCHEMA_VERSION;
  type: 'vigil.finding.transition';
  /** `<findingId>#<version>`: the same on every retry, so subscribers can de-duplicate. */
  notificationId: string;
  transition: {
    kind: NotificationKind;
    at: string;
    from: { status: Status; severity: Severity } | null;
    to: { status: Status; severity: Severity };
  };
  finding: {
    id: string;
    source: string;
    rule: string;
    title: string;
    severity: Severity;
    status: Status;
    account: { id: string; name?: string };
    region: string;
    resource: { type: string; id: string };
    firstSeen: string;
    lastSeen: string;
    count: number;
    reopenCount: number;
    version: number;
    consoleUrl: string;
    sample?: boolean;
    assignee?: string;
    suppression?: { until?: string; reason?: string; by?: string };
  };
  routing: { team: string; routedBy: string; alsoNotify: string[] };
}

/** What a PublishCommand needs, as plain data (the adapter sends it). */
export interface SnsPublishInput {
  TopicArn: string;
  Subject: string;
  Message: string;
  MessageAttributes: Record<SnsAttributeName, { DataType: 'String'; StringValue: string }>;
}

/** Attributes subscribers filter on (SNS filter policies on message attributes). */
export const SNS_ATTRIBUTES = ['team', 'severity', 'source', 'account', 'transition'] as const;
export type SnsAttributeName = (typeof SNS_ATTRIBUTES)[number];

export interface SnsContext {
  topicArn: string;
  consoleUrl: string;
  accountName?: string;
  alsoNotify: string[];
}

const LABELS: Record<NotificationKind, string> = {
  OPENED: 'Opened',
  REOPENED: 'Reopened',
  ESCALATED: 'Escalated',
  RESOLVED: 'Resolved',
  SUPPRESSED: 'Suppressed',
};

export function snsMessage(event: NotificationEvent, context: Omit<SnsContext, 'topicArn'>): SnsFindingMessage {
  const f = event.finding;
  const suppression =
    event.kind === 'SUPPRESSED' || f.status === 'SUPPRESSED'
      ? {
          ...(f.suppressedUntil ? { until: f.suppressedUntil } : {}),
          ...(f.statusReason ? { reason: f.statusReason } : {}),
          ...(f.statusBy ? { by: f.statusBy } : {}),
        }
      : undefined;
  return {
    schemaVersion: SNS_SCHEMA_VERSION,
    type: 'vigil.finding.transition',
    notificationId: `${f.id}#${f.version}`,
    transition: { kind: event.kind, at: event.at, from: event.previous ?? null, to: { status: f.status, severity: f.severity } },
    finding: {
      id: f.id,
      source: f.source,
      rule: f.rule,
      title: f.title,
      severity: f.severity,
      status: f.status,
      account: { id: f.accountId, ...(context.accountName ? { name: context.accountName } : {}) },
      region: f.region,
      resource: { type: f.resourceType, id: f.resourceId },
      firstSeen: f.firstSeen,
      lastSeen: f.lastSeen,
      count: f.count,
      reopenCount: f.reopenCount,
      version: f.version,
      consoleUrl: context.consoleUrl,
      ...(f.sample ? { sample: true } : {}),
      ...(f.assignee ? { assignee: f.assignee } : {}),
      ...(suppression ? { suppression } : {}),
    },
    routing: { team: f.team, routedBy: f.routedBy, alsoNotify: [...context.alsoNotify] },
  };
}

/** The complete Publish request for a transition: body, attributes and an e-mail subject. */
export function snsPublishInput(event: NotificationEvent, context: SnsContext): SnsPublishInput {
  const f = event.finding;
  const attribute = (value: string) => ({ DataType: 'String' as const, StringValue: value || 'unknown' });
  return {
    TopicArn: context.topicArn,
    Subject: snsSubject(`[${f.severity}] ${LABELS[event.kind]}: ${f.title}`),
    Message: JSON.stringify(snsMessage(event, context)),
    MessageAttributes: {
      team: attribute(f.team),
      severity: attribute(f.severity),
      source: attribute(f.source),
      account: attribute(f.accountId),
      transition: attribute(event.kind),
    },
  };
}

/**
 * SNS subjects (used by e-mail subscriptions) must be printable ASCII without line
 * breaks and under 100 characters.
 */
export function snsSubject(text: string): string {
  const ascii = text
    .normalize('NFKD')
    .replace(/\s+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '')
    .replace(/ {2,}/g, ' ')
    .trim();
  return ascii.length <= 99 ? ascii : `${ascii.slice(0, 96)}...`;
}
