import { numberEnv, requireEnv } from '../shared/runtime/env.js';

/** Vigil's configuration (teams, rules, staging): embedded at build time, or VIGIL_CONFIG_FILE locally. */
export { loadRuntimeConfig as loadVigilConfig } from '../shared/runtime/config.js';

/** The notifier's settings from the environment (template.yaml sets them). */
export function notifierSettings(env: NodeJS.ProcessEnv = process.env) {
  return {
    findingsTable: requireEnv('TABLE_NAME', env),
    stateTable: requireEnv('NOTIFY_TABLE_NAME', env),
    topicArn: requireEnv('TOPIC_ARN', env),
    region: env.AWS_REGION ?? 'us-east-1',
    botSecretName: env.SLACK_BOT_SECRET_NAME || undefined,
    slackApiUrl: env.SLACK_API_URL || undefined,
    findingsUrl: env.FINDINGS_URL || undefined,
    maxAttempts: numberEnv('NOTIFY_MAX_ATTEMPTS', 5, env),
    retry: {
      attempts: numberEnv('NOTIFY_RETRY_ATTEMPTS', 4, env),
      baseMs: numberEnv('NOTIFY_RETRY_BASE_MS', 250, env),
      maxMs: numberEnv('NOTIFY_RETRY_MAX_MS', 4000, env),
      maxRetryAfterMs: numberEnv('NOTIFY_MAX_RETRY_AFTER_SECONDS', 30, env) * 1000,
    },
    flap: { windowMs: numberEnv('FLAP_WINDOW_MINUTES', 60, env) * 60_000, threshold: numberEnv('FLAP_THRESHOLD', 4, env) },
    burst: { windowMs: numberEnv('BURST_WINDOW_MINUTES', 5, env) * 60_000, threshold: numberEnv('BURST_THRESHOLD', 20, env) },
    slackMinIntervalMs: numberEnv('SLACK_MIN_INTERVAL_MS', 1000, env),
    leaseMs: numberEnv('NOTIFY_LEASE_SECONDS', 120, env) * 1000,
    /** Findings of one batch processed at once (each finding's records one after another). */
    concurrency: numberEnv('NOTIFY_CONCURRENCY', 10, env),
  };
}

export type NotifierSettings = ReturnType<typeof notifierSettings>;

/** The digest's settings: the notifier's, without the topic. */
export function digestSettings(env: NodeJS.ProcessEnv = process.env) {
  return notifierSettings({ ...env, TOPIC_ARN: env.TOPIC_ARN || 'unused-by-the-digest' });
}
