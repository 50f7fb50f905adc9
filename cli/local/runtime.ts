import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { loadDirectoryFile, loadVigilConfig } from '../../functions/shared/adapters/config-file.js';
import { parseVigilConfig } from '../../functions/shared/core/routing/config.js';
import { readConfigFilesWith } from '../../functions/shared/runtime/config.js';
import { DynamoDirectoryStore, type DirectorySyncSummary } from '../../functions/shared/adapters/directory-store.js';
import { matches } from '../../functions/shared/event-pattern/index.js';
import { LOCAL_CREDENTIALS, startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local.js';
import { startLocalNotifications, pollTableStream, type LocalNotifications, type StreamPoller } from './notifications.js';
import { LocalQueue, lambdaContext, type SqsHandler } from './queues.js';
import type { StreamHandler } from './table-stream.js';
import { startLocalHttpApi, type HttpApiHandler, type LocalHttpApi } from './http-api.js';
import { localJwtSecret } from '../commands/token.js';
import { createTables, loadTemplate, tablesFromTemplate, type CfnTemplate } from './template.js';
import { resolveEnvironment, wiringFromTemplate, type Wiring } from './wiring.js';

export interface LocalRuntimeOptions {
  templatePath?: string;
  /** Keep DynamoDB Local's files here (a later run continues from them); in memory if unset. */
  dataDir?: string;
  busPort?: number;
  region?: string;
  /** The account the local bus stamps on events sent with PutEvents. */
  accountId?: string;
  parameters?: Record<string, string>;
  /** Redelivery delay of a failed message (SQS's visibility timeout, shortened). */
  visibilityDelayMs?: number;
  /** The organization directory file (accounts, OUs, tags) synced into the table at start, as the directory sync would. */
  orgFile?: string;
  /** The configuration file the functions read (config/vigil.yaml). */
  configFile?: string;
  slackPort?: number;
  snsPort?: number;
  apiPort?: number;
}

/** The function behind the query API's routes. */
const QUERY_API_FUNCTION = 'QueryApiFunction';

export interface LocalRuntime {
  template: CfnTemplate;
  wiring: Wiring;
  dynamo: DynamoDbLocal;
  tableNames: Record<string, string>;
  busUrl: string;
  queues: Map<string, LocalQueue>;
  /** Puts a complete EventBridge event on the central bus, as a member account's forwarder does. */
  publish(event: Record<string, unknown>): { matchedRules: string[]; messageIds: string[] };
  stats: { eventsIn: number; unmatched: number; byRule: Record<string, number> };
  /** What syncing the directory file into the table did. */
  directorySync: DirectorySyncSummary;
  /** The local Slack server and SNS sink the notifier delivers to. */
  notifications: LocalNotifications;
  /** The query API on a local port (tokens from `vigil token`). */
  api: LocalHttpApi | undefined;
  /** Resolves once every queue is drained and nothing waits for redelivery. */
  waitForIdle(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Environment every function gets locally, on top of its own from template.yaml. */
function localBaseEnvironment(endpoint: string, region: string): Record<string, string> {
  return {
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: endpoint,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    // Quiet by default: the summary says what happened; POWERTOOLS_LOG_LEVEL=INFO shows each event.
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'ERROR',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_METRICS_NAMESPACE: 'Vigil',
  };
}

/**
 * Starts Vigil on this machine, wired as template.yaml wires it in AWS: DynamoDB Local
 * with the template's tables, a local event bus that speaks PutEvents and routes by the
 * template's rules, queues with the template's redrive policies, and the functions'
 * own handler modules consuming them.
 */
export async function startLocalRuntime(options: LocalRuntimeOptions = {}): Promise<LocalRuntime> {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '000000000000';
  const template = loadTemplate(options.templatePath ?? 'template.yaml');
  const wiring = wiringFromTemplate(template);
  const dynamo = await startDynamoDbLocal(options.dataDir ? { path: options.dataDir } : {});
  try {
    const client = new DynamoDBClient({ endpoint: dynamo.endpoint, region, credentials: LOCAL_CREDENTIALS });
    const tableNames = await createTables(client, tablesFromTemplate(template, (id) => `vigil-${id}`));

    const base = localBaseEnvironment(dynamo.endpoint, region);
    base.VIGIL_CONFIG_FILE = options.configFile ?? 'config/vigil.yaml';
    readConfigFilesWith(parseVigilConfig);
    Object.assign(process.env, base);

    // The directory the functions route by: a file standing in for AWS Organizations.
    const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: dynamo.endpoint, region, credentials: LOCAL_CREDENTIALS }), {
      marshallOptions: { removeUndefinedValues: true },
    });
    const directory = await loadDirectoryFile(options.orgFile ?? 'config/demo-organization.yaml');
    const directorySync = await new DynamoDirectoryStore({ tableName: tableNames.FindingsTable!, client: documentClient }).sync(await directory.listAccounts());

    const queues = new Map<string, LocalQueue>();
    for (const q of wiring.queues) {
      queues.set(q.logicalId, new LocalQueue(q.logicalId, { maxReceiveCount: q.maxReceiveCount, visibilityDelayMs: options.visibilityDelayMs ?? 200, region, accountId }));
    }

    // What the notifier talks to: a local Slack (webhooks and Web API) and SNS with Secrets Manager.
    const config = await loadVigilConfig(base.VIGIL_CONFIG_FILE);
    const notifications = await startLocalNotifications({
      config,
      region,
      accountId,
      ...(options.slackPort ? { slackPort: options.slackPort } : {}),
      ...(options.snsPort ? { snsPort: options.snsPort } : {}),
    });
    const pollers: StreamPoller[] = [];

    let api: LocalHttpApi | undefined;
    for (const fn of wiring.functions) {
      // Functions fed by a queue or a table stream run here, and the query API; scheduled
      // ones (directory sync, coverage, digests, suppression expiry) run on demand.
      const isQueryApi = fn.logicalId === QUERY_API_FUNCTION;
      if (!fn.entryPoint || (fn.sqs.length === 0 && fn.streams.length === 0 && !isQueryApi)) continue;
      // One process hosts every function, so they share process.env: the functions'
      // variables are the same where they overlap (one table, one topic), and some are
      // read lazily, so they stay set. Only the service name differs, read at import.
      const env = resolveEnvironment(fn.environment, template, tableNames, options.parameters);
      // Locally the query API checks tokens itself (API Gateway's JWT authorizer in AWS):
      // `vigil token` mints them with the same key.
      if (isQueryApi) env.LOCAL_JWT_SECRET = localJwtSecret();
      Object.assign(process.env, env, notifications.env, { POWERTOOLS_SERVICE_NAME: env.POWERTOOLS_SERVICE_NAME ?? fn.logicalId });
      const handler = (await import(pathToFileURL(resolve(fn.entryPoint)).href)).handler as SqsHandler & StreamHandler & HttpApiHandler;
      if (isQueryApi) {
        api = await startLocalHttpApi({ handler, env, region, accountId, ...(options.apiPort ? { port: options.apiPort } : {}) });
        delete process.env.LOCAL_JWT_SECRET;
        continue;
      }
      for (const source of fn.sqs) {
        queues.get(source.queue)?.subscribe({ handler, batchSize: source.batchSize, reportBatchItemFailures: source.reportBatchItemFailures, functionName: fn.logicalId });
      }
      for (const source of fn.streams) {
        const tableName = tableNames[source.table];
        if (!tableName) continue;
        pollers.push(
          pollTableStream({
            dynamodb: client,
            endpoint: dynamo.endpoint,
            tableName,
            handler,
            context: () => lambdaContext(fn.logicalId),
            batchSize: source.batchSize,
            parallelization: source.parallelization,
            intervalMs: 100,
            onError: (error) => process.stderr.write(`${fn.logicalId} stream: ${(error as Error).message}\n`),
          }),
        );
      }
    }

    const stats = { eventsIn: 0, unmatched: 0, byRule: {} as Record<string, number> };
    const publish = (event: Record<string, unknown>) => {
      stats.eventsIn++;
      const matchedRules: string[] = [];
      const messageIds: string[] = [];
      for (const rule of wiring.rules) {
        if (!matches(rule.pattern, event)) continue;
        matchedRules.push(rule.logicalId);
        stats.byRule[rule.logicalId] = (stats.byRule[rule.logicalId] ?? 0) + 1;
        for (const queue of rule.queues) {
          const id = queues.get(queue)?.send(JSON.stringify(event));
          if (id) messageIds.push(id);
        }
      }
      if (matchedRules.length === 0) stats.unmatched++;
      return { matchedRules, messageIds };
    };

    const server = createServer((req, res) => void handlePutEvents(req, res, { publish, region, accountId }));
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(options.busPort ?? 0, '127.0.0.1', () => ok());
    });
    const address = server.address();
    const busUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

    return {
      template,
      wiring,
      dynamo,
      tableNames,
      busUrl,
      queues,
      publish,
      stats,
      directorySync,
      notifications,
      api,
      waitForIdle: async (timeoutMs = 120_000) => {
        const deadline = Date.now() + timeoutMs;
        // Queues drain into the table; the table's stream into the notifier, whose own
        // writes come back on the stream: settle until a whole round is quiet.
        for (;;) {
          let quietSince = 0;
          for (;;) {
            const idle = [...queues.values()].every((q) => q.idle);
            if (idle) {
              quietSince ||= Date.now();
              if (Date.now() - quietSince >= 50) break;
            } else quietSince = 0;
            if (Date.now() > deadline) throw new Error('local runtime did not settle in time');
            await new Promise((r) => setTimeout(r, 10));
          }
          const before = pollers.reduce((n, p) => n + p.stats.records, 0);
          for (const poller of pollers) await poller.drain();
          const after = pollers.reduce((n, p) => n + p.stats.records, 0);
          if (after === before && [...queues.values()].every((q) => q.idle)) return;
        }
      },
      stop: async () => {
        for (const poller of pollers) await poller.stop();
        await api?.stop();
        await notifications.stop();
        await closeServer(server);
        client.destroy();
        await dynamo.stop();
      },
    };
  } catch (error) {
    await dynamo.stop();
    throw error;
  }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

