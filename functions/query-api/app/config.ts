import { localKey, secretsManagerKey, type KeyProvider } from '../../shared/adapters/cursor-key.js';
import type { SuppressionPolicy } from '../../shared/core/query/actions.js';
import type { ClaimsOptions } from '../../shared/core/query/caller.js';
import { REGION_PATTERN } from '../../shared/core/query/filters.js';
import { ConfigurationError, numberEnv, requireEnv } from '../../shared/runtime/env.js';

/** The query API's configuration, read once from the environment (see the template fragment). */
export interface QueryApiConfig {
  tableName: string;
  claims: ClaimsOptions;
  /** IAM principals (role or user ARNs) that are administrators when they sign requests. */
  adminPrincipalArns: string[];
  /** Set only locally: the Lambda then verifies HS256 tokens itself (cli/local/http-api.ts). */
  localJwtSecret?: string;
  /** Where the cursor key comes from: a Secrets Manager secret in AWS, local material otherwise. */
  cursorKey: { secretId: string } | { material: string } | undefined;
  pageBudget: number;
  historyLimit: number;
  historyTtlDays: number;
  suppression: SuppressionPolicy;
  /**
   * The Regions whose findings tables (same name in each) make the organization-wide
   * view, in a fixed order (cursors depend on it); this Region alone by default.
   */
  findingsRegions: string[];
  /** How long a forwarder may stay silent before `GET /coverage` lists it (the coverage function's setting). */
  maxSilenceMinutes: number;
}

const list = (raw: string | undefined) =>
  (raw ?? '')
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * Reads the configuration, failing fast on what cannot work. A local JWT secret inside a
 * deployed Lambda is refused outright: it would let anyone holding it mint an admin token.
 */
export function readQueryApiConfig(env: NodeJS.ProcessEnv = process.env): QueryApiConfig {
  const localJwtSecret = env.LOCAL_JWT_SECRET?.trim() || undefined;
  if (localJwtSecret && env.AWS_LAMBDA_FUNCTION_NAME && env.AWS_SAM_LOCAL !== 'true') {
    throw new ConfigurationError('LOCAL_JWT_SECRET is for running locally only; in AWS, API Gateway verifies tokens');
  }
  if (localJwtSecret && localJwtSecret.length < 16) throw new ConfigurationError('LOCAL_JWT_SECRET must be at least 16 characters');
  const secretId = env.CURSOR_KEY_SECRET_ID?.trim();
  const findingsRegions = [...new Set(list(env.FINDINGS_REGIONS))];
  if (findingsRegions.length === 0) findingsRegions.push(requireEnv('AWS_REGION', env));
  const notRegions = findingsRegions.filter((r) => !REGION_PATTERN.test(r));
  if (notRegions.length > 0) throw new ConfigurationError(`FINDINGS_REGIONS: not AWS Regions: ${notRegions.join(', ')}`);
  const material = env.CURSOR_KEY?.trim() || localJwtSecret;
  return {
    tableName: requireEnv('TABLE_NAME', env),
    claims: { teamsClaim: env.TEAMS_CLAIM?.trim() || 'vigil:teams', adminScope: env.ADMIN_SCOPE?.trim() || 'vigil/admin' },
    adminPrincipalArns: list(env.ADMIN_PRINCIPAL_ARNS),
    ...(localJwtSecret ? { localJwtSecret } : {}),
    cursorKey: secretId ? { secretId } : material ? { material } : undefined,
    pageBudget: numberEnv('PAGE_READ_BUDGET', 1000, env),
    historyLimit: numberEnv('HISTORY_LIMIT', 100, env),
    historyTtlDays: numberEnv('HISTORY_TTL_DAYS', 400, env),
    suppression: { defaultDays: numberEnv('SUPPRESSION_DEFAULT_DAYS', 30, env), maxDays: numberEnv('SUPPRESSION_MAX_DAYS', 365, env) },
    findingsRegions,
    maxSilenceMinutes: numberEnv('MAX_SILENCE_MINUTES', 180, env),
  };
}

/**
 * The cursor key provider the configuration names. Without one, listings fail (500, and
 * a logged ConfigurationError) while the function still loads, so that the local runtime
 * can import it before it is configured.
 */
export function cursorKeyProvider(config: QueryApiConfig): KeyProvider {
  if (!config.cursorKey) return () => Promise.reject(new ConfigurationError('no cursor key: set CURSOR_KEY_SECRET_ID (AWS) or CURSOR_KEY / LOCAL_JWT_SECRET (locally)'));
  return 'secretId' in config.cursorKey ? secretsManagerKey(config.cursorKey.secretId) : localKey(config.cursorKey.material);
}
