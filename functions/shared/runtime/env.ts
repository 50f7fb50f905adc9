import { VigilError } from '../core/errors.js';

export class ConfigurationError extends VigilError {}

/** Reads a required environment variable once, at start-up, failing fast and by name. */
export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') throw new ConfigurationError(`environment variable ${name} is required`);
  return value;
}

/** Reads a positive number from the environment, with a default. */
export function numberEnv(name: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new ConfigurationError(`environment variable ${name} must be a positive number, got "${raw}"`);
  return value;
}
