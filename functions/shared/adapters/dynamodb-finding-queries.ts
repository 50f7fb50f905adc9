import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { QueryCommand, UpdateCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { ConcurrentUpdateError } from '../core/errors.js';
import type { ActionDecision } from '../core/query/actions.js';
import type { SuppressionStore } from '../core/query/expiry.js';
import type { PartitionRead } from '../core/query/merge.js';
import { sortKeyRange, type FindingsQuery, type QueryScope } from '../core/query/plan.js';
import { CELLS, type Cell, type CounterRow } from '../core/query/aggregates.js';
import type { CounterReader, DirectoryAccount, DirectoryReader, FindingReader } from '../core/query/service.js';
import type { ActionState, FindingSummaryView, FindingView, HistoryView } from '../core/query/views.js';
import { aggregateKeys, ALL_FINDINGS_SHARDS, COUNTER_SHARDS, INDEXES, SUPPRESSION_SHARDS } from './query-keys.js';
import { loadDirectory } from './directory-reader.js';
import { createDocumentClient } from './dynamodb-client.js';
import { DynamoFindingActions } from './finding-action-store.js';
import { keys } from './dynamodb-finding-store.js';
import { CapacityMeter } from './consumed-capacity.js';


export interface DynamoFindingQueriesOptions {
  tableName: string;
  client?: DynamoDBDocumentClient;
  historyTtlDays?: number;
  /** Receives the consumed capacity of every request (tests and benchmarks). */
  onConsumedCapacity?: (operation: string, units: number) => void;
}

type Item = Record<string, unknown>;

/** What the indexes project, as a listing shows it; lastSeen is lastSeenIdx, from the sort key. */
export function summaryOf(item: Item): FindingSummaryView {
  const gsisk = String(item.gsisk);
  return {
    id: String(item.id),
    team: String(item.team),
    routedBy: String(item.routedBy),
    accountId: String(item.accountId),
    region: String(item.region),
    source: item.source as FindingSummaryView['source'],
    severity: item.severity as FindingSummaryView['severity'],
    status: item.status as FindingSummaryView['status'],
    title: String(item.title),
    rule: String(item.rule),
    resource: { type: String(item.resourceType), id: String(item.resourceId) },
    firstSeen: String(item.firstSeen),
    lastSeen: gsisk.slice(0, gsisk.lastIndexOf('#')),
  };
}

function historyOf(item: Item): HistoryView {
  const view: HistoryView = { at: String(item.at), kind: String(item.kind), cause: item.cause as HistoryView['cause'], to: item.to as HistoryView['to'] };
  for (const key of ['eventId', 'actor', 'reason', 'until', 'assignee'] as const) if (typeof item[key] === 'string') view[key] = item[key];
  if (item.from) view.from = item.from as HistoryView['from'];
  if (Array.isArray(item.changes)) view.changes = item.changes as string[];
  return view;
}

/**
 * The read side of the findings table, and the writes people make through the API
 * (key layout in query-keys.ts).
 */
export class DynamoFindingQueries implements FindingReader, SuppressionStore {
  public readonly suppressionShards = SUPPRESSION_SHARDS;
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly capacity: CapacityMeter;
  /** People's actions, written as Slack's buttons write them too. */
  private readonly actions: DynamoFindingActions;

  public constructor(options: DynamoFindingQueriesOptions) {
    this.client = options.client ?? createDocumentClient();
    this.tableName = options.tableName;
    this.capacity = new CapacityMeter(options.onConsumedCapacity);
    this.actions = new DynamoFindingActions(options);
  }

  public partitions(scope: QueryScope): number {
    return scope.by === 'all' ? ALL_FINDINGS_SHARDS : scope.by === 'teams' ? scope.teams.length : 1;
  }

  private partitionKey(scope: QueryScope, partition: number): { index: string; attribute: string; value: string } {
    if (scope.by === 'account') return { index: INDEXES.account, attribute: 'gsi2pk', value: `A#${scope.account}` };
    if (scope.by === 'teams') return { index: INDEXES.team, attribute: 'gsi1pk', value: `T#${scope.teams[partition]}` };
    return { index: INDEXES.all, attribute: 'gsi4pk', value: `S#${partition}` };
  }

  public async readPartition(query: FindingsQuery, partition: number, after: string | undefined, limit: number): Promise<PartitionRead<FindingSummaryView>> {
    const { index, attribute, value } = this.partitionKey(query.scope, partition);
    const names: Record<string, string> = { '#pk': attribute };
    const values: Record<string, unknown> = { ':pk': value };
    let keyCondition = '#pk = :pk';
    const range = sortKeyRange(query);
    if (range.from !== undefined && range.to !== undefined) keyCondition += ' AND gsisk BETWEEN :from AND :to';
    else if (range.from !== undefined) keyCondition += ' AND gsisk >= :from';
    else if (range.to !== undefined) keyCondition += ' AND gsisk <= :to';
    if (range.from !== undefined) values[':from'] = range.from;
    if (range.to !== undefined) values[':to'] = range.to;
    const filters = query.predicates.map((p, i) => {
      names[`#f${i}`] = p.attribute;
      const placeholders = p.values.map((v, j) => {
        values[`:f${i}_${j}`] = v;
        return `:f${i}_${j}`;
      });
      return placeholders.length === 1 ? `#f${i} = ${placeholders[0]}` : `#f${i} IN (${placeholders.join(', ')})`;
    });
    const input: QueryCommandInput = {
      TableName: this.tableName,
      IndexName: index,
      KeyConditionExpression: keyCondition,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ScanIndexForward: false,
      Limit: limit,
      ReturnConsumedCapacity: this.capacity.request,
      ...(filters.length ? { FilterExpression: filters.join(' AND ') } : {}),
      ...(after ? { ExclusiveStartKey: { [attribute]: value, gsisk: after, ...keys.finding(after.slice(after.lastIndexOf('#') + 1)) } } : {}),
    };
    const out = await this.client.send(new QueryCommand(input));
    this.capacity.record('Query', out.ConsumedCapacity);
    const last = out.LastEvaluatedKey?.gsisk;
    return { items: (out.Items ?? []).map(summaryOf), evaluated: out.ScannedCount ?? 0, ...(typeof last === 'string' ? { last } : {}) };
  }

  /**
   * The finding, its detail and its history: one Query on its partition (sort keys
   * `C`, `D`, `F`, then `H#<at>#<kind>` oldest first). Only when the history is longer
   * than `historyLimit` does a second Query fetch its newest entries.
   */
  public async getFinding(id: string, historyLimit: number): Promise<FindingView | undefined> {
    const { pk } = keys.finding(id);
    // The marker, the detail and the finding sort before the history: room for them and one entry more than shown.
    const first = await this.client.send(
      new QueryCommand({ TableName: this.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk }, Limit: historyLimit + 4, ReturnConsumedCapacity: this.capacity.request }),
    );
    this.capacity.record('Query', first.ConsumedCapacity);
    const items = first.Items ?? [];
    const finding = items.find((i) => i.sk === 'F');
    if (!finding) return undefined;
    const detail = items.find((i) => i.sk === 'D') ?? {};
    let history = items.filter((i) => String(i.sk).startsWith('H#'));
    const truncated = first.LastEvaluatedKey !== undefined || history.length > historyLimit;
    if (!first.LastEvaluatedKey) history = history.slice(-historyLimit);
    else {
      const newest = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :h)',
          ExpressionAttributeValues: { ':pk': pk, ':h': 'H#' },
          ScanIndexForward: false,
          Limit: historyLimit,
          ReturnConsumedCapacity: this.capacity.request,
        }),
      );
      this.capacity.record('Query', newest.ConsumedCapacity);
      history = (newest.Items ?? []).reverse();
    }
    const view: FindingView = {
      ...summaryOf({ ...finding, gsisk: `${String(finding.lastSeen)}#${id}` }),
      sourceStatus: finding.sourceStatus as FindingView['sourceStatus'],
      count: Number(finding.count),
      transition: String(finding.transition),
      transitionAt: String(finding.transitionAt),
      reopenCount: Number(finding.reopenCount ?? 0),
      version: Number(finding.version),
      history: history.map(historyOf),
      historyTruncated: truncated,
    };
    if (Array.isArray(finding.sources)) view.sources = finding.sources as FindingView['sources'];
    for (const key of ['statusAt', 'statusBy', 'statusReason', 'assignee'] as const) if (typeof finding[key] === 'string') view[key] = finding[key];
    // A suppression is shown only while it holds the finding (ingest keeps a person's across transitions).
    if (finding.status === 'SUPPRESSED') for (const key of ['suppressedUntil', 'suppressedBy'] as const) if (typeof finding[key] === 'string') view[key] = finding[key];
    for (const key of ['description', 'consoleUrl', 'sourceId'] as const) if (typeof detail[key] === 'string') view[key] = detail[key];
    if (detail.resourceTags && typeof detail.resourceTags === 'object') view.resourceTags = detail.resourceTags as Record<string, string>;
    return view;
  }

  public getActionState(id: string): Promise<ActionState | undefined> {
    return this.actions.getActionState(id);
  }

  public applyAction(decision: ActionDecision): Promise<void> {
    return this.actions.applyAction(decision);
  }

  /**
   * Ends the suppression of a finding that is no longer SUPPRESSED (resolved meanwhile)
   * once its time has passed: out of the expiry index, `suppressedUntil` and
   * `suppressedBy` gone, version + 1 like every write.
   */
  public async leaveSuppressionIndex(id: string, expectedVersion: number): Promise<void> {
    try {
      const out = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.finding(id),
          UpdateExpression: 'SET version = :next REMOVE gsi3pk, suppressedUntil, suppressedBy',
          ConditionExpression: 'version = :expected',
          ExpressionAttributeValues: { ':next': expectedVersion + 1, ':expected': expectedVersion },
          ReturnConsumedCapacity: this.capacity.request,
        }),
      );
      this.capacity.record('UpdateItem', out.ConsumedCapacity);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new ConcurrentUpdateError(`finding ${id} changed since it was read`, { cause: error });
      throw error;
    }
  }

  /**
   * Ids of findings whose suppression ran out by `now`, from one shard of the sparse
   * suppression index (a Query on `suppressedUntil <= now`, oldest first).
   */
  public async dueSuppressions(shard: number, now: Date, limit: number, after?: Item): Promise<{ ids: string[]; last?: Item }> {
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: INDEXES.suppression,
        KeyConditionExpression: 'gsi3pk = :p AND suppressedUntil <= :now',
        ExpressionAttributeValues: { ':p': `SUP#${shard}`, ':now': now.toISOString() },
        Limit: limit,
        ReturnConsumedCapacity: this.capacity.request,
        ...(after ? { ExclusiveStartKey: after } : {}),
      }),
    );
    this.capacity.record('Query', out.ConsumedCapacity);
    return { ids: (out.Items ?? []).map((i) => String(i.pk).slice(2)), ...(out.LastEvaluatedKey ? { last: out.LastEvaluatedKey } : {}) };
  }
}

