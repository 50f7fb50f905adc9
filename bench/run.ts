/**
 * Vigil's benchmark (`npm run bench`): one run measures, side by side, the ingest path
 * (CPU, DynamoDB units, hot keys), the notify path (transitions, notifications sent,
 * duplicates, missed), the query API at 100,000 findings (read units per page, latency,
 * scans), event-to-Slack latency through the local runtime, the pure core against
 * JSON.parse, CloudWatch log bytes, cold starts of every function bundle, and the cost
 * per million events from bench/prices.json. Writes bench/results.json and prints a table.
 *
 *   npx tsx bench/run.ts [--events 30000] [--seed 42] [--batch 25] [--cold-runs 15]
 *                        [--cpu-rounds 21] [--query-findings 100000] [--e2e-events 400] [--e2e-rate 8]
 *                        [--skip cold-start,log-bytes] [--out bench/results.json]
 *
 * Stages live in bench/stages/ (one file each, returning a partial results object);
 * add one to STAGES to extend the run.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LOCAL_CREDENTIALS, startDynamoDbLocal } from '../cli/local/dynamodb-local.js';
import { createTables, loadTemplate, tablesFromTemplate } from '../cli/local/template.js';
import { createDocumentClient } from '../functions/shared/adapters/dynamodb-client.js';
import { DynamoDirectoryStore } from '../functions/shared/adapters/directory-store.js';
import { parseVigilConfig } from '../functions/shared/core/routing/config.js';
import { readConfigFilesWith } from '../functions/shared/runtime/config.js';
import { describeStream, generateStream } from './generate.js';
import { coldStartStage } from './stages/cold-start.js';
import { coreCpuStage } from './stages/core-cpu.js';
import { costStage } from './stages/cost.js';
import { ingestStage } from './stages/ingest.js';
import { logBytesStage } from './stages/log-bytes.js';
import { e2eStage } from './stages/e2e.js';
import { notifyStage } from './stages/notify.js';
import { queryStage } from './stages/query.js';
import { evaluateTargets } from './stages/targets.js';
import type { BenchArgs, BenchContext, BenchResults, HeadlineResults, Prices, Stage, StageResult } from './stages/types.js';

// The stages run the handlers with VIGIL_CONFIG_FILE (config/vigil.yaml), as `vigil local` does.
readConfigFilesWith(parseVigilConfig);

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/**
 * In order; a stage sees what the stages before it returned. log-bytes runs first, on a
 * table without a stream: DynamoDB Local slows down markedly as stream records pile up
 * (measured: 3x per request after a few thousand writes), and the ingest table, with its
 * stream as template.yaml has it, stays for the stages after it: notify reads its stream.
 * The query stage loads its own table without a stream. e2e starts `npm start`'s runtime
 * (its own DynamoDB Local) once the bench's has stopped.
 */
export const STAGES: Stage[] = [logBytesStage, ingestStage, notifyStage, queryStage, e2eStage, coreCpuStage, coldStartStage, costStage];

/** Which stage fills each headline key: a key left null says which stage did not run. */
const FILLED_BY: Record<keyof HeadlineResults, string> = {
  events: 'ingest',
  costPer1MEventsUSD: 'cost',
  securityHubCostPer1MEventsUSD: 'cost',
  dynamoWriteUnitsPerEvent: 'ingest',
  dynamoReadUnitsPerEvent: 'ingest',
  coreCpuRatioToJsonParse: 'core-cpu',
  transitions: 'notify',
  notificationsSent: 'notify',
  duplicateNotifications: 'notify',
  missedTransitions: 'notify',
  notificationsPer1kEvents: 'notify',
  naiveNotificationsPer1kEvents: 'notify',
  bundleInitMsMedian: 'cold-start',
  unbundledInitMsMedian: 'cold-start',
  queryReadUnitsPerPage: 'query',
  scans: 'query',
  maxWritesPerSecondOnOneKey: 'ingest',
  e2eP99Ms: 'e2e',
};

