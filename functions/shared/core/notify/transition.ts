import * as z from 'zod';
import { SEVERITIES, STATUSES } from '../finding.js';
import type { NotifiableFinding, NotificationEvent, NotificationKind, StreamSkipReason } from './types.js';

const TRANSITIONS = ['OPENED', 'RESOLVED', 'REOPENED', 'ESCALATED', 'DEESCALATED', 'UPDATED'] as const;
const SOURCES = ['aws.config', 'aws.guardduty', 'aws.cloudtrail', 'aws.securityhub'] as const;

/** The finding attributes the notifier relies on; others in the image are ignored. */
const FindingImage = z.object({
  id: z.string().min(1),
  source: z.enum(SOURCES),
  rule: z.string(),
  accountId: z.string(),
  region: z.string(),
  severity: z.enum(SEVERITIES),
  status: z.enum(STATUSES),
  title: z.string(),
  resourceType: z.string(),
  resourceId: z.string(),
  firstSeen: z.string(),
  lastSeen: z.string(),
  count: z.number().int().nonnegative(),
  team: z.string().min(1),
  routedBy: z.string(),
  transition: z.enum(TRANSITIONS),
  transitionAt: z.string(),
  reopenCount: z.number().int().nonnegative().default(0),
  version: z.number().int().positive(),
  sample: z.boolean().optional(),
  statusAt: z.string().optional(),
  statusBy: z.string().optional(),
  statusReason: z.string().optional(),
  suppressedUntil: z.string().optional(),
  suppressedBy: z.string().optional(),
  assignee: z.string().optional(),
});

/** True for the finding item of the single-table layout (`pk = F#<id>`, `sk = F`). */
export function isFindingItem(item: Record<string, unknown> | undefined): boolean {
  return !!item && item.sk === 'F' && typeof item.pk === 'string' && item.pk.startsWith('F#');
}

/** Reads a finding image; undefined when it is not one the notifier can use. */
export function parseFinding(item: Record<string, unknown>): NotifiableFinding | undefined {
  const parsed = FindingImage.safeParse(item);
  if (!parsed.success) return undefined;
  const out = { ...parsed.data } as NotifiableFinding;
  for (const key of Object.keys(out) as Array<keyof NotifiableFinding>) if (out[key] === undefined) delete out[key];
  return out;
}

export type Derived = { kind: 'notify'; event: NotificationEvent } | { kind: 'skip'; reason: StreamSkipReason };

/** Ingest transitions that are announced; the rest (UPDATED, DEESCALATED) are history only. */
const ANNOUNCED: Partial<Record<NotifiableFinding['transition'], NotificationKind>> = {
  OPENED: 'OPENED',
  REOPENED: 'REOPENED',
  ESCALATED: 'ESCALATED',
  RESOLVED: 'RESOLVED',
};

/**
 * What a stream record of the findings table means to the notifier, from its old and
 * new images (unmarshalled). Ingest writes `transition` and `transitionAt` on every
 * transition, so a new (transition, transitionAt) pair is a new transition; a write that
 * keeps them (a repeat raising lastSeen and count, the notifier's own OPEN → NOTIFIED,
 * an acknowledgement) announces nothing, except a status newly SUPPRESSED by a person,
 * announced as SUPPRESSED. (A transition into a configured suppression is announced as
 * its transition, and planning holds it back.) Pure: the same images always give the same answer, so a replayed record
 * is recognised by its key (finding id and version) alone.
 */
export function deriveNotification(oldImage: Record<string, unknown> | undefined, newImage: Record<string, unknown> | undefined): Derived {
  if (!newImage) return { kind: 'skip', reason: 'removed' };
  if (!isFindingItem(newImage)) return { kind: 'skip', reason: 'not-a-finding' };
  const next = parseFinding(newImage);
  if (!next) return { kind: 'skip', reason: 'malformed-finding' };
  const prev = oldImage && isFindingItem(oldImage) ? parseFinding(oldImage) : undefined;
  if (prev && prev.version >= next.version) return { kind: 'skip', reason: 'stale-image' };
  const previous = prev ? { status: prev.status, severity: prev.severity } : undefined;

  const newTransition = !prev || prev.transition !== next.transition || prev.transitionAt !== next.transitionAt;
  if (!newTransition) {
    // A person's suppression moves the status, not the transition.
    if (next.status === 'SUPPRESSED' && prev && prev.status !== 'SUPPRESSED') {
      return { kind: 'notify', event: { kind: 'SUPPRESSED', at: next.statusAt ?? next.transitionAt, finding: next, ...(previous ? { previous } : {}) } };
    }
    return { kind: 'skip', reason: 'no-transition' };
  }
  // A finding first seen already resolved (a late failure's resolution) was never open for anyone.
  if (!prev && next.transition === 'RESOLVED') return { kind: 'skip', reason: 'created-resolved' };
  // A quiet reconciliation marks the one transition it wrote; a later one has another time.
  if (newImage.quietTransitionAt === next.transitionAt) return { kind: 'skip', reason: 'quiet' };
  const kind = ANNOUNCED[next.transition];
  if (!kind) return { kind: 'skip', reason: 'transition-not-announced' };
  return { kind: 'notify', event: { kind, at: next.transitionAt, finding: next, ...(previous ? { previous } : {}) } };
}

/** A suppression still in force at `at` (no `suppressedUntil` means until lifted). */
export function isSuppressed(finding: NotifiableFinding, at: string): boolean {
  return finding.status === 'SUPPRESSED' && (!finding.suppressedUntil || finding.suppressedUntil > at);
}
