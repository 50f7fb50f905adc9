import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { build, type BuildResult } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { loadTemplate } from '../../cli/local/template.js';
import { esbuildOptions, type EsbuildProperties } from '../../scripts/build.js';
import { checkBundle, placeholderEnvironment } from '../../scripts/check-bundles.js';
import { readConfigFilesWith, loadRuntimeConfig } from '../../functions/shared/runtime/config.js';
import { parseVigilConfig } from '../../functions/shared/core/routing/config.js';

/**
 * What must stay out of every function's bundle: the configuration parser (checked at
 * build time, never at a cold start) and zod's locales (the named `z` export drags them in).
 */
const EXCLUDED: Array<{ what: string; pattern: RegExp }> = [
  { what: 'the YAML parser', pattern: /node_modules\/yaml\// },
  { what: 'the JSON Schema validator', pattern: /node_modules\/ajv\// },
  // English is zod's default, the messages Vigil's errors quote; the other locales must go.
  { what: "zod's locales other than English", pattern: /node_modules\/zod\/v4\/locales\/(?!en\.js$)/ },
  { what: 'the configuration parser', pattern: /functions\/shared\/core\/routing\/(config|source-file)\.ts$/ },
  // Lambda puts the role's keys in the environment, which the SDK's default chain reads first.
  { what: 'the credential providers Lambda never reaches', pattern: /node_modules\/@aws-sdk\/credential-provider-(ini|sso|process|web-identity)\// },
];

const template = loadTemplate('template.yaml');
const functions = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::Serverless::Function' && r.Metadata?.BuildMethod === 'esbuild');
const optionsOf = (name: string) => esbuildOptions((template.Resources[name]!.Metadata!.BuildProperties ?? {}) as EsbuildProperties);

/** Each function's bundle and source map, built once in memory with its template options and shared by the tests. */
const builds = new Map<string, Promise<BuildResult>>();
function bundleOf(name: string): Promise<BuildResult> {
  let result = builds.get(name);
  if (!result) {
    result = build({ ...optionsOf(name), write: false, outdir: '/tmp/vigil-bundle-check' });
    builds.set(name, result);
  }
  return result;
}

describe('function bundles', () => {
  it.each(functions.map(([name]) => name))('%s leaves out what it never runs: the configuration parser, zod locales, unused credential providers', async (name) => {
    const result = await bundleOf(name);
    // What the output holds (the metafile's inputs also name files tree-shaking dropped).
    const inputs = Object.values(result.metafile!.outputs).flatMap((o) => Object.entries(o.inputs).filter(([, i]) => i.bytesInOutput > 0).map(([path]) => path));
    expect(inputs.length).toBeGreaterThan(50);
    for (const { what, pattern } of EXCLUDED) expect(inputs.filter((i) => pattern.test(i)), what).toEqual([]);
  });
});

describe('function bundles without node_modules', () => {
  it.each(functions.map(([name]) => name))('%s starts from a directory of its own, as in /var/task', async (name) => {
    // Prepare: the bundle and its map written where no node_modules is above them
    const result = await bundleOf(name);
    const dir = mkdtempSync(join(tmpdir(), 'vigil-bundle-'));
    try {
      for (const file of result.outputFiles!) writeFileSync(join(dir, basename(file.path)), file.contents);

      // Act: import it with its template environment and keys in the environment, as Lambda gives them
      const problem = checkBundle(join(dir, 'handler.mjs'), placeholderEnvironment(template, name));

      // Assess: it loads, and the providers left out are reached only by the default chain's dynamic imports
      expect(problem).toBeUndefined();
      const code = result.outputFiles!.find((f) => f.path.endsWith('.mjs'))!.text;
      const external = (optionsOf(name).external ?? []).filter((e) => e.includes('credential-provider'));
      expect(external.length).toBe(4);
      for (const provider of external) {
        expect(code).toContain(`import("${provider}")`);
        expect(code).not.toMatch(new RegExp(`from\\s*"${provider}"|import\\s*"${provider}"|require\\("${provider}"\\)`));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('leaves nothing that would make the default credential chain pass over the environment keys', () => {
    // A profile makes the chain skip the keys and import the INI provider, which the bundles leave out.
    const named = functions.flatMap(([name]) => Object.keys(placeholderEnvironment(template, name)).filter((key) => key === 'AWS_PROFILE').map((key) => `${name}: ${key}`));
    expect(named).toEqual([]);
    expect(functions.length).toBe(10);
    // Nor does any client name a profile or one of the providers left out.
    const sources = readdirSync('functions', { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => join('functions', f));
    expect(sources.length).toBeGreaterThan(50);
    const offending = sources.filter((f) => /\bprofile\s*:|\bfrom(Ini|SSO|Process|TokenFile|WebToken)\b/.test(readFileSync(f, 'utf8')));
    expect(offending).toEqual([]);
  });
});

describe('function source maps', () => {
  it.each(functions.map(([name]) => name))('%s maps to its TypeScript sources without carrying their text', async (name) => {
    // Act
    const result = await bundleOf(name);

    // Assess: mappings to Vigil's own files, no sources' text (a third of the size)
    const map = JSON.parse(result.outputFiles!.find((f) => f.path.endsWith('.map'))!.text) as { sources: string[]; sourcesContent?: unknown[]; mappings: string };
    expect(map.sources.some((s) => /functions\/shared\/runtime\/env\.ts$/.test(s))).toBe(true);
    expect(map.mappings.length).toBeGreaterThan(10_000);
    expect(map.sourcesContent ?? []).toEqual([]);
  });

  it('still gives a stack trace in TypeScript file and line, as Lambda runs the bundle', async () => {
    // Prepare: the notifier's bundle, as sam build writes it, and an environment without its tables
    const outdir = mkdtempSync(join(tmpdir(), 'vigil-sourcemap-'));
    try {
      await build({ ...optionsOf('NotifierFunction'), outdir });
      const line = readFileSync('functions/shared/runtime/env.ts', 'utf8').split('\n').findIndex((l) => l.includes('is required`')) + 1;

      // Act: import it with the template's NODE_OPTIONS; start-up fails on the missing variable
      const run = promisify(execFile)(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(join(outdir, 'handler.mjs'))})`], {
        env: { PATH: process.env.PATH, NODE_OPTIONS: '--enable-source-maps', AWS_REGION: 'us-east-1' },
      });

      // Assess: the error names the TypeScript file and the line that threw
      const error = (await run.then(() => undefined, (e: unknown) => e)) as { stderr: string } | undefined;
      expect(error?.stderr).toContain('environment variable TABLE_NAME is required');
      expect(error?.stderr).toMatch(new RegExp(`at requireEnv \\(.*functions/shared/runtime/env\\.ts:${line}:\\d+\\)`));
      expect(error?.stderr).toMatch(/at notifierSettings \(.*functions\/notifier\/settings\.ts:\d+:\d+\)/);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});

describe('loadRuntimeConfig', () => {
  it('refuses VIGIL_CONFIG_FILE where no parser was handed in, naming why', () => {
    const registry = globalThis as Record<symbol, unknown>;
    const key = Symbol.for('vigil.configFileParser');
    const parser = registry[key];
    try {
      delete registry[key];
      expect(() => loadRuntimeConfig({ VIGIL_CONFIG_FILE: 'config/vigil.yaml' })).toThrow(/embedded at build time/);
      readConfigFilesWith(parseVigilConfig);
      expect(loadRuntimeConfig({ VIGIL_CONFIG_FILE: 'config/vigil.yaml' })).toEqual(loadRuntimeConfig({}));
    } finally {
      registry[key] = parser;
    }
  });
});
