/**
 * Bundles every function the way `sam build` does: reads each
 * AWS::Serverless::Function's esbuild Metadata from template.yaml (one source of truth)
 * and writes dist/<LogicalId>/. Then imports each bundle in a fresh Node process to
 * prove it loads, and prints the sizes.
 */
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import { loadTemplate } from '../cli/local/template.js';
import { checkBundle, placeholderEnvironment } from './check-bundles.js';

/** A function's esbuild `Metadata.BuildProperties`, as SAM reads them. */
export interface EsbuildProperties {
  Format?: 'esm' | 'cjs';
  Minify?: boolean;
  Target?: string;
  Platform?: 'node';
  Sourcemap?: boolean;
  OutExtension?: string[];
  Banner?: string[];
  EntryPoints?: string[];
  External?: string[];
  /** SAM passes it to esbuild as `--main-fields=<value>`: a comma-separated list. */
  MainFields?: string;
  /** `'false'` leaves the sources' text out of the source map (SAM: `--sources-content=false`). */
  SourcesContent?: 'true' | 'false';
}

/** SAM's `key=value` lists (OutExtension, Banner) as an object. */
export function pairs(list: string[] | undefined): Record<string, string> {
  return Object.fromEntries((list ?? []).map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]));
}

/** esbuild options from a function's BuildProperties, as SAM's esbuild builder applies them. */
export function esbuildOptions(p: EsbuildProperties): BuildOptions {
  return {
    entryPoints: p.EntryPoints ?? [],
    bundle: true,
    format: p.Format ?? 'esm',
    platform: p.Platform ?? 'node',
    target: p.Target ?? 'es2022',
    minify: p.Minify ?? false,
    sourcemap: p.Sourcemap ?? false,
    sourcesContent: p.SourcesContent !== 'false',
    outExtension: pairs(p.OutExtension),
    banner: pairs(p.Banner),
    external: p.External ?? [],
    ...(p.MainFields ? { mainFields: p.MainFields.split(',').map((field) => field.trim()) } : {}),
    logLevel: 'warning',
    metafile: true,
  };
}

export async function buildFunctions(outRoot = 'dist'): Promise<Array<{ name: string; file: string; bytes: number }>> {
  const template = loadTemplate('template.yaml');
  const built: Array<{ name: string; file: string; bytes: number }> = [];
  for (const [name, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Serverless::Function' || resource.Metadata?.BuildMethod !== 'esbuild') continue;
    const p = (resource.Metadata.BuildProperties ?? {}) as EsbuildProperties;
    const outdir = join(outRoot, name);
    rmSync(outdir, { recursive: true, force: true });
    mkdirSync(outdir, { recursive: true });
    const options: BuildOptions = { ...esbuildOptions(p), outdir };
    await build(options);
    const ext = pairs(p.OutExtension)['.js'] ?? '.js';
    const file = join(outdir, `handler${ext}`);
    built.push({ name, file, bytes: statSync(file).size });
  }
  return built;
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('build.ts')) {
  const built = await buildFunctions();
  if (built.length === 0) throw new Error('template.yaml has no esbuild functions');
  const template = loadTemplate('template.yaml');
  let failed = 0;
  for (const fn of built) {
    // Load the bundle as Lambda would: a fresh process, the function's own environment.
    const problem = checkBundle(fn.file, placeholderEnvironment(template, fn.name));
    if (problem) {
      failed++;
      console.error(`${fn.name}: does not load: ${problem}`);
    }
    console.log(`${fn.name.padEnd(26)} ${(fn.bytes / 1024).toFixed(0).padStart(6)} KB  ${fn.file}`);
  }
  if (failed) process.exitCode = 1;
}
