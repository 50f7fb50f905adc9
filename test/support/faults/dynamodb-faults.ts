import { ProvisionedThroughputExceededException, ThrottlingException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * A seeded random in [0, 1) (mulberry32). Not findings-generator's `rng`: importing that
 * module loads the DynamoDB adapters, whose client this module is mocked into.
 */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** DynamoDB operations that change the table: what "after N writes" counts. */
const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'TransactWriteItems', 'BatchWriteItem']);

/** The process running the handler died: every later request of the invocation fails, and none is retried. */
export class ProcessKilledError extends Error {
  public constructor(public readonly afterWrites: number) {
    super(`the process was killed after ${afterWrites} writes`);
    this.name = 'ProcessKilled';
  }
}

type Mode = { kind: 'off' } | { kind: 'throttle'; fraction: number; random: () => number } | { kind: 'crash'; afterWrites: number };

export interface FaultCounts {
  requests: number;
  writes: number;
  /** Injected errors by name (TransactionCanceledException: a transaction cancelled for throttling). */
  injected: Record<string, number>;
  /** Invocations ended by a simulated crash. */
  crashes: number;
}

/**
 * Faults injected into the real DynamoDB client of a handler module: a middleware on the
 * client's own stack, inside the SDK's retry loop, so the SDK's retry strategy sees the
 * errors as it would see DynamoDB's. Throttling answers ProvisionedThroughputExceeded,
 * ThrottlingException or (for transactions) TransactionCanceled with reason
 * ThrottlingError, which the SDK does not retry; a crash refuses every request after the
 * Nth write until it is cleared, as a killed process makes no more calls.
 */
export class DynamoFaults {
  private mode: Mode = { kind: 'off' };
  private writesSinceArmed = 0;
  public crashed = false;
  public counts: FaultCounts = { requests: 0, writes: 0, injected: {}, crashes: 0 };

  /** Adds the fault middleware to a client (the document client shares its stack with the client it wraps). */
  public attach<T extends DynamoDBDocumentClient>(client: T): T {
    client.middlewareStack.add(
      (next) => async (args) => {
        const target = String((args.request as { headers?: Record<string, string> }).headers?.['x-amz-target'] ?? '');
        const operation = target.slice(target.indexOf('.') + 1);
        this.counts.requests++;
        const error = this.decide(operation);
        if (error) {
          this.counts.injected[error.name] = (this.counts.injected[error.name] ?? 0) + 1;
          throw error;
        }
        if (WRITES.has(operation)) {
          this.counts.writes++;
          this.writesSinceArmed++;
        }
        return next(args);
      },
      { step: 'deserialize', priority: 'high', name: 'vigilFaultInjection' },
    );
    return client;
  }

  /** Throttles `fraction` of requests, chosen by a seeded random. */
  public throttle(fraction: number, seed: number): void {
    this.mode = { kind: 'throttle', fraction, random: seededRandom(seed) };
  }

  /** Lets `afterWrites` writes through, then kills the "process" (see {@link crashed}). */
  public crashAfterWrites(afterWrites: number): void {
    this.mode = { kind: 'crash', afterWrites };
    this.writesSinceArmed = 0;
    this.crashed = false;
  }

  public off(): void {
    this.mode = { kind: 'off' };
    this.crashed = false;
  }

  public resetCounts(): void {
    this.counts = { requests: 0, writes: 0, injected: {}, crashes: 0 };
  }

  private decide(operation: string): Error | undefined {
    const mode = this.mode;
    if (mode.kind === 'throttle') {
      const r = mode.random();
      if (r >= mode.fraction) return undefined;
      const $metadata = { httpStatusCode: 400, requestId: 'injected' };
      if (operation === 'TransactWriteItems' && r < mode.fraction / 3) {
        return new TransactionCanceledException({
          message: 'Transaction cancelled, please refer cancellation reasons for specific reasons [ThrottlingError]',
          $metadata,
          CancellationReasons: [{ Code: 'ThrottlingError', Message: 'Throughput exceeds the current capacity of your table or index.' }],
        });
      }
      return r < mode.fraction / 2
        ? new ProvisionedThroughputExceededException({ message: 'The level of configured provisioned throughput for the table was exceeded.', $metadata })
        : new ThrottlingException({ message: 'Throughput exceeds the current capacity of your table or index.', $metadata });
    }
    if (mode.kind === 'crash' && (this.crashed || (WRITES.has(operation) && this.writesSinceArmed >= mode.afterWrites))) {
      if (!this.crashed) this.counts.crashes++;
      this.crashed = true;
      return new ProcessKilledError(mode.afterWrites);
    }
    return undefined;
  }
}

const KEY = Symbol.for('vigil.test.dynamoFaults');

/**
 * One controller per test worker, kept on globalThis: handler modules are re-imported
 * (vi.resetModules) and must find the same controller the test arms.
 */
export const dynamoFaults: DynamoFaults = ((globalThis as Record<symbol, unknown>)[KEY] ??= new DynamoFaults()) as DynamoFaults;
