/**
 * Vigil's benchmark (the future `npm run bench`): one run measures, side by side, the
 * ingest path (CPU, DynamoDB units, hot keys, transitions), the pure core against
 * JSON.parse, CloudWatch log bytes, cold starts of every function bundle, and the cost
 * per million events from bench/prices.json. Writes bench/results.json and prints a table.
 *
 *   npx tsx bench/run.ts [--events 30000] [--seed 42] [--batch 25] [--cold-runs 15]
 *                        [--cpu-rounds 21] [--skip cold-start,log-bytes] [--out bench/results.json]
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
import { describeStream, generateStream } from './generate.js';
import { coldStartStage } from './stages/cold-start.js';
import { coreCpuStage } from './stages/core-cpu.js';
import { costStage } from './stages/cost.js';
import { ingestStage } from './stages/ingest.js';
import { logBytesStage } from './stages/log-bytes.js';
import { pendingStage } from './stages/pending.js';
import { evaluateTargets } from './stages/targets.js';
import type { BenchArgs, BenchContext, BenchResults, Prices, Stage, StageResult } from './stages/types.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/**
 * In order; a stage sees what the stages before it returned. log-bytes runs first, on a
 * table without a stream: DynamoDB Local slows down markedly as stream records pile up
 * (measured: 3x per request after a few thousand writes), and the ingest table, with its
 * stream as template.yaml has it, stays for the stages after it (a notifier stage reads it).
 */
export const STAGES: Stage[] = [logBytesStage, ingestStage, pendingStage, coreCpuStage, coldStartStage, costStage];

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
  const rows: Array<[string, unknown, string]> = [
    ['events', results.events, ''],
    ['costPer1MEventsUSD', results.costPer1MEventsUSD, results.targets.costPer1MEventsUSD ? `target ${results.targets.costPer1MEventsUSD.target}` : ''],
    ['securityHubCostPer1MEventsUSD', results.securityHubCostPer1MEventsUSD, 'list price, beyond the free tier'],
    ['dynamoWriteUnitsPerEvent', results.dynamoWriteUnitsPerEvent, ''],
    ['dynamoReadUnitsPerEvent', results.dynamoReadUnitsPerEvent, ''],
    ['coreCpuRatioToJsonParse', results.coreCpuRatioToJsonParse, 'median of rounds'],
    ['transitions', results.transitions, ''],
    ['naiveNotificationsPer1kEvents', results.naiveNotificationsPer1kEvents, ''],
    ['notificationsSent', results.notificationsSent, ''],
    ['duplicateNotifications', results.duplicateNotifications, ''],
    ['missedTransitions', results.missedTransitions, ''],
    ['notificationsPer1kEvents', results.notificationsPer1kEvents, ''],
    ['maxWritesPerSecondOnOneKey', results.maxWritesPerSecondOnOneKey, results.targets.maxWritesPerSecondOnOneKey ? `target ${results.targets.maxWritesPerSecondOnOneKey.target}` : ''],
    ['bundleInitMsMedian', results.bundleInitMsMedian, results.targets.bundleInitMsMedian ? `target ${results.targets.bundleInitMsMedian.target}` : ''],
    ['unbundledInitMsMedian', results.unbundledInitMsMedian, ''],
    ['queryReadUnitsPerPage', results.queryReadUnitsPerPage, ''],
    ['scans', results.scans, ''],
    ['e2eP99Ms', results.e2eP99Ms, ''],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = rows.map(([key, value, note]) => {
    const target = Object.entries(results.targets).find(([k]) => k === key)?.[1];
    const mark = target ? (target.met === null ? ' ' : target.met ? 'ok' : 'MISS') : '  ';
    return `${mark.padEnd(4)} ${key.padEnd(width)}  ${fmt(value)}${note ? `   (${note})` : ''}`;
  });
  console.log(['', `Vigil benchmark, ${results.measuredAt} (${String(results.machine.cpus)} CPUs, Node ${String(results.machine.node)})`, ...lines, ''].join('\n'));
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const args = parseArgs(argv);
  const root = resolve('.');
  const tmp = join(root, 'bench/tmp');
  mkdirSync(tmp, { recursive: true });
  const started = Date.now();
  const log = (message: string) => console.error(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s] ${message}`);
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
    merge(results, await stage.run(ctx));
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
  for (const stage of STAGES.filter((s) => s.phase === 'cpu')) await run(stage);
  for (const stage of STAGES.filter((s) => s.phase === 'derive')) await run(stage);

  results.machine.loadAverageAtEnd = loadavg().map((l) => Math.round(l * 100) / 100);
  results.targets = evaluateTargets(results);
  results.details.runSeconds = Math.round((Date.now() - started) / 1000);
  writeFileSync(args.out, `${JSON.stringify(results, null, 2)}\n`);
  printTable(results);
  log(`wrote ${args.out}`);
}

await main();
