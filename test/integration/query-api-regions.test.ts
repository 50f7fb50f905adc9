import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, type DynamoDBDocumentClient as DocumentClient } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS } from '../../cli/local/dynamodb-local.js';
import { createApp } from '../../functions/query-api/app/router.js';
import { localKey } from '../../functions/shared/adapters/cursor-key.js';
import { directoryKeys } from '../../functions/shared/adapters/directory-reader.js';
import { DynamoCounterReader, DynamoDirectoryReader, DynamoFindingQueries } from '../../functions/shared/adapters/dynamodb-finding-queries.js';
import { keys } from '../../functions/shared/adapters/dynamodb-finding-store.js';
import { heartbeatKey } from '../../functions/shared/adapters/heartbeat-keys.js';
import { loadHeartbeats } from '../../functions/shared/adapters/heartbeat-reader.js';
import { COUNTER_SHARDS } from '../../functions/shared/adapters/query-keys.js';
import { DEFAULT_CLAIMS_OPTIONS } from '../../functions/shared/core/query/caller.js';
import { FederatedCounterReader, FederatedFindingReader, FederatedHeartbeats, type RegionalStores } from '../../functions/shared/core/query/regions.js';
import { createQueryService } from '../../functions/shared/core/query/service.js';
import { ACCOUNTS, REGIONS, TEAMS, batchWrite, counterItems, findingItem, generateFindings, type GeneratedFinding } from '../support/findings-generator.js';
import { admin, callApi, member, type ApiRequest, type ApiResponse, type Identity } from '../support/http-events.js';
import { openApiValidator } from '../support/openapi.js';
import { freshQueryTables } from '../support/query-tables.js';
import { localDocumentClient } from '../support/tables.js';

/**
 * The organization-wide view as deployed: one findings table per Region (here, three
 * tables of DynamoDB Local standing for us-east-1, eu-west-1 and ap-northeast-1), each
 * holding its own Region's findings, counters and heartbeats, and one query API that
 * reads them all.
 */

const NOW = new Date('2026-03-01T00:00:00.000Z');
const FINDINGS = 3_000;
const openapi = openApiValidator();
const sortKey = (f: GeneratedFinding) => `${f.lastSeenIdx}#${f.id}`;
const newestFirst = (list: GeneratedFinding[]) => [...list].sort((a, b) => (sortKey(a) < sortKey(b) ? 1 : -1)).map((f) => f.id);

/** A document client that records which table each request went to. */
function recordingClient(tables: string[]): DocumentClient {
  const client = localDocumentClient();
  const send = client.send.bind(client) as (command: unknown) => Promise<unknown>;
  client.send = (async (command: { input: { TableName?: string } }) => {
    tables.push(command.input.TableName ?? '?');
    return send(command);
  }) as DocumentClient['send'];
  return client;
}

/** A Region that cannot be reached: nothing listens on port 9, and the client does not retry. */
function unreachableClient(): DocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: 'http://127.0.0.1:9', region: 'sa-east-1', credentials: LOCAL_CREDENTIALS, maxAttempts: 1 }));
}

function storesOf(region: string, tableName: string, client: DocumentClient): RegionalStores {
  return {
    region,
    findings: new DynamoFindingQueries({ tableName, client }),
    counters: new DynamoCounterReader({ tableName, client }),
    heartbeats: { loadHeartbeats: () => loadHeartbeats(client, tableName) },
  };
}

interface Api {
  call(request: ApiRequest): Promise<ApiResponse>;
  warnings: unknown[];
}

function makeApi(regional: RegionalStores[], directoryTable: string): Api {
  const warnings: unknown[] = [];
  const service = createQueryService({
    findings: new FederatedFindingReader(regional),
    counters: new FederatedCounterReader(regional),
    directory: new DynamoDirectoryReader({ tableName: directoryTable, client: localDocumentClient() }),
    cursorKey: localKey('integration-test-cursor-key'),
    knownTeams: [...TEAMS],
    now: () => NOW,
    regions: regional.map((r) => r.region),
    coverage: { heartbeats: new FederatedHeartbeats(regional), expectedRegions: regional.map((r) => r.region), maxSilenceMinutes: 180 },
  });
  const app = createApp({
    service,
    config: { claims: DEFAULT_CLAIMS_OPTIONS, adminPrincipalArns: [] },
    logger: { error: (_m, detail) => warnings.push(detail), warn: (_m, detail) => warnings.push(detail) },
  });
  return {
    warnings,
    call: async (request) => {
      const response = await callApi((event, context) => app.resolve(event, context), request);
      const path = request.path.split('?')[0]!.replace(/^\/findings\/[^/]+/, '/findings/{id}');
      expect(openapi.check(request.method ?? 'GET', path, response.status, response.contentType, response.body), `${request.path} → ${response.status} ${JSON.stringify(response.body)?.slice(0, 300)}`).toEqual([]);
      return response;
    },
  };
}

