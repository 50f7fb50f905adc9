import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { createDocumentClient } from '../shared/adapters/dynamodb-client.js';
import { DynamoFindingQueries } from '../shared/adapters/dynamodb-finding-queries.js';
import { expireSuppressions } from '../shared/core/query/expiry.js';
import { numberEnv, requireEnv } from '../shared/runtime/env.js';
import { logger, metrics } from '../shared/runtime/telemetry.js';

const documentClient = createDocumentClient();
const queries = new DynamoFindingQueries({ tableName: requireEnv('TABLE_NAME'), client: documentClient, historyTtlDays: numberEnv('HISTORY_TTL_DAYS', 400) });
const maxPerRun = numberEnv('EXPIRY_MAX_PER_RUN', 1000);

/** Scheduled: reopens findings whose suppression ran out. The clock is the event's time when it has one. */
export const handler = middy(async (event: { time?: string } | undefined) => {
  const now = event?.time && !Number.isNaN(Date.parse(event.time)) ? new Date(event.time) : new Date();
  const outcome = await expireSuppressions(queries, { now, maxPerRun });
  metrics.addMetric('SuppressionsExpired', MetricUnit.Count, outcome.reopened.length);
  for (const findingId of outcome.reopened) logger.info('suppression expired', { findingId, transition: 'REOPENED_FROM_SUPPRESSION' });
  if (outcome.conflicts > 0) logger.warn('suppressions changed while expiring; retried next run', { conflicts: outcome.conflicts });
  return { reopened: outcome.reopened.length, cleared: outcome.cleared, conflicts: outcome.conflicts };
})
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
