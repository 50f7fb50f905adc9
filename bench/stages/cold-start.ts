/**
 * Cold start of every function: bundles built exactly as `sam build` builds them
 * (scripts/build.ts `buildFunctions`, into bench/tmp/dist), then the time to import each
 * in a fresh `node` process (wall time of the process minus that of a bare `node` with
 * the same flags, median of the runs), beside the same function unbundled: its
 * TypeScript compiled file by file to ESM (esbuild, bundle: false) with dependencies
 * loaded from node_modules, the layout a zip of the compiled tree and node_modules
 * would have. Both run with the template's NODE_OPTIONS (--enable-source-maps) and
 * without it. A scratch build under bench/tmp/experiments measures the floor: the
 * DynamoDB document client alone, bundled as IngestFunction is.
 */
import { esbuildOptions, type EsbuildProperties } from '../../scripts/build.js';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { loadTemplate, type CfnTemplate } from '../../cli/local/template.js';
import { buildFunctions } from '../../scripts/build.js';
import { median, round } from '../lib/stats.js';
import type { BenchContext, Stage } from './types.js';
import { resolveDefault } from '../../scripts/check-bundles.js';

interface Variant {
  label: string;
  file?: string;
  nodeOptions: string;
  env?: Record<string, string>;
}

function walkTs(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walkTs(path) : path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

/** A stand-in for a `!Ref` a function's environment names: a parameter's default, else something of the right shape. */
function refValue(template: CfnTemplate, name: string): string {
  const param = template.Parameters?.[name];
  if (param && typeof param.Default === 'string' && param.Default !== '') return param.Default;
  const type = template.Resources[name]?.Type ?? '';
  if (type === 'AWS::SNS::Topic' || /Arn$/.test(name)) return `arn:aws:sns:us-east-1:123456789012:bench-${name}`;
  if (/Url$/i.test(name)) return 'https://vigil.example.com';
  return `bench-${name}`;
}

/** A function's environment as template.yaml sets it (Globals, then its own), without NODE_OPTIONS. */
function templateEnv(template: CfnTemplate, logicalId: string): Record<string, string> {
  const globals = ((template.Globals as { Function?: { Environment?: { Variables?: Record<string, unknown> } } } | undefined)?.Function?.Environment?.Variables ?? {}) as Record<string, unknown>;
  const own = ((template.Resources[logicalId]?.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {}) as Record<string, unknown>;
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...globals, ...own })) {
    if (key === 'NODE_OPTIONS') continue;
    const resolved = resolveDefault(template, value);
    if (resolved !== undefined) env[key] = resolved;
    else if (value && typeof value === 'object' && 'Ref' in value) env[key] = refValue(template, String((value as { Ref: unknown }).Ref));
    else env[key] = `bench-${key.toLowerCase()}`;
  }
  return env;
}

/** The environment a function starts with (what its module-level code reads); nothing from this shell. */
function functionEnv(nodeOptions: string, own: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...own,
    ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}),
  };
}

function runOnce(variant: Variant): number {
  const code = variant.file ? `await import(${JSON.stringify(pathToFileURL(resolve(variant.file)).href)});` : '0';
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { env: functionEnv(variant.nodeOptions, variant.env), encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`importing ${variant.file ?? 'nothing'} failed: ${r.stderr.slice(0, 800)}`);
  return ms;
}

/** Runs every variant `runs` times, interleaved (round-robin) so drift hits all alike. */
function timeAll(variants: Variant[], runs: number): Map<string, number[]> {
  const samples = new Map(variants.map((v) => [v.label, [] as number[]]));
  for (let r = 0; r < runs; r++) for (const v of variants) samples.get(v.label)!.push(runOnce(v));
  return samples;
}


/** The template's esbuild options for a function (as scripts/build.ts maps them). */
function samOptions(logicalId: string): BuildOptions {
  const resource = loadTemplate('template.yaml').Resources[logicalId];
  const p = (resource?.Metadata?.BuildProperties ?? {}) as EsbuildProperties;
  return esbuildOptions(p);
}

/** Bytes of the output by npm package (or `vigil` for the project's own files). */
function composition(metafile: Metafile): Array<{ package: string; kb: number }> {
  const bytes = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
      const name = m?.[1] ?? 'vigil';
      bytes.set(name, (bytes.get(name) ?? 0) + bytesInOutput);
    }
  }
  return [...bytes.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 10)
    .map(([name, b]) => ({ package: name, kb: Math.round(b / 1024) }));
}

/** The experiment that loads only the DynamoDB document client: the least any table-touching function loads. */
export const FLOOR = 'floor-dynamodb-document-client-only';

