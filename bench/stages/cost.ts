/**
 * Cost per million events from this run's measurements and bench/prices.json, every
 * service on the path an event takes: EventBridge (member bus to central bus), SQS
 * (one SendMessage per event; ReceiveMessage and DeleteMessageBatch per batch), Lambda
 * (requests, arm64 GB-seconds at the template's MemorySize), DynamoDB (the units the
 * ingest stage counted), DynamoDB Streams read by Lambda (free) and CloudWatch Logs
 * (the bytes the log-bytes stage counted, plus Lambda's platform lines), and the notify
 * path the notify stage measured (SNS publishes, the notifier's Lambda requests and
 * duration, its DynamoDB units: `notificationCostPerEvent` in notify.ts).
 *
 * Lambda's billed duration is modelled, not measured here: the measured CPU of a handler
 * call scaled to the CPU share of a 512 MB function, plus DynamoDB round trips.
 * Batches: at full size (25) and at the fill the modelled organization's event rate
 * gives (Lambda's five SQS pollers, 5 s batching window); the headline uses the latter.
 */
import { loadTemplate } from '../../cli/local/template.js';
import type { LedgerReport } from '../lib/capacity.js';
import { round } from '../lib/stats.js';
import { notificationCostPerEvent } from './notify.js';
import type { BenchContext, Price, Stage } from './types.js';

/** Modelling assumptions (docs/performance.md explains each). */
export const ASSUMPTIONS = {
  /** Lambda gives a function CPU in proportion to memory: one vCPU at 1,769 MB. */
  fullVcpuMemoryMb: 1769,
  /** Latency of one DynamoDB request from Lambda in the same Region (ms); AWS quotes single-digit milliseconds. */
  dynamoLatencyMs: { read: 4, write: 6, transaction: 12 },
  /** The SQS event source mapping starts with five pollers, each filling its own batch. */
  sqsPollers: 5,
  /** Messages per ReceiveMessage and per DeleteMessageBatch (the SQS maximum). */
  sqsMessagesPerCall: 10,
  /** Lambda's START/END/REPORT platform lines per invocation in JSON log format (bytes, estimated). */
  platformLogBytesPerInvocation: 700,
  /** EventBridge bills each 64 KB chunk as one event; SQS each 64 KB chunk as one request. */
  chunkBytes: 64 * 1024,
  daysPerMonth: 30.4,
};

interface IngestDetails {
  events: number;
  byKind: Record<string, number>;
  findingEvents: number;
  invocationCpu: { perInvocationMs: number; perRecordMs: number };
  outcomes: { create: number; change: number; touch: number };
  dynamo: LedgerReport;
}

interface LogDetails {
  appLogBytesPerEvent: number;
  emfModel: { fixedBytesPerInvocation: number; bytesPerEvent: number };
}

function price(ctx: BenchContext, key: string): number {
  const p = ctx.prices[key] as Price | undefined;
  if (!p || typeof p.usd !== 'number') throw new Error(`bench/prices.json has no ${key}`);
  return p.usd;
}

