import { describe, expect, it } from 'vitest';
import { singleFlight } from '../../../functions/shared/core/concurrency.js';
import { DeliveryError } from '../../../functions/shared/core/notify/delivery.js';
import { links } from '../../../functions/shared/core/notify/links.js';
import { notifyTransition, type NotifyDeps } from '../../../functions/shared/core/notify/notify.js';
import { staticRouting } from '../../../functions/shared/core/notify/routing-port.js';
import type { NotifiableFinding, NotificationEvent, TeamSettings } from '../../../functions/shared/core/notify/types.js';
import { event, FakeSlack, FakeSns, finding, MemoryState, team } from '../../support/notify-fakes.js';

const NOW = new Date('2026-01-05T12:00:00.000Z');
const TOPIC = 'arn:aws:sns:eu-west-1:999988887777:findings';

function setup(options: { teams?: TeamSettings[]; staged?: boolean; alsoNotify?: string[]; bot?: boolean; snsFailures?: Error[]; slackFailures?: Error[]; now?: () => Date } = {}) {
  const state = new MemoryState();
  const sns = new FakeSns(options.snsFailures);
  const slack = new FakeSlack(options.slackFailures);
  const sleeps: number[] = [];
  const notified: NotifiableFinding[] = [];
  const deps: NotifyDeps = {
    routing: staticRouting(options.teams ?? [team('payments')], () => ({ staged: options.staged ?? false, alsoNotify: options.alsoNotify ?? [] })),
    state,
    sns,
    topicArn: TOPIC,
    slack,
    slackModes: { bot: options.bot ?? false },
    findings: {
      markNotified: async (f) => {
        notified.push(f);
        return true;
      },
    },
    context: { consoleUrl: async () => 'https://console.aws.amazon.com/guardduty', accountName: async () => 'payments-prod' },
    links: links({ tableName: 'findings', region: 'eu-west-1' }),
    now: options.now ?? (() => NOW),
    sleep: async (ms) => void sleeps.push(ms),
    retry: { attempts: 3, baseMs: 100, maxMs: 1000, maxRetryAfterMs: 30_000 },
    maxAttempts: 3,
    flap: { windowMs: 3_600_000, threshold: 4 },
    burst: { windowMs: 300_000, threshold: 20 },
  };
  return { deps, state, sns, slack, sleeps, notified };
}

const http500 = () => new DeliveryError('Slack webhook of team payments: HTTP 500 internal_error', 'slack-internal_error', true);
const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottledException' });

describe('notify: one message per transition and channel', () => {
  it('an OPENED finding goes to the topic and the owner’s channel, then becomes NOTIFIED', async () => {
    // Prepare
    const { deps, sns, slack, notified, state } = setup();
    // Act
    const result = await notifyTransition(event('OPENED'), deps);
    // Assess
    expect(result.outcomes).toEqual([
      { channel: 'sns', result: 'sent', as: 'message', ref: 'm-1' },
      { channel: 'slack:payments', team: 'payments', result: 'sent', as: 'message' },
    ]);
    expect(sns.published).toHaveLength(1);
    expect(slack.posts.map((p) => p.target)).toEqual([{ mode: 'webhook', team: 'payments', channel: '#sec-payments', secretName: 'vigil/slack/payments' }]);
    expect(notified.map((f) => f.id)).toEqual([finding().id]);
    expect(result.markedNotified).toBe(true);
    expect(Object.keys(state.records())).toEqual([`${finding().id}#1#sns`, `${finding().id}#1#slack:payments`]);
  });

  it('a replay of the same transition sends nothing (idempotency key: finding, version, channel)', async () => {
    const { deps, sns, slack } = setup();
    await notifyTransition(event('OPENED'), deps);
    // Act
    const again = await notifyTransition(event('OPENED'), deps);
    // Assess
    expect(again.outcomes.map((o) => o.result === 'skipped' && o.reason)).toEqual(['duplicate', 'duplicate']);
    expect(sns.calls).toBe(1);
    expect(slack.calls).toBe(1);
  });

  it('staging records what would have been sent and sends nothing', async () => {
    const { deps, sns, slack, state, notified } = setup({ staged: true });
    const result = await notifyTransition(event('OPENED'), deps);
    expect(result.outcomes.map((o) => o.result === 'skipped' && o.reason)).toEqual(['staged', 'staged']);
    expect(sns.calls + slack.calls).toBe(0);
    const records = Object.values(state.records()) as Array<{ reason: string; wouldHaveSent: { TopicArn?: string; blocks?: unknown[] } }>;
    expect(records[0]!.wouldHaveSent.TopicArn).toBe(TOPIC);
    expect(records[1]!.wouldHaveSent.blocks?.length).toBeGreaterThan(0);
    expect(notified).toEqual([]);
  });

  it('skips are recorded with their reason, once', async () => {
    const { deps, state } = setup({ teams: [team('payments', { minSeverity: 'CRITICAL' })] });
    await notifyTransition(event('OPENED'), deps);
    expect(state.records()[`${finding().id}#1#slack:payments`]).toEqual({ result: 'skipped', reason: 'below-min-severity' });
  });
});

