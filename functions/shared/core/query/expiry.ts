import { ConcurrentUpdateError } from '../errors.js';
import { decideExpiry, type ActionDecision } from './actions.js';
import type { ActionState } from './views.js';

/** What the expiry run needs of the findings table (DynamoFindingQueries). */
export interface SuppressionStore {
  /** Shards of the sparse suppression index. */
  readonly suppressionShards: number;
  /** Ids of findings whose suppression ran out by `now`, oldest first, from one shard. */
  dueSuppressions(shard: number, now: Date, limit: number, after?: Record<string, unknown>): Promise<{ ids: string[]; last?: Record<string, unknown> }>;
  getActionState(id: string): Promise<ActionState | undefined>;
  applyAction(decision: ActionDecision): Promise<void>;
  leaveSuppressionIndex(id: string, expectedVersion: number): Promise<void>;
}

export interface ExpiryOutcome {
  reopened: string[];
  /** No longer suppressed (resolved meanwhile): taken out of the index only. */
  cleared: number;
  /** Changed by someone else while being expired: the next run sees them again. */
  conflicts: number;
}

export interface ExpiryOptions {
  now: Date;
  /** Most findings handled per run; the rest wait for the next (default 1000). */
  maxPerRun?: number;
}

const PAGE = 100;

/**
 * Reopens findings whose suppression ran out: a Query per shard of the suppression
 * index (`suppressedUntil <= now`), then for each a strongly consistent read and a write
 * conditional on its version: status OPEN, out of the index, history `cause: expiry`.
 */
export async function expireSuppressions(store: SuppressionStore, options: ExpiryOptions): Promise<ExpiryOutcome> {
  const outcome: ExpiryOutcome = { reopened: [], cleared: 0, conflicts: 0 };
  const max = options.maxPerRun ?? 1000;
  let handled = 0;
  for (let shard = 0; shard < store.suppressionShards && handled < max; shard++) {
    let after: Record<string, unknown> | undefined;
    do {
      const page = await store.dueSuppressions(shard, options.now, Math.min(PAGE, max - handled), after);
      after = page.last;
      for (const id of page.ids) {
        handled++;
        const state = await store.getActionState(id);
        if (!state) continue;
        const decision = decideExpiry(state, options.now);
        try {
          if (decision.kind === 'reopen') {
            await store.applyAction(decision.decision);
            outcome.reopened.push(id);
          } else if (decision.kind === 'clear') {
            await store.leaveSuppressionIndex(decision.id, decision.expectedVersion);
            outcome.cleared++;
          }
        } catch (error) {
          if (!(error instanceof ConcurrentUpdateError)) throw error;
          outcome.conflicts++;
        }
      }
    } while (after && handled < max);
  }
  return outcome;
}
