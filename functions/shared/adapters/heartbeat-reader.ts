import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { HeartbeatRecord } from '../core/coverage.js';
import { HEARTBEAT_SHARDS } from './heartbeat-keys.js';

/** Every account and Region's last heartbeat, by Query over the heartbeat partitions (never Scan). */
export async function loadHeartbeats(client: DynamoDBDocumentClient, tableName: string): Promise<HeartbeatRecord[]> {
  const records: HeartbeatRecord[] = [];
  for (let shard = 0; shard < HEARTBEAT_SHARDS; shard++) records.push(...(await loadShard(client, tableName, `HB#${shard}`)));
  return records;
}

async function loadShard(client: DynamoDBDocumentClient, tableName: string, pk: string): Promise<HeartbeatRecord[]> {
  const records: HeartbeatRecord[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ProjectionExpression: 'accountId, #region, lastHeartbeat',
        ExpressionAttributeNames: { '#region': 'region' },
        ExclusiveStartKey: start,
      }),
    );
    for (const item of out.Items ?? []) records.push({ accountId: String(item.accountId), region: String(item.region), lastHeartbeat: String(item.lastHeartbeat) });
    start = out.LastEvaluatedKey;
  } while (start);
  return records;
}
