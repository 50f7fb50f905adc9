import { GetCommand, PutCommand, QueryCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { tokenCommand } from '../../cli/commands/token.js';
import { startLocalHttpApi, type HttpApiHandler } from '../../cli/local/http-api.js';
import { TableStreamReader } from '../../cli/local/table-stream.js';
import { directoryKeys } from '../../functions/shared/adapters/directory-reader.js';
import { localKey } from '../../functions/shared/adapters/cursor-key.js';
import { COUNTER_SHARDS } from '../../functions/shared/adapters/query-keys.js';
import { DynamoCounterReader, DynamoDirectoryReader, DynamoFindingQueries } from '../../functions/shared/adapters/dynamodb-finding-queries.js';
import { INDEXES, queryIndexKeys } from '../../functions/shared/adapters/query-keys.js';
import { DynamoFindingStore, keys } from '../../functions/shared/adapters/dynamodb-finding-store.js';
import { mintLocalToken } from '../../functions/shared/adapters/local-jwt.js';
import { SEVERITIES, STATUSES, severityRank, type Observation, type Severity, type Status } from '../../functions/shared/core/finding.js';
import { DEFAULT_FOLD_OPTIONS, fold } from '../../functions/shared/core/lifecycle.js';
import { OPEN_STATUSES } from '../../functions/shared/core/query/aggregates.js';
import { DEFAULT_CLAIMS_OPTIONS } from '../../functions/shared/core/query/caller.js';
import { createQueryService, type FindingReader, type QueryServiceDeps } from '../../functions/shared/core/query/service.js';
import { createApp } from '../../functions/query-api/app/router.js';
import { ACCOUNTS, RULES, TEAMS, applyDecision, batchWrite, counterItems, findingItem, generateFindings, type GeneratedFinding } from '../support/findings-generator.js';
import { admin, callApi, member, type ApiRequest, type ApiResponse, type Identity } from '../support/http-events.js';
import { openApiValidator } from '../support/openapi.js';
import { freshQueryTables } from '../support/query-tables.js';
import { lambdaContext } from '../support/sqs.js';
import { localClient, localDocumentClient } from '../support/tables.js';

const FINDINGS = 20_000;
const NOW = new Date('2026-03-01T00:00:00.000Z');
const HOUR = 3_600_000;
const openapi = openApiValidator();

// ------------------------------------------------------------------ metering

/** Read units and requests of the DynamoDB calls made through a client. */
class Meter {
  public units = 0;
  public requests: string[] = [];
  public reset(): void {
    this.units = 0;
    this.requests = [];
  }
}

/** A document client that asks every request for its consumed capacity, counts it, and fails any Scan. */
function meteredClient(meter: Meter): DynamoDBDocumentClient {
  const client = localDocumentClient();
  const send = client.send.bind(client) as (command: unknown) => Promise<Record<string, unknown>>;
  client.send = (async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
    const name = command.constructor.name.replace(/Command$/, '');
    if (name === 'Scan' || name === 'ExecuteStatement') throw new Error(`${name} is forbidden: every read must be a Query on a key or an index`);
    command.input.ReturnConsumedCapacity ??= 'TOTAL';
    const out = await send(command);
    const consumed = out.ConsumedCapacity as { CapacityUnits?: number } | Array<{ CapacityUnits?: number }> | undefined;
    for (const c of Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) meter.units += c.CapacityUnits ?? 0;
    meter.requests.push(name);
    return out;
  }) as DynamoDBDocumentClient['send'];
  return client;
}

// ------------------------------------------------------------------ the API under test

interface Api {
  meter: Meter;
  errors: unknown[];
  /** Calls the API and checks the response against the OpenAPI document. */
  call(request: ApiRequest): Promise<ApiResponse>;
  /** Calls the API, checking nothing (for routes the document does not have). */
  raw(request: ApiRequest): Promise<ApiResponse>;
}

/**
 * The query API's router over a table, every DynamoDB call metered and Scan-guarded,
 * every response checked against the OpenAPI document.
 */
function makeApi(tableName: string, overrides: Partial<QueryServiceDeps> = {}, wrap: (reader: FindingReader) => FindingReader = (r) => r): Api {
  const meter = new Meter();
  const client = meteredClient(meter);
  const errors: unknown[] = [];
  const service = createQueryService({
    findings: wrap(new DynamoFindingQueries({ tableName, client })),
    counters: new DynamoCounterReader({ tableName, client }),
    directory: new DynamoDirectoryReader({ tableName, client }),
    cursorKey: localKey('integration-test-cursor-key'),
    knownTeams: [...TEAMS],
    now: () => NOW,
    ...overrides,
  });
  const app = createApp({
    service,
    config: { claims: DEFAULT_CLAIMS_OPTIONS, adminPrincipalArns: ['arn:aws:iam::111122223333:role/vigil-reporter'] },
    logger: { error: (_message, detail) => errors.push(detail), warn: () => undefined },
  });
  const raw = (request: ApiRequest) => callApi((event, context) => app.resolve(event, context), request);
  return {
    meter,
    errors,
    raw,
    call: async (request) => {
      const response = await raw(request);
      const path = request.path.split('?')[0]!.replace(/^\/findings\/[^/]+/, '/findings/{id}');
      expect(openapi.check(request.method ?? 'GET', path, response.status, response.contentType, response.body), `${request.method ?? 'GET'} ${request.path} → ${response.status} ${JSON.stringify(response.body)?.slice(0, 300)}`).toEqual([]);
      return response;
    },
  };
}

type StreamHandler = (event: DynamoDBStreamEvent, context: Context) => Promise<void>;
type ExpiryHandler = (event: { time?: string }, context: Context) => Promise<{ reopened: number; cleared: number; conflicts: number }>;

/** Records in batches, as the event source mapping invokes a function. */
function streamBatches(records: DynamoDBRecord[], size: number): DynamoDBStreamEvent[] {
  const batches: DynamoDBStreamEvent[] = [];
  for (let i = 0; i < records.length; i += size) batches.push({ Records: records.slice(i, i + size) });
  return batches;
}

