import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import type { DeadLetter } from '../../../cli/local/queues.js';
import { InvalidEventError } from '../../../functions/shared/core/errors.js';
import { normalizeEvent } from '../../../functions/shared/core/normalizers/index.js';
import { deriveNotification } from '../../../functions/shared/core/notify/transition.js';

/** One input message: what was sent to the ingest queue. */
export interface SentMessage {
  messageId: string;
  body: string;
}

export type IngestOutcome =
  | { kind: 'stored'; findingIds: string[] }
  | { kind: 'ignored'; reason: string }
  | { kind: 'heartbeat' }
  | { kind: 'quarantined'; reason: string; item: Record<string, unknown> }
  | { kind: 'dead-lettered'; reason: string }
  | { kind: 'lost'; why: string };

export interface IngestAccounting {
  outcomes: Map<string, IngestOutcome>;
  totals: { sent: number; stored: number; ignored: number; heartbeat: number; quarantined: number; deadLettered: number; lost: number };
  /** Inputs quarantined more than once (a redelivery quarantining again). */
  quarantinedTwice: string[];
  byReason: Record<string, number>;
}

/** Ignored reasons name the CloudTrail call or the rule; the count groups them by what they say. */
export function reasonKind(reason: string): string {
  return reason
    .replace(/\([^)]*\)/g, '(…)')
    .replace(/ [\w.-]+:[\w.:*/-]+/g, ' <call>')
    .replace(/ matches .* but /, ' matches <detections> but ');
}

/**
 * Where each input ended, from the table itself (one consistent scan) and the dead-letter
 * queue: a quarantine item with its origin, the stored findings of every observation it
 * makes (ids by the same pure normalizer the handler runs), ignored with the normalizer's
 * reason, or dead-lettered. Anything else is lost.
 */
export function accountIngest(messages: readonly SentMessage[], items: readonly Record<string, unknown>[], deadLetters: readonly DeadLetter[]): IngestAccounting {
  const findings = new Set(items.filter((i) => i.sk === 'F').map((i) => String(i.pk).slice(2)));
  const quarantine = new Map<string, Record<string, unknown>[]>();
  for (const item of items) {
    if (!String(item.pk).startsWith('Q#')) continue;
    const list = quarantine.get(String(item.origin)) ?? [];
    list.push(item);
    quarantine.set(String(item.origin), list);
  }
  const dead = new Map(deadLetters.map((d) => [d.messageId, d]));
  const outcomes = new Map<string, IngestOutcome>();
  const quarantinedTwice: string[] = [];
  for (const { messageId, body } of messages) {
    const letter = dead.get(messageId);
    const quarantined = quarantine.get(`sqs:${messageId}`);
    if (quarantined && quarantined.length > 1) quarantinedTwice.push(messageId);
    if (letter) {
      outcomes.set(messageId, { kind: 'dead-lettered', reason: letter.reason });
    } else if (quarantined) {
      outcomes.set(messageId, { kind: 'quarantined', reason: String(quarantined[0]!.reason), item: quarantined[0]! });
    } else {
      outcomes.set(messageId, expectedWithoutQuarantine(body, findings));
    }
  }
  const totals = { sent: messages.length, stored: 0, ignored: 0, heartbeat: 0, quarantined: 0, deadLettered: 0, lost: 0 };
  const byReason: Record<string, number> = {};
  for (const outcome of outcomes.values()) {
    const key = outcome.kind === 'dead-lettered' ? 'deadLettered' : outcome.kind;
    totals[key]++;
    if (outcome.kind === 'ignored' || outcome.kind === 'quarantined') {
      const label = `${outcome.kind}: ${outcome.kind === 'ignored' ? reasonKind(outcome.reason) : outcome.reason}`;
      byReason[label] = (byReason[label] ?? 0) + 1;
    }
  }
  return { outcomes, totals, quarantinedTwice, byReason };
}

function expectedWithoutQuarantine(body: string, findings: ReadonlySet<string>): IngestOutcome {
  let event: unknown;
  try {
    event = JSON.parse(body);
  } catch {
    return { kind: 'lost', why: 'not JSON, and not quarantined' };
  }
  try {
    const result = normalizeEvent(event);
    if (result.kind === 'ignored') return { kind: 'ignored', reason: result.reason };
    if (result.kind === 'heartbeat') return { kind: 'heartbeat' };
    // A resolution of a finding never seen open makes no write (fold's noop): nothing to store.
    const missing = result.observations.filter((o) => !findings.has(o.id) && o.createIfMissing !== false);
    if (missing.length) return { kind: 'lost', why: `findings ${missing.map((o) => o.id).join(', ')} not in the table` };
    const ids = [...new Set(result.observations.filter((o) => findings.has(o.id)).map((o) => o.id))];
    return ids.length ? { kind: 'stored', findingIds: ids } : { kind: 'ignored', reason: 'resolution-of-unknown-finding' };
  } catch (error) {
    if (error instanceof InvalidEventError) return { kind: 'lost', why: `${error.reason} but not quarantined` };
    throw error;
  }
}

