/**
 * The notify path: the real notifier handler (functions/notifier/handler.ts, imported as
 * the function runs it) fed the ingest table's stream as Lambda's event source mapping
 * feeds it (the template's filter, batch size and batching window), delivering to the
 * local Slack server and an SNS sink that records every publish (both in a child process,
 * so the CPU measured is the notifier's). Then every transition the ingest made is
 * checked against what was delivered: sent once on each channel it was due on, held back
 * by a configured rule (with the reason), or missed.
 *
 * The notifier runs on the stream's own time (bench/lib/clock.ts): its clock reads the
 * time of the records it is handed, so quiet hours and burst windows fall where they
 * would have. The stream is a sample of the organization (`sampleFraction`), so the
 * windows that count volume are widened by 1/sampleFraction to see the organization's
 * volume per window: the stream batching window (batch fill) and the burst window
 * (messages per team). Findings open before the window (the primed ones) are announced
 * first, unmeasured, as they would have been before the window started.
 */
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { feedStream, TableStreamReader } from '../../cli/local/table-stream.js';
import { createTables, loadTemplate, tablesFromTemplate, type CfnTemplate } from '../../cli/local/template.js';
import { CachedDirectory } from '../../functions/shared/adapters/cached-directory.js';
import { dynamoDirectorySource } from '../../functions/shared/adapters/directory-reader.js';
import { createDocumentClient } from '../../functions/shared/adapters/dynamodb-client.js';
import { DynamoFindingStore } from '../../functions/shared/adapters/dynamodb-finding-store.js';
import { stateKeys } from '../../functions/shared/adapters/notify/notification-state.js';
import { normalizeEvent } from '../../functions/shared/core/normalizers/index.js';
import { planDeliveries } from '../../functions/shared/core/notify/plan.js';
import { configRouting } from '../../functions/shared/core/notify/routing-port.js';
import { deriveNotification } from '../../functions/shared/core/notify/transition.js';
import { deliveryKey, type ChannelId, type NotificationEvent } from '../../functions/shared/core/notify/types.js';
import { matches } from '../../functions/shared/event-pattern/index.js';
import { loadRuntimeConfig } from '../../functions/shared/runtime/config.js';
import { lambdaContext } from '../../test/support/sqs.js';
import { restoreRealTime, setSimulatedTime } from '../lib/clock.js';
import type { SentRequest } from '../lib/capacity.js';
import { itemSize, writeUnits } from '../lib/capacity.js';
import { recordRequests } from '../lib/dynamo.js';
import { startNotifyEndpoints, type NotifyEndpoints } from '../lib/notify-endpoints.js';
import { cpuMs, median, percentile, round } from '../lib/stats.js';
import type { BenchContext, Price, Stage } from './types.js';

