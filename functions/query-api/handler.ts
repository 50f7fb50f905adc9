import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { DynamoCounterReader, DynamoDirectoryReader, DynamoFindingQueries } from '../shared/adapters/dynamodb-finding-queries.js';
import { createDocumentClient } from '../shared/adapters/dynamodb-client.js';
import { loadHeartbeats } from '../shared/adapters/heartbeat-reader.js';
import { FederatedCounterReader, FederatedFindingReader, FederatedHeartbeats, type RegionalStores } from '../shared/core/query/regions.js';
import { createQueryService } from '../shared/core/query/service.js';
import { loadRuntimeConfig } from '../shared/runtime/config.js';
import { logger, metrics } from '../shared/runtime/telemetry.js';
import { cursorKeyProvider, readQueryApiConfig } from './app/config.js';
import { createApp } from './app/router.js';

const config = readQueryApiConfig();
// Only the team names: teams listed even before they have findings.
const routing = loadRuntimeConfig();
const knownTeams = [...new Set([routing.defaultTeam, ...Object.keys(routing.teams)])].sort();
const client = createDocumentClient();
const tableName = config.tableName;

// The organization-wide view: each Region's table, under the same name, read where it is.
const regional = config.findingsRegions.map((region): RegionalStores => {
  const regionClient = region === process.env.AWS_REGION ? client : createDocumentClient(undefined, region);
  return {
    region,
    findings: new DynamoFindingQueries({ tableName, client: regionClient, historyTtlDays: config.historyTtlDays }),
    counters: new DynamoCounterReader({ tableName, client: regionClient }),
    heartbeats: { loadHeartbeats: () => loadHeartbeats(regionClient, tableName) },
  };
});

const app = createApp({
  service: createQueryService({
    findings: new FederatedFindingReader(regional),
    counters: new FederatedCounterReader(regional),
    // The directory is the organization's, synced into every Region's table alike.
    directory: new DynamoDirectoryReader({ tableName, client }),
    cursorKey: cursorKeyProvider(config),
    pageBudget: config.pageBudget,
    historyLimit: config.historyLimit,
    suppression: config.suppression,
    knownTeams,
    regions: config.findingsRegions,
    coverage: { heartbeats: new FederatedHeartbeats(regional), expectedRegions: config.findingsRegions, maxSilenceMinutes: config.maxSilenceMinutes },
  }),
  config,
  logger,
});

/** API Gateway HTTP API (payload 2.0) → the query API's router. */
export const handler = middy(async (event: APIGatewayProxyEventV2, context: Context) => app.resolve(event, context))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
