import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BatchGetCommand, DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InvalidEventError } from '../../functions/shared/core/errors.js';
import { normalizeEvent } from '../../functions/shared/core/normalizers/index.js';
import { readEventsFile } from '../input.js';
import { LOCAL_CREDENTIALS } from '../local/dynamodb-local.js';
import { startLocalRuntime, type LocalRuntime } from '../local/runtime.js';
import { UsageError } from './normalize.js';
import { mintLocalToken } from '../../functions/shared/adapters/local-jwt.js';
import { localJwtSecret } from './token.js';

/** The demo replays every EventBridge event of the corpus (bare CloudTrail records are for backfill). */
export const DEMO_FOLDERS = ['events/corpus/config', 'events/corpus/guardduty', 'events/corpus/securityhub', 'events/corpus/cloudtrail/eventbridge', 'events/corpus/cloudtrail/eventbridge-derived'];

function filesUnder(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((name) => filesUnder(join(path, name)))
    .filter((p) => /\.(json|jsonl)$/.test(p));
}

export interface ReplaySummary {
  events: number;
  findings: { total: number; byStatus: Record<string, number>; byTeam: Record<string, number> };
  notifications: Record<string, number>;
  ignored: number;
  ignoredReasons: Record<string, number>;
  /** Forwarder heartbeats recorded (coverage). */
  heartbeats: number;
  unmatched: number;
  /** Lines of the input that are not JSON: a bus refuses them, so they never entered Vigil. */
  rejected: number;
  quarantined: number;
  quarantineReasons: Record<string, number>;
  dlq: number;
  lost: number;
  lostEvents?: string[];
}

interface Expectation {
  origin: string;
  /** The queue messages that carried the event to the functions. */
  messageIds?: string[];
  kind: 'finding' | 'heartbeat' | 'ignored' | 'quarantine' | 'unmatched' | 'rejected';
  ids: string[];
  reason?: string;
  optionalIds: Set<string>;
}

/**
 * Replays events through the local runtime and accounts for every one of them: stored
 * as a finding, ignored with a reason, quarantined, dead-lettered, or lost (which must
 * never happen). The accounting reads the table by key, never by scan.
 */
