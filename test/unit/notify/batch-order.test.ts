import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { BatchOrder, HeldBackError } from '../../../functions/notifier/batch-order.js';

let sequence = 0;
/** A stream record of finding `finding`'s item (as Lambda delivers it: keys, sequence number). */
function record(finding: string, sk = 'F'): DynamoDBRecord {
  return { eventName: 'MODIFY', dynamodb: { Keys: { pk: { S: `F#${finding}` }, sk: { S: sk } }, SequenceNumber: String(++sequence) } };
}

/** A task that runs until released, logging when it starts and ends. */
function gate(log: string[], name: string) {
  let release!: () => void;
  let fail!: (error: Error) => void;
  const done = new Promise<void>((ok, ko) => ((release = ok), (fail = ko)));
  return {
    task: async () => {
      log.push(`${name} start`);
      try {
        await done;
      } finally {
        log.push(`${name} end`);
      }
    },
    release: () => release(),
    fail: () => fail(new Error(`${name} failed`)),
  };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('notifier: the order of a batch’s records', () => {
  it('runs different findings at once, and one finding’s records one after another, in the batch’s order', async () => {
    // Prepare
    const order = new BatchOrder(10);
    const log: string[] = [];
    const [a1, b1, a2] = [gate(log, 'a1'), gate(log, 'b1'), gate(log, 'a2')];
    // Act
    const runs = [order.run(record('a'), a1.task), order.run(record('b'), b1.task), order.run(record('a'), a2.task)];
    await settle();
    // Assess: a1 and b1 started; a2 waits for a1, whatever b1 does
    expect(log).toEqual(['a1 start', 'b1 start']);
    b1.release();
    await settle();
    expect(log).toEqual(['a1 start', 'b1 start', 'b1 end']);
    a1.release();
    await settle();
    expect(log).toEqual(['a1 start', 'b1 start', 'b1 end', 'a1 end', 'a2 start']);
    a2.release();
    await Promise.all(runs);
  });

  it('holds back the later records of a finding whose record failed, not other findings’ records', async () => {
    // Prepare
    const order = new BatchOrder(10);
    const log: string[] = [];
    const [a1, a2, a3, b1] = [gate(log, 'a1'), gate(log, 'a2'), gate(log, 'a3'), gate(log, 'b1')];
    // Act
    const runs = [order.run(record('a'), a1.task), order.run(record('a', 'H#1'), a2.task), order.run(record('b'), b1.task), order.run(record('a'), a3.task)].map((run) =>
      run.then(
        () => 'ok',
        (error: Error) => (error instanceof HeldBackError ? 'held back' : error.message),
      ),
    );
    a1.fail();
    b1.release();
    // Assess: a2 is held back behind a1, a3 behind a2; b1 ran; neither a2 nor a3 ever started
    expect(await Promise.all(runs)).toEqual(['a1 failed', 'held back', 'ok', 'held back']);
    expect(log).toEqual(['a1 start', 'b1 start', 'a1 end', 'b1 end']);
  });

  it('processes at most `concurrency` records at once; the others start as slots free up, in the batch’s order', async () => {
    // Prepare
    const order = new BatchOrder(2);
    const log: string[] = [];
    const gates = ['a', 'b', 'c', 'd'].map((f) => gate(log, f));
    // Act
    const runs = gates.map((g, i) => order.run(record(String(i)), g.task));
    await settle();
    // Assess
    expect(log).toEqual(['a start', 'b start']);
    gates[1]!.release();
    await settle();
    expect(log).toEqual(['a start', 'b start', 'b end', 'c start']);
    gates[0]!.release();
    gates[2]!.release();
    gates[3]!.release();
    await Promise.all(runs);
    expect(log.filter((l) => l.endsWith('start'))).toEqual(['a start', 'b start', 'c start', 'd start']);
  });

  it('a held-back record does not take a slot', async () => {
    // Prepare: one slot; a's first record fails, so its second is held back without running
    const order = new BatchOrder(1);
    const log: string[] = [];
    const [a1, a2, b1] = [gate(log, 'a1'), gate(log, 'a2'), gate(log, 'b1')];
    // Act
    const runs = [order.run(record('a'), a1.task), order.run(record('a'), a2.task), order.run(record('b'), b1.task)].map((run) => run.catch((error: Error) => error.name));
    await settle();
    a1.fail();
    await settle();
    b1.release();
    // Assess
    expect(await Promise.all(runs)).toEqual(['Error', 'HeldBackError', undefined]);
    expect(log).toEqual(['a1 start', 'a1 end', 'b1 start', 'b1 end']);
  });
});