export interface NotificationAccounting {
  /** Announceable transitions read from the stream (finding id and version). */
  transitions: number;
  /** Per channel kind (sns, slack) and outcome: `sent`, `skipped: <reason>`, `dead-lettered: <reason>`. */
  outcomes: Record<string, number>;
  /** Transitions with no final ledger outcome on SNS. */
  missing: string[];
  /** Ledger entries not DONE. */
  pending: string[];
  /** SNS messages published more than once (by notificationId). */
  duplicateSns: string[];
  /** Slack messages beyond the deliveries the ledger records as sent. */
  extraSlackMessages: number;
  snsPublishes: number;
  slackMessages: number;
}

/**
 * Checks the notifier's work against the stream it read: every announceable transition
 * has a final outcome on SNS (and on each Slack channel it planned), the SNS topic got
 * each notification at most once, and Slack got exactly as many messages as the ledger
 * says were sent (a second send of one delivery would show as an extra message).
 */
export function accountNotifications(records: readonly DynamoDBRecord[], ledgerItems: readonly Record<string, unknown>[], snsMessages: readonly string[], slackMessages: number): NotificationAccounting {
  const image = (raw: unknown) => (raw ? unmarshall(raw as Record<string, AttributeValue>) : undefined);
  const transitions = new Set<string>();
  for (const record of records) {
    // Only finding items announce anything (directory, history and quarantine items share the table).
    if ((record.dynamodb?.Keys as Record<string, { S?: string }> | undefined)?.sk?.S !== 'F') continue;
    const derived = deriveNotification(image(record.dynamodb?.OldImage), image(record.dynamodb?.NewImage));
    if (derived.kind === 'notify') transitions.add(`${derived.event.finding.id}#${derived.event.finding.version}`);
  }
  const ledger = ledgerItems.filter((i) => String(i.pk).startsWith('I#'));
  const outcomes: Record<string, number> = {};
  let slackSent = 0;
  const snsDone = new Set<string>();
  for (const entry of ledger) {
    const channel = String(entry.channel ?? '');
    const kind = channel === 'sns' ? 'sns' : 'slack';
    const label = `${kind} ${entry.result === 'sent' ? 'sent' : `${String(entry.result)}: ${String(entry.reason ?? '')}`}`;
    if (entry.status === 'DONE') outcomes[label] = (outcomes[label] ?? 0) + 1;
    if (kind === 'slack' && entry.status === 'DONE' && entry.result === 'sent') slackSent++;
    if (kind === 'sns' && entry.status === 'DONE') snsDone.add(`${String(entry.findingId)}#${String(entry.findingVersion)}`);
  }
  const ids = snsMessages.map((m) => String((JSON.parse(m) as { notificationId: string }).notificationId));
  const seen = new Set<string>();
  const duplicateSns = ids.filter((id) => (seen.has(id) ? true : (seen.add(id), false)));
  return {
    transitions: transitions.size,
    outcomes,
    missing: [...transitions].filter((t) => !snsDone.has(t)),
    pending: ledger.filter((i) => i.status !== 'DONE').map((i) => String(i.pk)),
    duplicateSns,
    extraSlackMessages: slackMessages - slackSent,
    snsPublishes: snsMessages.length,
    slackMessages,
  };
}

/** Prints a case's counts as a small table and keeps them under test/faults/.out (git-ignored). */
export function report(name: string, counts: Record<string, unknown>): void {
  const rows = Object.entries(flatten(counts)).map(([k, v]) => `  ${k.padEnd(64)} ${String(v)}`);
  console.log(`\n[faults] ${name}\n${rows.join('\n')}`);
  const dir = join('test', 'faults', '.out');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(counts, null, 2)}\n`);
}

function flatten(value: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const name = prefix ? `${prefix} / ${key}` : key;
    if (v && typeof v === 'object' && !Array.isArray(v)) Object.assign(out, flatten(v as Record<string, unknown>, name));
    else out[name] = Array.isArray(v) ? (v.length > 5 ? `${v.length} items` : JSON.stringify(v)) : v;
  }
  return out;
}
