import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context, SQSEvent } from 'aws-lambda';
import { createDocumentClient, DynamoFindingStore } from '../shared/adapters/dynamodb-finding-store.js';
import { logger, metrics, tracer } from '../shared/runtime/powertools.js';
import { numberEnv, requireEnv } from '../shared/runtime/env.js';
import { createRecordProcessor } from './record-processor.js';

const documentClient = createDocumentClient();
tracer.captureAWSv3Client(documentClient);
const store = new DynamoFindingStore({
  tableName: requireEnv('TABLE_NAME'),
  client: documentClient,
  historyTtlDays: numberEnv('HISTORY_TTL_DAYS', 400),
  quarantineTtlDays: numberEnv('QUARANTINE_TTL_DAYS', 30),
});
const defaultTeam = process.env.DEFAULT_TEAM || 'security';

const processRecord = createRecordProcessor({
  store,
  quarantine: store,
  route: () => ({ team: defaultTeam, routedBy: 'default' }),
  foldOptions: { indexRefreshMs: numberEnv('INDEX_REFRESH_HOURS', 24) * 3_600_000 },
  logger,
  metrics,
});
const processor = new BatchProcessor(EventType.SQS);

/** SQS batches of EventBridge events from the central bus; reports partial batch failures. */
export const handler = middy(async (event: SQSEvent, context: Context) => processPartialResponse(event, processRecord, processor, { context }))
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
