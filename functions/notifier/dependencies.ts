import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CachedDirectory } from '../shared/adapters/cached-directory.js';
import { dynamoDirectorySource } from '../shared/adapters/directory-reader.js';
import { DynamoFindingStore } from '../shared/adapters/dynamodb-finding-store.js';
import { markNotified } from '../shared/adapters/mark-notified.js';
import { findingContext } from '../shared/adapters/notify/finding-context.js';
import { DynamoNotificationState } from '../shared/adapters/notify/notification-state.js';
import { CachedSecrets } from '../shared/adapters/notify/secrets.js';
import { SlackClient } from '../shared/adapters/notify/slack-client.js';
import { SnsPublisher } from '../shared/adapters/notify/sns-publisher.js';
import { singleFlight } from '../shared/core/concurrency.js';
import { links } from '../shared/core/notify/links.js';
import type { NotifyDeps } from '../shared/core/notify/notify.js';
import { configRouting } from '../shared/core/notify/routing-port.js';
import type { TeamSettingsLookup } from '../shared/core/notify/types.js';
import type { Directory } from '../shared/core/routing/directory.js';
import { loadVigilConfig, type NotifierSettings } from './settings.js';

export interface NotifierWiring {
  documentClient: DynamoDBDocumentClient;
  settings: NotifierSettings;
  routing?: TeamSettingsLookup;
  directory?: Directory;
  sns?: SnsPublisher;
  secrets?: CachedSecrets;
}

/**
 * Builds the notifier's dependencies from its adapters. Called once per process; the
 * per-invocation parts (the detail cache, the remaining time) are added by the handler.
 */
export function notifierDeps(wiring: NotifierWiring): { deps: Omit<NotifyDeps, 'context'>; newContext: () => NotifyDeps['context']; slack: SlackClient } {
  const { settings, documentClient } = wiring;
  const store = new DynamoFindingStore({ tableName: settings.findingsTable, client: documentClient });
  const secrets = wiring.secrets ?? new CachedSecrets();
  const slack = new SlackClient({
    secrets,
    ...(settings.botSecretName ? { botSecretName: settings.botSecretName } : {}),
    ...(settings.slackApiUrl ? { apiUrl: settings.slackApiUrl } : {}),
    minIntervalMs: settings.slackMinIntervalMs,
  });
  // The organization directory synced into the findings table (account names, OUs for rules), cached.
  const directory = wiring.directory ?? new CachedDirectory(dynamoDirectorySource(documentClient, settings.findingsTable));
  const context = () => findingContext(store, directory);
  const routing = wiring.routing ?? configRouting(loadVigilConfig(), { directory, resourceTags: async (id) => (await store.getDetail(id))?.resourceTags });
  return {
    slack,
    newContext: context,
    deps: {
      routing,
      state: new DynamoNotificationState({ client: documentClient, tableName: settings.stateTable, leaseMs: settings.leaseMs }),
      sns: wiring.sns ?? new SnsPublisher(),
      topicArn: settings.topicArn,
      slack,
      slackModes: { bot: slack.botEnabled },
      findings: { markNotified: (finding, at) => markNotified(documentClient, settings.findingsTable, finding, at) },
      links: links({ ...(settings.findingsUrl ? { findingsUrl: settings.findingsUrl } : {}), tableName: settings.findingsTable, region: settings.region }),
      retry: settings.retry,
      maxAttempts: settings.maxAttempts,
      flap: settings.flap,
      burst: settings.burst,
      // One per process: the records notified at once share a burst window's roll-up.
      singleFlight: singleFlight(),
    },
  };
}
