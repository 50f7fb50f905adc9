import * as z from 'zod';
import { clip, type Severity, type Status } from '../finding.js';
import { ConcurrentUpdateError } from '../errors.js';
import { ActionConflictError, InvalidParameterError } from './errors.js';
import type { ActionState } from './views.js';

/**
 * What people do to findings, through the API or Slack's buttons, and what a suppression
 * running out does. Pure decisions: one adapter (functions/shared/adapters/finding-action-store.ts)
 * writes them conditionally on the version they were decided from, as the ingest store
 * does (optimistic concurrency), whoever acted.
 *
 * The attributes written: `status`, `statusAt`, `statusBy`, `statusReason`, `assignee`, and
 * for a suppression `suppressedUntil` and `suppressedBy` (a person's suppression, which
 * ingest keeps across transitions until it ends).
 */

export type ActionHistoryKind = 'acknowledged' | 'suppressed' | 'assigned' | 'suppression-expired';

/** Where a person acted: the history's `cause`. */
export type ActionChannel = 'api' | 'slack';

/**
 * A history entry written by the API or by the expiry function. Same item layout as the
 * ingest's entries (`H#<at>#<kind>` in the finding's partition), with `cause` saying who
 * acted and `actor` who exactly (`api:<subject or principal ARN>`, `vigil:suppression-expiry`).
 */
export interface ActionHistoryEntry {
  id: string;
  at: string;
  kind: ActionHistoryKind;
  cause: ActionChannel | 'expiry';
  actor: string;
  reason?: string;
  /** Who the finding was assigned to (assigned). */
  assignee?: string;
  from: { status: Status; severity: Severity };
  to: { status: Status; severity: Severity };
  /** When the suppression ends (suppressed) or ended (suppression-expired). */
  until?: string;
}

/** Attributes an action sets on the finding besides `status` and `version`. */
export interface ActionAttributes {
  statusAt: string;
  statusBy: string;
  /** The reason, clipped: the finding item stays small; the history keeps it whole. */
  statusReason?: string;
  suppressedUntil?: string;
  suppressedBy?: string;
  assignee?: string;
  /** Set when the action is a transition people are told of (a suppression's end reopens). */
  transition?: 'REOPENED';
  transitionAt?: string;
  reopenCount?: number;
}

/** The write an action makes: the finding at version + 1 and its history entry. */
export interface ActionDecision {
  id: string;
  expectedVersion: number;
  status: Status;
  set: ActionAttributes;
  /** A suppression ends: `suppressedUntil`, `suppressedBy` and the expiry index key go. */
  endsSuppression: boolean;
  history: ActionHistoryEntry;
}

export interface AcknowledgeRequest {
  kind: 'acknowledge';
  reason: string;
  expectedVersion?: number;
}

export interface SuppressRequest {
  kind: 'suppress';
  reason: string;
  /** When the suppression ends (settled by {@link parseSuppress}: the default applies when absent). */
  until: string;
  expectedVersion?: number;
}

/** Someone takes the finding on: its status stays, `assignee` names them (`slack:U123`, an e-mail). */
export interface AssignRequest {
  kind: 'assign';
  assignee: string;
  reason?: string;
  expectedVersion?: number;
}

export type ActionRequest = AcknowledgeRequest | SuppressRequest | AssignRequest;

export interface SuppressionPolicy {
  defaultDays: number;
  maxDays: number;
}

export const DEFAULT_SUPPRESSION_POLICY: SuppressionPolicy = { defaultDays: 30, maxDays: 365 };
const DAY_MS = 24 * 60 * 60 * 1000;
/** The finding item is read and rewritten by most events: the reason on it stays short. */
const STATUS_REASON_CHARS = 100;

const reason = z.string({ error: 'required: say why' }).trim().min(3, 'required: say why, in at least 3 characters').max(1000, 'at most 1000 characters');
const expectedVersion = z.number({ error: 'expected a positive integer' }).int('expected a positive integer').positive('expected a positive integer').optional();
const AcknowledgeBody = z.object({ reason, expectedVersion }).strict();
const SuppressBody = z
  .object({
    reason,
    until: z.iso.datetime({ offset: true, error: 'expected an ISO-8601 date-time with a zone' }).optional(),
    expectedVersion,
  })
  .strict();

