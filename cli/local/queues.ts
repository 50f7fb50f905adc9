import { randomUUID } from 'node:crypto';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

export interface LocalMessage {
  messageId: string;
  body: string;
  receiveCount: number;
  sentAt: number;
  /** Set at the first receive and kept, as SQS keeps ApproximateFirstReceiveTimestamp. */
  firstReceivedAt?: number;
}

export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void>;

/** What became of a message that reached a dead-letter queue, and why. */
export interface DeadLetter {
  queue: string;
  messageId: string;
  body: string;
  reason: string;
  receiveCount: number;
}

/**
 * An in-memory SQS queue with the semantics Vigil relies on: batches, partial batch
 * failures (ReportBatchItemFailures), redelivery after a visibility delay, and a
 * dead-letter queue after `maxReceiveCount` receives. One batch is in flight at a time:
 * the handler module is one execution environment, and Lambda never runs two
 * invocations in one (module-level state, such as Powertools' batch processor, relies on it).
 */
export class LocalQueue {
  private readonly messages: LocalMessage[] = [];
  private inFlight = 0;
  private busy = false;
  private timer: NodeJS.Timeout | undefined;
  private pending = 0;
  public readonly deadLetters: DeadLetter[] = [];
  public delivered = 0;

  public constructor(
    public readonly name: string,
    private readonly options: { maxReceiveCount: number; visibilityDelayMs: number; region: string; accountId: string },
  ) {}

  public send(body: string): string {
    const messageId = randomUUID();
    this.messages.push({ messageId, body, receiveCount: 0, sentAt: Date.now() });
    this.kick();
    return messageId;
  }

  private consumer: { handler: SqsHandler; batchSize: number; reportBatchItemFailures: boolean; functionName: string } | undefined;

  public subscribe(consumer: { handler: SqsHandler; batchSize: number; reportBatchItemFailures: boolean; functionName: string }): void {
    this.consumer = consumer;
    this.kick();
  }

  /** True when nothing is queued, in flight or waiting to be redelivered. */
  public get idle(): boolean {
    return this.messages.length === 0 && this.inFlight === 0 && this.pending === 0;
  }

  private kick(): void {
    if (this.timer || this.busy || !this.consumer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.poll();
    }, 0);
  }

  private async poll(): Promise<void> {
    const consumer = this.consumer;
    if (!consumer || this.busy || this.messages.length === 0) return;
    this.busy = true;
    const batch = this.messages.splice(0, consumer.batchSize);
    this.inFlight += batch.length;
    const now = Date.now();
    for (const m of batch) {
      m.receiveCount++;
      m.firstReceivedAt ??= now;
    }
    const records: SQSRecord[] = batch.map((m) => ({
      messageId: m.messageId,
      receiptHandle: `local-${m.messageId}-${m.receiveCount}`,
      body: m.body,
      attributes: {
        ApproximateReceiveCount: String(m.receiveCount),
        SentTimestamp: String(m.sentAt),
        SenderId: 'local',
        ApproximateFirstReceiveTimestamp: String(m.firstReceivedAt),
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: `arn:aws:sqs:${this.options.region}:${this.options.accountId}:${this.name}`,
      awsRegion: this.options.region,
    }));
    let failed: Set<string>;
    let reason: string;
    try {
      const response = await consumer.handler({ Records: records }, lambdaContext(consumer.functionName));
      failed = new Set(consumer.reportBatchItemFailures ? (response?.batchItemFailures ?? []).map((f) => f.itemIdentifier) : []);
      reason = 'the function reported the record as failed (batchItemFailures)';
    } catch (error) {
      failed = new Set(batch.map((m) => m.messageId));
      reason = `the function threw: ${(error as Error).message}`;
    }
    this.inFlight -= batch.length;
    this.busy = false;
    for (const m of batch) {
      if (!failed.has(m.messageId)) {
        this.delivered++;
        continue;
      }
      if (m.receiveCount >= this.options.maxReceiveCount) {
        this.deadLetters.push({ queue: this.name, messageId: m.messageId, body: m.body, reason, receiveCount: m.receiveCount });
        continue;
      }
      // Redelivery after the visibility timeout (shortened locally).
      this.pending++;
      setTimeout(() => {
        this.pending--;
        this.messages.push(m);
        this.kick();
      }, this.options.visibilityDelayMs);
    }
    if (this.messages.length > 0) this.kick();
  }
}

export function lambdaContext(functionName: string): Context {
  const requestId = randomUUID();
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
