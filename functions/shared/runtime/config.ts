import { readFileSync } from 'node:fs';
import { parseVigilConfig, type VigilConfig } from '../core/routing/config.js';
import { VIGIL_CONFIG } from '../config/embedded.js';

/**
 * The configuration a function runs with, read once at start-up: config/vigil.yaml as
 * checked and normalized at build time, or the file named by VIGIL_CONFIG_FILE
 * (local mode and tests, so an edit applies without a build). A bad file fails the
 * start with every problem named by line.
 */
export function loadRuntimeConfig(env: NodeJS.ProcessEnv = process.env): VigilConfig {
  const path = env.VIGIL_CONFIG_FILE;
  if (path) return parseVigilConfig(readFileSync(path, 'utf8'), path);
  // Checked and normalized when it was embedded (npm run build / npm run config).
  return VIGIL_CONFIG;
}
