import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { loadStagedMessages } from '../../functions/shared/adapters/notify/notification-state.js';
import { UsageError } from './normalize.js';

/**
 * `vigil staging-report --table NAME [--endpoint URL] [--region R] [--days N]`: what the
 * rules and detections in `staging` would have sent (one JSON line each, newest first),
 * then a count per channel: tune a noisy rule before it reaches a team.
 */
export async function stagingReportCommand(args: string[], out: (line: string) => void): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args, options: { table: { type: 'string' }, endpoint: { type: 'string' }, region: { type: 'string' }, days: { type: 'string' } } }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\nusage: vigil staging-report --table NOTIFICATIONS_TABLE [--endpoint URL] [--region R] [--days N]`);
  }
  if (!values.table) throw new UsageError('usage: vigil staging-report --table NOTIFICATIONS_TABLE [--endpoint URL] [--region R] [--days N]');
  const days = Number(values.days ?? 7);
  if (!Number.isInteger(days) || days < 1 || days > 30) throw new UsageError('--days is a whole number from 1 to 30 (staged copies are kept 30 days)');
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ ...(values.endpoint ? { endpoint: values.endpoint } : {}), ...(values.region ? { region: values.region } : {}) }));
  const messages = await loadStagedMessages(client, values.table, { days });
  const byChannel: Record<string, number> = {};
  for (const message of messages) {
    byChannel[message.channel ?? 'unknown'] = (byChannel[message.channel ?? 'unknown'] ?? 0) + 1;
    out(JSON.stringify(message));
  }
  out(JSON.stringify({ staged: messages.length, days, byChannel }));
  return 0;
}
