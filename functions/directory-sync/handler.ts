import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { EventBridgeEvent } from 'aws-lambda';
import { DynamoDirectoryStore } from '../shared/adapters/directory-store.js';
import { createDocumentClient } from '../shared/adapters/dynamodb-client.js';
import { createOrganizationsClient, fetchOrganization } from '../shared/adapters/organizations-directory.js';
import { requireEnv } from '../shared/runtime/env.js';
import { logger, metrics } from '../shared/runtime/telemetry.js';

const documentClient = createDocumentClient();
const store = new DynamoDirectoryStore({ tableName: requireEnv('TABLE_NAME'), client: documentClient });
// Organizations is read in the management account (or a delegated administrator) through
// the role infra/management-organizations-reader.yaml creates; empty: this account.
const organizations = createOrganizationsClient(process.env.MANAGEMENT_ROLE_ARN || undefined);

/**
 * Syncs the organization directory (accounts, OU paths, tags) into the table: on a
 * schedule, and when the management account's CloudTrail says the organization changed
 * (an account created, moved, tagged...). Every run reads the whole organization and
 * writes only what changed.
 */
export const handler = middy(async (event: EventBridgeEvent<string, { eventName?: string }>) => {
  const trigger = event['detail-type'] === 'Scheduled Event' ? 'schedule' : `organizations:${event.detail?.eventName ?? 'change'}`;
  const accounts = await fetchOrganization(organizations);
  const summary = await store.sync(accounts);
  metrics.addMetric('DirectoryAccounts', MetricUnit.Count, accounts.length);
  metrics.addMetric('DirectoryAccountsChanged', MetricUnit.Count, summary.added.length + summary.changed.length + summary.removed.length);
  logger.info('directory synced', { trigger, accounts: accounts.length, added: summary.added, changed: summary.changed, removed: summary.removed, written: summary.written });
  return { accounts: accounts.length, added: summary.added.length, changed: summary.changed.length, removed: summary.removed.length };
})
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