describe('notify: noise control', () => {
  it('flapping: four changes one by one, then one summary, then silence — on Slack; the topic gets all', async () => {
    const { deps, sns, slack } = setup();
    const kinds = ['OPENED', 'RESOLVED', 'REOPENED', 'RESOLVED', 'REOPENED', 'RESOLVED', 'REOPENED'] as const;
    // Act
    for (const [i, kind] of kinds.entries()) {
      const at = new Date(Date.parse('2026-01-05T09:00:00.000Z') + i * 5 * 60_000).toISOString();
      const status = kind === 'RESOLVED' ? 'RESOLVED' : 'OPEN';
      await notifyTransition({ kind, at, finding: finding({ version: i + 1, status, transition: kind, transitionAt: at }) }, deps);
    }
    // Assess
    expect(sns.published).toHaveLength(7);
    expect(slack.posts.map((p) => p.message.text.split(':')[0])).toEqual(['HIGH · New finding', 'HIGH · Resolved', 'HIGH · Reopened', 'HIGH · Resolved', 'Flapping']);
    expect(JSON.stringify(slack.posts[4]!.message.blocks)).toContain('Opened and resolved 5 times in the last 1 h');
  });

  it('a burst of findings for one team: twenty messages, then one roll-up with a link, nothing lost', async () => {
    const { deps, slack, state } = setup();
    // Act: 60 new findings within one window
    for (let i = 0; i < 60; i++) await notifyTransition(event('OPENED', { id: i.toString(16).padStart(32, 'a') }), deps);
    // Assess
    expect(slack.posts).toHaveLength(21);
    expect(slack.posts[20]!.message.text).toBe('Burst: more than 20 findings for payments');
    expect(JSON.stringify(slack.posts[20]!.message.blocks)).toContain('index=byTeam&pk=T%23payments');
    const slackRecords = Object.entries(state.records()).filter(([k]) => k.includes('#slack:'));
    expect(slackRecords.filter(([, r]) => r !== 'PENDING' && r.result === 'sent')).toHaveLength(20);
    expect(slackRecords.filter(([, r]) => r !== 'PENDING' && r.result === 'skipped' && r.reason === 'rolled-up')).toHaveLength(40);
    // The next window starts afresh.
    deps.now = () => new Date(NOW.getTime() + 300_000);
    await notifyTransition(event('OPENED', { id: 'f'.repeat(32) }), deps);
    expect(slack.posts).toHaveLength(22);
  });

  it('a burst reached by many transitions at once (one process): one roll-up, and none of them left to retry', async () => {
    // Prepare: Slack takes a few milliseconds per post, so the rolled-up transitions reach the roll-up while it is being sent
    const { deps, slack, state } = setup();
    deps.singleFlight = singleFlight();
    const post = slack.post.bind(slack);
    slack.post = async (...args) => {
      await new Promise((r) => setTimeout(r, 5));
      return post(...args);
    };
    // Act
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => notifyTransition(event('OPENED', { id: i.toString(16).padStart(32, 'a') }), deps)));
    // Assess
    expect(results.flatMap((r) => r.retry)).toEqual([]);
    expect(slack.posts).toHaveLength(21);
    expect(slack.posts.filter((p) => p.message.text === 'Burst: more than 20 findings for payments')).toHaveLength(1);
    const slackRecords = Object.entries(state.records()).filter(([k]) => k.includes('#slack:'));
    expect(slackRecords.filter(([, r]) => r !== 'PENDING' && r.result === 'skipped' && r.reason === 'rolled-up')).toHaveLength(20);
  });

  it('alsoNotify teams each get their own message; one failing does not hold back the others', async () => {
    const { deps, slack } = setup({ teams: [team('payments'), team('security')], alsoNotify: ['security'] });
    const result = await notifyTransition(event('OPENED'), deps);
    expect(result.outcomes.map((o) => `${o.channel}:${o.result}`)).toEqual(['sns:sent', 'slack:payments:sent', 'slack:security:sent']);
    expect(JSON.stringify(slack.posts[1]!.message.blocks)).toContain('also told: payments');
  });
});

