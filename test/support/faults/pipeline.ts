import type { DynamoDBRecord } from 'aws-lambda';
import { inject, vi } from 'vitest';
import { startLocalNotifications, type LocalNotifications } from '../../../cli/local/notifications.js';
import { lambdaContext, type SqsHandler } from '../../../cli/local/queues.js';
import { feedStream, TableStreamReader, type StreamHandler } from '../../../cli/local/table-stream.js';
import { loadTemplate } from '../../../cli/local/template.js';
import { resolveEnvironment, wiringFromTemplate } from '../../../cli/local/wiring.js';
import { loadDirectoryFile, loadVigilConfig } from '../../../functions/shared/adapters/config-file.js';
import { DynamoDirectoryStore } from '../../../functions/shared/adapters/directory-store.js';
import { corpusEvents, ingestStream, type CorpusEvent } from '../events.js';
import { freshTables, localClient, localDocumentClient } from '../tables.js';
import { tableState } from '../table-state.js';

/** The handler modules the pipeline runs, by the template's logical id (static imports, so vitest can mock their dependencies). */
const HANDLERS: Record<string, { entryPoint: string; load: () => Promise<{ handler: unknown }> }> = {
  IngestFunction: { entryPoint: 'functions/ingest/handler.ts', load: () => import('../../../functions/ingest/handler.js') },
  NotifierFunction: { entryPoint: 'functions/notifier/handler.ts', load: () => import('../../../functions/notifier/handler.js') },
};

export const CONFIG_FILE = 'config/vigil.yaml';
export const ORG_FILE = 'config/demo-organization.yaml';

/**
 * Every EventBridge event of the corpus (bare CloudTrail records excluded: they never
 * reach the queue), then the GuardDuty finding's re-publication, escalation and archive
 * of {@link ingestStream}, so the stream holds every kind of transition.
 */
export function corpusStream(): CorpusEvent[] {
  const envelopes = ['config', 'guardduty', 'securityhub', 'cloudtrail/eventbridge', 'cloudtrail/eventbridge-derived'].flatMap((folder) => corpusEvents(folder));
  const lifecycle = ingestStream().slice(-3).map((event, i) => ({ origin: `ingestStream:${i}`, event: event as Record<string, unknown> }));
  return [...envelopes, ...lifecycle];
}

/**
 * Vigil's pipeline as `npm start` wires it, on the test run's DynamoDB Local: the
 * template's tables under fresh names, the demo organization synced into the directory,
 * config/vigil.yaml, the local Slack server and SNS sink, and the real ingest and
 * notifier handler modules with the environment template.yaml gives them.
 */
export class Pipeline {
  public readonly db = localDocumentClient();
  public tables: Record<string, string> = {};
  public notifications!: LocalNotifications;
  private readonly template = loadTemplate('template.yaml');

  public get findingsTable(): string {
    return this.tables.FindingsTable!;
  }

  public get notificationsTable(): string {
    return this.tables.NotificationsTable!;
  }

  public async start(): Promise<void> {
    const config = await loadVigilConfig(CONFIG_FILE);
    this.notifications = await startLocalNotifications({ config, region: 'us-east-1', accountId: '123456789012' });
    await this.reset();
  }

  /** Fresh tables with the directory synced; Slack and SNS forget what they recorded. */
  public async reset(): Promise<void> {
    this.tables = await freshTables();
    const directory = await loadDirectoryFile(ORG_FILE);
    await new DynamoDirectoryStore({ tableName: this.findingsTable, client: this.db }).sync(await directory.listAccounts());
    this.notifications?.slack.reset();
    this.notifications?.aws.reset();
  }

  public async stop(): Promise<void> {
    await this.notifications?.stop();
  }

  private async load<T>(logicalId: string, extra: Record<string, string>): Promise<T> {
    const fn = wiringFromTemplate(this.template).functions.find((f) => f.logicalId === logicalId);
    if (!fn) throw new Error(`template.yaml has no ${logicalId}`);
    Object.assign(process.env, resolveEnvironment(fn.environment, this.template, this.tables), {
      AWS_ENDPOINT_URL_DYNAMODB: inject('dynamoEndpoint'),
      VIGIL_CONFIG_FILE: CONFIG_FILE,
      POWERTOOLS_SERVICE_NAME: logicalId,
      ...extra,
    });
    vi.resetModules();
    const module = HANDLERS[logicalId];
    if (!module || fn.entryPoint !== module.entryPoint) throw new Error(`${logicalId}: template.yaml's entry point ${fn.entryPoint} is not the module the tests load`);
    return (await module.load()).handler as T;
  }

  public ingestHandler(): Promise<SqsHandler> {
    return this.load<SqsHandler>('IngestFunction', {});
  }

  /** `count` execution environments of the ingest function: each its own module instance (clients, caches, batch processor). */
  public async ingestHandlers(count: number): Promise<SqsHandler[]> {
    const handlers: SqsHandler[] = [];
    for (let i = 0; i < count; i++) handlers.push(await this.ingestHandler());
    return handlers;
  }

  /**
   * The notifier with the local Slack and SNS. Slack's one-message-per-second pace and the
   * production backoff are shortened so hundreds of transitions fit in a test; burst
   * roll-up and flap control keep their production settings.
   */
  public notifierHandler(extra: Record<string, string> = {}): Promise<StreamHandler> {
    return this.load<StreamHandler>('NotifierFunction', { ...this.notifications.env, SLACK_MIN_INTERVAL_MS: '1', NOTIFY_RETRY_BASE_MS: '5', ...extra });
  }

  /**
   * Feeds the findings table's stream to the notifier until it is quiet (its own
   * OPEN → NOTIFIED writes come back on the stream); returns every record it read.
   */
  public async notifyAll(handler: StreamHandler): Promise<{ records: DynamoDBRecord[]; invocations: number; onFailure: DynamoDBRecord[] }> {
    const reader = TableStreamReader.forEndpoint(localClient(), inject('dynamoEndpoint'), this.findingsTable);
    const all: DynamoDBRecord[] = [];
    const onFailure: DynamoDBRecord[] = [];
    let invocations = 0;
    for (;;) {
      const records = await reader.next();
      if (records.length === 0) break;
      all.push(...records);
      const fed = await feedStream(records, handler, { batchSize: 100, maximumRetryAttempts: 10, context: () => lambdaContext('NotifierFunction') });
      invocations += fed.invocations;
      onFailure.push(...fed.onFailure);
    }
    return { records: all, invocations, onFailure };
  }

  public findingsItems(): Promise<Record<string, unknown>[]> {
    return tableState(this.db, this.findingsTable);
  }

  public notificationItems(): Promise<Record<string, unknown>[]> {
    return tableState(this.db, this.notificationsTable, []);
  }
}
