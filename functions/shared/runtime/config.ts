import { readFileSync } from 'node:fs';
import type { VigilConfig } from '../core/routing/config.js';
import { VIGIL_CONFIG } from '../config/embedded.js';

/** Reads configuration text: core/routing/config.ts `parseVigilConfig`. */
export type ConfigParser = (text: string, path: string) => VigilConfig;

// On globalThis rather than in this module, so that it outlives module reloading (the
// tests import handlers afresh after setting their environment).
const FILE_PARSER = Symbol.for('vigil.configFileParser');
const registry = globalThis as { [FILE_PARSER]?: ConfigParser };

/**
 * Lets VIGIL_CONFIG_FILE name a file to read at start-up instead of the embedded
 * configuration: `vigil local`, the tests and the benchmark call this with
 * `parseVigilConfig`. Handed in rather than imported, so that the functions' bundles
 * leave the YAML parser and the schema validator out (~215 KB less to load at every
 * cold start); a deployed function only ever runs what was checked at build time.
 */
export function readConfigFilesWith(parse: ConfigParser): void {
  registry[FILE_PARSER] = parse;
}

/**
 * The configuration a function runs with, read once at start-up: config/vigil.yaml as
 * checked and normalized at build time, or the file named by VIGIL_CONFIG_FILE where
 * {@link readConfigFilesWith} was called (local mode and tests, so an edit applies without
 * a build). A bad file fails the start with every problem named by line.
 */
export function loadRuntimeConfig(env: NodeJS.ProcessEnv = process.env): VigilConfig {
  const path = env.VIGIL_CONFIG_FILE;
  if (path) {
    const fileParser = registry[FILE_PARSER];
    if (!fileParser) {
      throw new Error(`VIGIL_CONFIG_FILE (${path}) is read by vigil local, the tests and the benchmark only; a deployed function runs with the configuration embedded at build time (npm run config)`);
    }
    return fileParser(readFileSync(path, 'utf8'), path);
  }
  // Checked and normalized when it was embedded (npm run build / npm run config).
  return VIGIL_CONFIG;
}
