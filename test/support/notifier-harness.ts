import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { inject, vi } from 'vitest';
import { startSlackServer, type LocalSlackServer } from '../../cli/local/slack-server.js';
import { startSnsSink, type SnsSink } from '../../cli/local/sns-sink.js';
import { feedStream, TableStreamReader } from '../../cli/local/table-stream.js';
import { createTables, loadTemplate, tablesFromTemplate } from '../../cli/local/template.js';
import { DynamoFindingStore } from '../../functions/shared/adapters/dynamodb-finding-store.js';
import { ingestEvent, type FindingOutcome } from '../../functions/shared/core/ingest.js';
import { parseVigilConfig, type VigilConfig } from '../../functions/shared/core/routing/config.js';
import { resolveOwnership } from '../../functions/shared/core/routing/resolve.js';
import { lambdaContext } from './sqs.js';
import { freshTables, localClient, localDocumentClient } from './tables.js';
import { tableState } from './table-state.js';

export type NotifierHandler = (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse>;

export const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:vigil-FindingsTopic-LOCAL';

/** Teams of the tests: security owns everything by default and hears everything. */
export const TEST_CONFIG = `
defaultTeam: security
teams:
  security:
    slack: { channel: '#sec-alerts', webhookSecretName: vigil/slack/security }
    minSeverity: INFORMATIONAL
  payments:
    slack: { channel: '#sec-payments' }
    minSeverity: LOW
`;

/**
 * Everything the notifier needs on this machine: the findings table (template.yaml) and
 * the notifications table (template.yaml) on DynamoDB Local, the
 * local Slack server, and the SNS sink answering Secrets Manager for the webhook URLs.
 */
export class NotifierHarness {
  public readonly db = localDocumentClient();
  public findingsTable = '';
  public notificationsTable = '';
  public slack!: LocalSlackServer;
  public aws!: SnsSink;
  public config!: VigilConfig;
  private configFile = '';
  private reader!: TableStreamReader;

  public async start(configText = TEST_CONFIG): Promise<void> {
    this.slack = await startSlackServer({ botToken: 'xoxb-local' });
    this.aws = await startSnsSink({
      secrets: {
        'vigil/slack/security': this.slack.webhookUrl('security'),
        'vigil/slack/bot': JSON.stringify({ botToken: 'xoxb-local', signingSecret: 'local-signing-secret' }),
      },
    });
    const dir = mkdtempSync(join(tmpdir(), 'vigil-notifier-'));
    this.configFile = join(dir, 'vigil.yaml');
    writeFileSync(this.configFile, configText);
    this.config = parseVigilConfig(configText, 'vigil.yaml');
  }

  public async stop(): Promise<void> {
    await this.slack?.stop();
    await this.aws?.stop();
  }

  /** Fresh tables and a fresh stream reader; the Slack server forgets what it recorded. */
  public async reset(): Promise<void> {
    this.findingsTable = (await freshTables()).FindingsTable!;
    const suffix = randomUUID().slice(0, 8);
    const names = await createTables(localClient(), tablesFromTemplate(loadTemplate('template.yaml'), (id) => `${id}-${suffix}`).filter((t) => t.logicalId === 'NotificationsTable'));
    this.notificationsTable = names.NotificationsTable!;
    this.reader = TableStreamReader.forEndpoint(localClient(), inject('dynamoEndpoint'), this.findingsTable);
    this.slack.reset();
  }

  /** The real handler module, configured as the template fragment configures it. */
  public async handler(env: Record<string, string> = {}): Promise<NotifierHandler> {
    Object.assign(process.env, {
      TABLE_NAME: this.findingsTable,
      NOTIFY_TABLE_NAME: this.notificationsTable,
      TOPIC_ARN,
      AWS_ENDPOINT_URL_DYNAMODB: inject('dynamoEndpoint'),
      AWS_ENDPOINT_URL_SECRETS_MANAGER: this.aws.url,
      VIGIL_CONFIG_FILE: this.configFile,
      SLACK_API_URL: this.slack.apiUrl,
      SLACK_BOT_SECRET_NAME: 'vigil/slack/bot',
      NOTIFY_RETRY_ATTEMPTS: '3',
      NOTIFY_RETRY_BASE_MS: '5',
      NOTIFY_MAX_ATTEMPTS: '3',
      // One message per second per channel is the production pace; the unit tests check the limiter.
      SLACK_MIN_INTERVAL_MS: '1',
      BURST_THRESHOLD: '1000',
      ...env,
    });
    vi.resetModules();
    return (await import('../../functions/notifier/handler.js')).handler as unknown as NotifierHandler;
  }

  /** Ingests events through the real ingest path, routed by the test configuration. */
  public async ingest(events: unknown[]): Promise<FindingOutcome[]> {
    const store = new DynamoFindingStore({ tableName: this.findingsTable, client: this.db });
    const outcomes: FindingOutcome[] = [];
    for (const event of events) {
      const outcome = await ingestEvent(event, { store, route: (o) => resolveOwnership(o, undefined, this.config, new Date()) });
      if (outcome.kind === 'findings') outcomes.push(...outcome.findings);
    }
    return outcomes;
  }

  /** Stream records written since the last call. */
  public records(): Promise<DynamoDBRecord[]> {
    return this.reader.next();
  }

  public feed(records: readonly DynamoDBRecord[], handler: NotifierHandler, batchSize = 10) {
    return feedStream(records, handler, { batchSize, maximumRetryAttempts: 10, context: () => lambdaContext('vigil-notifier') });
  }

  /** Items of the notifications table (a test-only scan). */
  public async notificationItems(): Promise<Record<string, unknown>[]> {
    return tableState(this.db, this.notificationsTable, []);
  }

  public async ledger(): Promise<Record<string, unknown>[]> {
    return (await this.notificationItems()).filter((i) => String(i.pk).startsWith('I#'));
  }

  public async deadLetters(): Promise<Record<string, unknown>[]> {
    return (await this.notificationItems()).filter((i) => String(i.pk).startsWith('DL#'));
  }
}

/** Transitions people are told about, from ingest's outcomes (what the notifier must announce). */
export function announceable(outcomes: FindingOutcome[]): FindingOutcome[] {
  return outcomes.filter((o) => o.transition && ['OPENED', 'REOPENED', 'ESCALATED'].includes(o.transition) || (o.transition === 'RESOLVED' && o.decision === 'change'));
}

/** Loads another function's handler module with the harness' environment. */
export async function loadFunction<T>(h: NotifierHarness, path: '../../functions/digest/handler.js' | '../../functions/slack-interactions/handler.js', env: Record<string, string> = {}): Promise<T> {
  await h.handler(env); // sets the environment the functions share
  vi.resetModules();
  return (await import(path)).handler as T;
}
