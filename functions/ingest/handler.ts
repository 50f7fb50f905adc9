import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSEvent } from 'aws-lambda';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { CachedDirectory } from '../shared/adapters/cached-directory.js';
import { dynamoDirectorySource } from '../shared/adapters/directory-reader.js';
import { createDocumentClient, DynamoFindingStore } from '../shared/adapters/dynamodb-finding-store.js';
import { createIngestRouter } from '../shared/core/routing/resolve.js';
import { loadRuntimeConfig } from '../shared/runtime/config.js';
import { logger, metrics } from '../shared/runtime/telemetry.js';
import { numberEnv, requireEnv } from '../shared/runtime/env.js';
import { createRecordProcessor } from './record-processor.js';

const tableName = requireEnv('TABLE_NAME');
const config = loadRuntimeConfig();
const documentClient = createDocumentClient();
const store = new DynamoFindingStore({
  tableName,
  client: documentClient,
  historyTtlDays: numberEnv('HISTORY_TTL_DAYS', 400),
  quarantineTtlDays: numberEnv('QUARANTINE_TTL_DAYS', 30),
  // Unset: every heartbeat is written. template.yaml sets half of the coverage check's
  // MAX_SILENCE_MINUTES, so a live forwarder is never reported silent.
  ...(process.env.HEARTBEAT_RECORD_MINUTES ? { heartbeatRecordIntervalMs: numberEnv('HEARTBEAT_RECORD_MINUTES', 1) * 60_000 } : {}),
});
// The directory synced from AWS Organizations, read through a cache: a warm container
// routes without a network call.
const directory = new CachedDirectory(dynamoDirectorySource(documentClient, tableName), {
  ttlMs: numberEnv('DIRECTORY_CACHE_SECONDS', 300) * 1000,
});

const processRecord = createRecordProcessor({
  store,
  quarantine: store,
  heartbeats: store,
  route: createIngestRouter(config, directory, {
    onEmptyDirectory: () => metrics.addMetric('DirectoryEmpty', MetricUnit.Count, 1),
  }),
  foldOptions: { indexRefreshMs: numberEnv('INDEX_REFRESH_HOURS', 24) * 3_600_000 },
  logger,
  metrics,
});
const processor = new BatchProcessor(EventType.SQS);

/** SQS batches of EventBridge events from the central bus; reports partial batch failures. */
export const handler = middy(async (event: SQSEvent, context: Context) => processPartialResponse(event, processRecord, processor, { context }))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