function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new InvalidParameterError('body', 'expected a JSON object');
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const name = issue.code === 'unrecognized_keys' ? issue.keys[0]! : String(issue.path[0] ?? 'body');
  throw new InvalidParameterError(name, issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message);
}

/** Validates a `POST /findings/{id}/acknowledge` body. */
export function parseAcknowledge(body: unknown): AcknowledgeRequest {
  return { kind: 'acknowledge', ...parseBody(AcknowledgeBody, body) };
}

/**
 * Validates a `POST /findings/{id}/suppress` body and settles `until`: the default when
 * absent; it must lie in the future and at most `maxDays` ahead.
 */
export function parseSuppress(body: unknown, now: Date, policy: SuppressionPolicy = DEFAULT_SUPPRESSION_POLICY): SuppressRequest {
  const parsed = parseBody(SuppressBody, body);
  const until = parsed.until ? new Date(Date.parse(parsed.until)).toISOString() : new Date(now.getTime() + policy.defaultDays * DAY_MS).toISOString();
  if (Date.parse(until) <= now.getTime()) throw new InvalidParameterError('until', 'must be in the future');
  if (Date.parse(until) > now.getTime() + policy.maxDays * DAY_MS) throw new InvalidParameterError('until', `must be at most ${policy.maxDays} days ahead`);
  return { ...parsed, kind: 'suppress', until };
}

/** Statuses each action may start from: a resolved finding is past acting on. */
const ALLOWED_FROM: Record<ActionRequest['kind'], readonly Status[]> = {
  acknowledge: ['OPEN', 'NOTIFIED', 'ACKNOWLEDGED', 'SUPPRESSED'],
  suppress: ['OPEN', 'NOTIFIED', 'ACKNOWLEDGED', 'SUPPRESSED'],
  assign: ['OPEN', 'NOTIFIED', 'ACKNOWLEDGED', 'SUPPRESSED'],
};

const HISTORY_KIND: Record<ActionRequest['kind'], ActionHistoryKind> = { acknowledge: 'acknowledged', suppress: 'suppressed', assign: 'assigned' };

/**
 * Decides what an acknowledgement or suppression does to a finding: ACKNOWLEDGED (which
 * ends a suppression), or SUPPRESSED until a time (again: the new time stands), with a
 * history entry naming the actor and the reason. Acknowledging what is acknowledged
 * already changes nothing (`unchanged`), so a retried request is harmless.
 * Throws {@link ActionConflictError} when the caller expected another version, or the
 * finding is resolved.
 */
export function decideAction(state: ActionState, request: ActionRequest, actor: string, now: Date, via: ActionChannel = 'api'): ActionDecision | { unchanged: true } {
  if (request.expectedVersion !== undefined && request.expectedVersion !== state.version) {
    throw new ActionConflictError(`the finding is at version ${state.version}, not ${request.expectedVersion}`, state.version, state.status);
  }
  if (!ALLOWED_FROM[request.kind].includes(state.status)) {
    throw new ActionConflictError(`cannot ${request.kind} the finding: it is ${state.status}`, state.version, state.status);
  }
  if (request.kind === 'acknowledge' && state.status === 'ACKNOWLEDGED') return { unchanged: true };
  const assignee = request.kind === 'assign' ? request.assignee.trim() : undefined;
  if (request.kind === 'assign' && (!assignee || assignee === state.assignee)) {
    if (!assignee) throw new InvalidParameterError('assignee', 'required: who takes the finding');
    return { unchanged: true };
  }
  const at = now.toISOString();
  const status: Status = request.kind === 'acknowledge' ? 'ACKNOWLEDGED' : request.kind === 'suppress' ? 'SUPPRESSED' : state.status;
  const until = request.kind === 'suppress' ? request.until : undefined;
  const reason = request.reason?.trim() || undefined;
  return {
    id: state.id,
    expectedVersion: state.version,
    status,
    set: {
      statusAt: at,
      statusBy: actor,
      ...(reason ? { statusReason: clip(reason, STATUS_REASON_CHARS) } : {}),
      ...(until ? { suppressedUntil: until, suppressedBy: actor } : {}),
      ...(assignee ? { assignee } : {}),
    },
    endsSuppression: request.kind === 'acknowledge',
    history: {
      id: state.id,
      at,
      kind: HISTORY_KIND[request.kind],
      cause: via,
      actor,
      ...(reason ? { reason } : {}),
      from: { status: state.status, severity: state.severity },
      to: { status, severity: state.severity },
      ...(until ? { until } : {}),
      ...(assignee ? { assignee } : {}),
    },
  };
}

