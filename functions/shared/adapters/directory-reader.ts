import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DirectoryAccount, DirectorySource } from '../core/routing/directory.js';

/**
 * Directory items in the findings table (single table; see docs/design.md):
 *
 * | item    | pk    | sk            | indexed |
 * |---------|-------|---------------|---------|
 * | account | `DIR` | `A#<account>` | no      |
 *
 * One partition holds the whole directory, so one Query reads it (about 300 bytes an
 * account: 1,000 accounts are a single 1 MB page, ~37 read units eventually consistent).
 * It is written by the scheduled sync only (directory-store.ts), and only where something
 * changed; every other function only reads it, through this file, with Query alone.
 */
export const directoryKeys = {
  partition: 'DIR',
  account: (id: string) => ({ pk: 'DIR', sk: `A#${id}` }),
};

export interface StoredAccount extends DirectoryAccount {
  /** When this item was last written (it is written only when the account changed). */
  syncedAt: string;
}

export function accountOf(item: Record<string, unknown>): StoredAccount {
  const { pk: _pk, sk: _sk, ...account } = item;
  return { tags: {}, ...account } as StoredAccount;
}

/** Every stored account, REMOVED ones included, by Query over the directory partition (never Scan). */
export async function loadDirectory(
  client: DynamoDBDocumentClient,
  tableName: string,
  options: { consistent?: boolean; onConsumedCapacity?: (units: number) => void } = {},
): Promise<StoredAccount[]> {
  const accounts: StoredAccount[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :account)',
        ExpressionAttributeValues: { ':pk': directoryKeys.partition, ':account': 'A#' },
        ConsistentRead: options.consistent ?? false,
        ExclusiveStartKey: start,
        ...(options.onConsumedCapacity ? { ReturnConsumedCapacity: 'TOTAL' as const } : {}),
      }),
    );
    options.onConsumedCapacity?.(out.ConsumedCapacity?.CapacityUnits ?? 0);
    for (const item of out.Items ?? []) accounts.push(accountOf(item));
    start = out.LastEvaluatedKey;
  } while (start);
  return accounts;
}

/** The directory as the functions that route read it (wrap it in a CachedDirectory). */
export function dynamoDirectorySource(client: DynamoDBDocumentClient, tableName: string): DirectorySource {
  return { listAccounts: () => loadDirectory(client, tableName) };
}