/** A function's real handler module, configured as the template fragment configures it, on DynamoDB Local. */
async function loadHandler<T>(module: string, env: Record<string, string>): Promise<T> {
  Object.assign(process.env, { AWS_ENDPOINT_URL_DYNAMODB: inject('dynamoEndpoint'), ...env });
  vi.resetModules();
  return (await import(module)).handler as T;
}

// ------------------------------------------------------------------ brute force

interface Filter {
  team?: string;
  account?: string;
  severities?: Severity[];
  statuses?: Status[];
  sources?: string[];
  rule?: string;
  since?: string;
  until?: string;
}

const sortKey = (f: GeneratedFinding) => `${f.lastSeenIdx}#${f.id}`;

/** What a listing must return: the findings the caller may see that pass the filter, newest lastSeenIdx first. */
function bruteForce(findings: readonly GeneratedFinding[], filter: Filter, visible: readonly string[] | 'all'): string[] {
  return findings
    .filter(
      (f) =>
        (visible === 'all' || visible.includes(f.team)) &&
        (!filter.team || f.team === filter.team) &&
        (!filter.account || f.accountId === filter.account) &&
        (!filter.severities || filter.severities.includes(f.severity)) &&
        (!filter.statuses || filter.statuses.includes(f.status)) &&
        (!filter.sources || filter.sources.includes(f.source)) &&
        (!filter.rule || f.rule === filter.rule) &&
        (!filter.since || f.lastSeenIdx >= filter.since) &&
        (!filter.until || f.lastSeenIdx <= filter.until),
    )
    .sort((a, b) => (sortKey(a) < sortKey(b) ? 1 : -1))
    .map((f) => f.id);
}

/** The counts a summary must show for these findings. */
function bruteCounts(findings: readonly GeneratedFinding[]) {
  const byStatus = Object.fromEntries(STATUSES.map((s) => [s, findings.filter((f) => f.status === s).length]));
  const open = findings.filter((f) => OPEN_STATUSES.includes(f.status));
  const openBySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, open.filter((f) => f.severity === s).length]));
  return { total: findings.length, open: open.length, byStatus, openBySeverity };
}

function bruteSummary(findings: readonly GeneratedFinding[]) {
  const group = (key: (f: GeneratedFinding) => string) => [...new Set(findings.map(key))].sort().map((k) => [k, bruteCounts(findings.filter((f) => key(f) === k))] as const);
  return {
    ...bruteCounts(findings),
    byTeam: group((f) => f.team).map(([team, c]) => ({ team, ...c })),
    byAccount: group((f) => f.accountId).map(([accountId, c]) => ({ accountId, ...c })),
  };
}

interface Listing {
  ids: string[];
  items: Array<Record<string, unknown>>;
  pages: number;
  shortPages: number;
  maxUnits: number;
}

