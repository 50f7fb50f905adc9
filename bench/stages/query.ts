/**
 * The query path at organization scale: `--query-findings` findings (100,000 by default)
 * made by the real `fold` and the API's real decisions (test/support/findings-generator.ts)
 * and written with BatchWriteItem in the store's exact item layout into a fresh table
 * (template.yaml's, stream off), with the aggregator's counters and the directory; a
 * sample of them then gets a history through the real store (escalated, resolved,
 * reopened). The real query API handler (functions/query-api/handler.ts) answers API
 * Gateway HTTP API v2 events for the common filters; every DynamoDB request it makes is
 * recorded (bench/lib/dynamo.ts), with the read units DynamoDB Local reports (they match
 * AWS for Query and GetItem), and timed per page. A Scan anywhere in the run is counted.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { directoryKeys } from '../../functions/shared/adapters/directory-reader.js';
import { createDocumentClient } from '../../functions/shared/adapters/dynamodb-client.js';
import { DynamoFindingStore } from '../../functions/shared/adapters/dynamodb-finding-store.js';
import { COUNTER_SHARDS } from '../../functions/shared/adapters/query-keys.js';
import type { Observation } from '../../functions/shared/core/finding.js';
import { DEFAULT_FOLD_OPTIONS, fold } from '../../functions/shared/core/lifecycle.js';
import { ACCOUNTS, batchWrite, counterItems, findingItem, generateFindings, type GeneratedFinding } from '../../test/support/findings-generator.js';
import { admin, apiEvent, member, type ApiRequest } from '../../test/support/http-events.js';
import { lambdaContext } from '../../test/support/sqs.js';
import type { SentRequest } from '../lib/capacity.js';
import { recordRequests } from '../lib/dynamo.js';
import { median, percentile, round } from '../lib/stats.js';
import type { BenchContext, Stage } from './types.js';

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

/** The generator's clock: findings span the 120 days before it. */
const NOW = new Date('2026-03-01T00:00:00.000Z');
const DAY = 86_400_000;
/** Pages walked per listing (following nextCursor), and listings per endpoint. */
const MAX_PAGES = 30;
/** Findings given a history through the real store, for GET /findings/{id}. */
const WITH_HISTORY = 60;

interface PageSample {
  readUnits: number;
  requests: number;
  ms: number;
  items: number;
}

/** Read units of recorded requests, as DynamoDB Local reports them. */
function readUnitsOf(requests: SentRequest[]): number {
  let units = 0;
  for (const r of requests) {
    const consumed = r.output?.ConsumedCapacity as { CapacityUnits?: number } | Array<{ CapacityUnits?: number }> | undefined;
    for (const c of Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) units += c.CapacityUnits ?? 0;
  }
  return units;
}

/** A later observation of a stored finding, as its source would make it. */
function observationOf(f: GeneratedFinding, at: number, over: Partial<Observation>): Observation {
  return {
    id: f.id,
    source: f.source,
    ocsfClass: f.source === 'aws.config' ? 'Compliance Finding' : 'Detection Finding',
    rule: f.rule,
    accountId: f.accountId,
    region: f.region,
    severity: f.severity,
    status: 'OPEN',
    title: f.title,
    description: `Generated finding ${f.id}`,
    resource: { type: f.resourceType, id: f.resourceId },
    observedAt: new Date(at).toISOString(),
    sourceId: `src-${f.id}`,
    consoleUrl: 'https://console.aws.amazon.com/',
    eventId: `bench-${f.id}-${at}`,
    ...over,
  };
}

async function importQueryApi(env: Record<string, string>): Promise<Handler> {
  Object.assign(process.env, env);
  const module = (await import('../../functions/query-api/handler.js')) as unknown as { handler: Handler };
  return module.handler;
}

