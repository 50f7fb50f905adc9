import 'aws-sdk-client-mock-vitest/extend';
import { Readable } from 'node:stream';
import {
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListRootsCommand,
  ListTagsForResourceCommand,
  OrganizationsClient,
  TooManyRequestsException,
  type Account,
  type OrganizationalUnit,
  type Tag,
} from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { CachedDirectory } from '../../../functions/shared/adapters/cached-directory.js';
import {
  createOrganizationsClient,
  fetchOrganization,
  ORGANIZATIONS_RETRY,
  organizationsSource,
} from '../../../functions/shared/adapters/organizations-directory.js';

/** An organization as Organizations would serve it; `pageSize` below 20 forces pagination. */
interface FakeOrg {
  roots: Array<{ Id: string; Name: string }>;
  ous: Record<string, OrganizationalUnit[]>;
  accounts: Record<string, Account[]>;
  tags: Record<string, Tag[]>;
  pageSize?: number;
}

/** Serves a page of `items` for a request, with the offset as token, as Organizations does (opaque token, short pages allowed). */
function page<T>(items: T[], input: { NextToken?: string; MaxResults?: number }, pageSize: number) {
  const start = input.NextToken ? Number(input.NextToken.slice('page-'.length)) : 0;
  const size = Math.min(input.MaxResults ?? Number.MAX_SAFE_INTEGER, pageSize);
  const end = start + size;
  return { items: items.slice(start, end), ...(end < items.length ? { NextToken: `page-${end}` } : {}) };
}

const stubOf = (client: OrganizationsClient) => mockClient(client);
/** The mock of the client the current test uses (aws-sdk-client-mock on one instance, not the class). */
let org: ReturnType<typeof stubOf>;

/** A client whose send() serves `model`; `org` records its calls. */
function serve(model: FakeOrg): OrganizationsClient {
  const client = new OrganizationsClient({ region: 'us-east-1' });
  org = stubOf(client);
  const size = model.pageSize ?? 20;
  org.on(ListRootsCommand).callsFake(async (input) => {
    const p = page(model.roots, input, size);
    return { Roots: p.items, NextToken: p.NextToken };
  });
  org.on(ListOrganizationalUnitsForParentCommand).callsFake(async (input) => {
    const p = page(model.ous[input.ParentId] ?? [], input, size);
    return { OrganizationalUnits: p.items, NextToken: p.NextToken };
  });
  org.on(ListAccountsForParentCommand).callsFake(async (input) => {
    const p = page(model.accounts[input.ParentId] ?? [], input, size);
    return { Accounts: p.items, NextToken: p.NextToken };
  });
  org.on(ListTagsForResourceCommand).callsFake(async (input) => {
    const p = page(model.tags[input.ResourceId] ?? [], input, size);
    return { Tags: p.items, NextToken: p.NextToken };
  });
  return client;
}

function acct(id: string, name: string, state: Account['State'] = 'ACTIVE'): Account {
  return { Id: id, Arn: `arn:aws:organizations::999988887777:account/o-demo/${id}`, Name: name, Email: `aws+${name}@example.com`, Status: 'ACTIVE', State: state };
}

/** Three levels, pages of two: the root's OUs, Payments' accounts and one account's tags take two pages each. */
const SMALL: FakeOrg = {
  pageSize: 2,
  roots: [{ Id: 'r-a1b2', Name: 'Root' }],
  ous: {
    'r-a1b2': [
      { Id: 'ou-a1b2-sec', Name: 'Security' },
      { Id: 'ou-a1b2-wl', Name: 'Workloads' },
      { Id: 'ou-a1b2-sbx', Name: 'Sandbox' },
    ],
    'ou-a1b2-wl': [
      { Id: 'ou-a1b2-pay', Name: 'Payments' },
      { Id: 'ou-a1b2-data', Name: 'Data' },
    ],
  },
  accounts: {
    'r-a1b2': [acct('999988887777', 'management')],
    'ou-a1b2-sec': [acct('123456789012', 'security-tooling')],
    'ou-a1b2-sbx': [acct('444455556666', 'sandbox-alice', 'SUSPENDED')],
    'ou-a1b2-pay': [acct('746869318262', 'payments-prod'), acct('119399605612', 'payments-staging'), acct('111111111111', 'payments-legacy')],
    'ou-a1b2-data': [acct('775397712397', 'data-lake-prod')],
  },
  tags: {
    '746869318262': [
      { Key: 'owner-team', Value: 'payments' },
      { Key: 'environment', Value: 'production' },
      { Key: 'cost-center', Value: 'CC-2001' },
    ],
    '775397712397': [{ Key: 'owner-team', Value: 'data' }],
  },
};

