import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { VigilError } from '../../core/errors.js';

/** A secret could not be read. `retryable` is false when it does not exist or may not be read. */
export class SecretUnavailableError extends VigilError {
  public constructor(
    public readonly secretName: string,
    public readonly code: string,
    public readonly retryable: boolean,
    options?: ErrorOptions,
  ) {
    super(`secret ${secretName} is unavailable: ${code}`, options);
  }
}

const PERMANENT = new Set(['ResourceNotFoundException', 'AccessDeniedException', 'DecryptionFailure', 'InvalidRequestException', 'InvalidParameterException']);

export interface SecretSource {
  get(name: string): Promise<string>;
}

/**
 * Secrets Manager values, cached per process for `ttlMs` (five minutes by default) so a
 * batch of messages costs one read per secret: concurrent callers share a read in flight,
 * and a failed read is not kept (the next call tries again). Values are never logged and
 * errors name the secret, never its value.
 */
export class CachedSecrets implements SecretSource {
  private readonly cache = new Map<string, { value: string; until: number }>();
  private readonly reading = new Map<string, Promise<string>>();
  private readonly client: SecretsManagerClient;
  private readonly ttlMs: number;
  private readonly now: () => number;

  public constructor(options: { client?: SecretsManagerClient; ttlMs?: number; now?: () => number } = {}) {
    this.client = options.client ?? new SecretsManagerClient({});
    this.ttlMs = options.ttlMs ?? 5 * 60 * 1000;
    this.now = options.now ?? Date.now;
  }

  public async get(name: string): Promise<string> {
    const hit = this.cache.get(name);
    if (hit && hit.until > this.now()) return hit.value;
    let read = this.reading.get(name);
    if (!read) {
      read = this.read(name).finally(() => this.reading.delete(name));
      this.reading.set(name, read);
    }
    return read;
  }

  private async read(name: string): Promise<string> {
    let value: string | undefined;
    try {
      const out = await this.client.send(new GetSecretValueCommand({ SecretId: name }));
      value = out.SecretString;
    } catch (error) {
      const code = (error as { name?: string }).name ?? 'Error';
      throw new SecretUnavailableError(name, code, !PERMANENT.has(code), { cause: error });
    }
    if (value === undefined) throw new SecretUnavailableError(name, 'NoSecretString', false);
    this.cache.set(name, { value, until: this.now() + this.ttlMs });
    return value;
  }
}

/**
 * One field of a secret: the value itself when it is not JSON (an incoming-webhook
 * secret may hold just the URL), else the first of `fields` present in the JSON object.
 */
export function secretField(raw: string, fields: string[]): string | undefined {
  const trimmed = raw.trim();
  if (!trimmed.startsWith('{')) return trimmed || undefined;
  try {
    const parsed = JSON.parse(trimmed) as Record<string, unknown>;
    for (const field of fields) if (typeof parsed[field] === 'string' && parsed[field]) return parsed[field] as string;
  } catch {
    return undefined;
  }
  return undefined;
}
