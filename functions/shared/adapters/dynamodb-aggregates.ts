import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, TransactWriteCommand, type DynamoDBDocumentClient, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { countedOf, deltasBetween, mergeDeltas, needsRecount, type Cell, type Counted, type CounterDelta } from '../core/query/aggregates.js';
import { aggregateKeys, COUNTER_SHARDS } from './query-keys.js';
import { createDocumentClient } from './dynamodb-client.js';
import { CapacityMeter } from './consumed-capacity.js';

const MAX_TRANSACTION_ITEMS = 100;
const MAX_ATTEMPTS = 5;

/** A finding's latest state in a batch of stream records; `target` undefined when it was deleted. */
export interface FindingChange {
  id: string;
  target: Counted | undefined;
}

export interface ApplyOutcome {
  /** Findings whose counts moved. */
  applied: number;
  /** Findings already counted as they are (replays, repeats, late deliveries). */
  skipped: number;
  transactions: number;
}

export interface DynamoAggregatesOptions {
  tableName: string;
  client?: DynamoDBDocumentClient;
  /** Picks a counter shard (injectable for tests). */
  random?: () => number;
  onConsumedCapacity?: (operation: string, units: number) => void;
}

type Item = Record<string, unknown>;

/**
 * The aggregator's writes: moves findings between counter cells (layout in
 * query-keys.ts), idempotently. A change is applied in one transaction with the
 * finding's counted marker, conditional on the marker being what was read, and skipped
 * when the marker's version is already at or past the change's.
 */
export class DynamoAggregates {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly random: () => number;
  private readonly capacity: CapacityMeter;

  public constructor(options: DynamoAggregatesOptions) {
    this.client = options.client ?? createDocumentClient();
    this.tableName = options.tableName;
    this.random = options.random ?? Math.random;
    this.capacity = new CapacityMeter(options.onConsumedCapacity);
  }

  /**
   * Moves findings between counter cells to match their latest state. Reads the markers
   * (strongly consistent), skips what is counted already, and writes the rest in
   * transactions of up to 100 items: the markers, conditional on what was read, and the
   * summed counter changes. A transaction that loses a race is retried from a fresh read.
   */
  public async apply(changes: readonly FindingChange[]): Promise<ApplyOutcome> {
    const outcome: ApplyOutcome = { applied: 0, skipped: 0, transactions: 0 };
    // One change per finding (its latest): a transaction may name an item only once.
    let pending = [...new Map(changes.map((c) => [c.id, c])).values()];
    for (let attempt = 1; pending.length > 0; attempt++) {
      const counted = await this.readMarkers(pending.map((c) => c.id));
      const work: Array<{ change: FindingChange; counted: Counted | undefined; deltas: CounterDelta[] }> = [];
      for (const change of pending) {
        const before = counted.get(change.id);
        if (!needsRecount(before, change.target)) {
          outcome.skipped++;
          continue;
        }
        work.push({ change, counted: before, deltas: deltasBetween(before, change.target) });
      }
      // Findings of one team and account share counters: packed together, a transaction
      // carries more findings and fewer counter items.
      const counterOf = (w: (typeof work)[number]) => {
        const c = w.change.target ?? w.counted!;
        return `${c.team}#${c.accountId}`;
      };
      work.sort((a, b) => counterOf(a).localeCompare(counterOf(b)));
      const failed: FindingChange[] = [];
      for (const group of packTransactions(work)) {
        try {
          await this.write(group);
          outcome.applied += group.length;
          outcome.transactions++;
        } catch (error) {
          if (!(error instanceof TransactionCanceledException) || attempt >= MAX_ATTEMPTS) throw error;
          failed.push(...group.map((w) => w.change));
        }
      }
      pending = failed;
    }
    return outcome;
  }

  private async readMarkers(ids: string[]): Promise<Map<string, Counted>> {
    const found = new Map<string, Counted>();
    for (let i = 0; i < ids.length; i += 100) {
      let request: Record<string, { Keys: Item[]; ConsistentRead: boolean }> | undefined = {
        [this.tableName]: { Keys: [...new Set(ids.slice(i, i + 100))].map(aggregateKeys.marker), ConsistentRead: true },
      };
      while (request && Object.keys(request).length > 0) {
        const out = await this.client.send(new BatchGetCommand({ RequestItems: request, ReturnConsumedCapacity: this.capacity.request }));
        this.capacity.record('BatchGetItem', out.ConsumedCapacity);
        for (const item of out.Responses?.[this.tableName] ?? []) {
          const c = countedOf(item);
          if (c) found.set(String(item.pk).slice(2), c);
        }
        request = out.UnprocessedKeys as typeof request;
      }
    }
    return found;
  }

  private async write(group: Array<{ change: FindingChange; counted: Counted | undefined; deltas: CounterDelta[] }>): Promise<void> {
    const shard = Math.floor(this.random() * COUNTER_SHARDS) % COUNTER_SHARDS;
    const items: NonNullable<TransactWriteCommandInput['TransactItems']> = [];
    for (const { change, counted } of group) {
      const condition = counted
        ? { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': counted.version } }
        : { ConditionExpression: 'attribute_not_exists(pk)' };
      if (change.target) items.push({ Put: { TableName: this.tableName, Item: { ...aggregateKeys.marker(change.id), ...change.target }, ...condition } });
      else items.push({ Delete: { TableName: this.tableName, Key: aggregateKeys.marker(change.id), ...(condition as { ConditionExpression: string; ExpressionAttributeValues?: Item }) } });
    }
    for (const delta of mergeDeltas(group.flatMap((w) => w.deltas))) {
      const cells = Object.entries(delta.cells) as Array<[Cell, number]>;
      const names: Record<string, string> = Object.fromEntries(cells.map(([cell], i) => [`#c${i}`, cell]));
      const values: Item = Object.fromEntries(cells.map(([, n], i) => [`:c${i}`, n]));
      values[':team'] = delta.team;
      let set = 'team = :team';
      if (delta.accountId !== undefined) {
        values[':account'] = delta.accountId;
        set += ', accountId = :account';
      }
      items.push({
        Update: {
          TableName: this.tableName,
          Key: aggregateKeys.counter(shard, delta.team, delta.accountId),
          UpdateExpression: `SET ${set} ADD ${cells.map((_, i) => `#c${i} :c${i}`).join(', ')}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        },
      });
    }
    const out = await this.client.send(new TransactWriteCommand({ TransactItems: items, ReturnConsumedCapacity: this.capacity.request }));
    this.capacity.record('TransactWriteItems', out.ConsumedCapacity);
  }
}

/**
 * Groups findings into transactions of at most 100 items: one marker per finding plus
 * the distinct counters the group's changes touch.
 */
function packTransactions<W extends { change: FindingChange; deltas: CounterDelta[] }>(work: W[]): W[][] {
  const groups: W[][] = [];
  let group: W[] = [];
  let counters = new Set<string>();
  for (const w of work) {
    const touched = w.deltas.map((d) => `${d.team}#${d.accountId ?? ''}`);
    const merged = new Set([...counters, ...touched]);
    if (group.length > 0 && group.length + 1 + merged.size > MAX_TRANSACTION_ITEMS) {
      groups.push(group);
      group = [];
      counters = new Set(touched);
    } else counters = merged;
    group.push(w);
  }
  if (group.length > 0) groups.push(group);
  return groups;
}
