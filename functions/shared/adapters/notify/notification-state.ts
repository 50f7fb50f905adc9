import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { MessageRef } from '../../core/notify/interactions.js';
import type { FlapState } from '../../core/notify/noise.js';
import type { Claim, DeadLetter, DeliveryMeta, LedgerRecord, NotificationState } from '../../core/notify/ports.js';

/**
 * Item layout of the notifications table (no stream: the notifier's bookkeeping must
 * not feed back into the findings stream). Every item has a TTL (`expiresAt`).
 *
 * | item          | pk                          | sk              | TTL      |
 * |---------------|-----------------------------|-----------------|----------|
 * | ledger entry  | `I#<findingId>#<version>#<channel>` | `I`     | 30 days  |
 * | dead letter   | `DL#<yyyy-mm-dd>`           | `<at>#<key>`    | 30 days  |
 * | flap window   | `N#<findingId>`             | `FLAP`          | 2 days   |
 * | Slack message | `N#<findingId>`             | `SLACK#<team>`  | 400 days |
 * | burst counter | `B#<team>#<windowStart>`    | `B`             | 1 day    |
 * | staged message| `ST#<yyyy-mm-dd>`           | `<at>#<key>`    | 30 days  |
 *
 * A ledger entry is the delivery's idempotency record: `PENDING` with a lease while an
 * invocation sends, `DONE` with the outcome afterwards. Dead letters share a partition
 * per day, so "what failed today" is one Query.
 */
export const stateKeys = {
  ledger: (key: string) => ({ pk: `I#${key}`, sk: 'I' }),
  deadLetter: (day: string, at: string, key: string) => ({ pk: `DL#${day}`, sk: `${at}#${key}` }),
  flap: (findingId: string) => ({ pk: `N#${findingId}`, sk: 'FLAP' }),
  slackRef: (findingId: string, team: string) => ({ pk: `N#${findingId}`, sk: `SLACK#${team}` }),
  burst: (team: string, windowStart: string) => ({ pk: `B#${team}#${windowStart}`, sk: 'B' }),
  staged: (day: string, at: string, key: string) => ({ pk: `ST#${day}`, sk: `${at}#${key}` }),
};

/** What a staged rule would have sent, one Query a day: `vigil staging-report` reads it. */
export interface StagedMessage {
  key: string;
  at: string;
  findingId?: string;
  channel?: string;
  team?: string;
  transition?: string;
  wouldHaveSent: unknown;
}

/** The staging report: what staged rules would have sent over the last `days` days, newest first. */
export async function loadStagedMessages(client: DynamoDBDocumentClient, table: string, options: { days: number; now?: Date }): Promise<StagedMessage[]> {
  const now = options.now ?? new Date();
  const messages: StagedMessage[] = [];
  for (let d = 0; d < options.days; d++) {
    const day = new Date(now.getTime() - d * 86_400_000).toISOString().slice(0, 10);
    let start: Record<string, unknown> | undefined;
    do {
      const out = await client.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `ST#${day}` }, ScanIndexForward: false, ExclusiveStartKey: start }));
      for (const item of out.Items ?? []) {
        const { pk: _pk, sk: _sk, expiresAt: _e, ...rest } = item;
        messages.push(rest as StagedMessage);
      }
      start = out.LastEvaluatedKey;
    } while (start);
  }
  return messages;
}

const DAY_S = 24 * 60 * 60;

export interface DynamoNotificationStateOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** How long a claim holds before another invocation may take the delivery over. */
  leaseMs?: number;
  ledgerTtlDays?: number;
  deadLetterTtlDays?: number;
}

export class DynamoNotificationState implements NotificationState {
  private readonly client: DynamoDBDocumentClient;
  private readonly table: string;
  private readonly leaseMs: number;
  private readonly ledgerTtl: number;
  private readonly deadLetterTtl: number;

  public constructor(options: DynamoNotificationStateOptions) {
    this.client = options.client;
    this.table = options.tableName;
    this.leaseMs = options.leaseMs ?? 120_000;
    this.ledgerTtl = (options.ledgerTtlDays ?? 30) * DAY_S;
    this.deadLetterTtl = (options.deadLetterTtlDays ?? 30) * DAY_S;
  }

  private ttl(now: Date, seconds: number): number {
    return Math.floor(now.getTime() / 1000) + seconds;
  }

  private describe(meta: DeliveryMeta) {
    return { findingId: meta.findingId, findingVersion: meta.version, channel: meta.channel, notification: meta.kind, ...(meta.team ? { team: meta.team } : {}) };
  }

  public async claim(meta: DeliveryMeta, now: Date): Promise<Claim> {
    const described = this.describe(meta);
    const names: Record<string, string> = { '#s': 'status', '#lease': 'leaseUntil', '#att': 'attempts', '#exp': 'expiresAt', '#upd': 'updatedAt' };
    const values: Record<string, unknown> = { ':pending': 'PENDING', ':lease': now.getTime() + this.leaseMs, ':now': now.getTime(), ':one': 1, ':exp': this.ttl(now, this.ledgerTtl), ':upd': now.toISOString() };
    const sets = ['#s = :pending', '#lease = :lease', '#exp = :exp', '#upd = :upd'];
    Object.entries(described).forEach(([name, value], i) => {
      names[`#d${i}`] = name;
      values[`:d${i}`] = value;
      sets.push(`#d${i} = :d${i}`);
    });
    try {
      const out = await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: stateKeys.ledger(meta.key),
          UpdateExpression: `SET ${sets.join(', ')} ADD #att :one`,
          ConditionExpression: 'attribute_not_exists(pk) OR (#s = :pending AND #lease < :now)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { kind: 'claimed', attempt: Number(out.Attributes?.attempts ?? 1) };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const old = error.Item ? unmarshall(error.Item) : (await this.read(meta.key)) ?? {};
      if (old.status === 'DONE') return { kind: 'done', record: recordOf(old) };
      return { kind: 'busy' };
    }
  }

