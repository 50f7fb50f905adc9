import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createDocumentClient, DynamoFindingStore } from '../shared/adapters/dynamodb-finding-store.js';
import { CachedSecrets } from '../shared/adapters/notify/secrets.js';
import { SlackClient } from '../shared/adapters/notify/slack-client.js';
import { logger } from '../shared/runtime/telemetry.js';
import { requireEnv } from '../shared/runtime/env.js';
import { createInteractionHandler } from './interactions.js';

const documentClient = createDocumentClient();
const tableName = requireEnv('TABLE_NAME');
const store = new DynamoFindingStore({ tableName, client: documentClient });
const slack = new SlackClient({
  secrets: new CachedSecrets(),
  botSecretName: requireEnv('SLACK_BOT_SECRET_NAME'),
  ...(process.env.SLACK_API_URL ? { apiUrl: process.env.SLACK_API_URL } : {}),
  // Interactions answer one person at a time; Slack's own limits apply.
  minIntervalMs: 0,
});

const handle = createInteractionHandler({
  client: documentClient,
  tableName,
  slack,
  consoleUrl: async (id) => (await store.getDetail(id))?.consoleUrl || undefined,
  logger,
});

/** API Gateway HTTP API `POST /slack/interactions` (payload format 2.0). */
export const handler = middy(async (event: APIGatewayProxyEventV2) => handle(event))
  .use(injectLambdaContext(logger));
