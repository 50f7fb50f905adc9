import { configFindingId } from '../normalizers/config.js';
import { openObservation, resolveObservation } from './observations.js';
import type { Correction, NonCompliantEvaluation, OpenConfigFinding, RuleCompliance, RuleMetadata, StoredFinding } from './types.js';

/** Everything known of one member account in one Region, from both sides. */
export interface AccountRegionView {
  accountId: string;
  region: string;
  /** The aggregator's compliance of each rule evaluated in this account and Region. */
  rules: readonly RuleCompliance[];
  /** The NON_COMPLIANT evaluations of the rules reported NON_COMPLIANT. */
  nonCompliant: readonly NonCompliantEvaluation[];
  /** Vigil's open Config findings of this account and Region. */
  open: readonly OpenConfigFinding[];
}

/** Where the two views disagree, before Vigil's full state of each finding is read. */
export interface Candidates {
  /** Config says NON_COMPLIANT; Vigil's open-Config index has no such finding. */
  toOpen: NonCompliantEvaluation[];
  /** Vigil shows it open; Config does not report it NON_COMPLIANT. */
  toResolve: OpenConfigFinding[];
  /** Vigil shows it open and the rule's compliance is INSUFFICIENT_DATA: Config says nothing either way. */
  undecided: OpenConfigFinding[];
  /** Open in Vigil and NON_COMPLIANT in Config: nothing to do, nothing written. */
  agreeing: number;
}

/**
 * Compares Config's view of an account and Region with Vigil's, by finding id (the same
 * id the live Config normalizer gives). Pure.
 */
export function compareAccountRegion(view: AccountRegionView): Candidates {
  const ownRegion = (r: { accountId: string; region: string }) => r.accountId === view.accountId && r.region === view.region;
  const nonCompliant = new Map<string, NonCompliantEvaluation>();
  for (const evaluation of view.nonCompliant.filter(ownRegion)) {
    const id = configFindingId(evaluation.accountId, evaluation.region, evaluation.rule, evaluation.resourceType, evaluation.resourceId);
    const known = nonCompliant.get(id);
    // One evaluation per resource; should a page repeat it, the newest statement stands.
    if (!known || known.recordedAt < evaluation.recordedAt) nonCompliant.set(id, evaluation);
  }
  const insufficient = new Set(view.rules.filter((r) => ownRegion(r) && r.compliance === 'INSUFFICIENT_DATA').map((r) => r.rule));
  const open = new Map(view.open.filter(ownRegion).map((f) => [f.id, f]));

  const candidates: Candidates = { toOpen: [], toResolve: [], undecided: [], agreeing: 0 };
  for (const [id, evaluation] of nonCompliant) {
    if (open.has(id)) candidates.agreeing++;
    else candidates.toOpen.push(evaluation);
  }
  for (const [id, finding] of open) {
    if (nonCompliant.has(id)) continue;
    if (insufficient.has(finding.rule)) candidates.undecided.push(finding);
    else candidates.toResolve.push(finding);
  }
  const byKey = (a: { rule: string; resourceType: string; resourceId: string }, b: typeof a) =>
    a.rule.localeCompare(b.rule) || a.resourceType.localeCompare(b.resourceType) || a.resourceId.localeCompare(b.resourceId);
  candidates.toOpen.sort(byKey);
  candidates.toResolve.sort(byKey);
  candidates.undecided.sort(byKey);
  return candidates;
}

const isOpen = (state: NonNullable<StoredFinding>) => state.status !== 'RESOLVED';

/**
 * Decides what a NON_COMPLIANT evaluation missing from Vigil's open findings needs, from
 * the finding's stored state: opened (never seen, or resolved before Config's evaluation),
 * or nothing (open after all; or Vigil knows a newer statement than the aggregator's,
 * whose data can lag the member accounts).
 */
export function decideOpen(evaluation: NonCompliantEvaluation, state: StoredFinding, metadata?: RuleMetadata): Correction {
  const observation = openObservation(evaluation, metadata);
  const scope = { rule: evaluation.rule, accountId: evaluation.accountId, region: evaluation.region };
  const base = { findingId: observation.id, scope, resourceType: evaluation.resourceType, resourceId: evaluation.resourceId };
  if (state && isOpen(state)) return { ...base, action: 'none', reason: 'already-open' };
  if (state && state.lastSeen >= observation.observedAt) return { ...base, action: 'defer', reason: 'vigil-newer' };
  return {
    ...base,
    action: 'open',
    observation,
    reason: state ? `AWS Config reports it NON_COMPLIANT since ${observation.observedAt}; Vigil had it resolved` : `AWS Config reports it NON_COMPLIANT since ${observation.observedAt}; Vigil had no finding`,
  };
}

export interface ResolveOptions {
  now: Date;
  /**
   * How long after Vigil last saw a finding the aggregator must have had to report it.
   * The aggregator collects from member accounts with a delay; a finding opened minutes ago
   * may not be there yet, and resolving it would be a false "fixed".
   */
  settleMs: number;
  metadata?: RuleMetadata;
}

/** Decides what an open finding Config does not report NON_COMPLIANT needs, from its stored state. */
export function decideResolve(finding: OpenConfigFinding, state: StoredFinding, options: ResolveOptions): Correction {
  const scope = { rule: finding.rule, accountId: finding.accountId, region: finding.region };
  const base = { findingId: finding.id, scope, resourceType: finding.resourceType, resourceId: finding.resourceId };
  if (!state) return { ...base, action: 'none', reason: 'gone' };
  if (!isOpen(state)) return { ...base, action: 'none', reason: 'already-resolved' };
  if (options.now.getTime() - Date.parse(state.lastSeen) < options.settleMs) return { ...base, action: 'defer', reason: 'settling' };
  return {
    ...base,
    action: 'resolve',
    // The finding's own id: one first reported by another source under this id keeps it.
    observation: { ...resolveObservation(finding, state.lastSeen, options.metadata), id: finding.id },
    reason: 'AWS Config no longer reports it NON_COMPLIANT',
  };
}
