import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { NotifiableFinding } from '../core/notify/types.js';

/** The notifier's history entries (next to ingest's and people's, core/query/actions.ts). */
type NotifierHistoryKind = 'notified';

const MAX_ATTEMPTS = 5;
const HISTORY_TTL_S = 400 * 24 * 60 * 60;

const findingKey = (id: string) => ({ pk: `F#${id}`, sk: 'F' });
const historyKey = (id: string, at: string, kind: NotifierHistoryKind) => ({ pk: `F#${id}`, sk: `H#${at}#${kind}` });

/**
 * The notifier's write after a person was told of an open finding (OPENED, REOPENED or
 * ESCALATED): OPEN → NOTIFIED with a history entry (`cause: 'notifier'`), conditional on
 * the version and on the finding still being OPEN in the same open episode (same
 * reopenCount). A finding that moved on (resolved, acknowledged, reopened since) is left
 * alone; a write that only raised the version (a repeat, a de-escalation) is re-read and
 * retried. The stream record this write makes keeps the transition, so it announces nothing.
 *
 * @returns true when the status changed
 */
export async function markNotified(client: DynamoDBDocumentClient, table: string, finding: NotifiableFinding, now: Date = new Date()): Promise<boolean> {
  const at = now.toISOString();
  let version = finding.version;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const history = {
      ...historyKey(finding.id, at, 'notified'),
      id: finding.id,
      at,
      kind: 'notified',
      cause: 'notifier',
      actor: 'vigil:notifier',
      transition: finding.transition,
      from: { status: 'OPEN', severity: finding.severity },
      to: { status: 'NOTIFIED', severity: finding.severity },
      expiresAt: Math.floor(now.getTime() / 1000) + HISTORY_TTL_S,
    };
    const written = await writeWithHistory(client, table, finding.id, version, { status: 'NOTIFIED', statusAt: at, statusBy: 'vigil:notifier', version: version + 1 }, history, {
      condition: '#status = :open AND #reopenCount = :reopenCount',
      names: { '#status': 'status', '#reopenCount': 'reopenCount' },
      values: { ':open': 'OPEN', ':reopenCount': finding.reopenCount },
    });
    if (written) return true;
    const current = await readFinding(client, table, finding.id);
    if (!current || current.status !== 'OPEN' || current.reopenCount !== finding.reopenCount) return false;
    version = current.version;
  }
  return false;
}

async function readFinding(client: DynamoDBDocumentClient, table: string, id: string): Promise<NotifiableFinding | undefined> {
  const out = await client.send(new GetCommand({ TableName: table, Key: findingKey(id), ConsistentRead: true }));
  return out.Item as NotifiableFinding | undefined;
}

/** Updates the finding (conditional on its version and `extra`) and puts the history entry, atomically; false when a condition failed. */
async function writeWithHistory(
  client: DynamoDBDocumentClient,
  table: string,
  id: string,
  expectedVersion: number,
  set: Record<string, unknown>,
  history: Record<string, unknown>,
  extra: { condition?: string; names?: Record<string, string>; values?: Record<string, unknown> },
): Promise<boolean> {
  const names: Record<string, string> = { '#version': 'version', ...extra.names };
  const values: Record<string, unknown> = { ':expected': expectedVersion, ...extra.values };
  const assignments = Object.entries(set).map(([name, value], i) => {
    names[`#s${i}`] = name;
    values[`:s${i}`] = value;
    return `#s${i} = :s${i}`;
  });
  try {
    await client.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: table,
              Key: findingKey(id),
              UpdateExpression: `SET ${assignments.join(', ')}`,
              ConditionExpression: `#version = :expected${extra.condition ? ` AND ${extra.condition}` : ''}`,
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: values,
            },
          },
          { Put: { TableName: table, Item: history } },
        ],
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof TransactionCanceledException && error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed') return false;
    throw error;
  }
}
