import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoFindingStore } from '../../functions/shared/adapters/dynamodb-finding-store.js';
import { InvalidEventError } from '../../functions/shared/core/errors.js';
import { ingestNormalized, type IngestDeps } from '../../functions/shared/core/ingest.js';
import { readEventsFileAny } from '../input.js';
import { normalizeInput, UsageError } from './normalize.js';

export interface BackfillSummary {
  inputs: number;
  findings: Record<string, number>;
  ignored: number;
  heartbeats: number;
  invalid: number;
  errors: Array<{ origin: string; reason: string; detail: string }>;
}

/**
 * Replays history through the same detections and the same store as live ingest:
 * trail log files (`{"Records": [...]}`, gzipped or not), bare CloudTrail records, or
 * EventBridge events. Idempotent: replaying the same files twice changes nothing.
 */
export async function backfill(paths: string[], deps: IngestDeps): Promise<BackfillSummary> {
  const summary: BackfillSummary = { inputs: 0, findings: {}, ignored: 0, heartbeats: 0, invalid: 0, errors: [] };
  for (const path of paths) {
    for (const item of readEventsFileAny(path)) {
      summary.inputs++;
      if ('error' in item) {
        summary.invalid++;
        summary.errors.push({ origin: item.origin, reason: 'not-json', detail: item.error });
        continue;
      }
      try {
        const outcome = await ingestNormalized(normalizeInput(item), deps);
        if (outcome.kind === 'ignored') summary.ignored++;
        else if (outcome.kind === 'heartbeat') summary.heartbeats++;
        else for (const f of outcome.findings) summary.findings[f.decision] = (summary.findings[f.decision] ?? 0) + 1;
      } catch (error) {
        if (!(error instanceof InvalidEventError)) throw error;
        summary.invalid++;
        summary.errors.push({ origin: item.origin, reason: error.reason, detail: error.detail });
      }
    }
  }
  return summary;
}

/** `vigil backfill --table NAME [--endpoint URL] [--region R] [--team T] FILE...` */
export async function backfillCommand(args: string[], out: (line: string) => void): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: { table: { type: 'string' }, endpoint: { type: 'string' }, region: { type: 'string' }, team: { type: 'string' } },
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\nusage: vigil backfill --table NAME [--endpoint URL] [--region R] FILE...`);
  }
  const { values, positionals } = parsed;
  if (!values.table || positionals.length === 0) throw new UsageError('usage: vigil backfill --table NAME [--endpoint URL] [--region R] FILE...');
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({ ...(values.endpoint ? { endpoint: values.endpoint } : {}), ...(values.region ? { region: values.region } : {}) }),
    { marshallOptions: { removeUndefinedValues: true } },
  );
  const team = values.team ?? 'security';
  const summary = await backfill(positionals, {
    store: new DynamoFindingStore({ tableName: values.table, client }),
    route: () => ({ team, routedBy: 'default' }),
  });
  out(JSON.stringify(summary));
  return summary.invalid > 0 ? 1 : 0;
}
