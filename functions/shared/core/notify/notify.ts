import { fallbackConsoleUrl, type Links } from './links.js';
import { burstWindow, decideBurst, decideFlap, DEFAULT_BURST, DEFAULT_FLAP, type BurstOptions, type FlapDecision, type FlapOptions } from './noise.js';
import { planDeliveries, type DeliveryPlan } from './plan.js';
import type { DeliveryMeta, FindingContext, FindingLifecycle, LedgerRecord, NotificationState, SlackModes, SlackPort, SlackTarget, SnsPort } from './ports.js';
import { asDeliveryError, DEFAULT_RETRY, DeliveryError, withRetry, type RetryPolicy } from './delivery.js';
import { burstRollup, findingMessage, flappingSummary, slackLimitProblems, threadReply, type SlackMessage } from './slack-blocks.js';
import { snsPublishInput } from './sns-message.js';
import { deliveryKey, type DeliveryOutcome, type NotificationEvent, type RoutingExtras, type SentAs, type TeamSettingsLookup } from './types.js';

export interface NotifyDeps {
  routing: TeamSettingsLookup;
  state: NotificationState;
  sns: SnsPort;
  topicArn: string;
  slack: SlackPort;
  slackModes: SlackModes;
  findings: FindingLifecycle;
  context: FindingContext;
  links: Links;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  /** Milliseconds left in this invocation (Lambda's getRemainingTimeInMillis). */
  remainingMs?: () => number;
  retry?: RetryPolicy;
  /** Invocations that may try one delivery before it is dead-lettered. */
  maxAttempts?: number;
  flap?: FlapOptions;
  burst?: BurstOptions;
  /** Told about retries (metrics and logs); never given a secret. */
  onRetry?: (channel: string, reason: string, attempt: number, waitMs: number) => void;
  /**
   * Shares work in flight between the transitions one process notifies at once (a burst
   * window's roll-up, `singleFlight` of core/concurrency.ts): they wait for one another
   * instead of failing on one another's claim. Without it each claims on its own.
   */
  singleFlight?: <T>(key: string, task: () => Promise<T>) => Promise<T>;
  /**
   * Told when a delivery went out but the ledger could not record it (metrics and logs):
   * it is not sent again by this record, and stays claimed until its lease ends.
   */
  onUnrecorded?: (channel: string, key: string, reason: string) => void;
}

export interface NotifyResult {
  outcomes: DeliveryOutcome[];
  /** Deliveries that failed for now and must be retried by re-running the record. */
  retry: string[];
  /** The finding went OPEN → NOTIFIED. */
  markedNotified: boolean;
}

export const DEFAULT_MAX_ATTEMPTS = 5;
/** Recording a sent delivery: the SDK has retried each call already; these space out a few more. */
const LEDGER_RETRY = { attempts: 5, baseMs: 200, maxMs: 3000, maxRetryAfterMs: 0 };
/** An invocation with less time than this left starts no new delivery. */
const MIN_REMAINING_MS = 10_000;
/** Kinds after which the finding's status moves OPEN → NOTIFIED once a person was told (of this open episode). */
const NOTIFIES: ReadonlySet<string> = new Set(['OPENED', 'REOPENED', 'ESCALATED']);
/** Kinds that follow up an earlier message: in bot mode a thread reply and an update of the original. */
const FOLLOW_UP: ReadonlySet<string> = new Set(['RESOLVED', 'SUPPRESSED']);

type SlackPlan = Extract<DeliveryPlan, { channel: `slack:${string}`; action: 'send' | 'stage' }>;

/**
 * Announces one transition on every channel it is due on, at least once and at most
 * once per (finding, version, channel):
 *
 * 1. plan: routing extras (alsoNotify, staging, suppressions) and each team's settings;
 * 2. per channel, claim the idempotency key in the ledger: a key already done is a
 *    replay and sends nothing; a key another invocation holds is retried later;
 * 3. noise control for Slack: flapping (per finding) and burst roll-up (per team);
 * 4. send with retries and backoff; a failure that cannot succeed, or that persists over
 *    `maxAttempts` invocations, becomes an explicit dead letter with its reason;
 * 5. once a person was told of an open finding (OPENED, REOPENED or ESCALATED), OPEN →
 *    NOTIFIED.
 *
 * Channels are independent: one failing does not hold back the others, and only the
 * unfinished ones are retried (the rest are "done" in the ledger).
 */