interface PutEventsEntry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  Resources?: string[];
  Time?: number | string;
  EventBusName?: string;
}

/** Answers EventBridge's PutEvents (JSON 1.1 protocol), as the SDK and the AWS CLI send it. */
async function handlePutEvents(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: { publish: (event: Record<string, unknown>) => unknown; region: string; accountId: string },
): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const reply = (status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
    res.end(JSON.stringify(body));
  };
  const target = req.headers['x-amz-target'];
  if (req.method !== 'POST' || target !== 'AWSEvents.PutEvents') {
    return reply(400, { __type: 'UnknownOperationException', message: `the local bus answers AWSEvents.PutEvents only, not ${String(target)}` });
  }
  let input: { Entries?: PutEventsEntry[] };
  try {
    input = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return reply(400, { __type: 'SerializationException', message: 'body is not JSON' });
  }
  const entries = input.Entries ?? [];
  if (entries.length === 0 || entries.length > 10) {
    return reply(400, { __type: 'ValidationException', message: 'PutEvents takes 1 to 10 entries' });
  }
  let failed = 0;
  const results = entries.map((entry) => {
    let detail: unknown;
    try {
      detail = JSON.parse(entry.Detail ?? '');
    } catch {
      failed++;
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is not a JSON object' };
    }
    if (!entry.Source || !entry.DetailType || !detail || typeof detail !== 'object') {
      failed++;
      return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Source, DetailType and a JSON object Detail are required' };
    }
    const id = randomUUID();
    const time = entry.Time === undefined ? new Date() : new Date(typeof entry.Time === 'number' ? entry.Time * 1000 : entry.Time);
    ctx.publish({
      version: '0',
      id,
      'detail-type': entry.DetailType,
      source: entry.Source,
      account: ctx.accountId,
      time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: ctx.region,
      resources: entry.Resources ?? [],
      detail,
    });
    return { EventId: id };
  });
  reply(200, { FailedEntryCount: failed, Entries: results });
}
