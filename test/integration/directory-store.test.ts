import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { CachedDirectory } from '../../functions/shared/adapters/cached-directory.js';
import { DynamoDirectoryStore } from '../../functions/shared/adapters/directory-store.js';
import type { DirectoryAccount } from '../../functions/shared/core/routing/directory.js';
import { freshTables, localDocumentClient } from '../support/tables.js';

/** A document client that records the name of every low-level command it sends (`BatchWriteItemCommand`, `QueryCommand`, ...). */
function recordingClient() {
  const client = localDocumentClient();
  const commands: string[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      commands.push(context.commandName ?? 'unknown');
      return next(args);
    },
    { step: 'initialize', name: 'recordCommands' },
  );
  return { client, commands };
}

const WRITES = new Set(['BatchWriteItemCommand', 'PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand', 'TransactWriteItemsCommand']);

function organization(): DirectoryAccount[] {
  return [
    { id: '746869318262', name: 'payments-prod', email: 'aws+payments-prod@example.com', status: 'ACTIVE', ouPath: '/Root/Workloads/Payments', tags: { 'owner-team': 'payments' } },
    { id: '119399605612', name: 'payments-staging', email: 'aws+payments-staging@example.com', status: 'ACTIVE', ouPath: '/Root/Workloads/Payments', tags: {} },
    { id: '775397712397', name: 'data-lake-prod', email: 'aws+data-lake-prod@example.com', status: 'ACTIVE', ouPath: '/Root/Workloads/Data', tags: { environment: 'production' } },
  ];
}