/** Reads and writes an action needs (functions/shared/adapters/finding-action-store.ts). */
export interface FindingActionStore {
  /** What an action decides from, read strongly consistent. */
  getActionState(id: string): Promise<ActionState | undefined>;
  /** Writes the decision conditionally on its expected version; throws ConcurrentUpdateError when it lost a race. */
  applyAction(decision: ActionDecision): Promise<void>;
}

/** A lost race with ingest or another person is decided again from a fresh read this many times. */
const MAX_ACTION_ATTEMPTS = 4;

export type ActionOutcome = { changed: true; decision: ActionDecision; state: ActionState } | { changed: false; state: ActionState };

/**
 * Decides and writes one person's action, from a fresh read each time: someone else
 * writing in between (ingest, another person) means deciding again from what they wrote,
 * which may now refuse the action. `undefined` when there is no such finding, or `visible`
 * says the actor may not see it.
 */
export async function actOnFinding(
  store: FindingActionStore,
  id: string,
  decide: (state: ActionState) => ActionDecision | { unchanged: true },
  visible: (state: ActionState) => boolean = () => true,
): Promise<ActionOutcome | undefined> {
  for (let attempt = 1; attempt <= MAX_ACTION_ATTEMPTS; attempt++) {
    const state = await store.getActionState(id);
    if (!state || !visible(state)) return undefined;
    const decision = decide(state);
    if ('unchanged' in decision) return { changed: false, state };
    try {
      await store.applyAction(decision);
      return { changed: true, decision, state };
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError)) throw error;
    }
  }
  throw new ActionConflictError('the finding kept changing; try again');
}

export const EXPIRY_ACTOR = 'vigil:suppression-expiry';

/**
 * What the expiry function does with a finding the suppression index lists as due:
 * - `reopen`: still SUPPRESSED and its time has come: OPEN again, announced as REOPENED
 *   (a new transition, a new open episode), history `cause: expiry`;
 * - `clear`: no longer SUPPRESSED (resolved by its source meanwhile): the suppression
 *   ends without reopening (it leaves the index, `suppressedUntil` and `suppressedBy` go);
 * - `keep`: suppressed until later (suppressed again since the index was read).
 */
export type ExpiryDecision = { kind: 'reopen'; decision: ActionDecision } | { kind: 'clear'; id: string; expectedVersion: number } | { kind: 'keep' };

export function decideExpiry(state: ActionState, now: Date): ExpiryDecision {
  if (state.status !== 'SUPPRESSED') return { kind: 'clear', id: state.id, expectedVersion: state.version };
  if (state.suppressedUntil && Date.parse(state.suppressedUntil) > now.getTime()) return { kind: 'keep' };
  const at = now.toISOString();
  return {
    kind: 'reopen',
    decision: {
      id: state.id,
      expectedVersion: state.version,
      status: 'OPEN',
      set: { statusAt: at, statusBy: EXPIRY_ACTOR, transition: 'REOPENED', transitionAt: at, reopenCount: (state.reopenCount ?? 0) + 1 },
      endsSuppression: true,
      history: {
        id: state.id,
        at,
        kind: 'suppression-expired',
        cause: 'expiry',
        actor: EXPIRY_ACTOR,
        from: { status: 'SUPPRESSED', severity: state.severity },
        to: { status: 'OPEN', severity: state.severity },
        ...(state.suppressedUntil ? { until: state.suppressedUntil } : {}),
      },
    },
  };
}
