import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import {
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListRootsCommand,
  ListTagsForResourceCommand,
  OrganizationsClient,
  type Account,
  type OrganizationsClientConfig,
} from '@aws-sdk/client-organizations';
import { limiter } from '../core/concurrency.js';
import { VigilError } from '../core/errors.js';
import type { DirectoryAccount, DirectorySource } from '../core/routing/directory.js';

type Credentials = NonNullable<OrganizationsClientConfig['credentials']>;

/**
 * Retry settings of the Organizations client, explicit rather than inherited. The SDK's
 * retry strategy classifies `TooManyRequestsException` as throttling and retries it with
 * exponential backoff and full jitter (base 1 s for throttling, capped at 20 s). A sync
 * makes about a thousand calls in a burst and Organizations' request rate is low, so:
 * more attempts than the default 3, and `adaptive` mode, whose client-side rate limiter
 * slows the whole client down once it has been throttled instead of letting every
 * concurrent call find out for itself.
 */
export const ORGANIZATIONS_RETRY = { maxAttempts: 8, retryMode: 'adaptive' } as const;

/** Organizations' maximum page size for ListAccountsForParent and ListOrganizationalUnitsForParent. */
export const ORGANIZATIONS_PAGE_SIZE = 20;

export interface OrganizationsClientOptions {
  /** Makes the credentials of `roleArn`; default: STS AssumeRole, refreshed before expiry. */
  credentialsForRole?: (roleArn: string) => Credentials;
  maxAttempts?: number;
  retryMode?: 'standard' | 'adaptive';
  /** Anything else for the client (endpoint, requestHandler for tests); region defaults to us-east-1. */
  clientConfig?: Omit<OrganizationsClientConfig, 'credentials' | 'maxAttempts' | 'retryMode'>;
}

/**
 * The Organizations client for the directory sync. The organization is only readable from
 * the management account (or a delegated administrator), so Vigil assumes `roleArn` there
 * (infra/ ships the role); without `roleArn` the default credential chain is used, which is
 * right when the sync already runs in that account. Organizations is a global service
 * served from us-east-1 in the commercial partition.
 */
export function createOrganizationsClient(roleArn?: string, options: OrganizationsClientOptions = {}): OrganizationsClient {
  let credentials: Credentials | undefined;
  if (roleArn) {
    const forRole = options.credentialsForRole ?? ((RoleArn: string) => fromTemporaryCredentials({ params: { RoleArn, RoleSessionName: 'vigil-directory-sync' } }));
    credentials = forRole(roleArn);
  }
  return new OrganizationsClient({
    region: 'us-east-1',
    ...options.clientConfig,
    ...(credentials ? { credentials } : {}),
    maxAttempts: options.maxAttempts ?? ORGANIZATIONS_RETRY.maxAttempts,
    retryMode: options.retryMode ?? ORGANIZATIONS_RETRY.retryMode,
  });
}

export interface FetchOrganizationOptions {
  /** Calls in flight at once (tree walk and tags). Default 4: fast enough, gentle on the rate limit. */
  concurrency?: number;
}

/**
 * Reads every account of the organization: name, email, state, OU path and tags.
 *
 * Walks the tree from each root: per parent (the root, then every OU) one
 * `ListOrganizationalUnitsForParent` and one `ListAccountsForParent`, each paginated by 20;
 * then one `ListTagsForResource` per account. For A accounts under P parents (OUs + roots):
 * `roots + Σ ⌈OUs per parent / 20⌉ + Σ ⌈accounts per parent / 20⌉ + A` calls, at least one
 * page per parent. 1,000 accounts in 10 OUs: 1 + 11 + 51 + 1,000 = 1,063 calls.
 *
 * The alternative, `ListAccounts` then `ListParents` per account, costs 50 pages + 1,000
 * ListParents + the same OU walk for the OU names + 1,000 tag calls (over 2,060 calls):
 * the walk gives each account its parent for free. Tags have no bulk API.
 *
 * Accounts come back sorted by id. Throttling is left to the client's retry strategy
 * ({@link ORGANIZATIONS_RETRY}); any other error fails the whole fetch: a partial
 * directory would mark the missing accounts removed.
 */
export async function fetchOrganization(client: OrganizationsClient, options: FetchOrganizationOptions = {}): Promise<DirectoryAccount[]> {
  const run = limiter(options.concurrency ?? 4);
  const placed: Array<{ account: Account; ouPath: string }> = [];

  const walk = async (parentId: string, path: string): Promise<void> => {
    const [ous] = await Promise.all([
      run(() =>
        allPages(
          (NextToken) => client.send(new ListOrganizationalUnitsForParentCommand({ ParentId: parentId, MaxResults: ORGANIZATIONS_PAGE_SIZE, ...(NextToken ? { NextToken } : {}) })),
          (page) => page.OrganizationalUnits,
        ),
      ),
      run(async () => {
        const accounts = await allPages(
          (NextToken) => client.send(new ListAccountsForParentCommand({ ParentId: parentId, MaxResults: ORGANIZATIONS_PAGE_SIZE, ...(NextToken ? { NextToken } : {}) })),
          (page) => page.Accounts,
        );
        for (const account of accounts) placed.push({ account, ouPath: path });
      }),
    ]);
    await Promise.all(ous.map((ou) => walk(required(ou.Id, 'OU id'), `${path}/${required(ou.Name, 'OU name')}`)));
  };

  const roots = await allPages((NextToken) => client.send(new ListRootsCommand(NextToken ? { NextToken } : {})), (page) => page.Roots);
  await Promise.all(roots.map((root) => walk(required(root.Id, 'root id'), `/${root.Name ?? 'Root'}`)));

  const accounts = await Promise.all(
    placed.map(({ account, ouPath }) =>
      run(async () => {
        const id = required(account.Id, 'account id');
        const tagList = await allPages(
          (NextToken) => client.send(new ListTagsForResourceCommand({ ResourceId: id, ...(NextToken ? { NextToken } : {}) })),
          (page) => page.Tags,
        );
        const tags: Record<string, string> = {};
        for (const tag of tagList) if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? '';
        return {
          id,
          name: account.Name ?? '',
          email: account.Email ?? '',
          // `Status` is retired in September 2026 in favour of `State`.
          status: account.State ?? account.Status ?? 'UNKNOWN',
          ouPath,
          tags,
        } satisfies DirectoryAccount;
      }),
    ),
  );
  return accounts.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The live organization as a directory source; put a CachedDirectory or the cache table in front of it. */
export function organizationsSource(client: OrganizationsClient, options?: FetchOrganizationOptions): DirectorySource {
  return { listAccounts: () => fetchOrganization(client, options) };
}

/**
 * Every item of a paginated list. Each page is a fresh request object: the SDK's paginators
 * reuse and mutate one input object across pages, which makes recorded calls lie.
 */
async function allPages<P extends { NextToken?: string | undefined }, T>(page: (token: string | undefined) => Promise<P>, items: (page: P) => T[] | undefined): Promise<T[]> {
  const all: T[] = [];
  let token: string | undefined;
  do {
    const out = await page(token);
    all.push(...(items(out) ?? []));
    // A token repeated back would loop forever; Organizations does not do it, but be sure.
    token = out.NextToken && out.NextToken !== token ? out.NextToken : undefined;
  } while (token);
  return all;
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new VigilError(`Organizations returned no ${what}`);
  return value;
}