export const costStage: Stage = {
  name: 'cost',
  phase: 'derive',
  async run(ctx: BenchContext) {
    const ingest = ctx.results.details.ingest as IngestDetails | undefined;
    if (!ingest) return { pending: { costPer1MEventsUSD: 'needs the ingest stage' } };
    const logs = ctx.results.details.logBytes as LogDetails | undefined;
    // Everything is in the headline, logs included: without their bytes it would be too low.
    if (!logs) return { pending: { costPer1MEventsUSD: 'needs the log-bytes stage (CloudWatch Logs bytes per event)' } };
    const template = loadTemplate('template.yaml');
    const globals = (template.Globals as { Function?: { MemorySize?: number } } | undefined)?.Function ?? {};
    const ingestProps = template.Resources.IngestFunction?.Properties ?? {};
    const memoryMb = Number(ingestProps.MemorySize ?? globals.MemorySize ?? 128);
    const sqsEvent = ((ingestProps.Events as Record<string, { Properties?: Record<string, unknown> }> | undefined)?.IngestQueue?.Properties ?? {}) as { BatchSize?: number; MaximumBatchingWindowInSeconds?: number };
    const maxBatch = Number(sqsEvent.BatchSize ?? 10);
    const windowSeconds = Number(sqsEvent.MaximumBatchingWindowInSeconds ?? 0);

    const n = ingest.events;
    const bodies = ctx.stream.events.map((e) => Buffer.byteLength(e.body));
    const chunksPerEvent = bodies.reduce((s, b) => s + Math.max(1, Math.ceil(b / ASSUMPTIONS.chunkBytes)), 0) / n;
    const wruPerEvent = ingest.dynamo.writeUnits / n;
    const rruPerEvent = ingest.dynamo.readUnits / n;
    const txShare = (ingest.outcomes.create + ingest.outcomes.change) / n;
    const cpuFactor = ASSUMPTIONS.fullVcpuMemoryMb / memoryMb;
    const gb = memoryMb / 1024;

    const notification = notificationCostPerEvent(ctx, ASSUMPTIONS.fullVcpuMemoryMb);
    const perEventAt = (batch: number, over: { eventBridgeUsd?: number; wruPerEvent?: number } = {}) => {
      const cpuMs = ingest.invocationCpu.perInvocationMs + batch * ingest.invocationCpu.perRecordMs;
      // Records of a batch run in parallel: one read, then a write; the slowest write sets the wait.
      const anyTransaction = 1 - (1 - txShare) ** batch;
      const ioMs = ASSUMPTIONS.dynamoLatencyMs.read + anyTransaction * ASSUMPTIONS.dynamoLatencyMs.transaction + (1 - anyTransaction) * ASSUMPTIONS.dynamoLatencyMs.write;
      const billedMs = Math.ceil(cpuMs * cpuFactor + ioMs);
      const calls = Math.ceil(batch / ASSUMPTIONS.sqsMessagesPerCall);
      const logBytes = logs.appLogBytesPerEvent + (logs.emfModel.fixedBytesPerInvocation + ASSUMPTIONS.platformLogBytesPerInvocation) / batch + logs.emfModel.bytesPerEvent;
      const lines = {
        eventBridge: chunksPerEvent * (over.eventBridgeUsd ?? price(ctx, 'eventbridgeCustomEvent')),
        sqs: (chunksPerEvent + (2 * calls) / batch) * price(ctx, 'sqsStandardRequest'),
        lambdaRequests: price(ctx, 'lambdaRequest') / batch,
        lambdaDuration: ((billedMs / 1000) * gb * price(ctx, 'lambdaArmGbSecond')) / batch,
        dynamoWrites: (over.wruPerEvent ?? wruPerEvent) * price(ctx, 'dynamodbWriteRequestUnit'),
        dynamoReads: rruPerEvent * price(ctx, 'dynamodbReadRequestUnit'),
        dynamoStreams: 0 * price(ctx, 'dynamodbStreamsReadByLambda'),
        cloudWatchLogs: (logBytes / 1e9) * price(ctx, 'cloudwatchLogsIngestionGB'),
        ...notification,
      };
      const total = Object.values(lines).reduce((a, b) => a + b, 0);
      return {
        eventsPerInvocation: round(batch, 2),
        billedMsPerInvocation: billedMs,
        logBytesPerEvent: round(logBytes, 0),
        per1MEventsUSD: Object.fromEntries(Object.entries(lines).map(([k, v]) => [k, round(v * 1e6, 4)])),
        totalPer1MEventsUSD: round(total * 1e6, 4) as number,
      };
    };

    const orgPerDay = Object.values(ctx.stream.orgEventsPerDay).reduce((a, b) => a + b, 0);
    const orgRate = orgPerDay / 86_400;
    const orgBatch = Math.min(maxBatch, Math.max(1, (orgRate / ASSUMPTIONS.sqsPollers) * windowSeconds));
    const atOrgRate = perEventAt(orgBatch);
    const atFullBatches = perEventAt(maxBatch);

    // What the proposed changes would do, on this run's measurements (docs/performance.md, fixes).
    const savings = ingest.dynamo.savings;
    const batchWith = (window: number) => Math.min(maxBatch, Math.max(1, (orgRate / ASSUMPTIONS.sqsPollers) * window));
    const weeklyRefresh = savings.dailyIndexRefreshWriteUnits * (6 / 7);
    const leanerWrites = (ingest.dynamo.writeUnits - weeklyRefresh - savings.unchangedDetailRewriteWriteUnits) / n;
    const crossAccount = price(ctx, 'eventbridgeCrossAccountDelivery');
    const whatIf = {
      batchingWindow20s: perEventAt(batchWith(20)).totalPer1MEventsUSD,
      weeklyIndexRefreshAndNoUnchangedDetailRewrite: perEventAt(orgBatch, { wruPerEvent: leanerWrites }).totalPer1MEventsUSD,
      membersSendToTheQueueDirectly: perEventAt(orgBatch, { eventBridgeUsd: crossAccount }).totalPer1MEventsUSD,
      allThree: perEventAt(batchWith(20), { eventBridgeUsd: crossAccount, wruPerEvent: leanerWrites }).totalPer1MEventsUSD,
      writeUnitsPerEventLeaner: round(leanerWrites, 4),
      notes: {
        batchingWindow20s: 'MaximumBatchingWindowInSeconds 5 -> 20 on the IngestQueue event source: fuller batches at the organization rate (fewer SQS receives/deletes and Lambda requests); up to 20 s more latency',
        weeklyIndexRefreshAndNoUnchangedDetailRewrite: 'INDEX_REFRESH_HOURS=168 on IngestFunction (index refresh of repeats weekly, 6/7 of the measured refresh index writes saved) and no detail-item put in a change whose detail is unchanged (measured units of such puts)',
        membersSendToTheQueueDirectly: 'member forwarder rules target the central SQS queue (cross-account delivery, $0.05/M) instead of the central bus (bus-to-bus, custom-event rate)',
      },
    };

    // Per source: DynamoDB units by partition (findings vs heartbeats), the rest per event alike.
    const units = ingest.dynamo.unitsByCategory;
    const heartbeats = ingest.byKind.heartbeat ?? 0;
    const findingEvents = ingest.findingEvents;
    // Notifications come of finding events only: their cost per event goes to finding events.
    const notifyPer1M = Object.values(notification).reduce((a, b) => a + b, 0) * 1e6;
    const nonDynamo = atOrgRate.totalPer1MEventsUSD - notifyPer1M - ((atOrgRate.per1MEventsUSD.dynamoWrites ?? 0) + (atOrgRate.per1MEventsUSD.dynamoReads ?? 0));
    const dynamoUsd = (u: { read: number; write: number } | undefined) => (u ? u.write * price(ctx, 'dynamodbWriteRequestUnit') + u.read * price(ctx, 'dynamodbReadRequestUnit') : 0);
    const perSource = {
      findingEventsPer1MUSD: round(nonDynamo + (notifyPer1M * n) / Math.max(1, findingEvents) + (dynamoUsd(units.finding) / Math.max(1, findingEvents)) * 1e6, 4),
      heartbeatsPer1MUSD: round(nonDynamo + (dynamoUsd(units.heartbeat) / Math.max(1, heartbeats)) * 1e6, 4),
    };

    // The modelled organization per month.
    const eventsPerMonth = orgPerDay * ASSUMPTIONS.daysPerMonth;
    const findingEventsPerMonth = (orgPerDay - ctx.stream.orgEventsPerDay.heartbeat) * ASSUMPTIONS.daysPerMonth;
    const vigilMonthly = (eventsPerMonth / 1e6) * atOrgRate.totalPer1MEventsUSD;
    const shPrice = ctx.prices.securityHubFindingIngestionEvent as Price & { freePerAccountRegionMonth?: number };
    const shList = findingEventsPerMonth * shPrice.usd;
    // Security Hub's free tier is per account and Region: the model's volume of each, per month.
    const free = shPrice.freePerAccountRegionMonth ?? 0;
    let billable = 0;
    let busiest = 0;
    for (const perDay of Object.values(ctx.stream.orgFindingEventsPerAccountRegionPerDay)) {
      const monthly = perDay * ASSUMPTIONS.daysPerMonth;
      busiest = Math.max(busiest, monthly);
      billable += Math.max(0, monthly - free);
    }
    const vigilPer1MFindingEvents = (vigilMonthly / findingEventsPerMonth) * 1e6;

    ctx.log(`cost per 1M events: $${atOrgRate.totalPer1MEventsUSD} at the organization's rate (${atOrgRate.eventsPerInvocation} events per invocation), $${atFullBatches.totalPer1MEventsUSD} in full batches`);
    return {
      costPer1MEventsUSD: round(atOrgRate.totalPer1MEventsUSD, 3),
      securityHubCostPer1MEventsUSD: round(shPrice.usd * 1e6, 2),
      details: {
        cost: {
          headline: "costPer1MEventsUSD: every service on an event's path, at the batch fill the modelled organization's rate gives; securityHubCostPer1MEventsUSD: Security Hub's list price per million finding ingestion events (beyond its free tier)",
          atOrganizationRate: atOrgRate,
          atFullBatches: atFullBatches,
          perSource,
          whatIf,
          inputs: {
            memoryMb,
            cpuScaleFactor: round(cpuFactor, 3),
            chunksPerEvent: round(chunksPerEvent, 4),
            writeUnitsPerEvent: round(wruPerEvent, 4),
            readUnitsPerEvent: round(rruPerEvent, 4),
            transactionShareOfEvents: round(txShare, 4),
            organizationEventsPerSecond: round(orgRate, 2),
          },
          assumptions: ASSUMPTIONS,
          organizationMonth: {
            accounts: ctx.stream.options.accounts,
            regions: ctx.stream.options.regions.map(([r]) => r),
            eventsPerMonth: Math.round(eventsPerMonth),
            findingEventsPerMonth: Math.round(findingEventsPerMonth),
            heartbeatsPerMonth: Math.round(ctx.stream.orgEventsPerDay.heartbeat * ASSUMPTIONS.daysPerMonth),
            vigilUSD: round(vigilMonthly, 2),
            vigilPer1MFindingEventsUSD: round(vigilPer1MFindingEvents, 3),
            securityHubIngestionListUSD: round(shList, 2),
            securityHubIngestionWithFreeTierUSD: round(billable * shPrice.usd, 2),
            securityHubBusiestAccountRegionEventsPerMonth: Math.round(busiest),
            fixedMonthlyNotPerEvent: 'SQS empty long polls of the five pollers (~650k requests a month, ~$0.26), the directory reload per container every 5 minutes (~37 read units each), CloudWatch custom metrics per distinct EMF dimension value (UnconfiguredTeamFindings per team, EventsQuarantined per reason), KMS requests of the encrypted queue and table, the EventBridge archive of the central bus (per GB archived and stored): not in the per-event figures',
          },
        },
      },
    };
  },
};