/** Follows nextCursor to the end; every id in order, and what the pages cost. */
async function listAll(api: Api, identity: Identity, query: string, limit = 100): Promise<Listing> {
  const listing: Listing = { ids: [], items: [], pages: 0, shortPages: 0, maxUnits: 0 };
  let cursor: string | undefined;
  do {
    api.meter.reset();
    const response = await api.call({ path: `/findings?${query}${query ? '&' : ''}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, identity });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    listing.maxUnits = Math.max(listing.maxUnits, api.meter.units);
    listing.pages++;
    cursor = response.body.nextCursor;
    if (cursor && response.body.items.length < limit) listing.shortPages++;
    listing.items.push(...response.body.items);
    listing.ids.push(...response.body.items.map((i: { id: string }) => i.id));
  } while (cursor && listing.pages < 5000);
  return listing;
}

/** Runs tasks a few at a time. */
async function pool<T>(tasks: Array<() => Promise<T>>, concurrency: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < tasks.length) {
        const i = next++;
        results[i] = await tasks[i]!();
      }
    }),
  );
  return results;
}

// ------------------------------------------------------------------ filter combinations

/** The smallest team (about one finding in eight): cheap to read to the end many times. */
const TEAM = 'data';
/** One of data's accounts; routing by tag gives some of its findings to other teams. */
const SHARED_ACCOUNT = ACCOUNTS[22]!;
const RULE = RULES['aws.guardduty'][0]!;
const SINCE = '2026-01-15T00:00:00.000Z';
const UNTIL = '2026-02-10T00:00:00.000Z';

type Dimension = 'team' | 'account' | 'severity' | 'status' | 'source' | 'rule' | 'time';
const DIMENSIONS: Dimension[] = ['team', 'account', 'severity', 'status', 'source', 'rule', 'time'];

/** The filter for one subset of the dimensions, with representative values (alternating the forms of severity and time). */
function combination(mask: number): { query: string; filter: Filter; label: string } {
  const params = new URLSearchParams();
  const filter: Filter = {};
  const used = DIMENSIONS.filter((_, i) => mask & (1 << i));
  for (const dim of used) {
    if (dim === 'team') {
      params.set('team', TEAM);
      filter.team = TEAM;
    } else if (dim === 'account') {
      params.set('account', SHARED_ACCOUNT);
      filter.account = SHARED_ACCOUNT;
    } else if (dim === 'severity' && mask % 2 === 0) {
      params.set('severity', 'HIGH,CRITICAL');
      filter.severities = ['HIGH', 'CRITICAL'];
    } else if (dim === 'severity') {
      params.set('minSeverity', 'MEDIUM');
      filter.severities = SEVERITIES.filter((s) => severityRank(s) >= severityRank('MEDIUM'));
    } else if (dim === 'status') {
      params.append('status', 'OPEN');
      params.append('status', 'ACKNOWLEDGED');
      filter.statuses = ['OPEN', 'ACKNOWLEDGED'];
    } else if (dim === 'source') {
      params.set('source', 'aws.guardduty');
      filter.sources = ['aws.guardduty'];
    } else if (dim === 'rule') {
      params.set('rule', RULE);
      filter.rule = RULE;
    } else if (dim === 'time') {
      if (mask % 3 !== 1) {
        params.set('since', SINCE);
        filter.since = SINCE;
      }
      if (mask % 3 !== 2) {
        params.set('until', UNTIL);
        filter.until = UNTIL;
      }
    }
  }
  return { query: params.toString(), filter, label: used.join('+') || '(none)' };
}

/** A listing item as the generated state says it must read. */
function expectedItem(f: GeneratedFinding) {
  return {
    id: f.id,
    team: f.team,
    routedBy: f.routedBy,
    accountId: f.accountId,
    region: f.region,
    source: f.source,
    severity: f.severity,
    status: f.status,
    title: f.title,
    rule: f.rule,
    resource: { type: f.resourceType, id: f.resourceId },
    firstSeen: f.firstSeen,
    lastSeen: f.lastSeenIdx,
  };
}

// ============================================================================ 20,000 findings

describe(`query API on DynamoDB Local, ${FINDINGS.toLocaleString('en')} findings`, () => {
  let tableName: string;
  let findings: GeneratedFinding[];
  let api: Api;
  const byId = new Map<string, GeneratedFinding>();
  const ofTeam = (team: string) => findings.find((f) => f.team === team)!;

  beforeAll(async () => {
    // Prepare: no stream on this table (the counters are written with the findings).
    tableName = (await freshQueryTables({ stream: false })).FindingsTable!;
    findings = generateFindings({ count: FINDINGS, now: NOW });
    for (const f of findings) byId.set(f.id, f);
    const items = findings.map(findingItem);
    // The directory as the sync writes it: most accounts, and two with no findings at all.
    const directory = [...ACCOUNTS.slice(0, 20), '999900000001', '999900000002'].map((id) => ({
      ...directoryKeys.account(id),
      id,
      name: `account ${id}`,
      email: `aws+${id}@example.com`,
      status: 'ACTIVE',
      ouPath: '/Root/Workloads',
      tags: {},
      syncedAt: NOW.toISOString(),
    }));
    await batchWrite(localDocumentClient(), tableName, [...items, ...counterItems(items, COUNTER_SHARDS), ...directory], 6);
    api = makeApi(tableName);
  }, 120_000);

  it('returns exactly what a brute-force filter returns, for every combination of filters, every page', async () => {
    // Prepare: every subset of the seven filter dimensions. Subsets with a team or an
    // account ask as an admin; the others as a member of data (its team's partition of
    // byTeam: the same filters, an eighth of the reading of the all-findings index, which
    // the admin listings below cover).
    const dana = member('dana', TEAM);
    // An admin over the all-findings index first (the longest listings): unfiltered, and a filter mix.
    const combos: Array<ReturnType<typeof combination> & { identity: Identity; visible: 'all' | string[] }> = [0, (1 << 3) | (1 << 4) | (1 << 6)].map((mask) => ({ ...combination(mask), identity: admin(), visible: 'all' }));
    for (let mask = 0; mask < 1 << DIMENSIONS.length; mask++) {
      const c = combination(mask);
      const scoped = c.filter.team !== undefined || c.filter.account !== undefined;
      combos.push({ ...c, identity: scoped ? admin() : dana, visible: scoped ? 'all' : [TEAM] });
    }
    const wide = makeApi(tableName, { pageBudget: 4000 });
    // Act
    const results = await pool(
      combos.map((c) => () => listAll(wide, c.identity, c.query)),
      3,
    );
    // Assess
    let nonEmpty = 0;
    combos.forEach((c, i) => {
      const expected = bruteForce(findings, c.filter, c.visible);
      if (expected.length > 0) nonEmpty++;
      expect(results[i]!.ids, `${c.label}: ${c.query}`).toEqual(expected);
    });
    expect(nonEmpty).toBeGreaterThan(110);
    // The admin's unfiltered listing visited every finding once, each exactly as stored.
    const all = results[0]!;
    expect(new Set(all.ids).size).toBe(FINDINGS);
    expect(all.items).toEqual(bruteForce(findings, {}, 'all').map((id) => expectedItem(byId.get(id)!)));
  }, 120_000);

  it('pages by the limit asked (50 by default), each page bounded, visiting every item once', async () => {
    // Act
    const first = await api.call({ path: '/findings?team=data', identity: admin() });
    const odd = await listAll(api, member('dana', 'data'), 'team=data', 37);
    // Assess
    expect(first.body.items).toHaveLength(50);
    expect(odd.ids).toEqual(bruteForce(findings, { team: 'data' }, 'all'));
    expect(odd.pages).toBe(Math.ceil(odd.ids.length / 37) + (odd.ids.length % 37 === 0 ? 1 : 0));
  });

  it('returns short (even empty) pages with a cursor when a selective filter meets the page budget, and still every match', async () => {
    // Act: about 1 finding in 200 matches, over the all-findings index
    const query = 'source=aws.cloudtrail&status=SUPPRESSED&severity=CRITICAL&since=2026-01-01T00:00:00Z';
    const listing = await listAll(api, admin(), query, 20);
    // Assess
    expect(listing.ids).toEqual(bruteForce(findings, { sources: ['aws.cloudtrail'], statuses: ['SUPPRESSED'], severities: ['CRITICAL'], since: '2026-01-01T00:00:00.000Z' }, 'all'));
    expect(listing.shortPages).toBeGreaterThan(3);
    expect(listing.maxUnits).toBeLessThanOrEqual(60);
  });

  describe('a member of team payments', () => {
    const alice = member('alice', 'payments');

    it('lists only payments findings: unfiltered, by account, and merged with a second team', async () => {
      // Act
      const own = await listAll(api, alice, 'severity=HIGH,CRITICAL');
      const inShared = await listAll(api, alice, `account=${SHARED_ACCOUNT}`);
      const two = await listAll(api, member('pat', 'payments', 'data'), 'status=OPEN&since=2026-02-01T00:00:00Z');
      // Assess
      expect(own.ids).toEqual(bruteForce(findings, { severities: ['HIGH', 'CRITICAL'] }, ['payments']));
      expect(inShared.ids).toEqual(bruteForce(findings, { account: SHARED_ACCOUNT }, ['payments']));
      expect(bruteForce(findings, { account: SHARED_ACCOUNT }, 'all').length).toBeGreaterThan(inShared.ids.length);
      expect(two.ids).toEqual(bruteForce(findings, { statuses: ['OPEN'], since: '2026-02-01T00:00:00.000Z' }, ['payments', 'data']));
      expect(new Set([...own.items, ...inShared.items].map((i) => i.team))).toEqual(new Set(['payments']));
    });

    it('is refused another team’s listing (403), and does not find another team’s finding by id (404)', async () => {
      // Act
      const listing = await api.call({ path: '/findings?team=data', identity: alice });
      const other = await api.call({ path: `/findings/${ofTeam('data').id}`, identity: alice });
      const own = await api.call({ path: `/findings/${ofTeam('payments').id}`, identity: alice });
      const missing = await api.call({ path: `/findings/${'0'.repeat(32)}`, identity: alice });
      // Assess
      expect(listing).toMatchObject({ status: 403, body: { type: 'urn:vigil:problem:forbidden', detail: 'not a member of team data' } });
      // Another team's finding reads exactly like one that does not exist.
      expect(other.status).toBe(404);
      expect({ ...other.body, detail: undefined }).toEqual({ ...missing.body, detail: undefined });
      expect(other.body.detail).toBe(`no finding ${ofTeam('data').id}`);
      expect(own.status).toBe(200);
    });

    it('sees only payments in summaries, teams and accounts', async () => {
      // Act
      const summary = await api.call({ path: '/summary', identity: alice });
      const teams = await api.call({ path: '/teams', identity: alice });
      const accounts = await api.call({ path: '/accounts', identity: alice });
      // Assess
      const mine = findings.filter((f) => f.team === 'payments');
      expect(summary.body).toEqual(bruteSummary(mine));
      expect(teams.body.teams).toEqual(bruteSummary(mine).byTeam);
      expect(accounts.body.accounts.map((a: { accountId: string; total: number }) => [a.accountId, a.total])).toEqual(bruteSummary(mine).byAccount.map((a) => [a.accountId, a.total]));
      expect(accounts.body.accounts.some((a: { accountId: string }) => a.accountId.startsWith('9999'))).toBe(false);
    });

    it('cannot use a cursor issued to another team, for another filter, or altered', async () => {
      // Prepare: cursors issued to payments and to data, and one for an admin
      const page = await api.call({ path: '/findings?severity=HIGH&limit=5', identity: alice });
      const theirs = await api.call({ path: '/findings?severity=HIGH&limit=5', identity: member('dana', 'data') });
      const admins = await api.call({ path: '/findings?severity=HIGH&limit=5', identity: admin() });
      const cursor = page.body.nextCursor as string;
      const [payload, tag] = cursor.split('.') as [string, string];
      // A payload pointing into data's partition, under payments' MAC: tampered.
      const forged = `${Buffer.from(JSON.stringify({ v: 1, p: [`a${ofTeam('data').lastSeenIdx}#${ofTeam('data').id}`] })).toString('base64url')}.${tag}`;
      const attempts = {
        'data member with a payments cursor': { path: `/findings?severity=HIGH&cursor=${cursor}`, identity: member('dana', 'data') },
        'payments cursor for another filter': { path: `/findings?severity=LOW&cursor=${cursor}`, identity: alice },
        'payments cursor without its filter': { path: `/findings?cursor=${cursor}`, identity: alice },
        'payments cursor asking for team data': { path: `/findings?severity=HIGH&team=data&cursor=${cursor}`, identity: member('pat', 'payments', 'data') },
        'data cursor presented by payments': { path: `/findings?severity=HIGH&cursor=${theirs.body.nextCursor}`, identity: alice },
        'admin cursor presented by payments': { path: `/findings?severity=HIGH&cursor=${admins.body.nextCursor}`, identity: alice },
        'forged payload': { path: `/findings?severity=HIGH&cursor=${forged}`, identity: alice },
        'altered MAC': { path: `/findings?severity=HIGH&cursor=${payload}.${tag.slice(0, -2)}AA`, identity: alice },
      };
      // Act / Assess
      for (const [name, request] of Object.entries(attempts)) {
        const response = await api.call(request);
        expect([name, response.status, response.body.parameter]).toEqual([name, 400, 'cursor']);
      }
      const next = await api.call({ path: `/findings?severity=HIGH&limit=5&cursor=${cursor}`, identity: alice });
      expect(next.status).toBe(200);
      expect(next.body.items.every((i: { team: string }) => i.team === 'payments')).toBe(true);
    });
  });

  it('gives an admin the whole summary, every team, and the directory’s accounts with their counts', async () => {
    // Act
    const summary = await api.call({ path: '/summary', identity: admin() });
    const accounts = await api.call({ path: '/accounts', identity: admin() });
    const teams = await api.call({ path: '/teams', identity: admin() });
    // Assess
    expect(summary.body).toEqual(bruteSummary(findings));
    expect(teams.body.teams.map((t: { team: string }) => t.team)).toEqual([...TEAMS].sort());
    const listed = new Map<string, { name?: string; total: number; inDirectory: boolean }>(accounts.body.accounts.map((a: { accountId: string }) => [a.accountId, a]));
    expect(listed.get('999900000001')).toMatchObject({ name: 'account 999900000001', total: 0, inDirectory: true });
    expect(listed.get(ACCOUNTS[23]!)).toMatchObject({ inDirectory: false, total: bruteCounts(findings.filter((f) => f.accountId === ACCOUNTS[23])).total });
    expect(listed.get(ACCOUNTS[0]!)).toMatchObject({ name: `account ${ACCOUNTS[0]}`, ...bruteCounts(findings.filter((f) => f.accountId === ACCOUNTS[0])) });
  });

  it('costs a bounded number of read units per page, whatever the table size, and never scans', async () => {
    // Prepare
    const id = ofTeam('payments').id;
    const pages: Array<[string, Identity, string]> = [
      ['GET /findings (admin, no filter, 50)', admin(), '/findings'],
      ['GET /findings (admin, no filter, 100)', admin(), '/findings?limit=100'],
      ['GET /findings (team, 100)', member('alice', 'payments'), '/findings?limit=100'],
      ['GET /findings (two teams, 100)', member('pat', 'payments', 'data'), '/findings?limit=100'],
      ['GET /findings (account, 100)', admin(), `/findings?account=${SHARED_ACCOUNT}&limit=100`],
      ['GET /findings (admin, since/until, 100)', admin(), `/findings?since=${SINCE}&until=${UNTIL}&limit=100`],
      ['GET /findings (admin, selective filter, 50)', admin(), '/findings?source=aws.cloudtrail&status=SUPPRESSED&severity=CRITICAL'],
      ['GET /findings (team, selective filter, 50)', member('alice', 'payments'), `/findings?rule=${encodeURIComponent(RULE)}&status=ACKNOWLEDGED`],
      ['GET /findings/{id}', member('alice', 'payments'), `/findings/${id}`],
      ['GET /summary (admin)', admin(), '/summary'],
      ['GET /summary (team)', member('alice', 'payments'), '/summary'],
      ['GET /teams (admin)', admin(), '/teams'],
      ['GET /accounts (admin)', admin(), '/accounts'],
      ['GET /accounts (team)', member('alice', 'payments'), '/accounts'],
    ];
    // Act
    const measured: Record<string, { units: number; requests: number }> = {};
    for (const [name, identity, path] of pages) {
      api.meter.reset();
      const response = await api.call({ path, identity });
      expect(response.status, name).toBe(200);
      measured[name] = { units: api.meter.units, requests: api.meter.requests.length };
      expect(api.meter.requests.every((r) => r === 'Query'), name).toBe(true);
    }
    console.table(measured);
    // Assess: a listing page reads at most the page budget (1,000 index items ≈ 45 RCU); the rest a few units
    for (const [name, { units }] of Object.entries(measured)) expect(units, name).toBeLessThanOrEqual(name.startsWith('GET /findings ') ? 60 : 20);
    expect(measured['GET /findings (admin, no filter, 50)']!.units).toBeLessThanOrEqual(6);
    expect(measured['GET /findings/{id}']!.units).toBeLessThanOrEqual(2);
    // And a Scan, were anything to try one, fails.
    await expect(meteredClient(new Meter()).send(new ScanCommand({ TableName: tableName }))).rejects.toThrow(/Scan is forbidden/);
  });
});

// ============================================================================ counters from the stream

describe('aggregates maintained from the table’s stream', () => {
  it('counts every finding once from real stream records, however often and in whatever order they arrive', async () => {
    // Prepare: findings written in bulk to a table with its stream, the aggregator's real handler
    const tableName = (await freshQueryTables()).FindingsTable!;
    const aggregator = await loadHandler<StreamHandler>('../../functions/aggregator/handler.js', { TABLE_NAME: tableName });
    const aggregate = async (records: DynamoDBRecord[], size = 100) => {
      for (const batch of streamBatches(records, size)) await aggregator(batch, lambdaContext('vigil-aggregator'));
    };
    const findings = generateFindings({ count: 400, seed: 7, now: NOW });
    await batchWrite(localDocumentClient(), tableName, findings.map(findingItem));
    const stream = TableStreamReader.forEndpoint(localClient(), inject('dynamoEndpoint'), tableName);
    const api = makeApi(tableName);
    const inserts = await stream.next();
    // Act: once, then the same records again, reversed, in other batch sizes
    await aggregate(inserts);
    const once = (await api.call({ path: '/summary', identity: admin() })).body;
    await aggregate([...inserts].reverse(), 37);
    await aggregate([...inserts, ...inserts], 500);
    const replayed = (await api.call({ path: '/summary', identity: admin() })).body;
    // Assess
    expect(inserts.filter((r) => r.eventName === 'INSERT')).toHaveLength(400);
    expect(once).toEqual(bruteSummary(findings));
    expect(replayed).toEqual(once);

    // Act: people act on findings; the stream carries the changes (and the aggregator's own writes, which it ignores)
    const changed = findings.filter((f) => f.status === 'OPEN' && f.team === 'security').slice(0, 15);
    for (const [i, f] of changed.entries()) {
      const kind = i % 2 ? 'acknowledge' : 'suppress';
      const response = await api.call({ method: 'POST', path: `/findings/${f.id}/${kind}`, body: { reason: 'triage' }, identity: member('sam', 'security') });
      expect(response.status).toBe(200);
      findings[findings.indexOf(f)] = { ...f, status: kind === 'acknowledge' ? 'ACKNOWLEDGED' : 'SUPPRESSED' };
    }
    const changes = await stream.next();
    await aggregate(changes);
    // ...and the old INSERT images arrive late, once more: older versions, counted already
    await aggregate(inserts.slice(0, 150));
    // Assess
    expect(changes.filter((r) => r.dynamodb?.Keys?.sk?.S === 'F' && r.eventName === 'MODIFY')).toHaveLength(15);
    expect((await api.call({ path: '/summary', identity: admin() })).body).toEqual(bruteSummary(findings));
    expect((await api.call({ path: '/summary', identity: member('sam', 'security') })).body).toEqual(bruteSummary(findings.filter((f) => f.team === 'security')));
  });
});

// ============================================================================ acting on findings

describe('acknowledging and suppressing findings', () => {
  let tableName: string;
  let api: Api;
  let store: DynamoFindingStore;
  const db = localDocumentClient();
  let n = 0;

  function observation(overrides: Partial<Observation> = {}): Observation {
    n++;
    return {
      id: `${String(n).padStart(4, '0')}${'a'.repeat(28)}`,
      source: 'aws.guardduty',
      ocsfClass: 'Detection Finding',
      rule: 'Recon:EC2/PortProbeUnprotectedPort',
      accountId: '111111111111',
      region: 'eu-west-1',
      severity: 'MEDIUM',
      status: 'OPEN',
      title: 'Unprotected port probed',
      description: 'An unprotected port on an EC2 instance is being probed.',
      resource: { type: 'Instance', id: `i-${n}` },
      observedAt: '2026-02-27T00:00:00.000Z',
      sourceId: `gd-${n}`,
      consoleUrl: 'https://console.aws.amazon.com/guardduty/',
      eventId: `event-${n}`,
      ...overrides,
    };
  }

  /** Ingest's own path: read, fold, commit (the store as it is). */
  async function ingest(o: Observation, team = 'payments'): Promise<void> {
    for (;;) {
      const current = await store.get(o.id, true);
      const decision = fold(current, o, { ...DEFAULT_FOLD_OPTIONS, ownership: { team, routedBy: 'test' } });
      if (decision.kind === 'noop') return;
      try {
        return await store.commit(decision);
      } catch (error) {
        if ((error as Error).name !== 'ConcurrentUpdateError') throw error;
      }
    }
  }

  const alice = member('alice@example.com', 'payments');
  const later = (o: Observation, hours: number, over: Partial<Observation> = {}) => ({ ...o, observedAt: new Date(Date.parse(o.observedAt) + hours * HOUR).toISOString(), eventId: `${o.eventId}-${hours}`, ...over });
  const suppressionIndex = async (id: string) =>
    (
      await db.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: INDEXES.suppression,
          KeyConditionExpression: 'gsi3pk = :p',
          ExpressionAttributeValues: { ':p': queryIndexKeys({ id, status: 'SUPPRESSED', suppressedUntil: 'x' }).gsi3pk },
        }),
      )
    ).Items?.map((i) => String(i.pk).slice(2)) ?? [];

  beforeAll(async () => {
    tableName = (await freshQueryTables()).FindingsTable!;
    store = new DynamoFindingStore({ tableName, client: db });
    api = makeApi(tableName);
  });

  it('returns a finding with its detail and its history, in one Query', async () => {
    // Prepare
    const o = observation();
    await ingest(o);
    await ingest(later(o, 6, { severity: 'HIGH' }));
    // Act
    api.meter.reset();
    const response = await api.call({ path: `/findings/${o.id}`, identity: alice });
    // Assess
    expect(api.meter.requests).toEqual(['Query']);
    expect(response.body).toMatchObject({
      id: o.id,
      team: 'payments',
      severity: 'HIGH',
      status: 'OPEN',
      lastSeen: '2026-02-27T06:00:00.000Z',
      description: o.description,
      consoleUrl: o.consoleUrl,
      sourceId: o.sourceId,
      version: 2,
      historyTruncated: false,
    });
    expect(response.body.history.map((h: { kind: string; cause: string }) => [h.kind, h.cause])).toEqual([
      ['opened', 'event'],
      ['escalated', 'event'],
    ]);
  });

  it('keeps the newest 100 history entries of a long history, and says so', async () => {
    // Prepare
    const o = observation();
    await ingest(o);
    for (let i = 1; i <= 120; i++) {
      const at = new Date(Date.parse(o.observedAt) + i * 60_000).toISOString();
      await db.send(new PutCommand({ TableName: tableName, Item: { pk: `F#${o.id}`, sk: `H#${at}#late-observation`, id: o.id, at, kind: 'late-observation', cause: 'event', eventId: `e${i}`, to: { status: 'OPEN', severity: 'LOW' } } }));
    }
    // Act
    api.meter.reset();
    const response = await api.call({ path: `/findings/${o.id}`, identity: alice });
    // Assess
    expect(response.body.historyTruncated).toBe(true);
    expect(response.body.history).toHaveLength(100);
    expect(response.body.history.at(-1).at).toBe('2026-02-27T02:00:00.000Z');
    expect(api.meter.requests).toEqual(['Query', 'Query']);
  });

  it('acknowledges: status, version, and a history entry with the actor and the reason', async () => {
    // Prepare
    const o = observation();
    await ingest(o);
    // Act
    const response = await api.call({ method: 'POST', path: `/findings/${o.id}/acknowledge`, body: { reason: 'patching tonight', expectedVersion: 1 }, identity: alice });
    const again = await api.call({ method: 'POST', path: `/findings/${o.id}/acknowledge`, body: { reason: 'twice' }, identity: alice });
    const finding = await api.call({ path: `/findings/${o.id}`, identity: alice });
    // Assess
    expect(response.body).toMatchObject({ id: o.id, status: 'ACKNOWLEDGED', version: 2, changed: true, history: { kind: 'acknowledged', cause: 'api', actor: 'api:alice@example.com', reason: 'patching tonight' } });
    expect(again).toMatchObject({ status: 200, body: { status: 'ACKNOWLEDGED', version: 2, changed: false } });
    expect(finding.body).toMatchObject({ status: 'ACKNOWLEDGED', version: 2, statusBy: 'api:alice@example.com', statusReason: 'patching tonight', statusAt: NOW.toISOString() });
    expect(finding.body.history.at(-1)).toEqual({
      at: NOW.toISOString(),
      kind: 'acknowledged',
      cause: 'api',
      actor: 'api:alice@example.com',
      reason: 'patching tonight',
      from: { status: 'OPEN', severity: 'MEDIUM' },
      to: { status: 'ACKNOWLEDGED', severity: 'MEDIUM' },
    });
  });

  it('answers 409 with the current version when the caller expected another', async () => {
    const o = observation();
    await ingest(o);
    await ingest(later(o, 1, { severity: 'LOW' }));
    const response = await api.call({ method: 'POST', path: `/findings/${o.id}/suppress`, body: { reason: 'known', expectedVersion: 1 }, identity: alice });
    expect(response).toMatchObject({ status: 409, body: { currentVersion: 2, currentStatus: 'OPEN' } });
    expect((await api.call({ method: 'POST', path: `/findings/${o.id}/suppress`, body: { reason: 'known', expectedVersion: 2 }, identity: alice })).status).toBe(200);
  });

  it('decides again when ingest wrote between its read and its write', async () => {
    // Prepare: a reader that lets an escalation in just before the action's conditional write
    const o = observation();
    await ingest(o);
    let raced = false;
    const racing = makeApi(tableName, {}, (reader) => ({
      partitions: (scope) => reader.partitions(scope),
      readPartition: (...args) => reader.readPartition(...args),
      getFinding: (...args) => reader.getFinding(...args),
      getActionState: (id) => reader.getActionState(id),
      applyAction: async (decision) => {
        if (!raced) {
          raced = true;
          await ingest(later(o, 2, { severity: 'CRITICAL' }));
        }
        return reader.applyAction(decision);
      },
    }));
    // Act
    const response = await racing.call({ method: 'POST', path: `/findings/${o.id}/acknowledge`, body: { reason: 'mine' }, identity: alice });
    const finding = await api.call({ path: `/findings/${o.id}`, identity: alice });
    // Assess: the second decision saw the escalation
    expect(response.body).toMatchObject({ status: 'ACKNOWLEDGED', version: 3, history: { from: { status: 'OPEN', severity: 'CRITICAL' } } });
    expect(finding.body.history.map((h: { kind: string }) => h.kind)).toEqual(['opened', 'escalated', 'acknowledged']);
  });

  it('suppresses until a time; a repeat keeps it suppressed; the expiry function reopens it when the time has come', async () => {
    // Prepare
    const expiry = await loadHandler<ExpiryHandler>('../../functions/suppression-expiry/handler.js', { TABLE_NAME: tableName });
    const o = observation();
    await ingest(o);
    const until = new Date(NOW.getTime() + HOUR).toISOString();
    const suppressed = await api.call({ method: 'POST', path: `/findings/${o.id}/suppress`, body: { reason: 'maintenance window', until }, identity: alice });
    await ingest(later(o, 30));
    // Act
    const early = await expiry({ time: new Date(NOW.getTime() + HOUR / 2).toISOString() }, lambdaContext());
    const stillSuppressed = await api.call({ path: `/findings/${o.id}`, identity: alice });
    const due = await expiry({ time: new Date(NOW.getTime() + 2 * HOUR).toISOString() }, lambdaContext());
    const reopened = await api.call({ path: `/findings/${o.id}`, identity: alice });
    // Assess
    expect(suppressed.body).toMatchObject({ status: 'SUPPRESSED', suppressedUntil: until, history: { kind: 'suppressed', actor: 'api:alice@example.com', until } });
    expect(stillSuppressed.body).toMatchObject({ status: 'SUPPRESSED', suppressedUntil: until, suppressedBy: 'api:alice@example.com', version: 3 });
    expect(early.reopened).toBe(0);
    expect(due).toMatchObject({ reopened: 1, conflicts: 0 });
    expect(reopened.body).toMatchObject({ status: 'OPEN', version: 4, transition: 'REOPENED', reopenCount: 1, statusBy: 'vigil:suppression-expiry' });
    expect(reopened.body.suppressedUntil).toBeUndefined();
    expect(reopened.body.statusReason).toBeUndefined();
    expect(reopened.body.history.at(-1)).toMatchObject({ kind: 'suppression-expired', cause: 'expiry', actor: 'vigil:suppression-expiry', until, from: { status: 'SUPPRESSED' }, to: { status: 'OPEN' } });
    expect(await suppressionIndex(o.id)).not.toContain(o.id);
  });

  it('takes a finding resolved while suppressed out of the expiry index, and expiry never reopens it', async () => {
    // Prepare
    const expiry = await loadHandler<ExpiryHandler>('../../functions/suppression-expiry/handler.js', { TABLE_NAME: tableName });
    const o = observation();
    await ingest(o);
    const suppressed = await api.call({ method: 'POST', path: `/findings/${o.id}/suppress`, body: { reason: 'known', until: new Date(NOW.getTime() + HOUR).toISOString() }, identity: alice });
    expect(suppressed.status, JSON.stringify(suppressed.body)).toBe(200);
    expect(await suppressionIndex(o.id)).toContain(o.id);
    // Act: the source resolves it; later the suppression's end passes
    await ingest(later(o, 40, { status: 'RESOLVED' }));
    const inIndexAfterResolve = await suppressionIndex(o.id);
    await expiry({ time: new Date(NOW.getTime() + 3 * HOUR).toISOString() }, lambdaContext());
    // Assess: the store's write took it out of the index; nothing reopened it
    expect(inIndexAfterResolve).not.toContain(o.id);
    const item = (await db.send(new GetCommand({ TableName: tableName, Key: keys.finding(o.id) }))).Item!;
    expect(item).toMatchObject({ status: 'RESOLVED' });
    expect(item.gsi3pk).toBeUndefined();
  });

  it('acts only on the caller’s teams’ findings (404 otherwise), and validates the body naming the field', async () => {
    const o = observation();
    await ingest(o, 'data');
    const foreign = await api.call({ method: 'POST', path: `/findings/${o.id}/suppress`, body: { reason: 'not mine' }, identity: alice });
    const foreignAck = await api.call({ method: 'POST', path: `/findings/${o.id}/acknowledge`, body: { reason: 'not mine' }, identity: alice });
    expect([foreign.status, foreignAck.status]).toEqual([404, 404]);
    expect((await db.send(new GetCommand({ TableName: tableName, Key: keys.finding(o.id) }))).Item).toMatchObject({ status: 'OPEN', version: 1 });
    const dana = member('dana', 'data');
    for (const [body, parameter] of [
      [{}, 'reason'],
      [{ reason: 'no' }, 'reason'],
      [{ reason: 'why not', until: '2026-02-01T00:00:00Z' }, 'until'],
      [{ reason: 'why not', until: 'soon' }, 'until'],
      [{ reason: 'why not', colour: 'red' }, 'colour'],
      ['{not json', 'body'],
      ['', 'body'],
    ] as Array<[unknown, string]>) {
      const response = await api.call({ method: 'POST', path: `/findings/${o.id}/suppress`, body, identity: dana });
      expect([response.status, response.body.parameter]).toEqual([400, parameter]);
    }
  });
});