/** Every call made, as `[command, input]`, in a stable order (the walk runs calls concurrently). */
function callLog(): Array<[string, unknown]> {
  return org
    .calls()
    .map((call) => {
      const command = call.args[0] as { constructor: { name: string }; input: unknown };
      return [command.constructor.name, command.input] as [string, unknown];
    })
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

describe('directory: fetchOrganization', () => {
  it('walks the tree from the root and sends exactly these requests', async () => {
    // Prepare
    const client = serve(SMALL);

    // Act
    await fetchOrganization(client);

    // Assess
    const ous = (ParentId: string, NextToken?: string) => ['ListOrganizationalUnitsForParentCommand', { ParentId, MaxResults: 20, ...(NextToken ? { NextToken } : {}) }];
    const accounts = (ParentId: string, NextToken?: string) => ['ListAccountsForParentCommand', { ParentId, MaxResults: 20, ...(NextToken ? { NextToken } : {}) }];
    const tags = (ResourceId: string, NextToken?: string) => ['ListTagsForResourceCommand', { ResourceId, ...(NextToken ? { NextToken } : {}) }];
    const expected = [
      ['ListRootsCommand', {}],
      ous('r-a1b2'),
      ous('r-a1b2', 'page-2'),
      ous('ou-a1b2-sec'),
      ous('ou-a1b2-wl'),
      ous('ou-a1b2-sbx'),
      ous('ou-a1b2-pay'),
      ous('ou-a1b2-data'),
      accounts('r-a1b2'),
      accounts('ou-a1b2-sec'),
      accounts('ou-a1b2-wl'),
      accounts('ou-a1b2-sbx'),
      accounts('ou-a1b2-pay'),
      accounts('ou-a1b2-pay', 'page-2'),
      accounts('ou-a1b2-data'),
      tags('999988887777'),
      tags('123456789012'),
      tags('444455556666'),
      tags('746869318262'),
      tags('746869318262', 'page-2'),
      tags('119399605612'),
      tags('111111111111'),
      tags('775397712397'),
    ].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    expect(callLog()).toEqual(expected);
    expect(org).toHaveReceivedCommandTimes(ListRootsCommand, 1);
    expect(org).toHaveReceivedCommandTimes(ListOrganizationalUnitsForParentCommand, 7);
    expect(org).toHaveReceivedCommandTimes(ListAccountsForParentCommand, 7);
    expect(org).toHaveReceivedCommandTimes(ListTagsForResourceCommand, 8);
    expect(org).toHaveReceivedCommandWith(ListOrganizationalUnitsForParentCommand, { ParentId: 'r-a1b2', MaxResults: 20, NextToken: 'page-2' });
    expect(org).toHaveReceivedCommandWith(ListAccountsForParentCommand, { ParentId: 'ou-a1b2-pay', MaxResults: 20, NextToken: 'page-2' });
    expect(org).toHaveReceivedCommandWith(ListTagsForResourceCommand, { ResourceId: '746869318262', NextToken: 'page-2' });
  });

  it('builds OU paths of nested OUs, joins tag pages and reads the account state', async () => {
    // Prepare
    const client = serve(SMALL);

    // Act
    const accounts = await fetchOrganization(client);

    // Assess
    expect(accounts.map((a) => [a.id, a.ouPath])).toEqual([
      ['111111111111', '/Root/Workloads/Payments'],
      ['119399605612', '/Root/Workloads/Payments'],
      ['123456789012', '/Root/Security'],
      ['444455556666', '/Root/Sandbox'],
      ['746869318262', '/Root/Workloads/Payments'],
      ['775397712397', '/Root/Workloads/Data'],
      ['999988887777', '/Root'],
    ]);
    expect(accounts.find((a) => a.id === '746869318262')).toEqual({
      id: '746869318262',
      name: 'payments-prod',
      email: 'aws+payments-prod@example.com',
      status: 'ACTIVE',
      ouPath: '/Root/Workloads/Payments',
      tags: { 'owner-team': 'payments', environment: 'production', 'cost-center': 'CC-2001' },
    });
    expect(accounts.find((a) => a.id === '444455556666')).toMatchObject({ status: 'SUSPENDED', tags: {} });
  });

  it('fails as a whole when a call fails for good: a partial directory would mark accounts removed', async () => {
    // Prepare: aws-sdk-client-mock replaces send(), so this is the error after the SDK's retries.
    const client = serve(SMALL);
    org.on(ListTagsForResourceCommand, { ResourceId: '775397712397' }).rejects(new TooManyRequestsException({ message: 'Rate exceeded', $metadata: {} }));

    // Act / Assess
    await expect(fetchOrganization(client)).rejects.toBeInstanceOf(TooManyRequestsException);
  });
});

describe('directory: 1,000 accounts', () => {
  /** Root → 2 OUs → 4 OUs each: 10 OUs over two levels, 100 accounts in each, nothing at the root. */
  function largeOrg(): FakeOrg {
    const model: FakeOrg = { roots: [{ Id: 'r-big', Name: 'Root' }], ous: {}, accounts: {}, tags: {} };
    let n = 0;
    const fill = (ouId: string) => {
      model.accounts[ouId] = Array.from({ length: 100 }, () => {
        const id = String(100_000_000_000 + n++);
        model.tags[id] = [{ Key: 'owner-team', Value: `team-${n % 7}` }];
        return acct(id, `account-${n}`);
      });
    };
    model.ous['r-big'] = ['Workloads', 'Platform'].map((name) => ({ Id: `ou-${name.toLowerCase()}`, Name: name }));
    for (const top of model.ous['r-big']) {
      fill(top.Id as string);
      model.ous[top.Id as string] = [1, 2, 3, 4].map((i) => ({ Id: `${top.Id}-${i}`, Name: `${top.Name}-${i}` }));
      for (const child of model.ous[top.Id as string] ?? []) fill(child.Id as string);
    }
    return model;
  }

  it('syncs with roots + OU pages + account pages + one tag call per account', async () => {
    // Prepare
    const client = serve(largeOrg());

    // Act
    const accounts = await fetchOrganization(client);

    // Assess
    expect(accounts).toHaveLength(1000);
    const parents = 1 + 10; // the root and every OU
    const accountPages = 1 /* the root's empty page */ + 10 * Math.ceil(100 / 20);
    expect(org).toHaveReceivedCommandTimes(ListRootsCommand, 1);
    expect(org).toHaveReceivedCommandTimes(ListOrganizationalUnitsForParentCommand, parents);
    expect(org).toHaveReceivedCommandTimes(ListAccountsForParentCommand, accountPages);
    expect(org).toHaveReceivedCommandTimes(ListTagsForResourceCommand, 1000);
    expect(org.calls()).toHaveLength(1 + parents + accountPages + 1000); // 1,063
    expect(new Set(accounts.map((a) => a.ouPath)).size).toBe(10);
    expect(accounts.find((a) => a.id === '100000000999')?.ouPath).toBe('/Root/Platform/Platform-4');
  });

  it('after one load, 10,000 routing lookups through CachedDirectory make no further call', async () => {
    // Prepare
    const client = serve(largeOrg());
    let now = 0;
    const directory = new CachedDirectory(organizationsSource(client), { now: () => now });

    // Act: concurrent first lookups share one load
    const first = await Promise.all(Array.from({ length: 20 }, (_, i) => directory.getAccount(String(100_000_000_000 + i))));
    const afterLoad = org.calls().length;
    for (let i = 0; i < 10_000; i++) {
      now += 10; // 100 s in all, inside the 5-minute TTL
      await directory.getAccount(String(100_000_000_000 + (i % 1000)));
    }

    // Assess
    expect(first.every((a) => a !== undefined)).toBe(true);
    expect(afterLoad).toBe(1063);
    expect(org.calls()).toHaveLength(1063);
    expect(await directory.getAccount('999999999999')).toBeUndefined();
    expect(org.calls()).toHaveLength(1063);

    // Past the TTL, one reload.
    now += 5 * 60 * 1000;
    await directory.getAccount('100000000000');
    expect(org.calls()).toHaveLength(2 * 1063);
  });
});

/**
 * Throttling, through the real client: aws-sdk-client-mock replaces `send()` and with it
 * the SDK's middleware, retries included, so these tests answer at the HTTP layer instead.
 */
describe('directory: throttling', () => {
  type Reply = { status: number; body: unknown };
  const throttled: Reply = { status: 400, body: { __type: 'TooManyRequestsException', Message: 'AWS Organizations can\'t complete your request because another request is already in progress.' } };
  const ok = (body: unknown): Reply => ({ status: 200, body });

  /** A request handler that answers each operation from its own script, logging the operations sent. */
  function http(script: Record<string, Reply[]>) {
    const sent: string[] = [];
    const requestHandler = {
      handle: async (request: { headers: Record<string, string> }) => {
        const operation = (request.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
        sent.push(operation);
        const replies = script[operation] ?? [];
        const reply = (replies.length > 1 ? replies.shift() : replies[0]) ?? ok({});
        return {
          response: {
            statusCode: reply.status,
            headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'test' },
            body: Readable.from([Buffer.from(JSON.stringify(reply.body))]),
          },
        };
      },
      updateHttpClientConfig: () => undefined,
      httpHandlerConfigs: () => ({}),
    };
    return { sent, requestHandler };
  }

  const tinyOrg = (tagReplies: Reply[]) => ({
    ListRoots: [throttled, ok({ Roots: [{ Id: 'r-a1b2', Name: 'Root' }] })],
    ListOrganizationalUnitsForParent: [ok({ OrganizationalUnits: [] })],
    ListAccountsForParent: [ok({ Accounts: [{ Id: '746869318262', Name: 'payments-prod', Email: 'aws+payments-prod@example.com', State: 'ACTIVE' }] })],
    ListTagsForResource: tagReplies,
  });

  it('configures the retry strategy explicitly', async () => {
    const client = createOrganizationsClient();
    expect(await client.config.maxAttempts()).toBe(ORGANIZATIONS_RETRY.maxAttempts);
    expect(client.config.retryMode).toBe('adaptive');
    const strategy = (await (client.config.retryStrategy as () => Promise<{ mode: string }>)()) as { mode: string };
    expect(strategy.mode).toBe('adaptive');
    expect(await client.config.region()).toBe('us-east-1');
  });

  it('retries TooManyRequestsException with backoff, then succeeds', { timeout: 20_000 }, async () => {
    // Prepare
    const { sent, requestHandler } = http(tinyOrg([throttled, throttled, ok({ Tags: [{ Key: 'owner-team', Value: 'payments' }] })]));
    const client = createOrganizationsClient(undefined, { clientConfig: { requestHandler: requestHandler as never } });

    // Act
    const started = Date.now();
    const accounts = await fetchOrganization(client);

    // Assess
    expect(accounts).toEqual([
      { id: '746869318262', name: 'payments-prod', email: 'aws+payments-prod@example.com', status: 'ACTIVE', ouPath: '/Root', tags: { 'owner-team': 'payments' } },
    ]);
    expect(sent.filter((op) => op === 'ListRoots')).toHaveLength(2);
    expect(sent.filter((op) => op === 'ListTagsForResource')).toHaveLength(3);
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('gives up after maxAttempts with the service error', { timeout: 20_000 }, async () => {
    // Prepare
    const { sent, requestHandler } = http({ ListRoots: [throttled] });
    const client = createOrganizationsClient(undefined, { maxAttempts: 2, clientConfig: { requestHandler: requestHandler as never } });

    // Act / Assess
    await expect(fetchOrganization(client)).rejects.toBeInstanceOf(TooManyRequestsException);
    expect(sent).toEqual(['ListRoots', 'ListRoots']);
  });
});

describe('directory: createOrganizationsClient', () => {
  it('assumes the management-account role through the injected provider', async () => {
    // Prepare
    const asked: string[] = [];
    const credentialsForRole = (roleArn: string) => {
      asked.push(roleArn);
      return async () => ({ accessKeyId: 'AKIA-ROLE', secretAccessKey: 'secret', sessionToken: 'token' });
    };

    // Act
    const client = createOrganizationsClient('arn:aws:iam::999988887777:role/VigilDirectoryRead', { credentialsForRole });

    // Assess
    expect(asked).toEqual(['arn:aws:iam::999988887777:role/VigilDirectoryRead']);
    expect((await client.config.credentials()).accessKeyId).toBe('AKIA-ROLE');
  });

  it('assumes the management-account role through the provider it is given', async () => {
    // Prepare
    const asked: string[] = [];
    const credentials = async () => ({ accessKeyId: 'AKIAROLE', secretAccessKey: 'secret', sessionToken: 'token' });
    // Act
    const client = createOrganizationsClient('arn:aws:iam::999988887777:role/VigilDirectoryRead', { credentialsForRole: (arn) => (asked.push(arn), credentials) });
    // Assess
    expect(asked).toEqual(['arn:aws:iam::999988887777:role/VigilDirectoryRead']);
    expect(await client.config.credentials()).toMatchObject({ accessKeyId: 'AKIAROLE', sessionToken: 'token' });
    expect(await client.config.region()).toBe('us-east-1');
  });
});
