import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { accountIngest, accountNotifications, report } from '../support/faults/accounting.js';
import { dynamoFaults } from '../support/faults/dynamodb-faults.js';
import { corpusStream, Pipeline } from '../support/faults/pipeline.js';
import { ingestQueueSettings, SqsEventSource } from '../support/faults/sqs-event-source.js';

// The handlers' own DynamoDB client, with the fault middleware on its stack.
vi.mock('../../functions/shared/adapters/dynamodb-client.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../functions/shared/adapters/dynamodb-client.js')>();
  const { dynamoFaults: faults } = await import('../support/faults/dynamodb-faults.js');
  return { createDocumentClient: (endpoint?: string) => faults.attach(original.createDocumentClient(endpoint)) };
});

const pipeline = new Pipeline();

describe('faults: DynamoDB throttling during ingest', () => {
  beforeAll(async () => {
    await pipeline.start();
  });
  afterAll(async () => {
    dynamoFaults.off();
    await pipeline.stop();
  });

  it('SDK retries and SQS redelivery end with every event stored, ignored or quarantined: none lost, none twice', async () => {
    // Prepare: four execution environments; a fifth of DynamoDB requests throttled, on a seeded random
    const { maxReceiveCount, batchSize } = ingestQueueSettings();
    const handlers = await pipeline.ingestHandlers(4);
    const queue = new SqsEventSource({ handlers, batchSize, maxReceiveCount, visibilityDelayMs: 20 });
    const messages = corpusStream().map(({ event }) => {
      const body = JSON.stringify(event);
      return { messageId: queue.send(body), body };
    });
    dynamoFaults.resetCounts();
    dynamoFaults.throttle(0.2, 20261121);
    // Act
    const started = Date.now();
    await queue.drain();
    const elapsedMs = Date.now() - started;
    dynamoFaults.off();
    const faults = structuredClone(dynamoFaults.counts);
    const accounting = accountIngest(messages, await pipeline.findingsItems(), queue.deadLetters);
    // and the transitions they made reach Slack and SNS once each (no faults on the notifier)
    const notifier = await pipeline.notifierHandler();
    const fed = await pipeline.notifyAll(notifier);
    const notices = accountNotifications(fed.records, await pipeline.notificationItems(), pipeline.notifications.aws.publishes().map((p) => p.message), pipeline.notifications.slack.messages().length);
    report('dynamodb-throttling', { notifier: { invocations: fed.invocations, onFailure: fed.onFailure.length }, elapsedMs, faults, queue: queue.stats, ingest: accounting.totals, byReason: accounting.byReason, notifications: notices });
    // Assess
    const injected = Object.values(faults.injected).reduce((a, b) => a + b, 0);
    expect(injected).toBeGreaterThan(50);
    expect(faults.injected.TransactionCanceledException ?? 0, 'transactions cancelled for throttling, which the SDK does not retry').toBeGreaterThan(0);
    expect(queue.stats.redelivered, 'records SQS had to deliver again').toBeGreaterThan(0);
    expect(queue.deadLetters).toEqual([]);
    expect([...accounting.outcomes].filter(([, o]) => o.kind === 'lost')).toEqual([]);
    expect(accounting.quarantinedTwice).toEqual([]);
    expect(accounting.totals.stored).toBeGreaterThan(60);
    expect(accounting.totals.stored + accounting.totals.ignored + accounting.totals.quarantined).toBe(messages.length);
    expect(fed.onFailure).toEqual([]);
    expect(notices).toMatchObject({ missing: [], pending: [], duplicateSns: [], extraSlackMessages: 0 });
    expect(notices.transitions).toBeGreaterThan(40);
  });
});