export async function replay(runtime: LocalRuntime, paths: string[]): Promise<ReplaySummary> {
  const expectations: Expectation[] = [];
  const slackBefore = runtime.notifications.slack.messages().length;
  const snsBefore = runtime.notifications.aws.publishes().length;
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: runtime.dynamo.endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS }));
  const table = runtime.tableNames.FindingsTable!;
  for (const path of paths.flatMap(filesUnder)) {
    for (const item of readEventsFile(path)) {
      if ('error' in item) {
        expectations.push({ origin: item.origin, kind: 'rejected', ids: [], reason: item.error, optionalIds: new Set() });
        continue;
      }
      const event = item.value as Record<string, unknown>;
      const { matchedRules, messageIds } = runtime.publish(event);
      if (matchedRules.length === 0) {
        expectations.push({ origin: item.origin, kind: 'unmatched', ids: [], reason: 'no rule on the central bus matches it', optionalIds: new Set() });
        continue;
      }
      try {
        const result = normalizeEvent(event);
        if (result.kind === 'ignored') expectations.push({ origin: item.origin, messageIds, kind: 'ignored', ids: [], reason: result.reason, optionalIds: new Set() });
        else if (result.kind === 'heartbeat') expectations.push({ origin: item.origin, messageIds, kind: 'heartbeat', ids: [], optionalIds: new Set() });
        else
          expectations.push({
            origin: item.origin,
            messageIds,
            kind: 'finding',
            ids: result.observations.map((o) => o.id),
            optionalIds: new Set(result.observations.filter((o) => o.createIfMissing === false).map((o) => o.id)),
          });
      } catch (error) {
        if (!(error instanceof InvalidEventError)) throw error;
        expectations.push({ origin: item.origin, messageIds, kind: 'quarantine', ids: [], reason: error.reason, optionalIds: new Set() });
      }
    }
  }
  await runtime.waitForIdle();

  const allIds = [...new Set(expectations.flatMap((e) => e.ids))];
  const found = new Map<string, Record<string, unknown>>();
  for (let i = 0; i < allIds.length; i += 100) {
    const keys = allIds.slice(i, i + 100).map((id) => ({ pk: `F#${id}`, sk: 'F' }));
    let request: Record<string, { Keys: Record<string, unknown>[] }> | undefined = { [table]: { Keys: keys } };
    while (request && Object.keys(request).length) {
      const out = await db.send(new BatchGetCommand({ RequestItems: request }));
      for (const item of out.Responses?.[table] ?? []) found.set(String(item.id), item);
      request = out.UnprocessedKeys as typeof request;
    }
  }
  const quarantinedIds = await quarantinedMessageIds(db, table);
  const deadLettered = new Set([...runtime.queues.values()].flatMap((q) => q.deadLetters.slice(0).map((d) => d.messageId)));

  const summary: ReplaySummary = {
    events: expectations.length,
    findings: { total: found.size, byStatus: {}, byTeam: {} },
    notifications: {
      slack: runtime.notifications.slack.messages().length - slackBefore,
      sns: runtime.notifications.aws.publishes().length - snsBefore,
    },
    ignored: 0,
    ignoredReasons: {},
    heartbeats: 0,
    unmatched: 0,
    rejected: 0,
    quarantined: 0,
    quarantineReasons: {},
    dlq: 0,
    lost: 0,
  };
  for (const item of found.values()) {
    const status = String(item.status);
    const team = String(item.team);
    summary.findings.byStatus[status] = (summary.findings.byStatus[status] ?? 0) + 1;
    summary.findings.byTeam[team] = (summary.findings.byTeam[team] ?? 0) + 1;
  }
  const lost: string[] = [];
  const count = (bucket: Record<string, number>, reason: string) => (bucket[reason] = (bucket[reason] ?? 0) + 1);
  // Every event ends in exactly one place, by what the functions did with its message.
  for (const e of expectations) {
    const quarantine = e.messageIds?.map((id) => quarantinedIds.get(id)).find(Boolean);
    if (e.kind === 'rejected') summary.rejected++;
    else if (e.kind === 'unmatched') {
      summary.unmatched++;
      count(summary.ignoredReasons, e.reason!);
    } else if (quarantine) {
      summary.quarantined++;
      count(summary.quarantineReasons, quarantine);
    } else if (e.messageIds?.some((id) => deadLettered.has(id))) summary.dlq++;
    else if (e.kind === 'heartbeat') summary.heartbeats++;
    else if (e.kind === 'ignored') {
      summary.ignored++;
      count(summary.ignoredReasons, e.reason!);
    } else if (e.kind === 'finding') {
      const missing = e.ids.filter((id) => !found.has(id) && !e.optionalIds.has(id));
      if (missing.length > 0) lost.push(e.origin);
      else if (e.ids.every((id) => !found.has(id))) {
        summary.ignored++;
        count(summary.ignoredReasons, 'resolution of a finding never seen open');
      }
    } else lost.push(e.origin); // expected in quarantine, found nowhere
  }
  summary.lost = lost.length;
  if (summary.lost > 0) summary.lostEvents = lost.slice(0, 20);
  summary.ignoredReasons = topReasons(summary.ignoredReasons, 8);
  return summary;
}

/** The most frequent reasons, the rest summed under "other reasons". */
function topReasons(reasons: Record<string, number>, keep: number): Record<string, number> {
  const sorted = Object.entries(reasons).sort((a, b) => b[1] - a[1]);
  const top = Object.fromEntries(sorted.slice(0, keep));
  const rest = sorted.slice(keep).reduce((n, [, count]) => n + count, 0);
  return rest > 0 ? { ...top, 'other reasons': rest } : top;
}

