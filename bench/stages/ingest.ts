/**
 * The real ingest Lambda handler (functions/ingest/handler.ts, imported as the function
 * runs it, env from template.yaml) fed SQS batches of the generated stream against
 * DynamoDB Local, one batch at a time as one Lambda container would. Measures CPU per
 * event around the handler calls, events per second, DynamoDB units by AWS's rules
 * (bench/lib/capacity.ts), per-key write peaks and the transitions written.
 */
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { loadTemplate } from '../../cli/local/template.js';
import { parseVigilConfig } from '../../functions/shared/core/routing/config.js';
import { readConfigFilesWith } from '../../functions/shared/runtime/config.js';
import { lambdaContext, sqsRecord } from '../../test/support/sqs.js';
import type { StreamEvent } from '../generate.js';
import { CapacityLedger, categoryOf, tableDefFromTemplate, type Buckets, type SentRequest } from '../lib/capacity.js';
import { recordRequests } from '../lib/dynamo.js';
import { cpuMs, round } from '../lib/stats.js';
import type { BenchContext, Stage } from './types.js';

type Handler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/** IngestFunction's own environment variables in template.yaml that are plain values (its tuning: refresh and heartbeat intervals, TTLs). */
function templateIngestVariables(): Record<string, string> {
  const variables = ((loadTemplate('template.yaml').Resources.IngestFunction?.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {});
  return Object.fromEntries(Object.entries(variables).filter((entry): entry is [string, string | number] => typeof entry[1] === 'string' || typeof entry[1] === 'number').map(([k, v]) => [k, String(v)]));
}

/** The environment template.yaml gives IngestFunction, pointed at DynamoDB Local. */
export function ingestEnvironment(tableName: string, endpoint: string): Record<string, string> {
  return {
    ...templateIngestVariables(),
    TABLE_NAME: tableName,
    AWS_ENDPOINT_URL_DYNAMODB: endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    POWERTOOLS_SERVICE_NAME: 'ingest',
    POWERTOOLS_METRICS_NAMESPACE: 'Vigil',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    VIGIL_CONFIG_FILE: 'config/vigil.yaml',
    HISTORY_TTL_DAYS: '400',
    QUARANTINE_TTL_DAYS: '30',
  };
}

/** Imports the handler module once, with its environment set first (it reads it at import). */
export async function importIngestHandler(env: Record<string, string>): Promise<Handler> {
  // VIGIL_CONFIG_FILE is read only where a parser was handed in (functions embed their
  // configuration); this also runs in the log-bytes stage's child process.
  readConfigFilesWith(parseVigilConfig);
  Object.assign(process.env, env);
  const module = (await import('../../functions/ingest/handler.js')) as unknown as { handler: Handler };
  return module.handler;
}

export function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Deterministic, UUID-shaped message ids: the stream position, and whether it is the second delivery. */
function messageId(e: StreamEvent): `${string}-${string}-${string}-${string}-${string}` {
  const seq = String(Math.abs(e.seq)).padStart(12, '0');
  return `${e.seq < 0 ? 'b0000001' : 'b0000000'}-0000-4000-${e.duplicate ? '9' : '8'}000-${seq}`;
}

export function recordsOf(events: readonly StreamEvent[]): SQSRecord[] {
  return events.map((e) => sqsRecord(e.body, messageId(e)));
}

export const ingestStage: Stage = {
  name: 'ingest',
  phase: 'dynamo',
  async run(ctx: BenchContext) {
    const { stream, args } = ctx;
    const tableName = await ctx.dynamo!.freshTable('vigil-bench-ingest');
    const ledger = new CapacityLedger(tableDefFromTemplate(loadTemplate('template.yaml')));
    const pending: SentRequest[] = [];
    const handler = await importIngestHandler(ingestEnvironment(tableName, ctx.dynamo!.endpoint));
    const context = lambdaContext('vigil-ingest');

    // Prime: the findings already open when the window starts (not measured).
    recordRequests((r) => pending.push(r));
    let failures = 0;
    for (const batch of batches(stream.prime, args.batchSize)) {
      const response = await handler({ Records: recordsOf(batch) }, context);
      failures += response.batchItemFailures.length;
      for (const r of pending.splice(0)) ledger.record(r);
    }
    ctx.log(`primed ${stream.prime.length} events (${failures} failures)`);
    ledger.reset();

    // Measure: one Lambda-sized process, one batch at a time.
    const events = stream.events;
    const t0 = events[0]?.arrivalTime ?? 0;
    const span = Math.max(1, (events[events.length - 1]?.arrivalTime ?? 1) - t0);
    const replaySeconds = events.length / 1000;
    const prepared = batches(events, args.batchSize).map((batch) => ({ batch, records: recordsOf(batch) }));
    // Position of each event among the finding events (heartbeats left out), for the findings-only replay.
    const findingIndex: number[] = [];
    let findingsSoFar = 0;
    for (const e of events) {
      findingIndex.push(findingsSoFar);
      if (e.kind !== 'heartbeat') findingsSoFar++;
    }
    let cpu = 0;
    let wall = 0;
    const failedIds: string[] = [];
    const started = Date.now();
    let lastLog = { at: started, events: 0 };
    let done = 0;
    for (const { batch, records } of prepared) {
      const middle = batch[Math.floor(batch.length / 2)]!;
      const buckets: Buckets = {
        constant: Math.floor(middle.seq / 1000),
        timeScaled: Math.floor(((middle.arrivalTime - t0) / span) * replaySeconds),
        findingsOnly: Math.floor(findingIndex[middle.seq]! / 1000),
      };
      const c0 = process.cpuUsage();
      const w0 = performance.now();
      const response = await handler({ Records: records }, context);
      wall += performance.now() - w0;
      cpu += cpuMs(c0);
      failedIds.push(...response.batchItemFailures.map((f) => f.itemIdentifier));
      for (const r of pending.splice(0)) ledger.record(r, buckets);
      done += batch.length;
      if (Date.now() - lastLog.at > 30_000) {
        ctx.log(`  ${done}/${events.length} events, ${(((done - lastLog.events) / (Date.now() - lastLog.at)) * 1000).toFixed(0)} events/s lately`);
        lastLog = { at: Date.now(), events: done };
      }
    }
    const elapsed = (Date.now() - started) / 1000;
    ctx.log(`ingested ${events.length} events in ${elapsed.toFixed(1)} s (${failedIds.length} failed records)`);
    const report = ledger.report();

    // Fixed cost of an invocation vs. the cost of one more record: the same already-seen
    // events (a duplicate: one read, no write) in batches of 1 and of the full size.
    const seen = events.filter((e) => e.kind === 'guardduty' && !e.duplicate).slice(0, args.batchSize);
    const overhead = { single: 0, full: 0, singleRuns: 0, fullRuns: 0 };
    if (seen.length === args.batchSize) {
      recordRequests(undefined);
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < 100; i++) {
          const records = recordsOf([seen[i % seen.length]!]);
          const c0 = process.cpuUsage();
          await handler({ Records: records }, context);
          overhead.single += cpuMs(c0);
          overhead.singleRuns++;
        }
        for (let i = 0; i < 8; i++) {
          const records = recordsOf(seen);
          const c0 = process.cpuUsage();
          await handler({ Records: records }, context);
          overhead.full += cpuMs(c0);
          overhead.fullRuns++;
        }
      }
    }
    recordRequests(undefined);
    const c1 = overhead.single / Math.max(1, overhead.singleRuns);
    const cN = overhead.full / Math.max(1, overhead.fullRuns);
    const perRecord = (cN - c1) / (args.batchSize - 1);
    const perInvocation = Math.max(0, c1 - perRecord);

    const n = events.length;
    const byKind = Object.fromEntries(['guardduty', 'config', 'cloudtrail', 'securityhub', 'heartbeat'].map((k) => [k, events.filter((e) => e.kind === k).length]));
    const findingEvents = n - byKind.heartbeat!;
    const transitions = Object.entries(report.historyKinds)
      .filter(([kind]) => kind !== 'late-observation')
      .reduce((s, [, c]) => s + c, 0);
    const kindOfKey = (key: string) => {
      const [where, ...rest] = key.split(':');
      return where === 'table' ? `table:${categoryOf(rest.join(':'))}` : `${where}`;
    };
    const views = Object.fromEntries(
      [...ledger.hotKeys.entries()].map(([name, keys]) => {
        const top = keys.top(8);
        return [name, { max: top[0]?.writes ?? 0, top, busiestByKind: keys.peakBy((key) => kindOfKey(key)) }];
      }),
    );
    const topConstant = ledger.hotKeys.get('constantRate')!.top(1);
    const cpuPerEvent = cpu / n;

    return {
      events: n,
      dynamoWriteUnitsPerEvent: round(report.writeUnits / n, 4),
      dynamoReadUnitsPerEvent: round(report.readUnits / n, 4),
      // transitions and naiveNotificationsPer1kEvents: the notify stage, from the table's stream.
      maxWritesPerSecondOnOneKey: topConstant[0]?.writes ?? 0,
      details: {
        ingest: {
          events: n,
          byKind,
          batches: prepared.length,
          batchSize: args.batchSize,
          failedRecords: failedIds.length,
          wallSeconds: round(wall / 1000, 2),
          eventsPerSecond: round((n / wall) * 1000, 1),
          cpuMsPerEvent: round(cpuPerEvent, 4),
          cpuMsPerBatch: round(cpu / prepared.length, 3),
          eventsPerCpuSecond: round(1000 / cpuPerEvent, 0),
          invocationCpu: {
            note: 'CPU of one handler call = perInvocationMs + n x perRecordMs, fitted from 300 calls of 1 and 24 calls of the full batch size of already-seen events (read, no write)',
            perInvocationMs: round(perInvocation, 3),
            perRecordMs: round(perRecord, 3),
          },
          outcomes: { ...report.decisions, transitions, historyKinds: report.historyKinds, conditionalFailures: report.conditionalFailures },
          findingEvents,
          dynamo: report,
          hotKeys: {
            definition:
              'writes per partition key (table pk; each GSI pk from the written items: a delete and a put when an index key changes) per second of replay. constantRate (headline): the stream replayed at exactly 1,000 events per second in arrival order, a second = 1,000 consecutive events; timeScaled: event time compressed uniformly to an average of 1,000 events per second (bursts exceed it); findingsOnly: 1,000 finding events per second, heartbeats left out; whatIf*: the same writes keyed as a proposed layout would key them',
            eventTimeSecondsPerReplaySecond: round(span / 1000 / replaySeconds, 1),
            ...views,
          },
        },
      },
    };
  },
};
