import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalQueue } from '../../cli/local/queues.js';
import { rng } from '../support/findings-generator.js';
import { accountIngest, accountNotifications, report } from '../support/faults/accounting.js';
import { corpusStream, Pipeline } from '../support/faults/pipeline.js';
import { ingestQueueSettings } from '../support/faults/sqs-event-source.js';

const pipeline = new Pipeline();
const TICK_MS = 500;
const STEADY_PER_TICK = 50;
const BURST_PER_TICK = 10 * STEADY_PER_TICK;

type Event = Record<string, unknown> & { id: string; source: string; detail: Record<string, unknown> };

/** A corpus event about another resource (a new finding), as a larger organization sends them. */
function variant(base: Event, n: number): Event {
  const event = structuredClone(base);
  event.id = `${event.id}-burst-${n}`;
  const detail = event.detail as Record<string, unknown> & { findings?: Array<Record<string, unknown>> };
  if (event.source === 'aws.guardduty') detail.id = `${String(detail.id)}-${n}`;
  else if (event.source === 'aws.config') detail.resourceId = `${String(detail.resourceId)}-${n}`;
  else if (event.source === 'aws.securityhub' && detail.findings?.[0]) detail.findings[0].Id = `${String(detail.findings[0].Id)}-${n}`;
  return event;
}

describe('load: a burst at ten times the steady rate through the local queue', () => {
  beforeAll(async () => {
    await pipeline.start();
  });
  afterAll(async () => {
    await pipeline.stop();
  });

  it('processes every event of the burst, none lost, each transition notified at most once per channel', async () => {
    // Prepare: the ingest queue as npm start runs it (template's redrive policy and batch size)
    const { maxReceiveCount, batchSize } = ingestQueueSettings();
    const queue = new LocalQueue('IngestQueue', { maxReceiveCount, visibilityDelayMs: 50, region: 'us-east-1', accountId: '123456789012' });
    queue.subscribe({ handler: await pipeline.ingestHandler(), batchSize, reportBatchItemFailures: true, functionName: 'IngestFunction' });
    const corpus = corpusStream().map((c) => c.event as Event);
    const findingEvents = corpus.filter((e) => ['aws.guardduty', 'aws.config', 'aws.securityhub'].includes(e.source));
    const random = rng(20261123);
    let n = 0;
    const next = () => (random.next() < 0.7 ? variant(random.pick(findingEvents), n++) : random.pick(corpus));
    const ticks = [...Array<number>(6).fill(STEADY_PER_TICK), BURST_PER_TICK, ...Array<number>(6).fill(STEADY_PER_TICK)];
    const messages: Array<{ messageId: string; body: string }> = [];
    const backlog: number[] = [];
    const pending = () => messages.length - queue.delivered - queue.deadLetters.length;
    // Act
    const started = Date.now();
    let burstAt = 0;
    let burstDrainedMs: number | undefined;
    for (const count of ticks) {
      for (let k = 0; k < count; k++) {
        const body = JSON.stringify(next());
        messages.push({ messageId: queue.send(body), body });
      }
      if (count === BURST_PER_TICK) burstAt = Date.now();
      for (let waited = 0; waited < TICK_MS; waited += 25) {
        await new Promise((r) => setTimeout(r, 25));
        if (burstAt && burstDrainedMs === undefined && pending() <= STEADY_PER_TICK) burstDrainedMs = Date.now() - burstAt;
      }
      backlog.push(pending());
    }
    while (!queue.idle) await new Promise((r) => setTimeout(r, 25));
    const elapsedMs = Date.now() - started;
    const accounting = accountIngest(messages, await pipeline.findingsItems(), queue.deadLetters);
    const notifyStarted = Date.now();
    const fed = await pipeline.notifyAll(await pipeline.notifierHandler());
    const notices = accountNotifications(fed.records, await pipeline.notificationItems(), pipeline.notifications.aws.publishes().map((p) => p.message), pipeline.notifications.slack.messages().length);
    report('burst', {
      steadyPerSecond: (STEADY_PER_TICK * 1000) / TICK_MS,
      burstEvents: BURST_PER_TICK,
      events: messages.length,
      elapsedMs,
      eventsPerSecond: Math.round((messages.length / elapsedMs) * 1000),
      backlogAfterEachTick: backlog.join(' '),
      burstBacklogBackToSteadyMs: burstDrainedMs ?? null,
      ingest: accounting.totals,
      byReason: accounting.byReason,
      notifierMs: Date.now() - notifyStarted,
      notifications: notices,
    });
    // Assess
    expect(queue.deadLetters).toEqual([]);
    expect(queue.delivered).toBe(messages.length);
    expect(accounting.totals.lost).toBe(0);
    expect(accounting.totals.stored).toBeGreaterThan(400);
    expect(Math.max(...backlog)).toBeGreaterThan(STEADY_PER_TICK);
    expect(fed.onFailure).toEqual([]);
    expect(notices).toMatchObject({ missing: [], pending: [], duplicateSns: [], extraSlackMessages: 0 });
    expect(notices.transitions).toBeGreaterThan(300);
    expect(notices.outcomes['slack skipped: rolled-up'], 'the burst is rolled up on Slack, not sent one by one').toBeGreaterThan(100);
  });
});
