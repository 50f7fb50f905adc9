import { createHash } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** Provides the key that signs cursors; resolved when first needed, then cached. */
export type KeyProvider = () => Promise<Uint8Array>;

/** 32 bytes from any key material (a generated secret string, a local secret). */
function keyFrom(material: string, purpose: string): Uint8Array {
  return createHash('sha256').update(`${purpose}\n${material}`).digest();
}

const PURPOSE = 'vigil-cursor-key/v1';
/** A rotated secret is picked up within this time; cursors signed with the old key then fail with 400. */
const DEFAULT_CACHE_MS = 15 * 60 * 1000;

/**
 * The cursor key from a Secrets Manager secret (its SecretString), fetched once and
 * cached for `cacheMs`; a failed fetch is not cached, so the next request tries again.
 */
export function secretsManagerKey(secretId: string, options: { client?: SecretsManagerClient; cacheMs?: number; now?: () => number } = {}): KeyProvider {
  const client = options.client ?? new SecretsManagerClient({});
  const cacheMs = options.cacheMs ?? DEFAULT_CACHE_MS;
  const now = options.now ?? Date.now;
  let cached: { key: Promise<Uint8Array>; at: number } | undefined;
  return () => {
    if (cached && now() - cached.at < cacheMs) return cached.key;
    const key = client.send(new GetSecretValueCommand({ SecretId: secretId })).then((out) => {
      if (!out.SecretString) throw new Error(`secret ${secretId} has no string value`);
      return keyFrom(out.SecretString, PURPOSE);
    });
    const entry = { key, at: now() };
    cached = entry;
    key.catch(() => {
      if (cached === entry) cached = undefined;
    });
    return key;
  };
}

/** A key derived from local material (`CURSOR_KEY`, or the local JWT secret): for running on one machine. */
export function localKey(material: string): KeyProvider {
  const key = keyFrom(material, PURPOSE);
  return () => Promise.resolve(key);
}