async function listAll(api: Api, identity: Identity, query: string, limit: number): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let pages = 0;
  let cursor: string | undefined;
  do {
    const response = await api.call({ path: `/findings?${query}${query ? '&' : ''}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, identity });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    ids.push(...response.body.items.map((i: { id: string }) => i.id));
    cursor = response.body.nextCursor;
    pages++;
  } while (cursor && pages < 1000);
  return { ids, pages };
}

describe('the query API over every Region’s findings table', () => {
  const tableOf: Record<string, string> = {};
  const requests: string[] = [];
  let findings: GeneratedFinding[];
  let regional: RegionalStores[];
  let api: Api;
  const inRegion = (region: string) => findings.filter((f) => f.region === region);

  beforeAll(async () => {
    findings = generateFindings({ count: FINDINGS, now: NOW, seed: 7 });
    const directory = ACCOUNTS.slice(0, 4).map((id) => ({ ...directoryKeys.account(id), id, name: `account ${id}`, email: `aws+${id}@example.com`, status: 'ACTIVE', ouPath: '/Root', tags: {}, syncedAt: NOW.toISOString() }));
    const client = recordingClient(requests);
    for (const region of REGIONS) {
      tableOf[region] = (await freshQueryTables({ stream: false })).FindingsTable!;
      const items = inRegion(region).map(findingItem);
      // Heartbeats: account 0 everywhere an hour ago; account 1 silent in eu-west-1 for a day; accounts 2 and 3 never.
      const heartbeats = [ACCOUNTS[0]!, ACCOUNTS[1]!].map((accountId) => ({
        ...heartbeatKey(accountId, region),
        accountId,
        region,
        lastHeartbeat: new Date(NOW.getTime() - (accountId === ACCOUNTS[1] && region === 'eu-west-1' ? 24 : 1) * 3_600_000).toISOString(),
      }));
      // The directory sync writes the organization into every Region's table alike.
      await batchWrite(localDocumentClient(), tableOf[region], [...items, ...counterItems(items, COUNTER_SHARDS), ...heartbeats, ...directory], 6);
    }
    regional = REGIONS.map((region) => storesOf(region, tableOf[region]!, client));
    api = makeApi(regional, tableOf['us-east-1']!);
  }, 120_000);

  it('lists every Region’s findings once, newest first, across pages, for an admin and for a team', async () => {
    for (const region of REGIONS) expect(inRegion(region).length).toBeGreaterThan(FINDINGS / 5);
    const all = await listAll(api, admin(), '', 100);
    expect(all.ids).toEqual(newestFirst(findings));
    const team = await listAll(api, member('pat', 'payments'), 'minSeverity=HIGH', 37);
    expect(team.ids).toEqual(newestFirst(findings.filter((f) => f.team === 'payments' && (f.severity === 'HIGH' || f.severity === 'CRITICAL'))));
    expect(team.pages).toBeGreaterThan(2);
  });

  it('reads only the Regions region= names', async () => {
    requests.length = 0;
    const listing = await listAll(api, admin(), 'region=eu-west-1,ap-northeast-1', 100);
    expect(listing.ids).toEqual(newestFirst(findings.filter((f) => f.region !== 'us-east-1')));
    expect(new Set(requests)).toEqual(new Set([tableOf['eu-west-1'], tableOf['ap-northeast-1']]));
    const refused = await api.call({ path: '/findings?region=sa-east-1', identity: admin() });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ parameter: 'region', detail: expect.stringContaining('us-east-1, eu-west-1, ap-northeast-1') });
  });

  it('serves a finding of another Region, and writes an action on it in that Region only', async () => {
    const target = inRegion('ap-northeast-1').find((f) => f.status === 'OPEN' || f.status === 'NOTIFIED')!;
    const got = await api.call({ path: `/findings/${target.id}`, identity: admin() });
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ id: target.id, region: 'ap-northeast-1', team: target.team });
    const acked = await api.call({ path: `/findings/${target.id}/acknowledge`, method: 'POST', body: { reason: 'looking into it' }, identity: member('al', target.team) });
    expect(acked.status, JSON.stringify(acked.body)).toBe(200);
    expect(acked.body).toMatchObject({ status: 'ACKNOWLEDGED', changed: true, version: target.version + 1 });
    const db = localDocumentClient();
    const stored = await db.send(new GetCommand({ TableName: tableOf['ap-northeast-1'], Key: keys.finding(target.id) }));
    expect(stored.Item).toMatchObject({ status: 'ACKNOWLEDGED', version: target.version + 1 });
    for (const region of ['us-east-1', 'eu-west-1']) {
      const other = await db.send(new QueryCommand({ TableName: tableOf[region], KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.finding(target.id).pk } }));
      expect(other.Items, `nothing of ${target.id} in ${region}`).toEqual([]);
    }
    // Another team's finding stays invisible, whichever Region holds it.
    const foreign = inRegion('eu-west-1').find((f) => f.team !== 'data')!;
    expect((await api.call({ path: `/findings/${foreign.id}`, identity: member('dana', 'data') })).status).toBe(404);
  });

  it('sums every Region’s counters', async () => {
    const summary = await api.call({ path: '/summary', identity: admin() });
    expect(summary.status).toBe(200);
    expect(summary.body.total).toBe(FINDINGS);
    const payments = (await api.call({ path: '/teams', identity: member('pat', 'payments') })).body.teams;
    expect(payments).toEqual([expect.objectContaining({ team: 'payments', total: findings.filter((f) => f.team === 'payments').length })]);
  });

  it('lists the accounts and Regions not heard from, for administrators only', async () => {
    const coverage = await api.call({ path: '/coverage', identity: admin() });
    expect(coverage.status).toBe(200);
    const [, a1, a2, a3] = ACCOUNTS;
    expect(coverage.body).toMatchObject({ regions: [...REGIONS].sort(), maxSilenceMinutes: 180, activeAccounts: 4, covered: 3 + 2, unexpected: 0 });
    const gaps = coverage.body.gaps.map((g: { accountId: string; region: string; gap: string }) => `${g.accountId} ${g.region} ${g.gap}`);
    expect(gaps).toEqual([
      `${a1} eu-west-1 stopped`,
      ...[a2, a3].flatMap((a) => [...REGIONS].sort().map((r) => `${a} ${r} never-started`)),
    ].sort());
    expect(coverage.body.gaps.find((g: { gap: string }) => g.gap === 'stopped')).toMatchObject({ silentForMinutes: 24 * 60, lastHeartbeat: '2026-02-28T00:00:00.000Z' });
    expect((await api.call({ path: '/coverage', identity: member('pat', 'payments') })).status).toBe(403);
  });

  it('answers 503 naming a Region it cannot read, and the other Regions when region= leaves it out', async () => {
    const withDown = makeApi([...regional, storesOf('sa-east-1', 'vigil-findings', unreachableClient())], tableOf['us-east-1']!);
    for (const path of ['/findings', '/summary', '/coverage', `/findings/${'f'.repeat(32)}`]) {
      const response = await withDown.call({ path, identity: admin() });
      expect(response.status, path).toBe(503);
      expect(response.body).toMatchObject({ type: 'urn:vigil:problem:region-unavailable', regions: ['sa-east-1'] });
      expect(response.headers['retry-after']).toBe('5');
    }
    expect(withDown.warnings.length).toBeGreaterThanOrEqual(4);
    // A finding found elsewhere is served even while a Region is down.
    const known = inRegion('eu-west-1')[0]!;
    expect((await withDown.call({ path: `/findings/${known.id}`, identity: admin() })).status).toBe(200);
    const rest = await listAll(withDown, admin(), 'region=us-east-1,eu-west-1,ap-northeast-1', 100);
    expect(rest.ids).toEqual(newestFirst(findings));
  });
});