export async function notifyTransition(event: NotificationEvent, deps: NotifyDeps): Promise<NotifyResult> {
  const now = (deps.now ?? (() => new Date()))();
  const f = event.finding;
  const extras = await deps.routing.extras(f, now);
  const plans = planDeliveries(event, extras, deps.routing, now);
  const consoleUrl = (await deps.context.consoleUrl(f)) ?? fallbackConsoleUrl(f);
  const accountName = await deps.context.accountName(f.accountId);
  const run = new Run(event, extras, deps, now, consoleUrl, accountName);

  for (const plan of plans) {
    const outcome = await run.deliver(plan);
    if (outcome) run.outcomes.push(outcome);
  }

  let markedNotified = false;
  if (NOTIFIES.has(event.kind) && run.personTold && f.status === 'OPEN') {
    markedNotified = await deps.findings.markNotified(f, now);
  }
  return { outcomes: run.outcomes, retry: run.retry, markedNotified };
}

class Run {
  public readonly outcomes: DeliveryOutcome[] = [];
  public readonly retry: string[] = [];
  /** A Slack message about this finding reached a person (now or in an earlier try). */
  public personTold = false;
  private flap: FlapDecision | undefined;
  private readonly flapOptions: FlapOptions;
  private readonly burstOptions: BurstOptions;

  public constructor(
    private readonly event: NotificationEvent,
    private readonly extras: RoutingExtras,
    private readonly deps: NotifyDeps,
    private readonly now: Date,
    private readonly consoleUrl: string,
    private readonly accountName: string | undefined,
  ) {
    this.flapOptions = deps.flap ?? DEFAULT_FLAP;
    this.burstOptions = deps.burst ?? DEFAULT_BURST;
  }

  private meta(channel: DeliveryMeta['channel'], team?: string): DeliveryMeta {
    const f = this.event.finding;
    return { key: deliveryKey(f.id, f.version, channel), findingId: f.id, version: f.version, channel, kind: this.event.kind, ...(team ? { team } : {}) };
  }

  public async deliver(plan: DeliveryPlan): Promise<DeliveryOutcome | undefined> {
    const team = 'team' in plan ? plan.team : undefined;
    const meta = this.meta(plan.channel, team);
    const teamPart = team ? { team } : {};
    if (plan.action === 'skip') {
      await this.deps.state.recordOnce(meta, { result: 'skipped', reason: plan.reason }, this.now);
      return { channel: plan.channel, ...teamPart, result: 'skipped', reason: plan.reason };
    }
    if (this.deps.remainingMs && this.deps.remainingMs() < MIN_REMAINING_MS) {
      this.retry.push(`${plan.channel}: not started, the invocation is about to time out`);
      return undefined;
    }
    const claim = await this.deps.state.claim(meta, this.now);
    if (claim.kind === 'busy') {
      this.retry.push(`${plan.channel}: in progress elsewhere`);
      return undefined;
    }
    if (claim.kind === 'done') {
      if (claim.record.result === 'sent' && plan.channel !== 'sns') this.personTold = true;
      return { channel: plan.channel, ...teamPart, result: 'skipped', reason: 'duplicate' };
    }
    let payload: unknown;
    try {
      if (plan.channel === 'sns') {
        const input = snsPublishInput(this.event, { topicArn: this.deps.topicArn, consoleUrl: this.consoleUrl, alsoNotify: this.extras.alsoNotify, ...(this.accountName ? { accountName: this.accountName } : {}) });
        payload = input;
        if (plan.action === 'stage') return await this.stage(meta, input);
        const { messageId } = await withRetry(() => this.deps.sns.publish(input), this.policy, this.runtime('sns'));
        await this.recordSent(meta, { result: 'sent', as: 'message', ref: messageId });
        return { channel: 'sns', result: 'sent', as: 'message', ref: messageId };
      }
      return await this.deliverSlack(plan as SlackPlan, meta, (p) => (payload = p));
    } catch (error) {
      return this.failed(meta, claim.attempt, asDeliveryError(error), payload);
    }
  }

  private get policy(): RetryPolicy {
    return this.deps.retry ?? DEFAULT_RETRY;
  }

