import type { DynamoDBRecord } from 'aws-lambda';
import { limiter } from '../shared/core/concurrency.js';
import { VigilError } from '../shared/core/errors.js';

/** An earlier record of the same finding failed in this batch: this one waits for its retry, so the finding's changes go out in order. */
export class HeldBackError extends VigilError {}

/** The stream partition key: a finding's items (finding, detail, history) share `pk`. */
function partitionKey(record: DynamoDBRecord): string {
  const keys = record.dynamodb?.Keys;
  return keys?.pk?.S ?? JSON.stringify(keys ?? {});
}

/**
 * Per invocation: the order in which a batch's records may run. Records of one finding
 * (one stream partition key) run one after another, in the batch's order; records of
 * different findings run at once, at most `concurrency` of them, so one team's paced or
 * retried Slack channel does not delay everybody else's notifications.
 *
 * A record whose finding's previous record in the batch failed, or was itself held back,
 * is not run: it fails with {@link HeldBackError}, is reported as a batch item failure,
 * and Lambda redelivers it after the failed one (from the lowest failed sequence number).
 * Records that succeeded after that point are redelivered too; the notification ledger
 * makes those replays send nothing.
 */
export class BatchOrder {
  private readonly last = new Map<string, Promise<void>>();
  private readonly slot: <T>(task: () => Promise<T>) => Promise<T>;

  public constructor(concurrency: number) {
    this.slot = limiter(Math.max(1, Math.floor(concurrency)));
  }

  /** Runs `task` for `record` once its finding's earlier records of the batch succeeded; call it in the batch's order. */
  public run(record: DynamoDBRecord, task: () => Promise<void>): Promise<void> {
    const key = partitionKey(record);
    const previous = this.last.get(key);
    const done = (async () => {
      if (previous && !(await previous.then(() => true, () => false))) {
        throw new HeldBackError(`held back: an earlier record of ${key} failed in this batch (${record.dynamodb?.SequenceNumber ?? '?'})`);
      }
      await this.slot(task);
    })();
    this.last.set(key, done);
    return done;
  }
}
