import { parseArgs } from 'node:util';
import { ConfigServiceClient } from '@aws-sdk/client-config-service';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CachedDirectory } from '../../functions/shared/adapters/cached-directory.js';
import { ConfigAggregator } from '../../functions/shared/adapters/config-aggregator.js';
import { loadDirectoryFile, loadVigilConfig } from '../../functions/shared/adapters/config-file.js';
import { dynamoDirectorySource } from '../../functions/shared/adapters/directory-reader.js';
import { DynamoFindingStore } from '../../functions/shared/adapters/dynamodb-finding-store.js';
import { DynamoReconcileFindings } from '../../functions/shared/adapters/reconcile-findings.js';
import { reconcileRegion } from '../../functions/shared/core/reconcile/index.js';
import { createIngestRouter } from '../../functions/shared/core/routing/resolve.js';
import { UsageError } from './normalize.js';

const USAGE =
  'usage: vigil reconcile --table NAME [--dry-run] [--quiet] [--region R] [--aggregator NAME] [--aggregator-region R] [--endpoint URL] [--config FILE] [--org FILE] [--settle-minutes N]';

const OPTIONS = {
  table: { type: 'string' },
  region: { type: 'string' },
  aggregator: { type: 'string' },
  'aggregator-region': { type: 'string' },
  endpoint: { type: 'string' },
  config: { type: 'string' },
  org: { type: 'string' },
  'settle-minutes': { type: 'string' },
  'dry-run': { type: 'boolean' },
  quiet: { type: 'boolean' },
} as const;

/**
 * `vigil reconcile`: compares the AWS Config aggregator with one Region's findings, as the
 * scheduled function does, in one full pass. Prints one JSON line per rule, account and
 * Region that differs (`open`, `resolve`, `deferred`: resources) and a summary line last.
 * `--dry-run` writes nothing; `--quiet` applies without notifications (a first backfill).
 */
export async function reconcileCommand(args: string[], out: (line: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args, options: OPTIONS }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
  const region = values.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  const aggregatorName = values.aggregator ?? env.CONFIG_AGGREGATOR_NAME;
  if (!values.table || !region || !aggregatorName) throw new UsageError(`--table, a Region (--region or AWS_REGION) and an aggregator (--aggregator or CONFIG_AGGREGATOR_NAME) are required\n${USAGE}`);
  if (values['dry-run'] && values.quiet) throw new UsageError(`--quiet applies corrections without notifications; a dry run applies none\n${USAGE}`);
  const settleMinutes = Number(values['settle-minutes'] ?? 180);
  if (!Number.isFinite(settleMinutes) || settleMinutes < 0) throw new UsageError(`--settle-minutes is a number of minutes, 0 or more\n${USAGE}`);

  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region, ...(values.endpoint ? { endpoint: values.endpoint } : {}) }), { marshallOptions: { removeUndefinedValues: true } });
  const store = new DynamoFindingStore({ tableName: values.table, client });
  const aggregator = new ConfigAggregator({
    aggregatorName,
    client: new ConfigServiceClient({ region: values['aggregator-region'] ?? region, retryMode: 'adaptive' }),
    onMetadataUnavailable: (operation, reason) => process.stderr.write(`vigil reconcile: rule metadata unavailable (${operation}): ${reason}\n`),
  });
  const config = await loadVigilConfig(values.config ?? 'config/vigil.yaml');
  const directory = values.org ? await loadDirectoryFile(values.org) : new CachedDirectory(dynamoDirectorySource(client, values.table));

  const report = await reconcileRegion(aggregator, new DynamoReconcileFindings({ client, tableName: values.table, store }), {
    region,
    now: new Date(),
    settleMs: settleMinutes * 60_000,
    ...(values['dry-run'] ? {} : { apply: { ingest: { store, route: createIngestRouter(config, directory) }, quiet: values.quiet === true } }),
  });
  for (const difference of report.differences) out(JSON.stringify(difference));
  const { differences: _differences, ...summary } = report;
  out(JSON.stringify(summary));
  return report.refused.length > 0 ? 1 : 0;
}