  private async read(key: string): Promise<Record<string, unknown> | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.table, Key: stateKeys.ledger(key), ConsistentRead: true }));
    return out.Item;
  }

  public async complete(meta: DeliveryMeta, record: LedgerRecord, now: Date): Promise<void> {
    // An update, not a put: the entry keeps its attempt count and last error.
    const fields: Record<string, unknown> = { ...this.describe(meta), status: 'DONE', ...record, updatedAt: now.toISOString(), expiresAt: this.ttl(now, this.ledgerTtl) };
    const names: Record<string, string> = { '#lease': 'leaseUntil' };
    const values: Record<string, unknown> = {};
    const sets = Object.entries(fields).map(([name, value], i) => {
      names[`#f${i}`] = name;
      values[`:f${i}`] = value;
      return `#f${i} = :f${i}`;
    });
    await this.client.send(
      new UpdateCommand({
        TableName: this.table,
        Key: stateKeys.ledger(meta.key),
        UpdateExpression: `SET ${sets.join(', ')} REMOVE #lease`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
    if (record.result === 'skipped' && record.reason === 'staged') {
      // The staging report's copy: a noisy rule is tuned by reading what it would have sent.
      const at = now.toISOString();
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...stateKeys.staged(at.slice(0, 10), at, meta.key), key: meta.key, at, ...this.describe(meta), wouldHaveSent: record.wouldHaveSent, expiresAt: this.ttl(now, this.deadLetterTtl) },
        }),
      );
    }
  }

  public async recordOnce(meta: DeliveryMeta, record: LedgerRecord, now: Date): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...stateKeys.ledger(meta.key), ...this.describe(meta), status: 'DONE', ...record, updatedAt: now.toISOString(), expiresAt: this.ttl(now, this.ledgerTtl) },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  public async release(meta: DeliveryMeta, error: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: stateKeys.ledger(meta.key),
          UpdateExpression: 'SET #lease = :zero, lastError = :e',
          ConditionExpression: '#s = :pending',
          ExpressionAttributeNames: { '#lease': 'leaseUntil', '#s': 'status' },
          ExpressionAttributeValues: { ':zero': 0, ':e': error, ':pending': 'PENDING' },
        }),
      );
    } catch (e) {
      // Finished by another invocation in the meantime: nothing to give back.
      if (!(e instanceof ConditionalCheckFailedException)) throw e;
    }
  }

  public async deadLetter(letter: DeadLetter): Promise<void> {
    const now = new Date(letter.at);
    const { key, ...rest } = letter;
    const described = this.describe(letter);
    await this.client.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: this.table, Item: { ...stateKeys.deadLetter(letter.at.slice(0, 10), letter.at, key), key, ...rest, expiresAt: this.ttl(now, this.deadLetterTtl) } } },
          {
            Put: {
              TableName: this.table,
              Item: { ...stateKeys.ledger(key), ...described, status: 'DONE', result: 'dead-lettered', reason: letter.reason, attempts: letter.attempts, updatedAt: letter.at, expiresAt: this.ttl(now, this.ledgerTtl) },
            },
          },
        ],
      }),
    );
  }

  public async flapState(findingId: string): Promise<FlapState | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.table, Key: stateKeys.flap(findingId), ConsistentRead: true }));
    if (!out.Item) return undefined;
    return { changes: (out.Item.changes as string[] | undefined) ?? [], ...(out.Item.summarizedAt ? { summarizedAt: String(out.Item.summarizedAt) } : {}) };
  }

  public async saveFlapState(findingId: string, state: FlapState): Promise<void> {
    const last = state.changes[state.changes.length - 1] ?? new Date().toISOString();
    await this.client.send(
      new PutCommand({ TableName: this.table, Item: { ...stateKeys.flap(findingId), ...state, expiresAt: this.ttl(new Date(Math.max(Date.parse(last), Date.now())), 2 * DAY_S) } }),
    );
  }

  public async burstSlot(team: string, windowStart: string, now: Date): Promise<number> {
    const out = await this.client.send(
      new UpdateCommand({
        TableName: this.table,
        Key: stateKeys.burst(team, windowStart),
        UpdateExpression: 'ADD #n :one SET #exp = if_not_exists(#exp, :exp)',
        ExpressionAttributeNames: { '#n': 'messages', '#exp': 'expiresAt' },
        ExpressionAttributeValues: { ':one': 1, ':exp': this.ttl(now, DAY_S) },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(out.Attributes?.messages ?? 1);
  }

  public async slackRef(findingId: string, team: string): Promise<MessageRef | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.table, Key: stateKeys.slackRef(findingId, team) }));
    return out.Item ? { channel: String(out.Item.channel), ts: String(out.Item.ts) } : undefined;
  }

  public async saveSlackRef(findingId: string, team: string, ref: MessageRef): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.table, Item: { ...stateKeys.slackRef(findingId, team), ...ref, expiresAt: this.ttl(new Date(), 400 * DAY_S) } }));
  }
}

function recordOf(item: Record<string, unknown>): LedgerRecord {
  if (item.result === 'sent') return { result: 'sent', as: (item.as as 'message') ?? 'message', ...(item.ref ? { ref: String(item.ref) } : {}) };
  if (item.result === 'dead-lettered') return { result: 'dead-lettered', reason: String(item.reason) };
  return { result: 'skipped', reason: item.reason as 'duplicate' };
}