describe('notify: retries and dead letters', () => {
  it('a transient Slack failure is retried with backoff and delivered once', async () => {
    const { deps, slack, sleeps } = setup({ slackFailures: [http500(), http500()] });
    const result = await notifyTransition(event('OPENED'), deps);
    expect(result.outcomes[1]).toMatchObject({ result: 'sent' });
    expect(slack.posts).toHaveLength(1);
    expect(sleeps).toHaveLength(2);
    expect(sleeps[1]).toBeGreaterThan(sleeps[0]! / 2);
  });

  it('Slack’s Retry-After is honoured', async () => {
    const { deps, sleeps } = setup({ slackFailures: [new DeliveryError('HTTP 429', 'slack-rate-limited', true, 7000)] });
    await notifyTransition(event('OPENED'), deps);
    expect(sleeps).toEqual([7000]);
  });

  it('SNS throttling is retried', async () => {
    const { SnsPublisher } = await import('../../../functions/shared/adapters/notify/sns-publisher.js');
    const failures = [throttled(), Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } })];
    let calls = 0;
    const client = { send: async () => (calls++ < failures.length ? Promise.reject(failures[calls - 1]) : { MessageId: 'ok' }) };
    const { deps } = setup();
    deps.sns = new SnsPublisher(client as never);
    const result = await notifyTransition(event('OPENED'), deps);
    expect(result.outcomes[0]).toEqual({ channel: 'sns', result: 'sent', as: 'message', ref: 'ok' });
    expect(calls).toBe(3);
  });

  it('a failure that persists is retried by later invocations, then dead-lettered with its reason', async () => {
    const { deps, state, sns } = setup({ slackFailures: Array.from({ length: 9 }, http500) });
    // Act: three invocations (maxAttempts 3), three tries each
    const first = await notifyTransition(event('OPENED'), deps);
    const second = await notifyTransition(event('OPENED'), deps);
    const third = await notifyTransition(event('OPENED'), deps);
    // Assess
    expect(first.retry).toEqual(['slack:payments: slack-internal_error']);
    expect(second.retry).toHaveLength(1);
    expect(third.retry).toEqual([]);
    expect(third.outcomes[1]).toEqual({ channel: 'slack:payments', team: 'payments', result: 'dead-lettered', reason: 'retries-exhausted: slack-internal_error' });
    expect(state.deadLetters).toHaveLength(1);
    expect(state.deadLetters[0]).toMatchObject({ channel: 'slack:payments', attempts: 3, reason: 'retries-exhausted: slack-internal_error', payload: { text: expect.stringContaining('New finding') } });
    expect(sns.calls).toBe(1); // SNS went out on the first invocation, once
    expect(first.markedNotified).toBe(false);
  });

  it('a permanent failure is dead-lettered at once', async () => {
    const { deps, state } = setup({ slackFailures: [new DeliveryError('Slack webhook of team payments: HTTP 404 no_service', 'slack-no_service', false)] });
    const result = await notifyTransition(event('OPENED'), deps);
    expect(result.retry).toEqual([]);
    expect(result.outcomes[1]).toMatchObject({ result: 'dead-lettered', reason: 'slack-no_service' });
    expect(state.deadLetters[0]!.detail).toBe('Slack webhook of team payments: HTTP 404 no_service');
  });

  it('a delivery another invocation holds is left to a retry', async () => {
    const { deps, state } = setup();
    await state.claim({ key: `${finding().id}#1#sns`, findingId: finding().id, version: 1, channel: 'sns', kind: 'OPENED' }, NOW);
    const result = await notifyTransition(event('OPENED'), deps);
    expect(result.retry).toEqual(['sns: in progress elsewhere']);
  });
});

