import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { createDocumentClient } from '../shared/adapters/dynamodb-finding-store.js';
import { logger, metrics, tracer } from '../shared/runtime/powertools.js';
import { notifierDeps } from './dependencies.js';
import { notifierSettings } from './settings.js';
import { createRecordProcessor, type BatchState } from './record-processor.js';

const documentClient = createDocumentClient();
tracer.captureAWSv3Client(documentClient);
const { deps, newContext } = notifierDeps({ documentClient, settings: notifierSettings() });

/**
 * The findings table's stream (NEW_AND_OLD_IMAGES): one message per transition to the
 * findings topic and to Slack. Records are processed in order; failures are reported per
 * record (ReportBatchItemFailures), and Lambda retries from the first failed one.
 */
export const handler = middy(async (event: DynamoDBStreamEvent, context: Context) => {
  const batch: BatchState = { failed: false };
  // One per invocation: it holds the invocation's successes and failures.
  const processor = new BatchProcessor(EventType.DynamoDBStreams);
  const processRecord = createRecordProcessor({
    notify: { ...deps, context: newContext(), remainingMs: () => context.getRemainingTimeInMillis() },
    logger,
    metrics,
  });
  return processPartialResponse(event, (record: DynamoDBRecord) => processRecord(record, batch), processor, {
    context,
    processInParallel: false,
    throwOnFullBatchFailure: false,
  });
})
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