  private runtime(channel: string) {
    return {
      sleep: this.deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms))),
      ...(this.deps.remainingMs ? { remainingMs: this.deps.remainingMs } : {}),
      onRetry: (e: DeliveryError, attempt: number, wait: number) => this.deps.onRetry?.(channel, e.reason, attempt, wait),
    };
  }

  private async stage(meta: DeliveryMeta, wouldHaveSent: unknown): Promise<DeliveryOutcome> {
    await this.deps.state.complete(meta, { result: 'skipped', reason: 'staged', wouldHaveSent }, this.now);
    return { channel: meta.channel, ...(meta.team ? { team: meta.team } : {}), result: 'skipped', reason: 'staged' };
  }

  private async flapDecision(): Promise<FlapDecision> {
    if (!this.flap) {
      const f = this.event.finding;
      const state = await this.deps.state.flapState(f.id);
      this.flap = decideFlap(state, this.event.kind, this.event.at, this.flapOptions);
      const changed = JSON.stringify(state ?? { changes: [] }) !== JSON.stringify(this.flap.state);
      if (changed) await this.deps.state.saveFlapState(f.id, this.flap.state);
    }
    return this.flap;
  }

  private target(plan: SlackPlan): SlackTarget {
    const slack = plan.settings.slack;
    if (slack.webhookSecretName) return { mode: 'webhook', team: plan.team, channel: slack.channel, secretName: slack.webhookSecretName };
    return { mode: 'bot', team: plan.team, channel: slack.channel };
  }

  private async deliverSlack(plan: SlackPlan, meta: DeliveryMeta, remember: (payload: unknown) => void): Promise<DeliveryOutcome> {
    const f = this.event.finding;
    const target = this.target(plan);
    if (target.mode === 'bot' && !this.deps.slackModes.bot) {
      throw new DeliveryError(`team ${plan.team} has no webhook secret and no bot token is configured`, 'slack-no-delivery', false);
    }
    const interactive = target.mode === 'bot';
    const context = { consoleUrl: this.consoleUrl, alsoNotify: this.alsoNotifyFor(plan.team), interactive, ...(this.accountName ? { accountName: this.accountName } : {}) };

    const flap = await this.flapDecision();
    if (flap.action === 'mute') {
      await this.deps.state.complete(meta, { result: 'skipped', reason: 'flapping' }, this.now);
      return { channel: meta.channel, team: plan.team, result: 'skipped', reason: 'flapping' };
    }

    // Bot mode, a resolution or suppression of something announced before: reply in its thread, update the original.
    const ref = flap.action === 'send' && target.mode === 'bot' && FOLLOW_UP.has(this.event.kind) ? await this.deps.state.slackRef(f.id, plan.team) : undefined;
    if (ref) {
      const reply = threadReply(this.event);
      const updated = findingMessage(this.event, { ...context, interactive: false });
      remember({ reply, update: updated, ref });
      if (plan.action === 'stage') return this.stage(meta, { reply, update: updated });
      await withRetry(() => this.deps.slack.update(ref, checked(updated)), this.policy, this.runtime(meta.channel));
      const posted = await withRetry(() => this.deps.slack.post(target, checked(reply), ref.ts), this.policy, this.runtime(meta.channel));
      return this.sent(meta, 'thread-reply', posted.ref);
    }

    const as: SentAs = flap.action === 'summarize' ? 'flapping-summary' : 'message';
    const message = as === 'flapping-summary' ? flappingSummary(this.event, { ...context, changes: flap.changes, windowMs: this.flapOptions.windowMs }) : findingMessage(this.event, context);
    remember(message);
    if (plan.action === 'stage') return this.stage(meta, message);

    const window = burstWindow(this.now, this.burstOptions);
    const slot = await this.deps.state.burstSlot(plan.team, window.start, this.now);
    if (decideBurst(slot, this.burstOptions) === 'roll-up') {
      await this.ensureRollup(plan, target, window);
      await this.deps.state.complete(meta, { result: 'skipped', reason: 'rolled-up' }, this.now);
      return { channel: meta.channel, team: plan.team, result: 'skipped', reason: 'rolled-up' };
    }
    const posted = await withRetry(() => this.deps.slack.post(target, checked(message)), this.policy, this.runtime(meta.channel));
    if (posted.ref && !FOLLOW_UP.has(this.event.kind)) await this.deps.state.saveSlackRef(f.id, plan.team, posted.ref);
    return this.sent(meta, as, posted.ref);
  }

  private async sent(meta: DeliveryMeta, as: SentAs, ref?: { channel: string; ts: string }): Promise<DeliveryOutcome> {
    const record: LedgerRecord = { result: 'sent', as, ...(ref ? { ref: `${ref.channel}/${ref.ts}` } : {}) };
    await this.recordSent(meta, record);
    this.personTold = true;
    return { channel: meta.channel, ...(meta.team ? { team: meta.team } : {}), result: 'sent', as, ...(record.ref ? { ref: record.ref } : {}) };
  }

  /**
   * The window's one roll-up message, sent by whichever rolled-up delivery gets there first.
   * Others of this process that reach it meanwhile wait for that one; a roll-up another
   * instance is sending makes the delivery retry later.
   */
  private async ensureRollup(plan: SlackPlan, target: SlackTarget, window: { start: string; end: string }): Promise<void> {
    const key = `burst#${plan.team}#${window.start}`;
    const send = () => this.sendRollup(plan, target, window, key);
    await (this.deps.singleFlight ? this.deps.singleFlight(key, send) : send());
  }

  private async sendRollup(plan: SlackPlan, target: SlackTarget, window: { start: string; end: string }, key: string): Promise<void> {
    const meta: DeliveryMeta = { key, findingId: `burst:${plan.team}`, version: 0, channel: plan.channel, kind: 'BURST', team: plan.team };
    const claim = await this.deps.state.claim(meta, this.now);
    if (claim.kind === 'done') return;
    if (claim.kind === 'busy') throw new DeliveryError(`the roll-up for ${plan.team} is being sent by another invocation`, 'burst-rollup-in-progress', true);
    const message = burstRollup({ team: plan.team, threshold: this.burstOptions.threshold, windowStart: window.start, windowEnd: window.end, teamUrl: this.deps.links.team(plan.team) });
    try {
      await withRetry(() => this.deps.slack.post(target, checked(message)), this.policy, this.runtime(plan.channel));
    } catch (error) {
      const failure = asDeliveryError(error);
      const outcome = await this.failed(meta, claim.attempt, failure, message);
      // A dead-lettered roll-up is recorded; the rolled-up finding is still listed in the digest.
      if (!outcome) throw failure;
      return;
    }
    await this.recordSent(meta, { result: 'sent', as: 'message' });
  }

  /**
   * Records a delivery that went out. What was sent must not be sent again, so a failure
   * to record it is retried here and never reaches `failed` (which releases the claim for
   * another try, that is, another message). Should the ledger stay unwritable, the claim
   * keeps the delivery to itself until its lease ends, and the loss of the record is
   * reported instead of thrown.
   */
  private async recordSent(meta: DeliveryMeta, record: LedgerRecord): Promise<void> {
    try {
      await withRetry(() => this.deps.state.complete(meta, record, this.now), LEDGER_RETRY, this.runtime(`ledger ${meta.channel}`));
    } catch (error) {
      this.deps.onUnrecorded?.(meta.channel, meta.key, asDeliveryError(error).message.slice(0, 300));
    }
  }

  private alsoNotifyFor(team: string): string[] {
    const f = this.event.finding;
    return [f.team, ...this.extras.alsoNotify].filter((t) => t !== team);
  }

  /** Dead-letters a delivery that cannot succeed or has been tried enough; otherwise releases it for a retry. */
  private async failed(meta: DeliveryMeta, attempt: number, failure: DeliveryError, payload: unknown): Promise<DeliveryOutcome | undefined> {
    const max = this.deps.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    if (failure.retryable && attempt < max) {
      await this.deps.state.release(meta, `${failure.reason}: ${failure.message}`.slice(0, 500));
      this.retry.push(`${meta.channel}: ${failure.reason}`);
      return undefined;
    }
    const reason = failure.retryable ? `retries-exhausted: ${failure.reason}` : failure.reason;
    await this.deps.state.deadLetter({ ...meta, reason, detail: failure.message.slice(0, 1000), attempts: Math.min(attempt, max), at: this.now.toISOString(), payload: payload ?? null });
    return { channel: meta.channel, ...(meta.team ? { team: meta.team } : {}), result: 'dead-lettered', reason };
  }
}

/** Refuses a message Slack would reject, by name, before it is sent. */
function checked(message: SlackMessage): SlackMessage {
  const problems = slackLimitProblems(message);
  if (problems.length) throw new DeliveryError(problems.join('; '), 'slack-message-too-large', false);
  return message;
}
