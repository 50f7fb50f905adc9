import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { DynamoCounterReader, DynamoDirectoryReader, DynamoFindingQueries } from '../shared/adapters/dynamodb-finding-queries.js';
import { createDocumentClient } from '../shared/adapters/dynamodb-client.js';
import { createQueryService } from '../shared/core/query/service.js';
import { loadRuntimeConfig } from '../shared/runtime/config.js';
import { logger, metrics, tracer } from '../shared/runtime/powertools.js';
import { cursorKeyProvider, readQueryApiConfig } from './app/config.js';
import { createApp } from './app/router.js';

const config = readQueryApiConfig();
// Only the team names: teams listed even before they have findings.
const routing = loadRuntimeConfig();
const knownTeams = [...new Set([routing.defaultTeam, ...Object.keys(routing.teams)])].sort();
const client = createDocumentClient();
tracer.captureAWSv3Client(client);
const tableName = config.tableName;

const app = createApp({
  service: createQueryService({
    findings: new DynamoFindingQueries({ tableName, client, historyTtlDays: config.historyTtlDays }),
    counters: new DynamoCounterReader({ tableName, client }),
    directory: new DynamoDirectoryReader({ tableName, client }),
    cursorKey: cursorKeyProvider(config),
    pageBudget: config.pageBudget,
    historyLimit: config.historyLimit,
    suppression: config.suppression,
    knownTeams,
  }),
  config,
  logger,
});

/** API Gateway HTTP API (payload 2.0) → the query API's router. */
export const handler = middy(async (event: APIGatewayProxyEventV2, context: Context) => app.resolve(event, context))
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