describe('directory store on DynamoDB Local', () => {
  let tableName: string;
  let recorded: ReturnType<typeof recordingClient>;
  let writeUnits: number;
  let clock: Date;
  let store: DynamoDirectoryStore;

  beforeEach(async () => {
    tableName = (await freshTables()).FindingsTable as string;
    recorded = recordingClient();
    writeUnits = 0;
    clock = new Date('2026-06-01T00:00:00.000Z');
    store = new DynamoDirectoryStore({
      tableName,
      client: recorded.client,
      now: () => clock,
      onConsumedCapacity: (operation, units) => {
        if (operation === 'BatchWriteItem') writeUnits += units;
      },
    });
  });

  const writes = () => recorded.commands.filter((c) => WRITES.has(c));

  it('writes every account on the first sync, under pk DIR / sk A#<id>', async () => {
    // Act
    const summary = await store.sync(organization());

    // Assess
    expect(summary).toEqual({ added: ['746869318262', '119399605612', '775397712397'], changed: [], removed: [], unchanged: 0, written: 3 });
    expect(writes()).toEqual(['BatchWriteItemCommand']);
    expect(writeUnits).toBe(3);
    const item = await localDocumentClient().send(new GetCommand({ TableName: tableName, Key: { pk: 'DIR', sk: 'A#746869318262' } }));
    expect(item.Item).toEqual({
      pk: 'DIR',
      sk: 'A#746869318262',
      id: '746869318262',
      name: 'payments-prod',
      email: 'aws+payments-prod@example.com',
      status: 'ACTIVE',
      ouPath: '/Root/Workloads/Payments',
      tags: { 'owner-team': 'payments' },
      syncedAt: '2026-06-01T00:00:00.000Z',
    });
  });

  it('writes nothing when a second sync finds the same organization', async () => {
    // Prepare
    await store.sync(organization());
    recorded.commands.length = 0;
    writeUnits = 0;
    clock = new Date('2026-06-01T01:00:00.000Z');

    // Act: same content, other object identity and tag order
    const summary = await store.sync(organization().reverse().map((a) => ({ ...a, tags: Object.fromEntries(Object.entries(a.tags).reverse()) })));

    // Assess
    expect(summary).toEqual({ added: [], changed: [], removed: [], unchanged: 3, written: 0 });
    expect(writes()).toEqual([]);
    expect(recorded.commands).toEqual(['QueryCommand']);
    expect(writeUnits).toBe(0);
  });

  it('writes only what changed, and marks an account that left REMOVED instead of deleting it', async () => {
    // Prepare
    await store.sync(organization());
    recorded.commands.length = 0;
    clock = new Date('2026-06-02T00:00:00.000Z');
    const [prod, staging] = organization();
    const next = [{ ...(prod as DirectoryAccount), tags: { 'owner-team': 'platform' } }, staging as DirectoryAccount];

    // Act
    const summary = await store.sync(next);
    const again = await store.sync(next);

    // Assess
    expect(summary).toEqual({ added: [], changed: ['746869318262'], removed: ['775397712397'], unchanged: 1, written: 2 });
    expect(again.written).toBe(0);
    const stored = await store.loadAll();
    expect(stored.find((a) => a.id === '775397712397')).toEqual({ ...organization()[2], status: 'REMOVED', syncedAt: '2026-06-02T00:00:00.000Z' });
    expect(stored.find((a) => a.id === '746869318262')).toMatchObject({ tags: { 'owner-team': 'platform' }, syncedAt: '2026-06-02T00:00:00.000Z' });
    expect(stored.find((a) => a.id === '119399605612')?.syncedAt).toBe('2026-06-01T00:00:00.000Z');
    expect(await store.getAccount('775397712397')).toMatchObject({ status: 'REMOVED', ouPath: '/Root/Workloads/Data' });
  });

  it('brings a REMOVED account back when it returns', async () => {
    await store.sync(organization());
    await store.sync(organization().slice(0, 2));
    const summary = await store.sync(organization());
    expect(summary.changed).toEqual(['775397712397']);
    expect((await store.getAccount('775397712397'))?.status).toBe('ACTIVE');
  });

  it('refuses an empty listing', async () => {
    await store.sync(organization());
    await expect(store.sync([])).rejects.toThrow(/refusing to sync an empty organization/);
    expect((await store.loadAll()).every((a) => a.status === 'ACTIVE')).toBe(true);
  });

  it('loadAll reads by Query only, across pages, and ignores other items of the table', async () => {
    // Prepare: 1,000 accounts of about 1.1 KB (two 1 MB pages), a finding, and another item of the DIR partition
    const many: DirectoryAccount[] = Array.from({ length: 1000 }, (_, i) => ({
      id: String(100_000_000_000 + i),
      name: `account-${i}-${'x'.repeat(1000)}`,
      email: `aws+${i}@example.com`,
      status: 'ACTIVE',
      ouPath: `/Root/Workloads/OU-${i % 10}`,
      tags: { 'owner-team': `team-${i % 7}` },
    }));
    const sync = await store.sync(many);
    expect(recorded.commands.filter((c) => c === 'BatchWriteItemCommand')).toHaveLength(40);
    expect(sync.written).toBe(1000);
    const other = localDocumentClient();
    await other.send(new PutCommand({ TableName: tableName, Item: { pk: 'F#0123', sk: 'F', team: 'payments' } }));
    await other.send(new PutCommand({ TableName: tableName, Item: { pk: 'DIR', sk: 'META', lastSync: 'x' } }));
    recorded.commands.length = 0;

    // Act
    const all = await store.loadAll();

    // Assess
    expect(all).toHaveLength(1000);
    expect(recorded.commands).toHaveLength(2); // 1.1 MB: two pages
    expect(new Set(recorded.commands)).toEqual(new Set(['QueryCommand']));
  });

  it('serves routing lookups through CachedDirectory with one Query', async () => {
    // Prepare
    await store.sync(organization());
    recorded.commands.length = 0;
    const directory = new CachedDirectory(store);

    // Act
    for (let i = 0; i < 1000; i++) await directory.getAccount(i % 2 ? '746869318262' : '999999999999');

    // Assess
    expect(recorded.commands).toEqual(['QueryCommand']);
    expect(await directory.getAccount('746869318262')).toMatchObject({ name: 'payments-prod' });
  });
});
