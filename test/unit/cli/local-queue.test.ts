import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { LocalQueue } from '../../../cli/local/queues.js';
import { byPartitionKey } from '../../../cli/local/notifications.js';
import { toLambdaRecord } from '../../../cli/local/table-stream.js';

const until = async (condition: () => boolean, ms = 5_000) => {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('the local queue delivers as SQS and Lambda do', () => {
  it('runs one batch at a time, as one execution environment does', async () => {
    const queue = new LocalQueue('q', { maxReceiveCount: 3, visibilityDelayMs: 10, region: 'us-east-1', accountId: '000000000000' });
    let running = 0;
    let most = 0;
    const seen: string[] = [];
    queue.subscribe({
      batchSize: 10,
      reportBatchItemFailures: true,
      functionName: 'f',
      handler: async (event: SQSEvent) => {
        running++;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, 5));
        seen.push(...event.Records.map((r) => r.body));
        running--;
        return { batchItemFailures: [] };
      },
    });
    for (let i = 0; i < 60; i++) {
      queue.send(`m${i}`);
      if (i % 7 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    await until(() => queue.idle && seen.length === 60);
    expect(most).toBe(1);
    expect(new Set(seen).size).toBe(60);
    expect(queue.delivered).toBe(60);
  });

  it('keeps a message’s first receive time across redeliveries, and dead-letters it after maxReceiveCount', async () => {
    const queue = new LocalQueue('q', { maxReceiveCount: 3, visibilityDelayMs: 5, region: 'us-east-1', accountId: '000000000000' });
    const receives: Array<{ count: string; first: string; sent: string }> = [];
    queue.subscribe({
      batchSize: 10,
      reportBatchItemFailures: true,
      functionName: 'f',
      handler: async (event: SQSEvent) => {
        for (const r of event.Records) receives.push({ count: r.attributes.ApproximateReceiveCount, first: r.attributes.ApproximateFirstReceiveTimestamp, sent: r.attributes.SentTimestamp });
        await new Promise((r) => setTimeout(r, 3));
        return { batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) };
      },
    });
    queue.send('poison');
    await until(() => queue.idle && queue.deadLetters.length === 1);
    expect(receives.map((r) => r.count)).toEqual(['1', '2', '3']);
    expect(new Set(receives.map((r) => r.first)).size).toBe(1);
    expect(new Set(receives.map((r) => r.sent)).size).toBe(1);
    expect(queue.deadLetters[0]).toMatchObject({ body: 'poison', receiveCount: 3, reason: expect.stringContaining('batchItemFailures') });
  });
});

describe('stream records as Lambda receives them', () => {
  it('gives empty maps back their type, at any depth, so the image unmarshalls', () => {
    const record = toLambdaRecord(
      {
        eventID: '1',
        eventName: 'INSERT',
        dynamodb: {
          Keys: { pk: { S: 'DIR' }, sk: { S: 'A#111111111111' } },
          // What the Streams client hands back for {"M":{}} items.
          NewImage: { pk: { S: 'DIR' }, tags: {} as never, nested: { M: { inner: {} as never, list: { L: [{} as never, { S: 'x' }] } } } },
          StreamViewType: 'NEW_AND_OLD_IMAGES',
        },
      },
      'arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/x',
    );
    expect(unmarshall(record.dynamodb!.NewImage as never)).toEqual({ pk: 'DIR', tags: {}, nested: { inner: {}, list: [{}, 'x'] } });
  });
});

describe('a stream split as a ParallelizationFactor splits a shard', () => {
  const record = (pk: string, seq: number) => ({ eventID: `${pk}-${seq}`, dynamodb: { Keys: { pk: { S: pk }, sk: { S: 'F' } }, SequenceNumber: String(seq) } }) as never;

  it('keeps every record of one item in one lane, in stream order, and spreads items over the lanes', () => {
    const records = Array.from({ length: 400 }, (_, i) => record(`F#${i % 40}`, i));
    const lanes = byPartitionKey(records, 4);
    expect(lanes).toHaveLength(4);
    expect(lanes.flat()).toHaveLength(400);
    const laneOf = new Map<string, number>();
    lanes.forEach((lane, n) => {
      let last = -1;
      for (const r of lane as Array<{ dynamodb: { Keys: { pk: { S: string } }; SequenceNumber: string } }>) {
        const pk = r.dynamodb.Keys.pk.S;
        expect(laneOf.get(pk) ?? n).toBe(n);
        laneOf.set(pk, n);
        expect(Number(r.dynamodb.SequenceNumber)).toBeGreaterThan(last);
        last = Number(r.dynamodb.SequenceNumber);
      }
    });
    expect(Math.min(...lanes.map((l) => l.length))).toBeGreaterThan(40);
    expect(byPartitionKey(records, 1)).toEqual([records]);
  });
});