// ============================================================================ errors

describe('errors as problem details', () => {
  let tableName: string;
  let api: Api;

  beforeAll(async () => {
    tableName = (await freshQueryTables({ stream: false })).FindingsTable!;
    api = makeApi(tableName);
  });

  it.each([
    ['/findings?severity=SEVERE', 'severity'],
    ['/findings?limit=500', 'limit'],
    ['/findings?sinse=2026-01-01T00:00:00Z', 'sinse'],
    ['/findings?since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z', 'until'],
    ['/findings?cursor=abc.def', 'cursor'],
  ])('400 for %s, naming %s', async (path, parameter) => {
    const response = await api.call({ path, identity: admin() });
    expect(response).toMatchObject({ status: 400, contentType: 'application/problem+json', body: { status: 400, parameter } });
    expect(response.body.detail).toMatch(new RegExp(`^${parameter}: `));
  });

  it('401 without a verified identity, 403 for a caller of no team, 404 for no such route', async () => {
    expect((await api.call({ path: '/findings', identity: { none: true } })).status).toBe(401);
    expect((await api.call({ path: '/findings', identity: { claims: { 'vigil:teams': 'payments' } } })).status).toBe(401);
    expect((await api.call({ path: '/summary', identity: member('nobody') })).status).toBe(403);
    expect((await api.call({ path: '/findings', identity: { iam: { userArn: 'arn:aws:sts::111122223333:assumed-role/other/s' } } })).status).toBe(403);
    expect((await api.call({ path: '/findings', identity: { iam: { userArn: 'arn:aws:sts::111122223333:assumed-role/vigil-reporter/s' } } })).status).toBe(200);
    expect((await api.call({ path: '/findings/not-a-finding-id', identity: admin() })).status).toBe(404);
    expect(await api.raw({ path: '/nowhere', identity: admin() })).toMatchObject({ status: 404, contentType: 'application/problem+json', body: { type: 'urn:vigil:problem:no-such-route' } });
    expect(await api.raw({ method: 'DELETE', path: '/findings', identity: admin() })).toMatchObject({ status: 404 });
  });

  it('429 with Retry-After when DynamoDB throttles, and a 500 that says nothing internal', async () => {
    // Prepare
    const failing = (error: Error) =>
      makeApi(tableName, {}, (reader) => ({ ...reader, partitions: (s) => reader.partitions(s), readPartition: () => Promise.reject(error), getFinding: () => Promise.reject(error), getActionState: () => Promise.reject(error), applyAction: () => Promise.reject(error) }));
    const throttled = Object.assign(new Error('Throughput exceeds the current capacity of your table'), { name: 'ProvisionedThroughputExceededException' });
    const internal = new Error('connect ECONNREFUSED 10.0.0.12:443 (table vigil-FindingsTable-secret)');
    const broken = failing(internal);
    // Act
    const slow = await failing(throttled).call({ path: '/findings', identity: admin() });
    const crash = await broken.call({ path: `/findings/${'a'.repeat(32)}`, identity: admin() });
    // Assess
    expect(slow).toMatchObject({ status: 429, headers: { 'retry-after': '1' }, body: { type: 'urn:vigil:problem:throttled' } });
    expect(crash.status).toBe(500);
    expect(JSON.stringify(crash.body)).not.toMatch(/ECONNREFUSED|10\.0\.0|secret|Error|at /);
    expect(crash.body.requestId).toBeDefined();
    expect(broken.errors).toHaveLength(1);
  });
});

