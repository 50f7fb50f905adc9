import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { FindingState } from '../core/lifecycle.js';
import type { OpenConfigFinding, VigilFindingsPort } from '../core/reconcile/index.js';
import type { FindingStore } from '../core/ports.js';
import { OPEN_CONFIG_INDEX, openConfigPartition } from './query-keys.js';

/**
 * Where a reconciliation pass that ran out of time stopped, one item per Region:
 * `pk = RECONCILE#<region>`, `sk = CURSOR`. The notifier and the aggregator read finding
 * items only (`sk = F`), so this item means nothing to them.
 */
export const reconcileCursorKey = (region: string) => ({ pk: `RECONCILE#${region}`, sk: 'CURSOR' });

export interface DynamoReconcileFindingsOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** Reads a finding's full state (the finding store, strongly consistent). */
  store: Pick<FindingStore, 'get'>;
}

/**
 * Vigil's side of a reconciliation, by Query only: one account and Region's open Config
 * findings from the sparse open-Config index (one partition per account and Region, so the
 * read grows with what is open there, never with resolved history, other sources or
 * other Regions), and a finding's full state where the two sides disagree.
 */
export class DynamoReconcileFindings implements VigilFindingsPort {
  public constructor(private readonly options: DynamoReconcileFindingsOptions) {}

  public async openConfigFindings(accountId: string, region: string): Promise<OpenConfigFinding[]> {
    const findings: OpenConfigFinding[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.options.client.send(
        new QueryCommand({
          TableName: this.options.tableName,
          IndexName: OPEN_CONFIG_INDEX,
          KeyConditionExpression: 'gsi5pk = :p',
          ExpressionAttributeValues: { ':p': openConfigPartition(accountId, region) },
          ProjectionExpression: 'id, #rule, accountId, #region, resourceType, resourceId',
          ExpressionAttributeNames: { '#rule': 'rule', '#region': 'region' },
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of out.Items ?? []) {
        findings.push({
          id: String(item.id),
          rule: String(item.rule),
          accountId: String(item.accountId),
          region: String(item.region),
          resourceType: String(item.resourceType),
          resourceId: String(item.resourceId),
        });
      }
      start = out.LastEvaluatedKey;
    } while (start);
    return findings;
  }

  public get(id: string): Promise<FindingState | undefined> {
    return this.options.store.get(id, true);
  }

  /** The account after which the next pass of this Region resumes; undefined to start from the first. */
  public async resumeAfter(region: string): Promise<string | undefined> {
    const out = await this.options.client.send(new GetCommand({ TableName: this.options.tableName, Key: reconcileCursorKey(region), ConsistentRead: true }));
    return typeof out.Item?.after === 'string' ? out.Item.after : undefined;
  }

  /** Saves where this pass stopped (an account), or that it completed (undefined). */
  public async saveResumeAfter(region: string, after: string | undefined, at: Date): Promise<void> {
    await this.options.client.send(
      new PutCommand({ TableName: this.options.tableName, Item: { ...reconcileCursorKey(region), ...(after ? { after } : {}), savedAt: at.toISOString() } }),
    );
  }
}
