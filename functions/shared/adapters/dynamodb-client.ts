import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * The document client every adapter uses: one per process (create it at module level),
 * undefined attributes dropped rather than rejected. The endpoint comes from the SDK's
 * own configuration (AWS_ENDPOINT_URL_DYNAMODB locally) unless given; the Region is this
 * function's unless given (the query API reads other Regions' tables).
 */
export function createDocumentClient(endpoint?: string, region?: string): DynamoDBDocumentClient {
  const client = new DynamoDBClient({ ...(endpoint ? { endpoint } : {}), ...(region ? { region } : {}) });
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}
