import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { createDocumentClient } from '../shared/adapters/dynamodb-finding-store.js';
import { logger, metrics } from '../shared/runtime/telemetry.js';
import { BatchOrder } from './batch-order.js';
import { notifierDeps } from './dependencies.js';
import { notifierSettings } from './settings.js';
import { createRecordProcessor } from './record-processor.js';

const documentClient = createDocumentClient();
const settings = notifierSettings();
const { deps, newContext } = notifierDeps({ documentClient, settings });

/**
 * The findings table's stream (NEW_AND_OLD_IMAGES): one message per transition to the
 * findings topic and to Slack. Each finding's records are processed in order, different
 * findings concurrently (BatchOrder); failures are reported per record
 * (ReportBatchItemFailures), and Lambda retries from the lowest failed sequence number.
 */
export const handler = middy(async (event: DynamoDBStreamEvent, context: Context) => {
  // One per invocation: they hold the invocation's successes and failures, and its order.
  const processor = new BatchProcessor(EventType.DynamoDBStreams);
  const order = new BatchOrder(settings.concurrency);
  const processRecord = createRecordProcessor({
    notify: { ...deps, context: newContext(), remainingMs: () => context.getRemainingTimeInMillis() },
    logger,
    metrics,
  });
  // BatchProcessor calls the handler for every record at once, in the batch's order.
  return processPartialResponse(event, (record: DynamoDBRecord) => order.run(record, () => processRecord(record)), processor, {
    context,
    processInParallel: true,
    throwOnFullBatchFailure: false,
  });
})
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
