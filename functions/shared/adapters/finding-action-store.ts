import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConcurrentUpdateError } from '../core/errors.js';
import type { Status } from '../core/finding.js';
import type { ActionDecision, FindingActionStore } from '../core/query/actions.js';
import type { NotifiableFinding } from '../core/notify/types.js';
import type { ActionState } from '../core/query/views.js';
import { createDocumentClient } from './dynamodb-client.js';
import { keys } from './dynamodb-finding-store.js';
import { queryIndexKeys } from './query-keys.js';
import { CapacityMeter } from './consumed-capacity.js';

/** History entries written here live as long as the ingest's (the store's default). */
const DEFAULT_HISTORY_TTL_DAYS = 400;

export interface DynamoFindingActionsOptions {
  tableName: string;
  client?: DynamoDBDocumentClient;
  historyTtlDays?: number;
  /** Receives the consumed capacity of every request (tests and benchmarks). */
  onConsumedCapacity?: (operation: string, units: number) => void;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * The one writer of people's actions (the HTTP API, Slack's buttons, the suppression
 * expiry): a strongly consistent read to decide from, then one transaction conditional
 * on that version. It sends GetItem and TransactWriteItems only, so a function that
 * imports it needs no other table permission.
 */
export class DynamoFindingActions implements FindingActionStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly historyTtlSeconds: number;
  private readonly capacity: CapacityMeter;

  public constructor(options: DynamoFindingActionsOptions) {
    this.client = options.client ?? createDocumentClient();
    this.tableName = options.tableName;
    this.historyTtlSeconds = (options.historyTtlDays ?? DEFAULT_HISTORY_TTL_DAYS) * 24 * 60 * 60;
    this.capacity = new CapacityMeter(options.onConsumedCapacity);
  }

  public async getActionState(id: string): Promise<ActionState | undefined> {
    const out = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.finding(id),
        ConsistentRead: true,
        ProjectionExpression: 'id, team, #status, severity, version, suppressedUntil, reopenCount, assignee',
        ExpressionAttributeNames: { '#status': 'status' },
        ReturnConsumedCapacity: this.capacity.request,
      }),
    );
    this.capacity.record('GetItem', out.ConsumedCapacity);
    const item = out.Item;
    if (!item) return undefined;
    return {
      id: String(item.id),
      team: String(item.team),
      status: item.status as Status,
      severity: item.severity as ActionState['severity'],
      version: Number(item.version),
      reopenCount: Number(item.reopenCount ?? 0),
      ...(str(item.suppressedUntil) ? { suppressedUntil: str(item.suppressedUntil)! } : {}),
      ...(str(item.assignee) ? { assignee: str(item.assignee)! } : {}),
    };
  }

  /** The whole finding item, as a message shows it (Slack re-renders the message it came from). */
  public async getNotifiable(id: string): Promise<NotifiableFinding | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.finding(id), ConsistentRead: true, ReturnConsumedCapacity: this.capacity.request }));
    this.capacity.record('GetItem', out.ConsumedCapacity);
    return out.Item as NotifiableFinding | undefined;
  }

  /**
   * Writes an action in one transaction, conditional on the version it was decided from:
   * the finding's new status and attributes at version + 1 (a suppression puts it in the
   * expiry index, its end takes it out), and the history entry.
   */
  public async applyAction(decision: ActionDecision): Promise<void> {
    const names: Record<string, string> = { '#status': 'status', '#version': 'version' };
    const values: Record<string, unknown> = { ':status': decision.status, ':next': decision.expectedVersion + 1, ':expected': decision.expectedVersion };
    const sets = ['#status = :status', '#version = :next'];
    for (const [i, [name, value]] of Object.entries(decision.set).entries()) {
      if (value === undefined) continue;
      names[`#a${i}`] = name;
      values[`:a${i}`] = value;
      sets.push(`#a${i} = :a${i}`);
    }
    // A reason belongs to the status it was given for: a new status without one clears it
    // (an assignment keeps the status, and its reason).
    const statusChanges = decision.history.from.status !== decision.status;
    const removes = decision.set.statusReason === undefined && statusChanges ? ['statusReason'] : [];
    if (decision.status === 'SUPPRESSED' && decision.set.suppressedUntil) {
      sets.push('gsi3pk = :sup');
      values[':sup'] = queryIndexKeys({ id: decision.id, status: 'SUPPRESSED', suppressedUntil: decision.set.suppressedUntil }).gsi3pk;
    }
    if (decision.endsSuppression) removes.push('suppressedUntil', 'suppressedBy', 'gsi3pk');
    const h = decision.history;
    try {
      const out = await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: keys.finding(decision.id),
                UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
                ConditionExpression: '#version = :expected',
                ExpressionAttributeNames: names,
                ExpressionAttributeValues: values,
              },
            },
            {
              Put: {
                TableName: this.tableName,
                // The ingest's history layout (keys.history): H#<at>#<kind> in the finding's partition.
                Item: { pk: keys.finding(h.id).pk, sk: `H#${h.at}#${h.kind}`, ...h, expiresAt: Math.floor(Date.parse(h.at) / 1000) + this.historyTtlSeconds },
              },
            },
          ],
          ReturnConsumedCapacity: this.capacity.request,
        }),
      );
      this.capacity.record('TransactWriteItems', out.ConsumedCapacity);
    } catch (error) {
      if (error instanceof TransactionCanceledException && error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed') {
        throw new ConcurrentUpdateError(`finding ${decision.id} changed since it was read`, { cause: error });
      }
      throw error;
    }
  }
}
