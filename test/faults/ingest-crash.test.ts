import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SqsHandler } from '../../cli/local/queues.js';
import { normalizeEvent } from '../../functions/shared/core/normalizers/index.js';
import { rng } from '../support/findings-generator.js';
import { accountIngest, accountNotifications, report, type SentMessage } from '../support/faults/accounting.js';
import { dynamoFaults, ProcessKilledError } from '../support/faults/dynamodb-faults.js';
import { corpusStream, Pipeline } from '../support/faults/pipeline.js';
import { ingestQueueSettings, SqsEventSource } from '../support/faults/sqs-event-source.js';

vi.mock('../../functions/shared/adapters/dynamodb-client.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../functions/shared/adapters/dynamodb-client.js')>();
  const { dynamoFaults: faults } = await import('../support/faults/dynamodb-faults.js');
  return { createDocumentClient: (endpoint?: string) => faults.attach(original.createDocumentClient(endpoint)) };
});

const pipeline = new Pipeline();

/**
 * The ingest function killed in the middle of a batch: on its first delivery each batch
 * is allowed a seeded number of writes, then the process dies (no further request, no
 * response to SQS), so SQS delivers the whole batch again.
 */
function crashingOnFirstDelivery(handler: SqsHandler, seed: number): SqsHandler {
  const random = rng(seed);
  return async (event, context) => {
    if (event.Records.some((r) => r.attributes.ApproximateReceiveCount === '1')) dynamoFaults.crashAfterWrites(random.int(12));
    try {
      const response = await handler(event, context);
      if (dynamoFaults.crashed) throw new ProcessKilledError(dynamoFaults.counts.writes);
      return response;
    } finally {
      dynamoFaults.off();
    }
  };
}

/** What a person sees of each finding, and its history as (kind, time) pairs. */
function view(items: Record<string, unknown>[]) {
  const findings = items
    .filter((i) => i.sk === 'F')
    .map(({ id, status, severity, count, firstSeen, lastSeen, team, routedBy, reopenCount }) => ({ id, status, severity, count, firstSeen, lastSeen, team, routedBy, reopenCount }))
    .sort((a, b) => String(a.id).localeCompare(String(b.id)));
  const history = items.filter((i) => String(i.sk).startsWith('H#')).map((i) => `${String(i.pk)} ${String(i.kind)} ${String(i.at)}`).sort();
  return { findings, history };
}

async function ingestAll(handler: SqsHandler): Promise<{ queue: SqsEventSource; messages: SentMessage[] }> {
  const { maxReceiveCount, batchSize } = ingestQueueSettings();
  const queue = new SqsEventSource({ handlers: [handler], batchSize, maxReceiveCount, visibilityDelayMs: 5 });
  const messages = corpusStream().map(({ event }) => {
    const body = JSON.stringify(event);
    return { messageId: queue.send(body), body };
  });
  await queue.drain();
  return { queue, messages };
}

describe('faults: the ingest function crashing in the middle of a batch', () => {
  beforeAll(async () => {
    await pipeline.start();
  });
  afterAll(async () => {
    dynamoFaults.off();
    await pipeline.stop();
  });

  it('redelivered batches store each event once: the same findings as a run without crashes, no duplicate history or notification', async () => {
    // Prepare: a run without faults, in its own tables
    const clean = await ingestAll(await pipeline.ingestHandler());
    const expected = view(await pipeline.findingsItems());
    await pipeline.reset();
    dynamoFaults.resetCounts();
    // Act
    const crashed = await ingestAll(crashingOnFirstDelivery(await pipeline.ingestHandler(), 9));
    const faults = structuredClone(dynamoFaults.counts);
    const items = await pipeline.findingsItems();
    const accounting = accountIngest(crashed.messages, items, crashed.queue.deadLetters);
    const fed = await pipeline.notifyAll(await pipeline.notifierHandler());
    const notices = accountNotifications(fed.records, await pipeline.notificationItems(), pipeline.notifications.aws.publishes().map((p) => p.message), pipeline.notifications.slack.messages().length);
    const actual = view(items);
    report('ingest-crash', {
      crashes: faults.crashes,
      writesBeforeCrashes: faults.writes,
      queue: crashed.queue.stats,
      cleanRunQueue: clean.queue.stats,
      ingest: accounting.totals,
      quarantinedTwice: accounting.quarantinedTwice.length,
      findings: actual.findings.length,
      historyEntries: actual.history.length,
      historyEntriesWithoutCrashes: expected.history.length,
      notifications: notices,
    });
    // Assess
    expect(faults.crashes).toBeGreaterThan(5);
    expect(crashed.queue.stats.redelivered).toBeGreaterThan(50);
    expect(crashed.queue.deadLetters).toEqual([]);
    expect([...accounting.outcomes].filter(([, o]) => o.kind === 'lost')).toEqual([]);
    expect(accounting.totals).toMatchObject({ deadLettered: 0, lost: 0 });
    expect(accounting.quarantinedTwice, 'inputs quarantined again on redelivery').toEqual([]);
    // Counts, statuses and first/last seen as without crashes: no observation was applied twice.
    expect(actual.findings).toEqual(expected.findings);
    // History follows arrival order (redelivered messages arrive later), so it is checked
    // for duplicates rather than compared: at most one opening per finding, and never more entries
    // than the finding had events.
    const eventsPerFinding = new Map<string, number>();
    for (const { event } of corpusStream()) {
      try {
        const result = normalizeEvent(event);
        if (result.kind !== 'findings') continue;
        for (const id of new Set(result.observations.map((o) => o.id))) eventsPerFinding.set(id, (eventsPerFinding.get(id) ?? 0) + 1);
      } catch {
        // quarantined: no history
      }
    }
    for (const { id } of actual.findings) {
      const entries = actual.history.filter((h) => h.startsWith(`F#${String(id)} `));
      expect(entries.filter((h) => h.split(' ')[1] === 'opened').length, `openings of ${String(id)}`).toBeLessThanOrEqual(1);
      expect(entries.length, `history of ${String(id)}`).toBeLessThanOrEqual(eventsPerFinding.get(String(id)) ?? 0);
    }
    expect(Math.abs(actual.history.length - expected.history.length), 'history entries beyond reordering').toBeLessThanOrEqual(crashed.queue.stats.redelivered);
    expect(fed.onFailure).toEqual([]);
    expect(notices).toMatchObject({ missing: [], pending: [], duplicateSns: [], extraSlackMessages: 0 });
    expect(notices.transitions).toBeGreaterThan(40);
  });
});
