import { readFile } from 'node:fs/promises';
import { parseDirectoryFile, staticDirectory, type Directory } from '../core/routing/directory.js';
import { parseVigilConfig, type VigilConfig } from '../core/routing/config.js';

/**
 * Reads and checks Vigil's configuration file (config/vigil.yaml). Read it once, at
 * start-up: a bad file fails fast with every problem listed by line (ConfigError).
 */
export async function loadVigilConfig(path: string): Promise<VigilConfig> {
  return parseVigilConfig(await readFile(path, 'utf8'), path);
}

/** Reads a directory file (config/demo-organization.yaml) as a {@link Directory}: local mode and `vigil route --org FILE`. */
export async function loadDirectoryFile(path: string): Promise<Directory> {
  return staticDirectory(parseDirectoryFile(await readFile(path, 'utf8'), path));
}
