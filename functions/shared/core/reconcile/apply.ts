import { VigilError } from '../errors.js';
import type { Decision } from '../lifecycle.js';
import { ingestNormalized, type FindingOutcome, type IngestDeps } from '../ingest.js';
import type { FindingStore } from '../ports.js';
import type { Correction } from './types.js';

export interface ApplyOptions {
  /** Record the transitions without announcing them (a first backfill of an organization). */
  quiet: boolean;
}

/**
 * The finding store as a reconciliation writes through it: every history entry it adds is
 * caused by `reconciled` (with the reason in words, no event id), and in a quiet run each
 * transition carries the marker the notifier honours. Reads and repeats pass through.
 */
export function reconciledStore(store: FindingStore, note: { reason: string; quiet: boolean }): FindingStore {
  return {
    get: (id, consistent) => store.get(id, consistent),
    commit(decision: Exclude<Decision, { kind: 'noop' }>) {
      if (decision.kind === 'touch') return store.commit(decision);
      const { eventId: _event, ...history } = decision.history;
      const { quietTransitionAt: _previous, ...next } = decision.next;
      const announced = decision.history.kind !== 'late-observation';
      return store.commit({
        ...decision,
        next: note.quiet && announced ? { ...next, quietTransitionAt: next.transitionAt } : next,
        history: { ...history, cause: 'reconciled', reason: note.reason },
      });
    },
  };
}

/**
 * Applies one correction through ingest's own path (routing before writing, the fold,
 * optimistic concurrency), so a reconciled finding is exactly what the missed event would
 * have made. Throws InvalidEventError when routing refuses the account.
 */
export async function applyCorrection(correction: Extract<Correction, { action: 'open' | 'resolve' }>, ingest: IngestDeps, options: ApplyOptions): Promise<FindingOutcome> {
  const outcome = await ingestNormalized(
    { kind: 'findings', observations: [correction.observation] },
    { ...ingest, store: reconciledStore(ingest.store, { reason: correction.reason, quiet: options.quiet }) },
  );
  if (outcome.kind !== 'findings' || outcome.findings.length !== 1) throw new VigilError(`a reconciled observation was ${outcome.kind === 'findings' ? `${outcome.findings.length} findings` : outcome.kind}`);
  return outcome.findings[0]!;
}
