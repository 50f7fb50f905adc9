import { randomUUID } from 'node:crypto';
import type { SQSRecord } from 'aws-lambda';
import { lambdaContext, type DeadLetter, type SqsHandler } from '../../../cli/local/queues.js';
import { loadTemplate } from '../../../cli/local/template.js';
import { wiringFromTemplate } from '../../../cli/local/wiring.js';
import { sqsRecord } from '../sqs.js';

/** The ingest queue's redrive policy and the ingest function's batch size, as template.yaml sets them. */
export function ingestQueueSettings(): { maxReceiveCount: number; batchSize: number } {
  const wiring = wiringFromTemplate(loadTemplate('template.yaml'));
  const fn = wiring.functions.find((f) => f.logicalId === 'IngestFunction');
  const source = fn?.sqs[0];
  const queue = wiring.queues.find((q) => q.logicalId === source?.queue);
  if (!source || !queue || !Number.isFinite(queue.maxReceiveCount)) throw new Error('template.yaml: IngestFunction has no SQS source with a redrive policy');
  return { maxReceiveCount: queue.maxReceiveCount, batchSize: source.batchSize };
}

export interface Invocation {
  messageIds: string[];
  /** batchItemFailures, or every record when the invocation threw. */
  failed: string[];
  threw?: string;
}

interface Message {
  messageId: string;
  body: string;
  receiveCount: number;
  firstReceivedAt?: number;
}

export interface SqsEventSourceOptions {
  /**
   * One handler per execution environment: each runs one invocation at a time, as a
   * Lambda container does (a handler module keeps per-invocation state at module scope,
   * such as Powertools' BatchProcessor, so two invocations must not share one).
   * Load each with its own module instance.
   */
  handlers: SqsHandler[];
  /** Records per invocation; a list is used in turn (e.g. [10, 25]). */
  batchSize: number | number[];
  maxReceiveCount: number;
  /** The visibility timeout, shortened: a failed message is received again after it. */
  visibilityDelayMs?: number;
  functionName?: string;
  onInvocation?: (invocation: Invocation) => void;
}

/**
 * An SQS queue and its Lambda event source mapping, with the semantics of
 * cli/local/queues.ts (partial batch responses, redelivery, a dead-letter queue after
 * `maxReceiveCount` receives) and several invocations at once, one per execution
 * environment, as Lambda runs them.
 * `drain()` runs until every message is deleted or dead-lettered.
 */
export class SqsEventSource {
  private readonly queue: Message[] = [];
  private readonly waiting = new Set<Promise<void>>();
  private batchTurn = 0;
  public readonly deadLetters: DeadLetter[] = [];
  public readonly stats = { sent: 0, invocations: 0, receives: 0, deleted: 0, redelivered: 0, maxBacklog: 0 };

  public constructor(private readonly options: SqsEventSourceOptions) {}

  public send(body: string, messageId: string = randomUUID()): string {
    this.queue.push({ messageId, body, receiveCount: 0 });
    this.stats.sent++;
    this.stats.maxBacklog = Math.max(this.stats.maxBacklog, this.queue.length);
    return messageId;
  }

  public get backlog(): number {
    return this.queue.length;
  }

  public async drain(): Promise<void> {
    const running = new Set<Promise<void>>();
    const idle = [...this.options.handlers];
    while (this.queue.length || running.size || this.waiting.size) {
      while (this.queue.length && idle.length) {
        const handler = idle.pop()!;
        const invocation = this.invoke(handler, this.queue.splice(0, this.nextBatchSize()));
        running.add(invocation);
        void invocation.finally(() => {
          running.delete(invocation);
          idle.push(handler);
        });
      }
      await Promise.race([...running, ...this.waiting]);
    }
  }

  private nextBatchSize(): number {
    const sizes = Array.isArray(this.options.batchSize) ? this.options.batchSize : [this.options.batchSize];
    return sizes[this.batchTurn++ % sizes.length]!;
  }

  private async invoke(handler: SqsHandler, batch: Message[]): Promise<void> {
    this.stats.invocations++;
    const records: SQSRecord[] = batch.map((m) => {
      m.receiveCount++;
      this.stats.receives++;
      const record = sqsRecord(m.body, m.messageId as ReturnType<typeof randomUUID>);
      record.receiptHandle = `rh-${m.messageId}-${m.receiveCount}`;
      record.attributes.ApproximateReceiveCount = String(m.receiveCount);
      // Like SQS: the time of the first receive, unchanged on redelivery.
      m.firstReceivedAt ??= Date.now();
      record.attributes.ApproximateFirstReceiveTimestamp = String(m.firstReceivedAt);
      return record;
    });
    let failed: Set<string>;
    let reason: string;
    let threw: string | undefined;
    try {
      const response = await handler({ Records: records }, lambdaContext(this.options.functionName ?? 'IngestFunction'));
      failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
      reason = 'the function reported the record as failed (batchItemFailures)';
    } catch (error) {
      failed = new Set(batch.map((m) => m.messageId));
      threw = (error as Error).message;
      reason = `the function threw: ${threw}`;
    }
    this.options.onInvocation?.({ messageIds: batch.map((m) => m.messageId), failed: [...failed], ...(threw ? { threw } : {}) });
    for (const m of batch) {
      if (!failed.has(m.messageId)) {
        this.stats.deleted++;
        continue;
      }
      if (m.receiveCount >= this.options.maxReceiveCount) {
        this.deadLetters.push({ queue: 'IngestQueue', messageId: m.messageId, body: m.body, reason, receiveCount: m.receiveCount });
        continue;
      }
      this.stats.redelivered++;
      const delay = this.options.visibilityDelayMs ?? 0;
      const back = new Promise<void>((resolve) => setTimeout(resolve, delay)).then(() => {
        this.queue.push(m);
        this.waiting.delete(back);
      });
      this.waiting.add(back);
    }
  }
}
