import { build, type BuildOptions } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { loadTemplate } from '../../cli/local/template.js';
import { esbuildOptions, type EsbuildProperties } from '../../scripts/build.js';
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
];

const template = loadTemplate('template.yaml');
const functions = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::Serverless::Function' && r.Metadata?.BuildMethod === 'esbuild');

describe('function bundles', () => {
  it.each(functions.map(([name]) => name))('%s leaves the configuration parser and zod locales out', async (name) => {
    const options: BuildOptions = { ...esbuildOptions((template.Resources[name]!.Metadata!.BuildProperties ?? {}) as EsbuildProperties), write: false, outdir: '/tmp/vigil-bundle-check', sourcemap: false };
    const result = await build(options);
    // What the output holds (the metafile's inputs also name files tree-shaking dropped).
    const inputs = Object.values(result.metafile!.outputs).flatMap((o) => Object.entries(o.inputs).filter(([, i]) => i.bytesInOutput > 0).map(([path]) => path));
    expect(inputs.length).toBeGreaterThan(50);
    for (const { what, pattern } of EXCLUDED) expect(inputs.filter((i) => pattern.test(i)), what).toEqual([]);
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
