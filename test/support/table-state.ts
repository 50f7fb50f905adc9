import { paginateScan, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * Every item of a table, sorted by key, minus the attributes that record when or in
 * which order Vigil wrote (TTL timestamps): what "the same table state" compares.
 * A test helper only: Vigil itself never scans.
 */
export async function tableState(client: DynamoDBDocumentClient, tableName: string, omit: string[] = ['expiresAt']): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for await (const page of paginateScan({ client }, { TableName: tableName, ConsistentRead: true })) {
    for (const item of page.Items ?? []) {
      const copy = { ...item };
      for (const key of omit) delete copy[key];
      items.push(copy);
    }
  }
  return items.sort((a, b) => `${a.pk}|${a.sk}`.localeCompare(`${b.pk}|${b.sk}`));
}
