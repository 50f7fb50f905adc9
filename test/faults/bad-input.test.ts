import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_QUARANTINE_BODY_BYTES } from '../../functions/shared/adapters/dynamodb-finding-store.js';
import { loadDirectoryFile } from '../../functions/shared/adapters/config-file.js';
import { accountIngest, report, type IngestOutcome } from '../support/faults/accounting.js';
import { MUTATION_KINDS, mutateCorpus, type MutatedEvent, type MutationKind } from '../support/faults/mutations.js';
import { corpusStream, ORG_FILE, Pipeline } from '../support/faults/pipeline.js';
import { ingestQueueSettings, SqsEventSource, type Invocation } from '../support/faults/sqs-event-source.js';

const pipeline = new Pipeline();
const QUARANTINE_REASONS = ['not-json', 'not-an-event', 'unknown-event-type', 'invalid-detail', 'oversized', 'account-not-in-organization', 'timestamp-out-of-range'];

/** What each kind of mutation may end as; `good` and the field mutations are judged by outcome (a valid event is stored). */
const ALLOWED: Record<MutationKind, RegExp> = {
  good: /^(stored|ignored: .*)$/,
  'field-removed': /^(stored|ignored: .*|quarantined: (not-an-event|invalid-detail|unknown-event-type|timestamp-out-of-range|account-not-in-organization))$/,
  'wrong-type': /^(stored|ignored: .*|quarantined: (not-an-event|invalid-detail|unknown-event-type|timestamp-out-of-range|account-not-in-organization))$/,
  'truncated-json': /^quarantined: not-json$/,
  oversized: /^(quarantined: oversized|dead-lettered)$/,
  'unknown-detail-type': /^quarantined: unknown-event-type$/,
  'account-outside-organization': /^(quarantined: account-not-in-organization|ignored: .*)$/,
  'timestamp-far-past': /^(quarantined: timestamp-out-of-range|ignored: .*)$/,
  'timestamp-far-future': /^(quarantined: timestamp-out-of-range|ignored: .*)$/,
};

function label(outcome: IngestOutcome): string {
  if (outcome.kind === 'quarantined' || outcome.kind === 'dead-lettered') return outcome.kind === 'quarantined' ? `quarantined: ${outcome.reason}` : 'dead-lettered';
  if (outcome.kind === 'ignored') return `ignored: ${outcome.reason}`;
  return outcome.kind;
}