/**
 * The accounts the directory sync recorded (`pk = DIR`, `sk = A#<account id>`), read as
 * every function reads them: one Query over that partition (directory-reader.ts), whose
 * size is the organization's, not the findings'.
 */
export class DynamoDirectoryReader implements DirectoryReader {
  private readonly client: DynamoDBDocumentClient;

  public constructor(private readonly options: { tableName: string; client?: DynamoDBDocumentClient; onConsumedCapacity?: (operation: string, units: number) => void }) {
    this.client = options.client ?? createDocumentClient();
  }

  public async listAccounts(): Promise<DirectoryAccount[]> {
    const record = this.options.onConsumedCapacity;
    const accounts = await loadDirectory(this.client, this.options.tableName, record ? { onConsumedCapacity: (units) => record('Query', units) } : {});
    return accounts.map((a) => ({ accountId: a.id, ...(a.name ? { name: a.name } : {}), ...(a.status ? { status: a.status } : {}), ...(a.ouPath ? { ouPath: a.ouPath } : {}) }));
  }
}

/**
 * The maintained counts (layout in query-keys.ts): for all teams, one Query per shard
 * (`pk = AGG#<n>`); for some teams, one per shard and team (`begins_with(sk, T#<team>#)`).
 * The cost grows with teams and accounts, never with findings.
 */