type Handler = (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse>;
type Item = Record<string, unknown>;

export const INGEST_TABLE = 'vigil-bench-ingest';
/** Transitions people are told about (the issue's: new, escalated, resolved, reopened). */
const TRANSITION_KINDS = new Set(['OPENED', 'ESCALATED', 'RESOLVED', 'REOPENED']);
/**
 * From an event's time to its stream record: SQS delivery and the ingest queue's batching
 * window (5 s) at most; the delivery delay itself is already in the running maximum.
 */
const INGEST_DELAY_MS = 5_000;
/** Assumed latency of SNS Publish and of a Slack call from Lambda (ms), for billed duration. */
export const NOTIFY_LATENCY_MS = { sns: 20, slack: 150 };
/** The Slack client's default pacing per channel (SLACK_MIN_INTERVAL_MS, unset in template.yaml). */
const SLACK_PACING_MS = 1000;
const BOT_SECRET = 'vigil/slack/bot';
const BOT_TOKEN = 'xoxb-bench';
const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:vigil-FindingsTopic-BENCH';

interface NotifierTemplate {
  env: Record<string, string>;
  filter: unknown;
  batchSize: number;
  windowSeconds: number;
  memoryMb: number;
}

/** What template.yaml says about NotifierFunction: literal environment, stream filter, batching. */
function notifierTemplate(template: CfnTemplate): NotifierTemplate {
  const props = template.Resources.NotifierFunction?.Properties ?? {};
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(((props.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {}) as Record<string, unknown>)) {
    if (typeof value === 'string' || typeof value === 'number') env[key] = String(value);
  }
  const stream = (Object.values((props.Events ?? {}) as Record<string, { Type?: string; Properties?: Record<string, unknown> }>).find((e) => e.Type === 'DynamoDB')?.Properties ?? {}) as {
    BatchSize?: number;
    MaximumBatchingWindowInSeconds?: number;
    FilterCriteria?: { Filters?: Array<{ Pattern?: string }> };
  };
  const pattern = stream.FilterCriteria?.Filters?.[0]?.Pattern;
  const globals = (template.Globals as { Function?: { MemorySize?: number } } | undefined)?.Function ?? {};
  return {
    env,
    filter: pattern ? (JSON.parse(pattern) as unknown) : undefined,
    batchSize: Number(stream.BatchSize ?? 100),
    windowSeconds: Number(stream.MaximumBatchingWindowInSeconds ?? 0),
    memoryMb: Number(props.MemorySize ?? globals.MemorySize ?? 128),
  };
}

const image = (raw: unknown): Item | undefined => (raw ? unmarshall(raw as Record<string, AttributeValue>) : undefined);

/** A finding item record that carries a transition the ingest made, and which. */
function transitionOf(record: DynamoDBRecord): { kind: string; findingId: string; version: number } | undefined {
  const next = image(record.dynamodb?.NewImage);
  if (!next || next.sk !== 'F') return undefined;
  const prev = image(record.dynamodb?.OldImage);
  const fresh = !prev || prev.transition !== next.transition || prev.transitionAt !== next.transitionAt;
  if (!fresh || !TRANSITION_KINDS.has(String(next.transition))) return undefined;
  return { kind: String(next.transition), findingId: String(next.id), version: Number(next.version) };
}

interface Batch {
  records: DynamoDBRecord[];
  /** The notifier's clock during this invocation (epoch ms, stream time). */
  at: number;
}

/**
 * Batches as the event source mapping forms them: from the first waiting record, until
 * the batch is full or the batching window has passed. A record's time is the latest
 * event time seen so far (the stream is in arrival order; a late event does not move it
 * back) plus the ingest delay.
 */
function formBatches(records: DynamoDBRecord[], batchSize: number, windowMs: number): Batch[] {
  let latest = 0;
  const times = records.map((r) => {
    const f = image(r.dynamodb?.NewImage);
    for (const at of [f?.lastSeen, f?.transitionAt]) if (typeof at === 'string') latest = Math.max(latest, Date.parse(at));
    return latest + INGEST_DELAY_MS;
  });
  const out: Batch[] = [];
  for (let i = 0; i < records.length; ) {
    const start = times[i]!;
    let j = i;
    while (j < records.length && j - i < batchSize && times[j]! <= start + windowMs) j++;
    out.push({ records: records.slice(i, j), at: j - i === batchSize ? times[j - 1]! : start + windowMs });
    i = j;
  }
  return out;
}

/** Finding id and version of a Slack message (its context line), when it is about one finding. */
function findingOf(blocks: unknown): { id: string; version: number } | undefined {
  const m = /finding `([^`]+)` v(\d+)/.exec(JSON.stringify(blocks ?? []));
  return m ? { id: m[1]!, version: Number(m[2]) } : undefined;
}

/** DynamoDB request units of the notifier: DynamoDB Local's report, transactions by AWS's rule (it under-reports them). */
function unitsOf(request: SentRequest): { read: number; write: number } {
  const operation = request.command.constructor.name.replace(/Command$/, '');
  const input = request.command.input;
  if (operation === 'TransactWrite') {
    const items = (input.TransactItems ?? []) as Array<{ Put?: { Item: Item }; Update?: unknown; ConditionCheck?: unknown; Delete?: unknown }>;
    // 2 units per KB and item; an Update's item is not in the request: a finding item is under 1 KB.
    return { read: 0, write: items.reduce((s, t) => s + 2 * (t.Put ? writeUnits(itemSize(t.Put.Item)) : 1), 0) };
  }
  const consumed = request.output?.ConsumedCapacity as { ReadCapacityUnits?: number; WriteCapacityUnits?: number; CapacityUnits?: number } | Array<{ CapacityUnits?: number }> | undefined;
  const total = (Array.isArray(consumed) ? consumed : consumed ? [consumed] : []).reduce((s, c) => s + (c.CapacityUnits ?? 0), 0);
  if (request.error) {
    // A write whose condition failed still costs a unit; a failed read nothing.
    return ['Put', 'Update', 'Delete'].includes(operation) ? { read: 0, write: 1 } : { read: 0, write: 0 };
  }
  return ['Get', 'Query', 'Scan', 'BatchGet'].includes(operation) ? { read: total, write: 0 } : { read: 0, write: total };
}

interface NotifyDetails {
  events: number;
  invocations: number;
  cpuMsPerEvent: number;
  cpuMsPerEventMeasured: number;
  invocationWallMsTotal: number;
  slackPacingMs: number;
  dynamo: { readUnits: number; writeUnits: number; requests: Record<string, number>; [more: string]: unknown };
  delivered: { snsPublishes: number; slackPosts: number; slackUpdates: number };
  memoryMb: number;
}

function price(ctx: BenchContext, key: string): number {
  const p = ctx.prices[key] as Price | undefined;
  if (!p || typeof p.usd !== 'number') throw new Error(`bench/prices.json has no ${key}`);
  return p.usd;
}

/**
 * What the notify path adds to an event's cost (USD per event), from the notify stage's
 * measurements: SNS publishes, the notifier's Lambda requests and billed duration (CPU
 * scaled to the CPU share of its memory, plus waits on DynamoDB, SNS and Slack), and its
 * DynamoDB units. Empty when the stage did not run. Used by the cost stage.
 */
export function notificationCostPerEvent(ctx: BenchContext, fullVcpuMemoryMb: number): Record<string, number> {
  const n = ctx.results.details.notify as NotifyDetails | undefined;
  if (!n || n.events === 0) return {};
  const cpuScaled = n.cpuMsPerEvent * (fullVcpuMemoryMb / n.memoryMb);
  // Waits as measured here (DynamoDB Local), the Slack client's pacing of one message a
  // second per channel (modelled from the posts of each invocation), and the local Slack
  // and SNS answering in about a millisecond where the real ones take longer.
  const measuredWaitMs = Math.max(0, n.invocationWallMsTotal - n.cpuMsPerEventMeasured * n.events);
  const waitMsPerEvent = (measuredWaitMs + n.slackPacingMs + n.delivered.snsPublishes * NOTIFY_LATENCY_MS.sns + (n.delivered.slackPosts + n.delivered.slackUpdates) * NOTIFY_LATENCY_MS.slack) / n.events;
  // Billed per invocation, rounded up to the millisecond: half a millisecond per invocation on average.
  const billedMsPerEvent = cpuScaled + waitMsPerEvent + (0.5 * n.invocations) / n.events;
  return {
    snsPublishes: (n.delivered.snsPublishes / n.events) * price(ctx, 'snsPublishRequest'),
    notifierLambdaRequests: (n.invocations / n.events) * price(ctx, 'lambdaRequest'),
    notifierLambdaDuration: (billedMsPerEvent / 1000) * (n.memoryMb / 1024) * price(ctx, 'lambdaArmGbSecond'),
    notifierDynamoWrites: (n.dynamo.writeUnits / n.events) * price(ctx, 'dynamodbWriteRequestUnit'),
    notifierDynamoReads: (n.dynamo.readUnits / n.events) * price(ctx, 'dynamodbReadRequestUnit'),
  };
}

/**
 * Imports the notifier with `fetch` wrapped to count Slack posts per channel (the Slack
 * client captures `fetch` when it is built): the pacing it would sleep is modelled from them.
 */
async function importNotifier(env: Record<string, string>, postsPerChannel: Map<string, number>): Promise<Handler> {
  Object.assign(process.env, env);
  const realFetch = globalThis.fetch;
  globalThis.fetch = (async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
    const url = String(input instanceof Request ? input.url : input);
    if (url.startsWith(env.SLACK_API_URL ?? '\u0000') || url.includes('/webhook/')) {
      const path = new URL(url).pathname;
      if (path.endsWith('/chat.postMessage') || path.includes('/webhook/')) {
        const channel = path.includes('/webhook/') ? path : String((JSON.parse(String(init?.body ?? '{}')) as { channel?: unknown }).channel);
        postsPerChannel.set(channel, (postsPerChannel.get(channel) ?? 0) + 1);
      }
    }
    return realFetch(input, init);
  }) as typeof fetch;
  try {
    const module = (await import('../../functions/notifier/handler.js')) as unknown as { handler: Handler };
    return module.handler;
  } finally {
    globalThis.fetch = realFetch;
  }
}

export const notifyStage: Stage = {
  name: 'notify',
  phase: 'dynamo',
  async run(ctx: BenchContext) {
    const dynamo = ctx.dynamo!;
    if (!ctx.results.details.ingest) {
      const why = 'needs the ingest stage (it reads the ingest table stream)';
      return { pending: { transitions: why, notificationsSent: why, duplicateNotifications: why, missedTransitions: why, notificationsPer1kEvents: why, naiveNotificationsPer1kEvents: why } };
    }
    const template = loadTemplate('template.yaml');
    const nt = notifierTemplate(template);
    const config = loadRuntimeConfig();

    // The stream as the event source mapping sees it: the template's filter applied.
    const reader = TableStreamReader.forEndpoint(dynamo.client, dynamo.endpoint, INGEST_TABLE);
    const all = await reader.next();
    const records = nt.filter ? all.filter((r) => matches(nt.filter, r)) : all;

    // Primed findings were created before the window: their records come first.
    const primeIds = new Set<string>();
    for (const e of ctx.stream.prime) {
      try {
        const r = normalizeEvent(JSON.parse(e.body));
        if (r.kind === 'findings') for (const o of r.observations) primeIds.add(o.id);
      } catch {
        // An invalid prime event was quarantined by the ingest stage: no finding record.
      }
    }
    const isPrimeCreate = (r: DynamoDBRecord) => !r.dynamodb?.OldImage && primeIds.has(String(image(r.dynamodb?.NewImage)?.id));
    let boundary = 0;
    records.forEach((r, i) => {
      if (isPrimeCreate(r)) boundary = i + 1;
    });
    const interleaved = records.slice(0, boundary).filter((r) => !isPrimeCreate(r)).length;
    const primeRecords = records.slice(0, boundary);
    const windowRecords = records.slice(boundary);
    ctx.log(`notify: ${all.length} stream records, ${records.length} pass the template's filter (${primeRecords.length} of primed findings)`);

    // The notifications table, the outside world, the handler.
    const notificationsTable = 'vigil-bench-notifications';
    // Without its TTL: the notifier's clock is in the stream's past, so every expiresAt it
    // writes (ledger 30 days, burst counter 1 day, flap window 2 days) is already past for
    // DynamoDB Local, which would delete the entries mid-run; in AWS they outlive their use.
    const notificationsDef = tablesFromTemplate(template, () => notificationsTable).filter((t) => t.logicalId === 'NotificationsTable');
    for (const t of notificationsDef) delete t.ttlAttribute;
    await createTables(dynamo.client, notificationsDef);
    const webhookSecrets: Record<string, string> = {};
    for (const [team, settings] of Object.entries(config.teams)) if (settings.slack?.webhookSecretName) webhookSecrets[settings.slack.webhookSecretName] = team;
    const endpoints: NotifyEndpoints = await startNotifyEndpoints({ root: ctx.root, webhookSecrets, botSecretName: BOT_SECRET, botToken: BOT_TOKEN });
    const sampleFraction = ctx.stream.sampleFraction;
    const burstMinutes = Number(nt.env.BURST_WINDOW_MINUTES ?? 5);
    const env = {
      ...nt.env,
      TABLE_NAME: INGEST_TABLE,
      NOTIFY_TABLE_NAME: notificationsTable,
      TOPIC_ARN,
      SLACK_BOT_SECRET_NAME: BOT_SECRET,
      SLACK_API_URL: endpoints.slackApiUrl,
      AWS_ENDPOINT_URL_SNS: endpoints.awsUrl,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoints.awsUrl,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      FINDINGS_URL: 'https://vigil.example.com',
      POWERTOOLS_SERVICE_NAME: 'notifier',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
      // The organization's messages per team and window, seen in the sample.
      BURST_WINDOW_MINUTES: String(burstMinutes / sampleFraction),
      // The one-message-a-second pacing per channel is modelled (slackPacingMs), not slept:
      // sleeping it here made most of the stage's time.
      SLACK_MIN_INTERVAL_MS: '1',
    };
    const windowMs = (nt.windowSeconds * 1000) / sampleFraction;
    const primeBatches = formBatches(primeRecords, nt.batchSize, windowMs);
    const batches = formBatches(windowRecords, nt.batchSize, windowMs);
    const context = () => lambdaContext('vigil-notifier');

    const requests: SentRequest[] = [];
    let cpu = 0;
    let slackPacingMs = 0;
    const slackPostsThisInvocation = new Map<string, number>();
    const invocationWallMs: number[] = [];
    let invocations = 0;
    let onFailure = 0;
    const invoke = async (handler: Handler, batch: Batch, measure: boolean) => {
      setSimulatedTime(batch.at);
      const fed = await feedStream(
        batch.records,
        async (event, c) => {
          slackPostsThisInvocation.clear();
          const c0 = process.cpuUsage();
          const w0 = performance.now();
          try {
            return await handler(event, c);
          } finally {
            if (measure) {
              cpu += cpuMs(c0);
              invocationWallMs.push(performance.now() - w0);
              // The Slack client waits a second between two posts to one channel.
              for (const posts of slackPostsThisInvocation.values()) slackPacingMs += Math.max(0, posts - 1) * SLACK_PACING_MS;
            }
          }
        },
        { batchSize: nt.batchSize, maximumRetryAttempts: 20, context },
      );
      if (measure) {
        invocations += fed.invocations;
        onFailure += fed.onFailure.length;
      }
    };

    // How much the Slack server and the SNS sink had recorded when the window started.
    const atWindow = { slack: 0, slackRequests: 0, sns: 0 };
    const started = performance.now();
    try {
      setSimulatedTime(primeBatches[0]?.at ?? batches[0]?.at ?? Date.now());
      const handler = await importNotifier(env, slackPostsThisInvocation);
      for (const batch of primeBatches) await invoke(handler, batch, false);
      atWindow.slack = (await endpoints.slackMessages()).length;
      atWindow.slackRequests = (await endpoints.slackRequests()).length;
      atWindow.sns = (await endpoints.snsPublishes()).length;
      ctx.log(`notify: primed (${primeBatches.length} invocations, ${atWindow.slack} Slack messages, ${atWindow.sns} SNS publishes), now ${windowRecords.length} records in ${batches.length} batches`);
      recordRequests((r) => requests.push(r));
      let lastLog = performance.now();
      for (const [i, batch] of batches.entries()) {
        await invoke(handler, batch, true);
        if (performance.now() - lastLog > 30_000) {
          ctx.log(`  notify: ${i + 1}/${batches.length} batches`);
          lastLog = performance.now();
        }
      }
    } finally {
      recordRequests(undefined);
      restoreRealTime();
    }
    const wallSeconds = (performance.now() - started) / 1000;

    // What was delivered in the window, by (finding, version, channel).
    const allSlack = await endpoints.slackMessages();
    const slackRequests = await endpoints.slackRequests();
    const allSns = await endpoints.snsPublishes();
    await endpoints.stop();
    const slackWindow = allSlack.slice(atWindow.slack);
    const snsWindow = allSns.slice(atWindow.sns);
    const teamOfBotChannel = new Map(Object.entries(config.teams).filter(([, t]) => t.slack && !t.slack.webhookSecretName).map(([name, t]) => [t.slack!.channel, name]));
    const delivered = new Map<string, number>();
    const count = (key: string) => delivered.set(key, (delivered.get(key) ?? 0) + 1);
    const slack = { messages: 0, threadReplies: 0, flappingSummaries: 0, rollups: 0, unattributed: 0 };
    for (const p of snsWindow) {
      const m = JSON.parse(p.message) as { finding: { id: string; version: number } };
      count(deliveryKey(m.finding.id, m.finding.version, 'sns'));
    }
    for (const m of slackWindow) {
      const team = m.via === 'webhook' ? m.team : teamOfBotChannel.get(m.channel);
      if (m.text.startsWith('Burst:')) {
        slack.rollups++;
        continue;
      }
      let about: { id: string; version: number } | undefined;
      if (m.threadTs) {
        // A follow-up in bot mode: the original was updated to the new version just before.
        const parent = allSlack.find((p) => p.channel === m.channel && p.ts === m.threadTs);
        const replies = allSlack.filter((r) => r.channel === m.channel && r.threadTs === m.threadTs);
        const k = replies.indexOf(m);
        about = parent ? findingOf(parent.edits[k + 1]?.blocks ?? parent.blocks) : undefined;
        slack.threadReplies++;
      } else {
        about = findingOf(m.edits[0]?.blocks ?? m.blocks);
        if (m.text.startsWith('Flapping:')) slack.flappingSummaries++;
        else slack.messages++;
      }
      if (about && team) count(deliveryKey(about.id, about.version, `slack:${team}`));
      else slack.unattributed++;
    }

    // Every transition of the window against the rules: due, delivered, held or missed.
    const documentClient = createDocumentClient(dynamo.endpoint);
    const store = new DynamoFindingStore({ tableName: INGEST_TABLE, client: documentClient });
    const routing = configRouting(config, { directory: new CachedDirectory(dynamoDirectorySource(documentClient, INGEST_TABLE)), resourceTags: async (id) => (await store.getDetail(id))?.resourceTags });
    const ledger = async (key: string) => (await documentClient.send(new GetCommand({ TableName: notificationsTable, Key: stateKeys.ledger(key), ConsistentRead: true }))).Item;
    const transitionsByKind: Record<string, number> = {};
    const held: Record<string, number> = {};
    const missedReasons: Record<string, number> = {};
    const missedExamples: Array<Record<string, unknown>> = [];
    let transitions = 0;
    let missedTransitions = 0;
    let duplicateNotifications = 0;
    let transitionsNotified = 0;
    let transitionsHeldEverywhere = 0;
    let dueDeliveries = 0;
    for (const batch of batches) {
      for (const record of batch.records) {
        const t = transitionOf(record);
        if (!t) continue;
        transitions++;
        transitionsByKind[t.kind] = (transitionsByKind[t.kind] ?? 0) + 1;
        const derived = deriveNotification(image(record.dynamodb?.OldImage), image(record.dynamodb?.NewImage));
        if (derived.kind === 'skip') {
          // A finding first seen already resolved was never open for anyone.
          held[derived.reason] = (held[derived.reason] ?? 0) + 1;
          transitionsHeldEverywhere++;
          continue;
        }
        const event: NotificationEvent = derived.event;
        const now = new Date(batch.at);
        const plans = planDeliveries(event, await routing.extras(event.finding, now), routing, now);
        let missed = false;
        let sentSomewhere = false;
        for (const plan of plans) {
          const key = deliveryKey(t.findingId, t.version, plan.channel as ChannelId);
          const times = delivered.get(key) ?? 0;
          if (times > 1) duplicateNotifications += times - 1;
          const heldBy = plan.action === 'skip' ? plan.reason : plan.action === 'stage' ? 'staged' : undefined;
          if (heldBy) {
            held[heldBy] = (held[heldBy] ?? 0) + 1;
            continue;
          }
          dueDeliveries++;
          if (times > 0) {
            sentSomewhere = true;
            continue;
          }
          // Nothing arrived: noise control (a roll-up or a flapping summary told the team) or missed.
          const entry = await ledger(key);
          const outcome = entry?.status === 'DONE' ? `${String(entry.result)}${entry.reason ? `:${String(entry.reason)}` : ''}` : entry ? `ledger ${String(entry.status)}` : 'no ledger entry';
          if (outcome === 'skipped:rolled-up' || outcome === 'skipped:flapping') {
            const reason = outcome.slice('skipped:'.length);
            held[reason] = (held[reason] ?? 0) + 1;
          } else {
            missed = true;
            missedReasons[outcome] = (missedReasons[outcome] ?? 0) + 1;
            if (missedExamples.length < 10) {
              const f = event.finding;
              const channels = await Promise.all(plans.map(async (p) => [p.channel, (await ledger(deliveryKey(t.findingId, t.version, p.channel as ChannelId)))?.result ?? null] as const));
              const mentions = allSlack.filter((m) => JSON.stringify(m).includes(t.findingId)).map((m) => ({ seq: m.seq, channel: m.channel, text: m.text.slice(0, 80), receivedAt: m.receivedAt, about: findingOf(m.blocks) }));
              missedExamples.push({ key, reason: outcome, slackMessagesMentioning: mentions, kind: event.kind, team: f.team, severity: f.severity, rule: f.rule, at: new Date(batch.at).toISOString(), planned: plans.map((p) => `${p.channel}:${p.action}`), ledgerOfTransition: Object.fromEntries(channels) });
            }
          }
        }
        if (missed) missedTransitions++;
        if (sentSomewhere) transitionsNotified++;
        else if (!missed) transitionsHeldEverywhere++;
      }
    }
    // One directory load (what the notifier's cache does every 5 minutes of its clock), timed apart.
    const loadCpu: number[] = [];
    let loadPages = 0;
    recordRequests(() => loadPages++);
    for (let i = 0; i < 5; i++) {
      const c0 = process.cpuUsage();
      await new CachedDirectory(dynamoDirectorySource(documentClient, INGEST_TABLE)).listAccounts();
      loadCpu.push(cpuMs(c0));
    }
    recordRequests(undefined);
    documentClient.destroy();

    // Cost inputs: what the notifier asked of DynamoDB, SNS and Slack.
    const byOperation: Record<string, number> = {};
    const byTable: Record<string, { read: number; write: number; requests: number }> = {};
    let scans = 0;
    const directory = { queries: 0, readUnits: 0 };
    for (const r of requests) {
      const operation = r.command.constructor.name.replace(/Command$/, '');
      if (operation === 'Query' && (r.command.input.ExpressionAttributeValues as Item | undefined)?.[':pk'] === 'DIR') {
        directory.queries++;
        directory.readUnits += unitsOf(r).read;
      }
      byOperation[operation] = (byOperation[operation] ?? 0) + 1;
      if (operation === 'Scan') scans++;
      const tableName = String(r.command.input.TableName ?? ((r.command.input.TransactItems as Array<Record<string, { TableName?: string }>> | undefined)?.map((t) => Object.values(t)[0]?.TableName)[0] ?? '?'));
      const u = unitsOf(r);
      const slot = (byTable[tableName === INGEST_TABLE ? 'findings' : tableName === notificationsTable ? 'notifications' : tableName] ??= { read: 0, write: 0, requests: 0 });
      slot.read += u.read;
      slot.write += u.write;
      slot.requests++;
    }
    const readUnits = Object.values(byTable).reduce((s, t) => s + t.read, 0);
    // The cache reloads every 5 minutes of the notifier's clock, however many events: in a
    // sample of the organization that is 1/sampleFraction too often per event.
    const directoryLoads = directory.queries / Math.max(1, loadPages / 5);
    const directoryExcess = 1 - sampleFraction;
    const cpuAtOrgScale = cpu - directoryLoads * median(loadCpu) * directoryExcess;
    const readUnitsAtOrgScale = readUnits - directory.readUnits * directoryExcess;
    const writeUnitsTotal = Object.values(byTable).reduce((s, t) => s + t.write, 0);
    const slackPosts = slackWindow.length;
    const slackUpdates = slackRequests.slice(atWindow.slackRequests).filter((r) => r.path === '/api/chat.update').length;

    const n = ctx.stream.events.length;
    const findingEvents = ctx.stream.events.filter((e) => e.kind !== 'heartbeat').length;
    const notificationsSent = snsWindow.length + slackWindow.length;
    ctx.log(`notify: ${transitions} transitions, ${notificationsSent} notifications (${snsWindow.length} SNS, ${slackWindow.length} Slack), ${duplicateNotifications} duplicates, ${missedTransitions} missed, in ${wallSeconds.toFixed(0)} s`);
    const details: NotifyDetails & Record<string, unknown> = {
      events: n,
      records: { streamRecords: all.length, passFilter: records.length, primed: primeRecords.length, window: windowRecords.length, interleavedBeforeBoundary: interleaved },
      invocations,
      recordsPerInvocation: round(windowRecords.length / Math.max(1, invocations), 2),
      batching: {
        batchSize: nt.batchSize,
        templateWindowSeconds: nt.windowSeconds,
        streamTimeWindowSeconds: round(windowMs / 1000, 1),
        burstWindowMinutesInStreamTime: round(burstMinutes / sampleFraction, 1),
        sampleFraction,
        note: "windows that count volume are widened by 1/sampleFraction: the sample's records per window are then the organization's",
      },
      onFailureRecords: onFailure,
      wallSeconds: round(wallSeconds, 1),
      invocationWallMsTotal: round(invocationWallMs.reduce((a, b) => a + b, 0), 0) ?? 0,
      slackPacingMs: round(slackPacingMs, 0) ?? 0,
      invocationWallMs: { p50: round(median(invocationWallMs), 1), p99: round(percentile(invocationWallMs, 99), 1), max: round(Math.max(0, ...invocationWallMs), 1), note: 'on DynamoDB Local and the local Slack server, the Slack pacing not slept (SLACK_MIN_INTERVAL_MS=1; slackPacingMs is what one message a second per channel would add)' },
      cpuMsPerEventMeasured: round(cpu / n, 4) ?? 0,
      cpuMsPerEvent: round(cpuAtOrgScale / n, 4) ?? 0,
      directoryReloads: {
        loads: round(directoryLoads, 1),
        cpuMsPerLoad: round(median(loadCpu), 2),
        readUnits: directory.readUnits,
        note: 'the directory cache reloads every 5 minutes of the notifier clock; in the sample that is 1/sampleFraction too often per event, so cpuMsPerEvent and dynamo.readUnits count (1 - sampleFraction) of these loads out (cpuMsPerEventMeasured keeps them)',
      },
      cpuMsPerRecord: round(cpu / Math.max(1, windowRecords.length), 4),
      cpuMsPerTransition: round(cpu / Math.max(1, transitions), 3),
      cpuMsPerInvocation: round(cpu / Math.max(1, invocations), 3),
      transitionsByKind,
      transitionsNotified,
      transitionsHeldEverywhere,
      dueDeliveries,
      heldWithReason: held,
      missed: { transitions: missedTransitions, byLedgerOutcome: missedReasons, examples: missedExamples },
      channels: { snsPublishes: snsWindow.length, slack },
      slackMessagesPer1kEvents: round((1000 * slackWindow.length) / n, 2),
      snsPublishesPer1kEvents: round((1000 * snsWindow.length) / n, 2),
      naiveForwarder: { findingEvents, note: 'a "GuardDuty to Slack" forwarder posts one message per finding event it receives (duplicates and re-publications included); heartbeats are not findings' },
      delivered: { snsPublishes: snsWindow.length, slackPosts, slackUpdates },
      memoryMb: nt.memoryMb,
      dynamo: { readUnitsMeasured: round(readUnits, 3), readUnits: round(readUnitsAtOrgScale, 3) ?? 0, writeUnits: round(writeUnitsTotal, 3) ?? 0, requests: byOperation, byTable, scans, readUnitsPerEvent: round(readUnitsAtOrgScale / n, 4), writeUnitsPerEvent: round(writeUnitsTotal / n, 4) },
    };
    return {
      transitions,
      notificationsSent,
      duplicateNotifications,
      missedTransitions,
      notificationsPer1kEvents: round((1000 * notificationsSent) / n, 2),
      naiveNotificationsPer1kEvents: round((1000 * findingEvents) / n, 1),
      details: { notify: details },
    };
  },
};