// ============================================================================ the Lambda handler, locally

describe('the query API handler behind the local HTTP API', () => {
  it('serves the handler module over HTTP with local tokens, like API Gateway with its JWT authorizer', async () => {
    // Prepare: the handler module as the template configures it, plus the local secret
    const tableName = (await freshQueryTables({ stream: false })).FindingsTable!;
    const generated = generateFindings({ count: 60, seed: 3, now: NOW });
    await batchWrite(localDocumentClient(), tableName, generated.map(findingItem));
    const secret = 'local-secret-for-the-integration-test';
    const env = { TABLE_NAME: tableName, LOCAL_JWT_SECRET: secret, POWERTOOLS_SERVICE_NAME: 'query-api' };
    const handler = await loadHandler<HttpApiHandler>('../../functions/query-api/handler.js', env);
    const server = await startLocalHttpApi({ handler, env });
    const lines: string[] = [];
    await tokenCommand(['--team', 'payments'], (line) => lines.push(line), { env: { VIGIL_LOCAL_JWT_SECRET: secret } });
    const token = lines.at(-1)!;
    const get = (path: string, headers: Record<string, string> = { authorization: `Bearer ${token}` }) => fetch(`${server.url}${path}`, { headers });
    try {
      // Act
      const listing = await get('/findings?limit=100');
      const anonymous = await get('/findings', {});
      const forged = await get('/findings', { authorization: `Bearer ${await mintLocalToken('another-secret-entirely!!', { sub: 'x', admin: true })}` });
      const forbidden = await get('/findings?team=data');
      // Assess
      expect(listing.status).toBe(200);
      expect(listing.headers.get('cache-control')).toBe('no-store');
      const body = (await listing.json()) as { items: Array<{ id: string }> };
      expect(body.items.map((i) => i.id)).toEqual(bruteForce(generated, {}, ['payments']));
      expect([anonymous.status, forged.status]).toEqual([401, 401]);
      expect(forbidden.status).toBe(403);
      expect(forbidden.headers.get('content-type')).toBe('application/problem+json');
    } finally {
      await server.stop();
    }
  });
});

// Keep the generator's action helper honest: its states are what the adapter writes.
describe('the generator', () => {
  it('applies decisions as the adapter writes them', () => {
    const [f] = generateFindings({ count: 1, seed: 11, now: NOW });
    const next = applyDecision(f!, { id: f!.id, expectedVersion: f!.version, status: 'SUPPRESSED', set: { statusAt: NOW.toISOString(), statusBy: 'api:a', suppressedUntil: '2026-04-01T00:00:00.000Z', suppressedBy: 'api:a' }, endsSuppression: false, history: {} as never });
    expect(findingItem(next)).toMatchObject({ status: 'SUPPRESSED', version: f!.version + 1, suppressedUntil: '2026-04-01T00:00:00.000Z', gsi3pk: expect.stringMatching(/^SUP#\d$/) });
  });
});
