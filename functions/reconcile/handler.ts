import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { CachedDirectory } from '../shared/adapters/cached-directory.js';
import { ConfigAggregator } from '../shared/adapters/config-aggregator.js';
import { dynamoDirectorySource } from '../shared/adapters/directory-reader.js';
import { createDocumentClient, DynamoFindingStore } from '../shared/adapters/dynamodb-finding-store.js';
import { DynamoReconcileFindings } from '../shared/adapters/reconcile-findings.js';
import { createIngestRouter } from '../shared/core/routing/resolve.js';
import { loadRuntimeConfig } from '../shared/runtime/config.js';
import { numberEnv, requireEnv } from '../shared/runtime/env.js';
import { logger, metrics } from '../shared/runtime/telemetry.js';
import { createReconcilePass } from './pass.js';

const tableName = requireEnv('TABLE_NAME');
const region = requireEnv('AWS_REGION');
const documentClient = createDocumentClient();
const store = new DynamoFindingStore({ tableName, client: documentClient, historyTtlDays: numberEnv('HISTORY_TTL_DAYS', 400) });
const aggregator = new ConfigAggregator({
  aggregatorName: requireEnv('CONFIG_AGGREGATOR_NAME'),
  // The aggregator lives in one Region and reports every Region; empty means this one.
  region: process.env.CONFIG_AGGREGATOR_REGION || region,
  onThrottled: (operation, attempt, waitMs) => {
    metrics.addMetric('ConfigThrottled', MetricUnit.Count, 1);
    logger.warn('AWS Config throttled a call; waiting', { operation, attempt, waitMs });
  },
  onMetadataUnavailable: (operation, reason) => logger.warn('Config rule metadata unavailable; findings go without it', { operation, reason }),
});
const findings = new DynamoReconcileFindings({ client: documentClient, tableName, store });
const directory = new CachedDirectory(dynamoDirectorySource(documentClient, tableName));

const runPass = createReconcilePass({
  region,
  config: aggregator,
  findings,
  ingest: { store, route: createIngestRouter(loadRuntimeConfig(), directory) },
  settleMs: numberEnv('RECONCILE_SETTLE_MINUTES', 180) * 60_000,
  logger,
  metrics,
});
/** Time kept back for the account in progress and for saving where the pass stopped. */
const STOP_MARGIN_MS = numberEnv('RECONCILE_STOP_MARGIN_SECONDS', 120) * 1000;

/**
 * Scheduled: makes this Region's findings say what AWS Config says now. `{"quiet": true}`
 * (a first backfill) records the corrections without announcing them; `{"dryRun": true}`
 * only reports them.
 */
export const handler = middy(async (event: { quiet?: boolean; dryRun?: boolean; time?: string } | undefined, context: Context) => {
  const now = event?.time && !Number.isNaN(Date.parse(event.time)) ? new Date(event.time) : new Date();
  const report = await runPass({ now, quiet: event?.quiet === true, dryRun: event?.dryRun === true, shouldStop: () => context.getRemainingTimeInMillis() < STOP_MARGIN_MS });
  const { differences: _differences, ...summary } = report;
  return summary;
})
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
