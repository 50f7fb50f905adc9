import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { VigilError } from '../core/errors.js';
import type { Severity, Status } from '../core/finding.js';
import type { NotifiableFinding } from '../core/notify/types.js';
import { queryIndexKeys } from './query-keys.js';

/** What a person may do to a finding (Slack buttons, the HTTP API). */
export type FindingAction = 'acknowledge' | 'suppress' | 'assign';

export interface FindingActionRequest {
  id: string;
  action: FindingAction;
  /** Why; required to suppress (at least 3 characters), recorded for every action. */
  reason?: string;
  /** Suppress: when it ends (ISO 8601, in the future, at most a year ahead). */
  until?: string;
  /** Assign: who takes it (`slack:U123` or an e-mail / user name). */
  assignee?: string;
  /** Who did it: `slack:<user id>` or `api:<principal>`. */
  actor: string;
  /** Where it came from, for the history entry (default: the actor's prefix). */
  via?: 'slack' | 'api';
  /** Current time, injectable for tests. */
  now?: Date;
}

export type FindingActionResult = { kind: 'applied' | 'unchanged'; finding: NotifiableFinding; previous: { status: Status; severity: Severity } };

/** No finding has this id. The API answers 404. */
export class FindingNotFoundError extends VigilError {}

/** The action does not apply to the finding as it is (a resolved finding cannot be suppressed). The API answers 409. */
export class InvalidFindingActionError extends VigilError {}

/** The request itself is wrong (no reason, a suppression in the past). The API answers 400. */
export class FindingActionRequestError extends VigilError {}

/** Kinds of the history entries people and the notifier write (next to ingest's). */
export type ActionHistoryKind = 'acknowledged' | 'suppressed' | 'assigned' | 'notified';

const MAX_ATTEMPTS = 5;
const HISTORY_TTL_S = 400 * 24 * 60 * 60;
const MAX_SUPPRESSION_MS = 366 * 24 * 60 * 60 * 1000;

const findingKey = (id: string) => ({ pk: `F#${id}`, sk: 'F' });
const historyKey = (id: string, at: string, kind: ActionHistoryKind) => ({ pk: `F#${id}`, sk: `H#${at}#${kind}` });

function validate(request: FindingActionRequest, now: Date): void {
  if (!/^[0-9a-f]{32}$/.test(request.id)) throw new FindingActionRequestError(`"${request.id.slice(0, 40)}" is not a finding id`);
  if (!request.actor.trim()) throw new FindingActionRequestError('an actor is required');
  if (request.action === 'suppress') {
    if ((request.reason ?? '').trim().length < 3) throw new FindingActionRequestError('a reason (at least 3 characters) is required to suppress a finding');
    const until = Date.parse(request.until ?? '');
    if (Number.isNaN(until)) throw new FindingActionRequestError('until (an ISO 8601 time) is required to suppress a finding');
    if (until <= now.getTime() || until - now.getTime() > MAX_SUPPRESSION_MS) throw new FindingActionRequestError('until must be in the future and at most a year ahead');
  }
  if (request.action === 'assign' && !(request.assignee ?? '').trim()) throw new FindingActionRequestError('an assignee is required');
}

/** The status an action leads to from `status`; undefined when it does not apply. */
function nextStatus(action: FindingAction, status: Status): Status | undefined {
  if (status === 'RESOLVED') return undefined;
  switch (action) {
    case 'acknowledge':
      return status === 'SUPPRESSED' ? undefined : 'ACKNOWLEDGED';
    case 'suppress':
      return 'SUPPRESSED';
    case 'assign':
      return status;
  }
}

const HISTORY_KIND: Record<FindingAction, ActionHistoryKind> = { acknowledge: 'acknowledged', suppress: 'suppressed', assign: 'assigned' };

/**
 * Applies a person's action to a finding exactly as the HTTP API does: the new status
 * (ACKNOWLEDGED, SUPPRESSED until a time, or the same status with an assignee) and a
 * history entry naming the actor and the reason, written in one transaction conditional
 * on the version it was decided from (a lost race re-reads and decides again). The
 * version goes up, so ingest's next write of the finding re-reads it first; ingest keeps
 * these attributes (it rewrites the item from what it read).
 *
 * @throws FindingActionRequestError, FindingNotFoundError, InvalidFindingActionError
 */
export async function applyFindingAction(client: DynamoDBDocumentClient, table: string, request: FindingActionRequest): Promise<FindingActionResult> {
  const now = request.now ?? new Date();
  validate(request, now);
  const at = now.toISOString();
  for (let attempt = 1; ; attempt++) {
    const current = await readFinding(client, table, request.id);
    if (!current) throw new FindingNotFoundError(`finding ${request.id} does not exist`);
    const previous = { status: current.status, severity: current.severity };
    const status = nextStatus(request.action, current.status);
    if (!status) throw new InvalidFindingActionError(`a ${current.status} finding cannot be ${HISTORY_KIND[request.action]}`);
    if (request.action === 'acknowledge' && current.status === 'ACKNOWLEDGED') return { kind: 'unchanged', finding: current, previous };

    const set: Record<string, unknown> = { status, statusAt: at, statusBy: request.actor, version: current.version + 1 };
    if (request.reason) set.statusReason = request.reason.trim();
    if (request.action === 'suppress') {
      set.suppressedUntil = new Date(Date.parse(request.until!)).toISOString();
      // Not `config:…`: ingest keeps a person's suppression across transitions until it ends.
      set.suppressedBy = request.actor;
      // Into the sparse index the suppression-expiry function reads, so it ends on time.
      const { gsi3pk } = queryIndexKeys({ id: request.id, status: 'SUPPRESSED', suppressedUntil: set.suppressedUntil as string });
      if (gsi3pk) set.gsi3pk = gsi3pk;
    }
    if (request.action === 'assign') set.assignee = request.assignee!.trim();
    const kind = HISTORY_KIND[request.action];
    const history = {
      ...historyKey(request.id, at, kind),
      id: request.id,
      at,
      kind,
      cause: request.via ?? (request.actor.startsWith('slack:') ? 'slack' : 'api'),
      actor: request.actor,
      ...(request.reason ? { reason: request.reason.trim() } : {}),
      from: previous,
      to: { status, severity: current.severity },
      ...(set.suppressedUntil ? { until: set.suppressedUntil } : {}),
      ...(set.assignee ? { assignee: set.assignee } : {}),
      expiresAt: Math.floor(now.getTime() / 1000) + HISTORY_TTL_S,
    };
    if (await writeWithHistory(client, table, request.id, current.version, set, history, {})) {
      return { kind: 'applied', finding: { ...current, ...(set as Partial<NotifiableFinding>) }, previous };
    }
    if (attempt >= MAX_ATTEMPTS) throw new InvalidFindingActionError(`finding ${request.id} kept changing; try again`);
  }
}

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
