import { BatchWriteCommand, DynamoDBDocumentClient, GetCommand, type BatchWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { VigilError } from '../core/errors.js';
import type { Directory, DirectoryAccount } from '../core/routing/directory.js';
import { accountOf, directoryKeys, loadDirectory, type StoredAccount } from './directory-reader.js';
import { createDocumentClient } from './dynamodb-client.js';
import { CapacityMeter } from './consumed-capacity.js';

export { directoryKeys, type StoredAccount } from './directory-reader.js';

/** Status of an account that has left the organization: kept, for the findings it has. */
export const REMOVED = 'REMOVED';

export interface DirectorySyncSummary {
  added: string[];
  changed: string[];
  /** Accounts no longer in the organization, now marked REMOVED. */
  removed: string[];
  unchanged: number;
  /** Items written: added + changed + removed. */
  written: number;
}

export interface DynamoDirectoryStoreOptions {
  tableName: string;
  client?: DynamoDBDocumentClient;
  /** Current time, injectable for tests. */
  now?: () => Date;
  /** Receives the consumed capacity of every request (benchmarks and tests). */
  onConsumedCapacity?: (operation: string, units: number) => void;
}

/** BatchWriteItem takes at most 25 items. */
const BATCH_SIZE = 25;
/** Unprocessed items (throttling) are retried this many times, with backoff, before the sync fails. */
const MAX_BATCH_ATTEMPTS = 8;

/**
 * The organization directory cached in the findings table. The sync writes it from AWS
 * Organizations; routing reads it (through a CachedDirectory) instead of calling
 * Organizations, which lives in the management account and is rate-limited.
 */
export class DynamoDirectoryStore implements Directory {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly now: () => Date;
  private readonly capacity: CapacityMeter;

  public constructor(options: DynamoDirectoryStoreOptions) {
    this.client = options.client ?? createDocumentClient();
    this.tableName = options.tableName;
    this.now = options.now ?? (() => new Date());
    this.capacity = new CapacityMeter(options.onConsumedCapacity);
  }

  /** Every stored account, REMOVED ones included, by Query over the directory partition (never Scan). */
  public loadAll(consistent = false): Promise<StoredAccount[]> {
    return loadDirectory(this.client, this.tableName, {
      consistent,
      ...(this.capacity.request ? { onConsumedCapacity: (units: number) => this.capacity.record('Query', { CapacityUnits: units }) } : {}),
    });
  }

  public listAccounts(): Promise<DirectoryAccount[]> {
    return this.loadAll();
  }

  public async getAccount(id: string): Promise<StoredAccount | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: directoryKeys.account(id), ReturnConsumedCapacity: this.capacity.request }));
    this.capacity.record('GetItem', out.ConsumedCapacity);
    return out.Item ? accountOf(out.Item) : undefined;
  }

  /**
   * Makes the stored directory what `accounts` says (a full listing of the organization):
   * writes new and changed accounts, marks accounts that are gone REMOVED, and writes
   * nothing for the rest. A second sync of the same organization writes nothing.
   *
   * @throws VigilError on an empty listing: every organization has its management account,
   * and marking all accounts removed would lose every account's ownership.
   */
  public async sync(accounts: readonly DirectoryAccount[]): Promise<DirectorySyncSummary> {
    if (accounts.length === 0) throw new VigilError('refusing to sync an empty organization: every account would be marked REMOVED');
    const stored = new Map((await this.loadAll(true)).map((a) => [a.id, a]));
    const syncedAt = this.now().toISOString();
    const summary: DirectorySyncSummary = { added: [], changed: [], removed: [], unchanged: 0, written: 0 };
    const writes: StoredAccount[] = [];
    const seen = new Set<string>();
    for (const account of accounts) {
      seen.add(account.id);
      const before = stored.get(account.id);
      if (before && sameAccount(before, account)) {
        summary.unchanged++;
        continue;
      }
      (before ? summary.changed : summary.added).push(account.id);
      writes.push({ id: account.id, name: account.name, email: account.email, status: account.status, ouPath: account.ouPath, tags: { ...account.tags }, syncedAt });
    }
    for (const before of stored.values()) {
      if (seen.has(before.id) || before.status === REMOVED) continue;
      summary.removed.push(before.id);
      writes.push({ ...before, status: REMOVED, syncedAt });
    }
    await this.writeAll(writes);
    summary.written = writes.length;
    return summary;
  }

  private async writeAll(accounts: readonly StoredAccount[]): Promise<void> {
    for (let i = 0; i < accounts.length; i += BATCH_SIZE) {
      let requests: NonNullable<BatchWriteCommandInput['RequestItems']>[string] = accounts
        .slice(i, i + BATCH_SIZE)
        .map((account) => ({ PutRequest: { Item: { ...directoryKeys.account(account.id), ...account } } }));
      for (let attempt = 1; requests.length > 0; attempt++) {
        if (attempt > MAX_BATCH_ATTEMPTS) throw new VigilError(`directory sync: ${requests.length} writes still unprocessed after ${MAX_BATCH_ATTEMPTS} attempts`);
        if (attempt > 1) await sleep(Math.random() * Math.min(5_000, 50 * 2 ** attempt));
        const out = await this.client.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: requests }, ReturnConsumedCapacity: this.capacity.request }));
        this.capacity.record('BatchWriteItem', out.ConsumedCapacity);
        requests = out.UnprocessedItems?.[this.tableName] ?? [];
      }
    }
  }
}

function sameAccount(a: DirectoryAccount, b: DirectoryAccount): boolean {
  return a.name === b.name && a.email === b.email && a.status === b.status && a.ouPath === b.ouPath && sameTags(a.tags, b.tags);
}

function sameTags(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