export const queryStage: Stage = {
  name: 'query',
  phase: 'dynamo',
  async run(ctx: BenchContext) {
    const dynamo = ctx.dynamo!;
    const count = ctx.args.queryFindings;
    const table = await dynamo.freshTable('vigil-bench-query', { stream: false });
    const db = createDocumentClient(dynamo.endpoint);

    // Load: findings, the aggregator's counters, the generator's accounts in the directory.
    const loadStarted = Date.now();
    const findings = generateFindings({ count, now: NOW });
    const items = findings.map(findingItem);
    const directory = ACCOUNTS.map((id) => ({ ...directoryKeys.account(id), id, name: `account ${id}`, email: `aws+${id}@example.com`, status: 'ACTIVE', ouPath: '/Root/Workloads', tags: {}, syncedAt: NOW.toISOString() }));
    await batchWrite(db, table, [...items, ...counterItems(items, COUNTER_SHARDS), ...directory], 8);
    const store = new DynamoFindingStore({ tableName: table, client: db });
    const open = findings.filter((f) => f.status === 'OPEN' && f.severity !== 'CRITICAL');
    const withHistory = open.filter((_, i) => i % Math.max(1, Math.floor(open.length / WITH_HISTORY)) === 0).slice(0, WITH_HISTORY);
    for (const f of withHistory) {
      const base = Math.max(Date.parse(f.lastSeen), NOW.getTime() - 10 * DAY);
      const steps: Array<Partial<Observation>> = [{ severity: 'CRITICAL' }, { severity: 'CRITICAL', status: 'RESOLVED' }, { severity: 'CRITICAL' }];
      for (const [k, over] of steps.entries()) {
        for (;;) {
          const current = await store.get(f.id, true);
          const decision = fold(current, observationOf(f, base + (k + 1) * 3_600_000, over), { ...DEFAULT_FOLD_OPTIONS, ownership: { team: f.team, routedBy: f.routedBy } });
          if (decision.kind === 'noop') break;
          try {
            await store.commit(decision);
            break;
          } catch (error) {
            if ((error as Error).name !== 'ConcurrentUpdateError') throw error;
          }
        }
      }
    }
    const loadSeconds = (Date.now() - loadStarted) / 1000;
    ctx.log(`query: loaded ${count} findings (+ counters, directory, ${withHistory.length} histories) in ${loadSeconds.toFixed(0)} s`);

    const handler = await importQueryApi({
      TABLE_NAME: table,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      CURSOR_KEY: 'bench-cursor-key-not-a-secret-0123456789',
      POWERTOOLS_SERVICE_NAME: 'query-api',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
    });
    const context = lambdaContext('vigil-query-api');
    const recorded: SentRequest[] = [];
    const samples = new Map<string, PageSample[]>();
    const failures: Array<{ path: string; status: number; body: string }> = [];
    const call = async (endpoint: string, request: ApiRequest, keep = true): Promise<Record<string, unknown> | undefined> => {
      recorded.length = 0;
      const event = apiEvent(request);
      const t0 = performance.now();
      const result = await handler(event, context);
      const ms = performance.now() - t0;
      const status = result.statusCode ?? 200;
      if (status !== 200) {
        failures.push({ path: request.path, status, body: String(result.body ?? '').slice(0, 300) });
        return undefined;
      }
      const body = JSON.parse(result.body ?? '{}') as Record<string, unknown>;
      if (keep) {
        const list = samples.get(endpoint) ?? [];
        list.push({ readUnits: readUnitsOf(recorded), requests: recorded.length, ms, items: Array.isArray(body.items) ? body.items.length : 1 });
        samples.set(endpoint, list);
      }
      return body;
    };
    const walk = async (endpoint: string, query: string, identity: ApiRequest['identity']) => {
      let cursor: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const body = await call(endpoint, { path: `/findings?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, identity });
        cursor = body?.nextCursor as string | undefined;
        if (!cursor) break;
      }
    };

    const root = admin();
    const teamMember = (team: string) => member(`bench-${team}`, team);
    const days = (n: number) => new Date(NOW.getTime() - n * DAY).toISOString();
    const ids = [...withHistory.map((f) => f.id), ...findings.filter((_, i) => i % Math.floor(count / 60) === 1).map((f) => f.id)];

    let scanCount = 0;
    recordRequests((r) => {
      recorded.push(r);
      if (r.command.constructor.name === 'ScanCommand') scanCount++;
    });
    const started = Date.now();
    try {
      // Warm: the first call of a container loads the cursor key and compiles what it lazily needs.
      await call('warm', { path: '/findings?limit=1', identity: root }, false);
      await call('warm', { path: '/summary', identity: root }, false);
      const listings: Array<[string, string[], (v: string) => ApiRequest['identity']]> = [
        ['GET /findings (all)', [''], () => root],
        ['GET /findings?team', ['team=payments', 'team=security', 'team=data'], (q) => teamMember(q.split('=')[1]!)],
        ['GET /findings?account', [`account=${ACCOUNTS[0]}`, `account=${ACCOUNTS[12]}`, `account=${ACCOUNTS[23]}`], () => root],
        ['GET /findings?severity', ['severity=CRITICAL', 'severity=HIGH', 'minSeverity=HIGH'], () => root],
        ['GET /findings?status', ['status=OPEN', 'status=ACKNOWLEDGED', 'status=SUPPRESSED'], () => root],
        ['GET /findings?source', ['source=aws.guardduty', 'source=aws.securityhub', 'source=aws.cloudtrail'], () => root],
        ['GET /findings?since&until', [`since=${days(7)}`, `since=${days(30)}&until=${days(23)}`, `since=${days(90)}&until=${days(89)}`], () => root],
        ['GET /findings?team&severity&status', ['team=payments&minSeverity=HIGH&status=OPEN', 'team=security&severity=CRITICAL', 'team=platform&source=aws.config&status=OPEN'], (q) => teamMember(/team=([a-z]+)/.exec(q)![1]!)],
      ];
      for (const [endpoint, queries, identity] of listings) for (const q of queries) await walk(endpoint, q, identity(q));
      for (const id of ids) {
        const f = findings.find((x) => x.id === id)!;
        await call('GET /findings/{id}', { path: `/findings/${id}`, identity: teamMember(f.team) });
      }
      for (let i = 0; i < 20; i++) {
        await call('GET /summary (admin)', { path: '/summary', identity: root });
        await call('GET /summary (team)', { path: '/summary', identity: teamMember(['payments', 'security', 'platform', 'data'][i % 4]!) });
      }
    } finally {
      recordRequests(undefined);
    }
    db.destroy();
    const seconds = (Date.now() - started) / 1000;

    // Scans: this stage's requests, and those the ingest and notify stages recorded.
    const perEndpoint: Record<string, unknown> = {};
    const readUnitsPerPage: Record<string, number | null> = {};
    const latencyMs: Record<string, { p50: number | null; p99: number | null }> = {};
    for (const [endpoint, list] of samples) {
      const units = list.map((s) => s.readUnits);
      const ms = list.map((s) => s.ms);
      readUnitsPerPage[endpoint] = round(median(units), 1);
      latencyMs[endpoint] = { p50: round(median(ms), 1), p99: round(percentile(ms, 99), 1) };
      perEndpoint[endpoint] = {
        pages: list.length,
        readUnits: { median: round(median(units), 1), mean: round(units.reduce((a, b) => a + b, 0) / list.length, 2), p99: round(percentile(units, 99), 1), max: Math.max(...units) },
        requestsPerPage: { median: median(list.map((s) => s.requests)), max: Math.max(...list.map((s) => s.requests)) },
        itemsPerPage: { median: median(list.map((s) => s.items)), min: Math.min(...list.map((s) => s.items)) },
        latencyMs: { p50: round(median(ms), 1), p99: round(percentile(ms, 99), 1), max: round(Math.max(...ms), 1) },
      };
    }
    const ingestScans = (ctx.results.details.ingest as { dynamo?: { scans?: number } } | undefined)?.dynamo?.scans ?? 0;
    const notifyScans = (ctx.results.details.notify as { dynamo?: { scans?: number } } | undefined)?.dynamo?.scans ?? 0;
    const scans = ingestScans + notifyScans + scanCount;
    ctx.log(`query: ${[...samples.values()].reduce((s, l) => s + l.length, 0)} pages in ${seconds.toFixed(0)} s, ${failures.length} failed calls, ${scans} scans in the run`);
    return {
      queryReadUnitsPerPage: readUnitsPerPage,
      scans,
      details: {
        query: {
          findings: count,
          withHistory: withHistory.length,
          loadSeconds: round(loadSeconds, 1),
          latencyMs,
          endpoints: perEndpoint,
          failures,
          scans: { ingest: ingestScans, notify: notifyScans, query: scanCount, note: 'Scan requests recorded by the in-process stages (the document client of every function module); the e2e runtime runs in its own process' },
          note: 'read units as DynamoDB Local reports them with ReturnConsumedCapacity (they match AWS for Query and GetItem); latency is the handler call on DynamoDB Local, warm container; listings follow nextCursor up to 30 pages with the default page size',
        },
      },
    };
  },
};