export class DynamoCounterReader implements CounterReader {
  private readonly client: DynamoDBDocumentClient;

  public constructor(private readonly options: { tableName: string; client?: DynamoDBDocumentClient; onConsumedCapacity?: (operation: string, units: number) => void }) {
    this.client = options.client ?? createDocumentClient();
  }

  public async readCounters(teams: string[] | 'all'): Promise<CounterRow[]> {
    const queries: Array<{ shard: number; team?: string }> = [];
    for (let shard = 0; shard < COUNTER_SHARDS; shard++) {
      if (teams === 'all') queries.push({ shard });
      else for (const team of teams) queries.push({ shard, team });
    }
    const pages = await Promise.all(queries.map((q) => this.queryAll(q.shard, q.team)));
    return pages.flat().flatMap((item) => {
      const team = item.team;
      if (typeof team !== 'string') return [];
      const cells: Partial<Record<Cell, number>> = {};
      for (const cell of CELLS) if (typeof item[cell] === 'number' && item[cell] !== 0) cells[cell] = item[cell] as number;
      return [{ team, ...(typeof item.accountId === 'string' ? { accountId: item.accountId } : {}), cells }];
    });
  }

  private async queryAll(shard: number, team?: string): Promise<Item[]> {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.options.tableName,
          KeyConditionExpression: team === undefined ? 'pk = :pk' : 'pk = :pk AND begins_with(sk, :t)',
          ExpressionAttributeValues: { ':pk': aggregateKeys.partition(shard), ...(team === undefined ? {} : { ':t': aggregateKeys.teamPrefix(team) }) },
          ReturnConsumedCapacity: this.options.onConsumedCapacity ? 'TOTAL' : undefined,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      if (out.ConsumedCapacity) this.options.onConsumedCapacity?.('Query', out.ConsumedCapacity.CapacityUnits ?? 0);
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }
}