describe('notify: bot mode', () => {
  it('posts with buttons; a resolution updates the original and replies in its thread', async () => {
    const { deps, slack } = setup({ bot: true, teams: [team('payments', { slack: { channel: '#sec-payments' } })] });
    await notifyTransition(event('OPENED'), deps);
    const resolved: NotificationEvent = { kind: 'RESOLVED', at: '2026-01-06T00:00:00.000Z', finding: finding({ status: 'RESOLVED', transition: 'RESOLVED', transitionAt: '2026-01-06T00:00:00.000Z', version: 3 }), previous: { status: 'NOTIFIED', severity: 'HIGH' } };
    // Act
    const result = await notifyTransition(resolved, deps);
    // Assess
    expect(slack.posts[0]!.message.blocks.some((b) => b.type === 'actions')).toBe(true);
    expect(slack.updates).toHaveLength(1);
    expect(slack.updates[0]!.ref).toEqual({ channel: '#sec-payments', ts: '1700000000.000001' });
    expect(slack.updates[0]!.message.blocks.some((b) => b.type === 'actions')).toBe(false);
    expect(slack.posts[1]).toMatchObject({ threadTs: '1700000000.000001' });
    expect(result.outcomes[1]).toMatchObject({ result: 'sent', as: 'thread-reply' });
  });

  it('a team without a webhook and no bot token: dead-lettered, named', async () => {
    const { deps } = setup({ teams: [team('payments', { slack: { channel: '#sec-payments' } })] });
    const result = await notifyTransition(event('OPENED'), deps);
    expect(result.outcomes[1]).toMatchObject({ result: 'dead-lettered', reason: 'slack-no-delivery' });
  });
});

describe('notify: a delivery that went out is never sent again', () => {
  /** A ledger whose `complete` fails the first `failures` times (DynamoDB throttling outlasting the SDK's retries). */
  function failingComplete(state: MemoryState, failures: number) {
    let left = failures;
    const complete = state.complete.bind(state);
    state.complete = async (meta, record) => {
      if (left-- > 0) throw Object.assign(new Error('Throughput exceeds the current capacity'), { name: 'ProvisionedThroughputExceededException' });
      return complete(meta, record);
    };
  }

  it('retries recording it, and records it once the ledger answers', async () => {
    const { deps, state, sns, slack } = setup();
    failingComplete(state, 2);
    const result = await notifyTransition(event('OPENED'), deps);
    expect(result.outcomes.map((o) => `${o.channel}:${o.result}`)).toEqual(['sns:sent', 'slack:payments:sent']);
    expect(result.retry).toEqual([]);
    expect(sns.calls + slack.calls).toBe(2);
    expect([...state.ledger.values()].map((e) => e.status)).toEqual(['DONE', 'DONE']);
  });

  it('reports a record it could not write, without a second message, now or when the stream record comes again', async () => {
    const { deps, state, sns, slack } = setup();
    failingComplete(state, 1_000);
    const unrecorded: string[] = [];
    deps.onUnrecorded = (channel, key) => unrecorded.push(`${channel} ${key}`);
    const first = await notifyTransition(event('OPENED'), deps);
    expect(first.outcomes.map((o) => `${o.channel}:${o.result}`)).toEqual(['sns:sent', 'slack:payments:sent']);
    expect(first.retry).toEqual([]);
    expect(unrecorded).toEqual([`sns ${finding().id}#1#sns`, `slack:payments ${finding().id}#1#slack:payments`]);
    // The claim holds the delivery until its lease ends: a redelivered record sends nothing.
    const again = await notifyTransition(event('OPENED'), deps);
    expect(again.outcomes).toEqual([]);
    expect(sns.calls).toBe(1);
    expect(slack.calls).toBe(1);
  });
});