export const coldStartStage: Stage = {
  name: 'cold-start',
  phase: 'cpu',
  async run(ctx: BenchContext) {
    const runs = ctx.args.coldStartRuns;
    const dist = relative(ctx.root, join(ctx.tmp, 'dist'));
    const built = await buildFunctions(dist);
    ctx.log(`built ${built.length} bundles: ${built.map((b) => `${b.name} ${Math.round(b.bytes / 1024)} KB`).join(', ')}`);

    // Unbundled: the project's files compiled one by one, dependencies from node_modules.
    const unbundled = join(ctx.tmp, 'unbundled');
    rmSync(unbundled, { recursive: true, force: true });
    await build({
      entryPoints: walkTs('functions'),
      outdir: unbundled,
      outbase: '.',
      bundle: false,
      format: 'esm',
      platform: 'node',
      target: 'es2022',
      // Keep `with { type: 'json' }`: Node needs it to import the configuration schema.
      supported: { 'import-attributes': true },
      logLevel: 'warning',
    });
    mkdirSync(join(unbundled, 'config'), { recursive: true });
    copyFileSync('config/vigil.schema.json', join(unbundled, 'config/vigil.schema.json'));

    const template = loadTemplate('template.yaml');
    const entryOf = (name: string) => String((template.Resources[name]?.Metadata?.BuildProperties as EsbuildProperties | undefined)?.EntryPoints?.[0] ?? '');
    // As deployed: the NODE_OPTIONS template.yaml's Globals give every function.
    const SM = String(((template.Globals as { Function?: { Environment?: { Variables?: Record<string, unknown> } } } | undefined)?.Function?.Environment?.Variables ?? {}).NODE_OPTIONS ?? '');
    const variants: Variant[] = [
      { label: 'bare', nodeOptions: SM },
      { label: 'bare-nosm', nodeOptions: '' },
    ];
    for (const fn of built) {
      const unbundledFile = join(unbundled, entryOf(fn.name).replace(/\.ts$/, '.js'));
      const env = templateEnv(template, fn.name);
      variants.push({ label: `${fn.name}:bundle`, file: fn.file, nodeOptions: SM, env });
      variants.push({ label: `${fn.name}:unbundled`, file: unbundledFile, nodeOptions: SM, env });
      // Without source maps: for the ingest function (keeps the run short as functions are added).
      if (fn.name === 'IngestFunction') {
        variants.push({ label: `${fn.name}:bundle-nosm`, file: fn.file, nodeOptions: '', env });
        variants.push({ label: `${fn.name}:unbundled-nosm`, file: unbundledFile, nodeOptions: '', env });
      }
    }

    // Scratch build beside IngestFunction: the floor.
    const experiments = join(ctx.tmp, 'experiments');
    rmSync(experiments, { recursive: true, force: true });
    mkdirSync(experiments, { recursive: true });
    const ingest = samOptions('IngestFunction');
    let floorBytes = 0;
    let ingestComposition: Array<{ package: string; kb: number }> = [];
    if (ingest.entryPoints && (ingest.entryPoints as string[]).length) {
      const base = await build({ ...ingest, outdir: join(experiments, 'baseline') });
      ingestComposition = composition(base.metafile!);
      // The floor: a bundle of nothing but the DynamoDB document client, built the same way.
      // Every function that reads or writes the table loads at least this much.
      const floorEntry = join(experiments, 'floor-dynamodb-client.ts');
      writeFileSync(
        floorEntry,
        [
          "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
          "import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';",
          'const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));',
          'export const handler = async () => typeof client.send;',
        ].join('\n'),
      );
      const floorOut = join(experiments, FLOOR);
      await build({ ...ingest, entryPoints: [floorEntry], outdir: floorOut });
      const floorFile = join(floorOut, readdirSync(floorOut).find((f) => f.endsWith('.mjs') || f.endsWith('.js'))!);
      floorBytes = statSync(floorFile).size;
      variants.push({ label: `experiment:${FLOOR}`, file: floorFile, nodeOptions: SM, env: templateEnv(template, 'IngestFunction') });
    }

    ctx.log(`timing ${variants.length} variants x ${runs} runs`);
    const samples = timeAll(variants, runs);
    const med = (label: string) => median(samples.get(label) ?? []);
    const bare = med('bare');
    const bareNoSm = med('bare-nosm');

    const bundleInitMsMedian: Record<string, number | null> = {};
    const unbundledInitMsMedian: Record<string, number | null> = {};
    const perFunction: Record<string, unknown> = {};
    for (const fn of built) {
      bundleInitMsMedian[fn.name] = round(med(`${fn.name}:bundle`) - bare, 1);
      unbundledInitMsMedian[fn.name] = round(med(`${fn.name}:unbundled`) - bare, 1);
      const mapBytes = existsSync(`${fn.file}.map`) ? statSync(`${fn.file}.map`).size : 0;
      perFunction[fn.name] = {
        bundleKB: Math.round(fn.bytes / 1024),
        sourceMapKB: Math.round(mapBytes / 1024),
        bundleInitMs: bundleInitMsMedian[fn.name],
        ...(samples.has(`${fn.name}:bundle-nosm`) ? { bundleInitMsWithoutSourceMaps: round(med(`${fn.name}:bundle-nosm`) - bareNoSm, 1) } : {}),
        unbundledInitMs: unbundledInitMsMedian[fn.name],
        ...(samples.has(`${fn.name}:unbundled-nosm`) ? { unbundledInitMsWithoutSourceMaps: round(med(`${fn.name}:unbundled-nosm`) - bareNoSm, 1) } : {}),
      };
    }
    const experimentResults: Record<string, unknown> = {};
    if (samples.has(`experiment:${FLOOR}`)) {
      experimentResults[FLOOR] = { bundleKB: Math.round(floorBytes / 1024), initMs: round(med(`experiment:${FLOOR}`) - bare, 1) };
    }
    ctx.log(`bundle init (ms, median, as deployed): ${JSON.stringify(bundleInitMsMedian)}`);
    return {
      bundleInitMsMedian,
      unbundledInitMsMedian,
      details: {
        coldStart: {
          runs,
          method: 'wall time of `node --input-type=module -e "await import(file)"` minus that of a bare `node -e 0` with the same NODE_OPTIONS, median of interleaved runs; headline with NODE_OPTIONS=--enable-source-maps as template.yaml Globals set it',
          bareNodeMs: round(bare, 1),
          bareNodeMsWithoutSourceMaps: round(bareNoSm, 1),
          functions: perFunction,
          ingestExperiments: { baselineKB: Math.round((built.find((b) => b.name === 'IngestFunction')?.bytes ?? 0) / 1024), ...experimentResults },
          ingestBundleComposition: ingestComposition,
          distDir: dirname(built[0]?.file ?? dist),
        },
      },
    };
  },
};