describe('bad input: mutated corpus events through the ingest handler', () => {
  beforeAll(async () => {
    await pipeline.start();
  });
  afterAll(async () => {
    await pipeline.stop();
  });

  it('no batch fails beyond its bad records; every bad record is quarantined with a reason that names the problem; every good record is stored', async () => {
    // Prepare: the corpus once as it is, to know which events are good (stored or ignored)
    const { maxReceiveCount } = ingestQueueSettings();
    const handlers = await pipeline.ingestHandlers(4);
    const baseline = new SqsEventSource({ handlers, batchSize: 25, maxReceiveCount });
    const corpus = corpusStream();
    const baseMessages = corpus.map(({ event }) => {
      const body = JSON.stringify(event);
      return { messageId: baseline.send(body), body };
    });
    await baseline.drain();
    const baseAccounting = accountIngest(baseMessages, await pipeline.findingsItems(), baseline.deadLetters);
    const baseOutcome = new Map(corpus.map((c, i) => [c.origin, baseAccounting.outcomes.get(baseMessages[i]!.messageId)!]));
    const goodBases = corpus.filter((c) => ['stored', 'ignored'].includes(baseOutcome.get(c.origin)!.kind));
    const organization = (await (await loadDirectoryFile(ORG_FILE)).listAccounts()).map((a) => a.id);
    const findingBases = goodBases.filter((c) => baseOutcome.get(c.origin)!.kind === 'stored');
    const mutated = mutateCorpus(goodBases, { count: 12_600, seed: 20261122, organizationAccounts: organization, findingBases });
    // Act: SQS batches of 10 and 25, four execution environments
    const invocations: Invocation[] = [];
    const queue = new SqsEventSource({ handlers, batchSize: [10, 25], maxReceiveCount, onInvocation: (i) => invocations.push(i) });
    const byId = new Map<string, MutatedEvent>();
    const messages = mutated.map((m) => {
      const messageId = queue.send(m.body);
      byId.set(messageId, m);
      return { messageId, body: m.body };
    });
    const started = Date.now();
    await queue.drain();
    const elapsedMs = Date.now() - started;
    const accounting = accountIngest(messages, await pipeline.findingsItems(), queue.deadLetters);
    // Tally: mutation kind × outcome
    const table: Record<string, Record<string, number>> = {};
    const unexpected: string[] = [];
    const unnamed: string[] = [];
    for (const { messageId, body } of messages) {
      const m = byId.get(messageId)!;
      const outcome = accounting.outcomes.get(messageId)!;
      const text = label(outcome);
      const row = (table[m.kind] ??= {});
      const column = outcome.kind === 'ignored' ? 'ignored' : text;
      row[column] = (row[column] ?? 0) + 1;
      if (!ALLOWED[m.kind].test(text)) unexpected.push(`${m.kind} of ${m.base}${m.path ? ` at ${m.path}` : ''}: ${outcome.kind === 'lost' ? `lost (${outcome.why})` : text}`);
      if (m.kind === 'good' && outcome.kind !== baseOutcome.get(m.base)!.kind) unexpected.push(`good ${m.base}: ${text}, alone it was ${baseOutcome.get(m.base)!.kind}`);
      if (outcome.kind === 'quarantined') {
        const item = outcome.item;
        // The quarantine item keeps the body exactly as received and says what is wrong with it.
        if (item.body !== body) unexpected.push(`${m.kind} of ${m.base}: quarantined body differs from the message`);
        if (!QUARANTINE_REASONS.includes(outcome.reason) || typeof item.detail !== 'string' || item.detail.length < 10) unexpected.push(`${m.kind} of ${m.base}: reason ${outcome.reason}, detail ${String(item.detail)}`);
        // A field removed or retyped is named in the detail (or the object holding it is).
        if (m.path && ['invalid-detail', 'not-an-event'].includes(outcome.reason)) {
          const named = String(item.detail).split('; ').map((problem) => problem.slice(0, problem.indexOf(':')));
          if (!named.some((p) => m.path === p || m.path!.startsWith(`${p}.`) || p.startsWith(`${m.path}.`) || (p === '' && m.path === ''))) unnamed.push(`${m.kind} at ${m.path} of ${m.base}: ${String(item.detail)}`);
        }
      }
    }
    const tooLarge = new Set(messages.filter((m) => Buffer.byteLength(m.body) > MAX_QUARANTINE_BODY_BYTES).map((m) => m.messageId));
    const failedBeyondBad = invocations.flatMap((i) => i.failed.filter((id) => !tooLarge.has(id)));
    const sizes = [...new Set(invocations.map((i) => i.messageIds.length))].sort((a, b) => a - b);
    report('bad-input', {
      events: messages.length,
      mutated: messages.length - (table.good ? Object.values(table.good).reduce((a, b) => a + b, 0) : 0),
      elapsedMs,
      eventsPerSecond: Math.round((messages.length / elapsedMs) * 1000),
      invocations: invocations.length,
      batchSizes: sizes,
      invocationsThatThrew: invocations.filter((i) => i.threw).length,
      recordsFailedInBatches: invocations.reduce((n, i) => n + i.failed.length, 0),
      deadLettered: queue.deadLetters.length,
      totals: accounting.totals,
      byKind: Object.fromEntries(MUTATION_KINDS.map((k) => [k, table[k] ?? {}])),
      byReason: accounting.byReason,
      unexpected,
      unnamed,
    });
    // Assess: nothing lost, nothing failed its batch but what cannot be quarantined whole
    expect(messages.length - (Object.values(table.good ?? {}).reduce((a, b) => a + b, 0))).toBeGreaterThanOrEqual(10_000);
    expect(sizes).toEqual(expect.arrayContaining([10, 25]));
    // An invocation throws only when every record of it failed (Powertools' full batch failure): redeliveries of bodies too large to quarantine.
    expect(invocations.filter((i) => i.threw && i.messageIds.some((id) => !tooLarge.has(id)))).toEqual([]);
    expect(failedBeyondBad).toEqual([]);
    expect(new Set(queue.deadLetters.map((d) => d.messageId))).toEqual(tooLarge);
    expect(queue.deadLetters.every((d) => d.receiveCount === maxReceiveCount)).toBe(true);
    expect(accounting.totals.lost).toBe(0);
    expect(accounting.quarantinedTwice).toEqual([]);
    expect(unexpected).toEqual([]);
    expect(unnamed).toEqual([]);
    for (const kind of MUTATION_KINDS) expect(table[kind], kind).toBeDefined();
    expect(accounting.totals.stored).toBeGreaterThan(1_000);
    expect(accounting.totals.quarantined).toBeGreaterThan(5_000);
    expect(table['account-outside-organization']?.['quarantined: account-not-in-organization']).toBeGreaterThan(300);
    expect(table['timestamp-far-future']?.['quarantined: timestamp-out-of-range']).toBeGreaterThan(300);
  });
});