/** This day's quarantine, by the SQS message that carried each input: message id → reason. */
async function quarantinedMessageIds(db: DynamoDBDocumentClient, table: string): Promise<Map<string, string>> {
  const day = new Date().toISOString().slice(0, 10);
  const byMessage = new Map<string, string>();
  for (let shard = 0; shard < 8; shard++) {
    let start: Record<string, unknown> | undefined;
    do {
      const out = await db.send(
        new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `Q#${day}#${shard}` }, ProjectionExpression: 'origin, reason', ExclusiveStartKey: start }),
      );
      for (const item of out.Items ?? []) byMessage.set(String(item.origin).replace(/^sqs:/, ''), String(item.reason));
      start = out.LastEvaluatedKey;
    } while (start);
  }
  return byMessage;
}

/** `vigil local` (what `npm start` runs). */
export async function localCommand(args: string[], out: (line: string) => void): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        'bus-port': { type: 'string' },
        events: { type: 'string' },
        once: { type: 'boolean', default: false },
        data: { type: 'string' },
        region: { type: 'string' },
        org: { type: 'string' },
        config: { type: 'string' },
        'slack-port': { type: 'string' },
        'api-port': { type: 'string' },
        'sns-port': { type: 'string' },
      },
      strict: true,
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\nusage: vigil local [--once] [--events PATH] [--org FILE] [--config FILE] [--data DIR] [--bus-port N] [--api-port N] [--slack-port N] [--sns-port N] [--region R]`);
  }
  const flags = parsed.values;
  if (flags.data) mkdirSync(flags.data, { recursive: true });
  const runtime = await startLocalRuntime({
    ...(flags['bus-port'] ? { busPort: Number(flags['bus-port']) } : {}),
    ...(flags.data ? { dataDir: flags.data } : {}),
    ...(flags.region ? { region: flags.region } : {}),
    ...(flags.org ? { orgFile: flags.org } : {}),
    ...(flags.config ? { configFile: flags.config } : {}),
    ...(flags['slack-port'] ? { slackPort: Number(flags['slack-port']) } : {}),
    ...(flags['sns-port'] ? { snsPort: Number(flags['sns-port']) } : {}),
    ...(flags['api-port'] ? { apiPort: Number(flags['api-port']) } : {}),
  });
  const stop = async () => {
    await runtime.stop();
  };
  try {
    out(`dynamodb  ${runtime.dynamo.endpoint}  (tables: ${Object.values(runtime.tableNames).join(', ')})`);
    out(`directory ${flags.org ?? 'config/demo-organization.yaml'} (${runtime.directorySync.added.length + runtime.directorySync.changed.length + runtime.directorySync.unchanged} accounts), configuration ${flags.config ?? 'config/vigil.yaml'}`);
    out(`slack     ${runtime.notifications.slack.url}  (the messages as a person reads them; /messages lists them)`);
    out(`sns       ${runtime.notifications.aws.url}/messages  (the findings topic's publishes)`);
    if (runtime.api) {
      const admin = await mintLocalToken(localJwtSecret(), { sub: 'local-admin', admin: true });
      out(`api       ${runtime.api.url}  (GET /findings, /summary, ...; Authorization: Bearer <token>; team tokens: npm run -s vigil -- token --team T)`);
      out(`admin token: ${admin}`);
    }
    out(`bus       ${runtime.busUrl}  (EventBridge PutEvents; rules: ${runtime.wiring.rules.map((r) => r.logicalId).join(', ')})`);
    const summary = await replay(runtime, flags.events ? [flags.events] : DEMO_FOLDERS);
    if (flags.once) {
      out(JSON.stringify(summary));
      return summary.lost === 0 ? 0 : 1;
    }
    out(`replayed ${summary.events} events: ${summary.findings.total} findings ${JSON.stringify(summary.findings.byStatus)}, ${summary.ignored} ignored, ${summary.unmatched} unmatched, ${summary.quarantined} quarantined, ${summary.dlq} in the DLQ, ${summary.lost} lost`);
    out('ready');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    return 0;
  } finally {
    await stop();
  }
}
