import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { LOCAL_CREDENTIALS } from '../../cli/local/dynamodb-local.js';
import { createTables, loadTemplate, tablesFromTemplate } from '../../cli/local/template.js';

export function localClient(): DynamoDBClient {
  return new DynamoDBClient({ endpoint: inject('dynamoEndpoint'), region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
}

export function localDocumentClient(): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(localClient(), { marshallOptions: { removeUndefinedValues: true } });
}

/** Creates template.yaml's tables under fresh names; returns logical id → table name. */
export async function freshTables(): Promise<Record<string, string>> {
  const suffix = randomUUID().slice(0, 8);
  const tables = tablesFromTemplate(loadTemplate('template.yaml'), (id) => `${id}-${suffix}`);
  return createTables(localClient(), tables);
}
