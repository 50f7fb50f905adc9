import type { MessageRef } from './interactions.js';
import type { FlapState } from './noise.js';
import type { SlackMessage } from './slack-blocks.js';
import type { SnsPublishInput } from './sns-message.js';
import type { ChannelId, DeliverySkipReason, NotifiableFinding, NotificationKind, SentAs } from './types.js';

/** The final word on one delivery, kept in the ledger under its idempotency key. */
export type LedgerRecord =
  | { result: 'sent'; as: SentAs; ref?: string }
  | { result: 'skipped'; reason: DeliverySkipReason; wouldHaveSent?: unknown }
  | { result: 'dead-lettered'; reason: string };

/** What the ledger knows about a delivery's key when the notifier asks to own it. */
export type Claim =
  /** This invocation owns the delivery; `attempt` counts invocations that tried it (1 for the first). */
  | { kind: 'claimed'; attempt: number }
  /** Finished earlier (a replay or a retried batch): do nothing. */
  | { kind: 'done'; record: LedgerRecord }
  /** Another invocation is sending it right now (its lease has not expired). */
  | { kind: 'busy' };

/** Identifies a delivery in the ledger and in dead letters. */
export interface DeliveryMeta {
  key: string;
  findingId: string;
  version: number;
  channel: ChannelId;
  kind: NotificationKind | 'BURST' | 'DIGEST';
  team?: string;
}

export interface DeadLetter extends DeliveryMeta {
  reason: string;
  /** The error as the adapter described it (no secrets). */
  detail: string;
  attempts: number;
  at: string;
  /** What was to be sent, so it can be re-sent by hand. */
  payload: unknown;
}

/**
 * Everything the notifier remembers (one DynamoDB table in AWS): the idempotency ledger,
 * explicit dead letters, flapping and burst counters, and the Slack message of a finding.
 */
export interface NotificationState {
  /** Takes ownership of a delivery (conditional write: absent, or pending with an expired lease). */
  claim(meta: DeliveryMeta, now: Date): Promise<Claim>;
  /** Records the final outcome of a claimed delivery. */
  complete(meta: DeliveryMeta, record: LedgerRecord, now: Date): Promise<void>;
  /** Records an outcome decided without any side effect (a skip), once: false when the key exists. */
  recordOnce(meta: DeliveryMeta, record: LedgerRecord, now: Date): Promise<boolean>;
  /** Gives a claimed delivery back after a retryable failure, so a later invocation can claim it. */
  release(meta: DeliveryMeta, error: string): Promise<void>;
  /** Writes the dead letter and completes the ledger entry as dead-lettered, atomically. */
  deadLetter(letter: DeadLetter): Promise<void>;
  flapState(findingId: string): Promise<FlapState | undefined>;
  saveFlapState(findingId: string, state: FlapState): Promise<void>;
  /** Counts one more message for a team's burst window; returns its place (1 for the first). */
  burstSlot(team: string, windowStart: string, now: Date): Promise<number>;
  slackRef(findingId: string, team: string): Promise<MessageRef | undefined>;
  saveSlackRef(findingId: string, team: string, ref: MessageRef): Promise<void>;
}

export interface SnsPort {
  /** Publishes once; throws DeliveryError (retryable or not). */
  publish(input: SnsPublishInput): Promise<{ messageId: string }>;
}

/** Where a team's Slack messages go. */
export type SlackTarget = { mode: 'webhook'; team: string; channel: string; secretName: string } | { mode: 'bot'; team: string; channel: string };

export interface SlackPort {
  /** Posts a message (a thread reply with `threadTs`); bot mode returns where it landed. */
  post(target: SlackTarget, message: SlackMessage, threadTs?: string): Promise<{ ref?: MessageRef }>;
  /** Replaces a posted message (bot mode). */
  update(ref: MessageRef, message: SlackMessage): Promise<void>;
}

/** Whether bot mode is available (a bot token is configured). */
export interface SlackModes {
  bot: boolean;
}

/** What the notifier writes back on a finding. */
export interface FindingLifecycle {
  /**
   * OPEN → NOTIFIED, conditional on the finding's version, while it is still OPEN in the same
   * open episode (same reopenCount); false when it moved on (resolved, acknowledged, reopened).
   */
  markNotified(finding: NotifiableFinding, at: Date): Promise<boolean>;
}

/** What messages show besides the finding item. */
export interface FindingContext {
  consoleUrl(finding: NotifiableFinding): Promise<string | undefined>;
  accountName(accountId: string): Promise<string | undefined>;
}
