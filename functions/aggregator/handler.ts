import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { DynamoAggregates } from '../shared/adapters/dynamodb-aggregates.js';
import { createDocumentClient } from '../shared/adapters/dynamodb-client.js';
import { requireEnv } from '../shared/runtime/env.js';
import { logger, metrics } from '../shared/runtime/telemetry.js';
import { changesFromStream } from './changes.js';

const documentClient = createDocumentClient();
const aggregates = new DynamoAggregates({ tableName: requireEnv('TABLE_NAME'), client: documentClient });

/**
 * The findings table's stream → the counters `GET /summary` reads. Idempotent (a
 * replayed or retried batch counts nothing twice), so a failure simply throws and
 * Lambda retries the batch, bisecting it, before its on-failure destination.
 */
export const handler = middy(async (event: DynamoDBStreamEvent) => {
  const { changes, ignored } = changesFromStream(event.Records);
  const outcome = await aggregates.apply(changes);
  metrics.addMetric('FindingsRecounted', MetricUnit.Count, outcome.applied);
  logger.debug('aggregated stream batch', { records: event.Records.length, ignored, ...outcome });
})
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
