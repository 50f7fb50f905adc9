import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CachedDirectory } from '../shared/adapters/cached-directory.js';
import { dynamoDirectorySource } from '../shared/adapters/directory-reader.js';
import { DynamoNotificationState } from '../shared/adapters/notify/notification-state.js';
import { CachedSecrets } from '../shared/adapters/notify/secrets.js';
import { SlackClient } from '../shared/adapters/notify/slack-client.js';
import { dynamoTeamFindings } from '../shared/adapters/notify/team-findings.js';
import { VigilError } from '../shared/core/errors.js';
import { sendDigests } from '../shared/core/notify/digest.js';
import { links } from '../shared/core/notify/links.js';
import { configRouting } from '../shared/core/notify/routing-port.js';
import { logger, metrics } from '../shared/runtime/telemetry.js';
import { digestSettings, loadVigilConfig } from '../notifier/settings.js';

// Not the findings store's helper: the digest only queries the byTeam index (least privilege).
const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });
const settings = digestSettings();
const routing = configRouting(loadVigilConfig());
const slack = new SlackClient({
  secrets: new CachedSecrets(),
  ...(settings.botSecretName ? { botSecretName: settings.botSecretName } : {}),
  ...(settings.slackApiUrl ? { apiUrl: settings.slackApiUrl } : {}),
  minIntervalMs: settings.slackMinIntervalMs,
});
const directory = new CachedDirectory(dynamoDirectorySource(documentClient, settings.findingsTable));
const deps = {
  teams: routing,
  accountName: async (accountId: string) => (await directory.getAccount(accountId))?.name,
  findings: dynamoTeamFindings({ client: documentClient, tableName: settings.findingsTable }),
  state: new DynamoNotificationState({ client: documentClient, tableName: settings.stateTable, leaseMs: settings.leaseMs }),
  slack,
  slackModes: { bot: slack.botEnabled },
  links: links({ ...(settings.findingsUrl ? { findingsUrl: settings.findingsUrl } : {}), tableName: settings.findingsTable, region: settings.region }),
  retry: settings.retry,
};

export class DigestFailedError extends VigilError {}

/** Scheduled (input `{"schedule": "daily" | "weekly"}`): one digest message per team on that schedule. */
export const handler = middy(async (event: { schedule?: string }) => {
  const schedule = event.schedule === 'weekly' ? 'weekly' : 'daily';
  const outcomes = await sendDigests(schedule, deps);
  for (const outcome of outcomes) {
    metrics.addMetric(outcome.result === 'sent' ? 'DigestsSent' : outcome.result === 'dead-lettered' ? 'NotificationsDeadLettered' : 'DigestsSkipped', MetricUnit.Count, 1);
    logger.info('digest', { team: outcome.team, schedule, result: outcome.result, findings: outcome.findings, reason: outcome.reason });
  }
  const failed = outcomes.filter((o) => o.result === 'failed' || o.result === 'busy');
  // EventBridge retries the run; teams already sent are duplicates then and send nothing.
  if (failed.length) throw new DigestFailedError(`digest not sent to ${failed.map((o) => `${o.team} (${o.reason ?? o.result})`).join(', ')}`);
  return { schedule, outcomes };
})
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
