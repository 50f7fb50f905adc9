import { createHash } from 'node:crypto';
import { TransactionCanceledException, ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { createDocumentClient } from './dynamodb-client.js';
import { heartbeatKey } from './heartbeat-keys.js';
import { openConfigIndexKeys, queryIndexKeys } from './query-keys.js';
import { DynamoDBDocumentClient, GetCommand, PutCommand, TransactWriteCommand, UpdateCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { ConcurrentUpdateError } from '../core/errors.js';
import type { Decision, FindingDetail, FindingState, HistoryEntry } from '../core/lifecycle.js';
import type { Heartbeat } from '../core/normalizers/types.js';
import type { FindingStore, HeartbeatStore, QuarantineEntry, QuarantineStore } from '../core/ports.js';

/**
 * Item layout of the findings table (single table; see docs/design.md):
 *
 * | item        | pk                   | sk                        | indexed            |
 * |-------------|----------------------|---------------------------|--------------------|
 * | finding     | `F#<id>`             | `F`                       | byTeam, byAccount  |
 * | detail text | `F#<id>`             | `D`                       | no                 |
 * | history     | `F#<id>`             | `H#<observedAt>#<kind>`   | no (TTL)           |
 * | quarantine  | `Q#<day>#<shard>`    | `<receivedAt>#<origin>`   | no (TTL)           |
 * | heartbeat   | `HB#<shard 0-15>`    | `<account>#<region>`      | no                 |
 */
export const keys = {
  finding: (id: string) => ({ pk: `F#${id}`, sk: 'F' }),
  detail: (id: string) => ({ pk: `F#${id}`, sk: 'D' }),
  history: (h: HistoryEntry) => ({ pk: `F#${h.id}`, sk: `H#${h.at}#${h.kind}` }),
};

/** Quarantine partitions per day: spreads a flood of bad input over several keys. */
const QUARANTINE_SHARDS = 8;
const DAY_SECONDS = 24 * 60 * 60;
/** Leaves room under DynamoDB's 400 KB item limit for the entry's other attributes. */
export const MAX_QUARANTINE_BODY_BYTES = 350 * 1024;

export interface DynamoFindingStoreOptions {
  tableName: string;
  client?: DynamoDBDocumentClient;
  historyTtlDays?: number;
  quarantineTtlDays?: number;
  /** Receives the consumed capacity of every request (benchmarks and tests). */
  onConsumedCapacity?: (operation: string, units: number) => void;
  /**
   * Least time between two recorded heartbeats of one account and Region. A heartbeat
   * that comes sooner after the recorded one is read (half a read unit), not written (one
   * write unit). Undefined: every heartbeat is written.
   */
  heartbeatRecordIntervalMs?: number;
}

export { createDocumentClient } from './dynamodb-client.js';

/**
 * Index keys of a finding item, derived from its state so they can never disagree with
 * it. The listing indexes share one sort key attribute (`gsisk`), which also carries
 * lastSeenIdx: the item stays under 1 KB, one write unit.
 */
export function indexKeys(state: FindingState) {
  return { gsi1pk: `T#${state.team}`, gsi2pk: `A#${state.accountId}`, gsisk: `${state.lastSeenIdx}#${state.id}` };
}

function findingItem(state: FindingState) {
  const { lastSeenIdx: _indexed, ...rest } = state;
  // The query API's indexes too: the all-findings shard, and the suppression-expiry
  // partition while SUPPRESSED (a Put without it takes the finding out of that index);
  // and the reconciler's open-Config partition while open.
  return { ...keys.finding(state.id), ...rest, ...indexKeys(state), ...queryIndexKeys(state), ...openConfigIndexKeys(state) };
}

function stateOf(item: Record<string, unknown>): FindingState {
  const { pk: _pk, sk: _sk, gsi1pk: _t, gsi2pk: _a, gsi3pk: _s, gsi4pk: _all, gsi5pk: _config, gsisk, ...rest } = item;
  return { ...rest, lastSeenIdx: String(gsisk).slice(0, String(gsisk).lastIndexOf('#')) } as FindingState;
}

export class DynamoFindingStore implements FindingStore, QuarantineStore, HeartbeatStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly historyTtlSeconds: number;
  private readonly quarantineTtlSeconds: number;
  private readonly onConsumedCapacity: ((operation: string, units: number) => void) | undefined;
  private readonly heartbeatRecordIntervalMs: number | undefined;
  /** Heartbeat times this process recorded or read, by account and Region: spares the read of the next one. */
  private readonly recordedHeartbeats = new Map<string, number>();

  public constructor(options: DynamoFindingStoreOptions) {
    this.client = options.client ?? createDocumentClient();
    this.tableName = options.tableName;
    this.historyTtlSeconds = (options.historyTtlDays ?? 400) * DAY_SECONDS;
    this.quarantineTtlSeconds = (options.quarantineTtlDays ?? 30) * DAY_SECONDS;
    this.onConsumedCapacity = options.onConsumedCapacity;
    this.heartbeatRecordIntervalMs = options.heartbeatRecordIntervalMs;
  }

  private get capacity() {
    return this.onConsumedCapacity ? ('TOTAL' as const) : undefined;
  }

  private record(operation: string, consumed: { CapacityUnits?: number } | Array<{ CapacityUnits?: number }> | undefined): void {
    if (!this.onConsumedCapacity || !consumed) return;
    const list = Array.isArray(consumed) ? consumed : [consumed];
    this.onConsumedCapacity(operation, list.reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0));
  }

  public async get(id: string, consistent: boolean): Promise<FindingState | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.finding(id), ConsistentRead: consistent, ReturnConsumedCapacity: this.capacity }),
    );
    this.record('GetItem', out.ConsumedCapacity);
    return out.Item ? stateOf(out.Item) : undefined;
  }

  /** Reads the long text of a finding. */
  public async getDetail(id: string): Promise<FindingDetail | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.detail(id) }));
    if (!out.Item) return undefined;
    const { pk: _pk, sk: _sk, detailAt: _at, ...detail } = out.Item;
    return detail as FindingDetail;
  }

  public async commit(decision: Exclude<Decision, { kind: 'noop' }>): Promise<void> {
    const versionCondition =
      decision.kind === 'create'
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': decision.expectedVersion } };

    if (decision.kind === 'touch') {
      // The common case: one small conditional put, no history, no index change.
      try {
        const out = await this.client.send(
          new PutCommand({ TableName: this.tableName, Item: findingItem(decision.next), ...versionCondition, ReturnConsumedCapacity: this.capacity }),
        );
        this.record('PutItem', out.ConsumedCapacity);
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) throw new ConcurrentUpdateError(`finding ${decision.next.id} changed since it was read`, { cause: error });
        throw error;
      }
      return;
    }

    // The detail first, outside the transaction: a transaction costs two write units per
    // kilobyte of every item in it, and the detail is the biggest item (long GuardDuty
    // descriptions pass 1 KB). Written before the finding, so whoever reads the finding's
    // change (the notifier, on the stream) finds its text; fold leaves it out of a change
    // whose text is unchanged.
    if (decision.detail) await this.putDetail(decision.detail, decision.history.at);
    // The finding and its history entry all or nothing: the history holds exactly the
    // changes that were made.
    const items: NonNullable<TransactWriteCommandInput['TransactItems']> = [
      { Put: { TableName: this.tableName, Item: findingItem(decision.next), ...versionCondition } },
      {
        Put: {
          TableName: this.tableName,
          Item: { ...keys.history(decision.history), ...decision.history, expiresAt: this.expiry(new Date().toISOString(), this.historyTtlSeconds) },
        },
      },
    ];
    try {
      const out = await this.client.send(new TransactWriteCommand({ TransactItems: items, ReturnConsumedCapacity: this.capacity }));
      this.record('TransactWriteItems', out.ConsumedCapacity);
    } catch (error) {
      if (error instanceof TransactionCanceledException && error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed') {
        throw new ConcurrentUpdateError(`finding ${decision.next.id} changed since it was read`, { cause: error });
      }
      throw error;
    }
  }

  /**
   * Puts a finding's detail unless a newer observation's is there already (`detailAt`,
   * the time of the observation it came from), so that a decision that loses a race to
   * a newer one never puts older text back.
   */
  private async putDetail(detail: FindingDetail, observedAt: string): Promise<void> {
    try {
      const out = await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.detail(detail.id), ...detail, detailAt: observedAt },
          ConditionExpression: 'attribute_not_exists(detailAt) OR detailAt <= :at',
          ExpressionAttributeValues: { ':at': observedAt },
          ReturnConsumedCapacity: this.capacity,
        }),
      );
      this.record('PutItem', out.ConsumedCapacity);
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  public async recordHeartbeat(heartbeat: Heartbeat): Promise<void> {
    const key = heartbeatKey(heartbeat.accountId, heartbeat.region);
    if (this.heartbeatRecordIntervalMs !== undefined && (await this.recordedRecently(key, heartbeat.at, this.heartbeatRecordIntervalMs))) return;
    try {
      const out = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: 'SET lastHeartbeat = :at, accountId = :account, #region = :region',
          // A late or replayed heartbeat never moves the time back.
          ConditionExpression: 'attribute_not_exists(lastHeartbeat) OR lastHeartbeat < :at',
          ExpressionAttributeNames: { '#region': 'region' },
          ExpressionAttributeValues: { ':at': heartbeat.at, ':account': heartbeat.accountId, ':region': heartbeat.region },
          ReturnConsumedCapacity: this.capacity,
        }),
      );
      this.record('UpdateItem', out.ConsumedCapacity);
      this.rememberHeartbeat(key.sk, Date.parse(heartbeat.at));
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /**
   * Whether a heartbeat of this account and Region newer than `at` minus `intervalMs` is
   * recorded: known to this process, else read (eventually consistent: a stale read only
   * leads to a write that was not needed, never to a recorded time older than the
   * interval allows).
   */
  private async recordedRecently(key: { pk: string; sk: string }, at: string, intervalMs: number): Promise<boolean> {
    const since = Date.parse(at) - intervalMs;
    const known = this.recordedHeartbeats.get(key.sk);
    if (known !== undefined && known > since) return true;
    const out = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: key, ProjectionExpression: 'lastHeartbeat', ReturnConsumedCapacity: this.capacity }),
    );
    this.record('GetItem', out.ConsumedCapacity);
    const recorded = typeof out.Item?.lastHeartbeat === 'string' ? Date.parse(out.Item.lastHeartbeat) : Number.NaN;
    if (!Number.isFinite(recorded)) return false;
    this.rememberHeartbeat(key.sk, recorded);
    return recorded > since;
  }

  private rememberHeartbeat(accountRegion: string, at: number): void {
    if (at > (this.recordedHeartbeats.get(accountRegion) ?? Number.NEGATIVE_INFINITY)) this.recordedHeartbeats.set(accountRegion, at);
  }

  public async quarantine(entry: QuarantineEntry): Promise<void> {
    const bytes = Buffer.byteLength(entry.body);
    if (bytes > MAX_QUARANTINE_BODY_BYTES) {
      // Too large to keep whole here: the caller fails the record so that the queue's
      // dead-letter queue keeps it intact instead.
      throw new RangeError(`quarantine body of ${bytes} bytes exceeds ${MAX_QUARANTINE_BODY_BYTES}`);
    }
    const day = entry.receivedAt.slice(0, 10);
    const shard = createHash('sha256').update(entry.origin).digest().readUInt8(0) % QUARANTINE_SHARDS;
    const out = await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: `Q#${day}#${shard}`,
          sk: `${entry.receivedAt}#${entry.origin}`,
          ...entry,
          expiresAt: this.expiry(new Date().toISOString(), this.quarantineTtlSeconds),
        },
        ReturnConsumedCapacity: this.capacity,
      }),
    );
    this.record('PutItem', out.ConsumedCapacity);
  }

  /** TTL counts from when Vigil wrote the item, so replayed history does not expire at once. */
  private expiry(fromIso: string, ttlSeconds: number): number {
    return Math.floor(Date.parse(fromIso) / 1000) + ttlSeconds;
  }
}