function parseArgs(argv: string[]): BenchArgs {
  const get = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const num = (name: string, fallback: number) => {
    const v = get(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} needs a positive number, got ${v}`);
    return n;
  };
  return {
    events: num('events', 30_000),
    seed: num('seed', 42),
    batchSize: num('batch', 25),
    coldStartRuns: Math.max(15, num('cold-runs', 15)),
    cpuRounds: num('cpu-rounds', 21),
    queryFindings: num('query-findings', 100_000),
    e2eEvents: Math.max(200, num('e2e-events', 400)),
    e2eRate: num('e2e-rate', 8),
    skip: (get('skip') ?? '').split(',').filter(Boolean),
    out: get('out') ?? 'bench/results.json',
  };
}

/** The commit measured, and whether the code under test differed from it (bench/ aside). */
function gitState(): { commit: string; uncommittedOutsideBench: boolean } | undefined {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'functions', 'template.yaml', 'config', 'scripts', 'package.json'], { encoding: 'utf8' }).trim();
    return { commit, uncommittedOutsideBench: dirty.length > 0 };
  } catch {
    return undefined;
  }
}

function emptyResults(command: string): BenchResults {
  return {
    measuredAt: new Date().toISOString(),
    command,
    code: gitState(),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      memoryGB: Math.round(totalmem() / 2 ** 30),
      loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
    },
    events: null,
    costPer1MEventsUSD: null,
    securityHubCostPer1MEventsUSD: null,
    dynamoWriteUnitsPerEvent: null,
    dynamoReadUnitsPerEvent: null,
    coreCpuRatioToJsonParse: null,
    transitions: null,
    notificationsSent: null,
    duplicateNotifications: null,
    missedTransitions: null,
    notificationsPer1kEvents: null,
    naiveNotificationsPer1kEvents: null,
    bundleInitMsMedian: null,
    unbundledInitMsMedian: null,
    queryReadUnitsPerPage: null,
    scans: null,
    maxWritesPerSecondOnOneKey: null,
    e2eP99Ms: null,
    pending: {},
    targets: {},
    details: {},
  };
}

function merge(results: BenchResults, partial: StageResult): void {
  const { details, pending, ...headline } = partial;
  Object.assign(results, headline);
  Object.assign(results.details, details ?? {});
  for (const [key, why] of Object.entries(pending ?? {})) results.pending[key] = why;
  for (const key of Object.keys(headline)) if ((headline as Record<string, unknown>)[key] !== null) delete results.pending[key];
}

function fmt(value: unknown): string {
  if (value === null || value === undefined) return 'pending';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(value < 1 ? 4 : 2);
  if (typeof value === 'object') return Object.entries(value as Record<string, unknown>).map(([k, v]) => `${k.replace(/Function$/, '')} ${fmt(v)}`).join(', ');
  return String(value);
}

export function printTable(results: BenchResults): void {
  const target = (key: string) => (results.targets[key] ? `target ${results.targets[key].target}` : '');
  const details = results.details as { notify?: { slackMessagesPer1kEvents?: number; snsPublishesPer1kEvents?: number }; query?: { latencyMs?: Record<string, { p50: number | null; p99: number | null }>; findings?: number }; e2e?: { p50Ms?: number | null; notified?: number } };
  const notify = details.notify;
  const e2e = details.e2e;
  const rows: Array<[string, unknown, string]> = [
    ['events', results.events, ''],
    ['costPer1MEventsUSD', results.costPer1MEventsUSD, [target('costPer1MEventsUSD'), 'notifications included'].filter(Boolean).join('; ')],
    ['securityHubCostPer1MEventsUSD', results.securityHubCostPer1MEventsUSD, 'list price, beyond the free tier'],
    ['dynamoWriteUnitsPerEvent', results.dynamoWriteUnitsPerEvent, 'ingest'],
    ['dynamoReadUnitsPerEvent', results.dynamoReadUnitsPerEvent, 'ingest'],
    ['coreCpuRatioToJsonParse', results.coreCpuRatioToJsonParse, 'median of rounds'],
    ['transitions', results.transitions, 'opened, escalated, resolved, reopened'],
    ['naiveNotificationsPer1kEvents', results.naiveNotificationsPer1kEvents, 'one post per finding event'],
    ['notificationsSent', results.notificationsSent, 'SNS + Slack'],
    ['duplicateNotifications', results.duplicateNotifications, target('duplicateNotifications')],
    ['missedTransitions', results.missedTransitions, target('missedTransitions')],
    ['notificationsPer1kEvents', results.notificationsPer1kEvents, [target('notificationsPer1kEvents'), notify ? `Slack ${fmt(notify.slackMessagesPer1kEvents)}, SNS ${fmt(notify.snsPublishesPer1kEvents)}` : ''].filter(Boolean).join('; ')],
    ['maxWritesPerSecondOnOneKey', results.maxWritesPerSecondOnOneKey, target('maxWritesPerSecondOnOneKey')],
    ['bundleInitMsMedian', results.bundleInitMsMedian, target('bundleInitMsMedian')],
    ['unbundledInitMsMedian', results.unbundledInitMsMedian, ''],
    ['queryReadUnitsPerPage', results.queryReadUnitsPerPage, details.query?.findings ? `at ${details.query.findings} findings` : ''],
    ['scans', results.scans, target('scans')],
    ['e2eP99Ms', results.e2eP99Ms, [target('e2eP99Ms'), e2e ? `p50 ${fmt(e2e.p50Ms)}, ${fmt(e2e.notified)} events` : ''].filter(Boolean).join('; ')],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = rows.map(([key, value, note]) => {
    const t = Object.entries(results.targets).find(([k]) => k === key)?.[1];
    const mark = t ? (t.met === null ? ' ' : t.met ? 'ok' : 'MISS') : '  ';
    return `${mark.padEnd(4)} ${key.padEnd(width)}  ${fmt(value)}${note ? `   (${note})` : ''}`;
  });
  const latency = details.query?.latencyMs;
  const queryLines = latency
    ? ['', 'query API pages (read units, latency p50 / p99 ms):', ...Object.entries(latency).map(([endpoint, l]) => `     ${endpoint.padEnd(width)}  ${fmt(results.queryReadUnitsPerPage?.[endpoint])} RRU   ${fmt(l.p50)} / ${fmt(l.p99)} ms`)]
    : [];
  console.log(['', `Vigil benchmark, ${results.measuredAt} (${String(results.machine.cpus)} CPUs, Node ${String(results.machine.node)})`, ...lines, ...queryLines, ''].join('\n'));
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const args = parseArgs(argv);
  const root = resolve('.');
  const tmp = join(root, 'bench/tmp');
  mkdirSync(tmp, { recursive: true });
  // performance.now, not Date: the notify stage runs the notifier on a simulated clock.
  const started = performance.now();
  const log = (message: string) => console.error(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(4)}s] ${message}`);
  const results = emptyResults(`npx tsx bench/run.ts ${argv.join(' ')}`.trim());
  const prices = JSON.parse(readFileSync(join(root, 'bench/prices.json'), 'utf8')) as Prices;

  log(`generating ${args.events} events (seed ${args.seed})`);
  const stream = generateStream({ seed: args.seed, events: args.events });
  writeFileSync(join(tmp, 'stream.json'), JSON.stringify(stream));
  const described = describeStream(stream);
  results.details.stream = described;
  log(`stream: ${JSON.stringify(described.byKind)}, ${described.primeEvents} prime events, ${described.duplicates} duplicates, ${described.late} late, ${described.burst} in the burst`);

  const ctx: BenchContext = { args, root, tmp, stream, prices, results, log };
  const run = async (stage: Stage) => {
    if (args.skip.includes(stage.name)) {
      log(`skipping ${stage.name}`);
      return;
    }
    log(`stage ${stage.name}`);
    try {
      merge(results, await stage.run(ctx));
    } catch (error) {
      // One stage failing (code under change elsewhere) leaves its keys pending with the error; the others still run.
      const message = (error as Error).stack?.split('\n').slice(0, 3).join(' | ') ?? String(error);
      log(`stage ${stage.name} failed: ${message}`);
      (results.details.stageErrors ??= {}) as Record<string, string>;
      (results.details.stageErrors as Record<string, string>)[stage.name] = message;
      for (const [key, by] of Object.entries(FILLED_BY)) if (by === stage.name) results.pending[key] = `not measured: stage ${stage.name} failed (${message.slice(0, 200)})`;
    }
  };

  const dynamoStages = STAGES.filter((s) => s.phase === 'dynamo' && !args.skip.includes(s.name));
  if (dynamoStages.length > 0) {
    log('starting DynamoDB Local');
    const local = await startDynamoDbLocal();
    const client = new DynamoDBClient({ endpoint: local.endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
    const documentClient = createDocumentClient(local.endpoint);
    process.env.AWS_ACCESS_KEY_ID ??= LOCAL_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY ??= LOCAL_CREDENTIALS.secretAccessKey;
    process.env.AWS_REGION ??= 'us-east-1';
    ctx.dynamo = {
      endpoint: local.endpoint,
      client,
      async freshTable(name, options = {}) {
        const table = tablesFromTemplate(loadTemplate('template.yaml'), () => name).find((t) => t.logicalId === 'FindingsTable');
        if (!table) throw new Error('template.yaml has no FindingsTable');
        if (options.stream === false) delete table.input.StreamSpecification;
        await createTables(client, [table]);
        await new DynamoDirectoryStore({ tableName: name, client: documentClient }).sync(stream.accounts);
        return name;
      },
    };
    try {
      for (const stage of STAGES.filter((s) => s.phase === 'dynamo')) await run(stage);
    } finally {
      client.destroy();
      await local.stop();
      ctx.dynamo = undefined;
      log('stopped DynamoDB Local');
    }
  }
  for (const phase of ['runtime', 'cpu', 'derive'] as const) for (const stage of STAGES.filter((s) => s.phase === phase)) await run(stage);
  for (const [key, stage] of Object.entries(FILLED_BY)) {
    if (results[key as keyof HeadlineResults] !== null || results.pending[key]) continue;
    results.pending[key] = args.skip.includes(stage) ? `not measured: stage ${stage} skipped (--skip)` : `not measured: stage ${stage} returned nothing for it`;
  }

  results.machine.loadAverageAtEnd = loadavg().map((l) => Math.round(l * 100) / 100);
  results.targets = evaluateTargets(results);
  results.details.runSeconds = Math.round((performance.now() - started) / 1000);
  writeFileSync(args.out, `${JSON.stringify(results, null, 2)}\n`);
  printTable(results);
  log(`wrote ${args.out}`);
}

await main();
