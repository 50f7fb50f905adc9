import { InvalidEventError } from '../errors.js';
import { configFindingId } from '../normalizers/config.js';
import type { FindingState } from '../lifecycle.js';
import type { IngestDeps } from '../ingest.js';
import { applyCorrection } from './apply.js';
import { compareAccountRegion, decideOpen, decideResolve } from './compare.js';
import type { Correction, DeferReason, NonCompliantEvaluation, OpenConfigFinding, RuleCompliance, RuleMetadata, Scope } from './types.js';

/** AWS Config's view, through the organization's aggregator. */
export interface ConfigCompliancePort {
  /** Every rule's compliance per account in `region`. */
  ruleCompliance(region: string): Promise<RuleCompliance[]>;
  /** The NON_COMPLIANT evaluations of one rule in one account and Region. */
  nonCompliantEvaluations(scope: Scope): Promise<NonCompliantEvaluation[]>;
  /** What is known of the rule (cached by the adapter); undefined when nothing is. */
  ruleMetadata(rule: string): Promise<RuleMetadata | undefined>;
}

/** Vigil's view: its open Config findings, read by account and Region. */
export interface VigilFindingsPort {
  openConfigFindings(accountId: string, region: string): Promise<OpenConfigFinding[]>;
  /** The stored state, strongly consistent. */
  get(id: string): Promise<FindingState | undefined>;
}

export interface ReconcileOptions {
  /** The Region this deployment owns: only its evaluations and findings are compared. */
  region: string;
  now: Date;
  settleMs: number;
  /** Absent: a dry run, which reads both sides and writes nothing. */
  apply?: { ingest: IngestDeps; quiet: boolean };
  /** Resume a pass after this account (accounts go in ascending order). */
  startAfterAccount?: string;
  /** Asked before each account; true stops the pass there (the Lambda's time is running out). */
  shouldStop?: () => boolean;
  /** Told of every decided correction and, when applied, what the write did. */
  onCorrection?: (correction: Correction, applied?: { decision: string; transition?: string }) => void;
}

/** The differences of one rule in one account and Region. */
export interface ScopeDifference extends Scope {
  open: string[];
  resolve: string[];
  deferred: string[];
}

export interface ReconcileReport {
  region: string;
  dryRun: boolean;
  quiet: boolean;
  accounts: number;
  /** Findings opened (or, in a dry run, to open). */
  opened: number;
  /** Findings resolved (or to resolve). */
  resolved: number;
  /** Findings on which both sides agree, or that a concurrent write had already corrected. */
  unchanged: number;
  /** Disagreements left for a later run, by reason. */
  deferred: Partial<Record<DeferReason, number>>;
  /** Corrections routing refused (an account outside the organization's directory), with the reason. */
  refused: Array<{ findingId: string; accountId: string; reason: string; detail: string }>;
  differences: ScopeDifference[];
  /** False when the pass stopped early; `resumeAfter` then names the last account done. */
  complete: boolean;
  resumeAfter?: string;
}

/**
 * One reconciliation pass over the accounts the aggregator reports in this Region: for
 * each account, Config's NON_COMPLIANT evaluations against Vigil's open Config findings;
 * each disagreement is decided from the finding's stored state and, unless this is a dry
 * run, applied through ingest's path with `reconciled` as the cause. Agreeing findings are
 * neither read one by one nor written. Accounts the aggregator does not report are left
 * alone: silence from the aggregator is not evidence that a finding is fixed.
 */
export async function reconcileRegion(config: ConfigCompliancePort, vigil: VigilFindingsPort, options: ReconcileOptions): Promise<ReconcileReport> {
  const report: ReconcileReport = {
    region: options.region,
    dryRun: !options.apply,
    quiet: options.apply?.quiet ?? false,
    accounts: 0,
    opened: 0,
    resolved: 0,
    unchanged: 0,
    deferred: {},
    refused: [],
    differences: [],
    complete: true,
  };
  const rules = (await config.ruleCompliance(options.region)).filter((r) => r.region === options.region);
  const byAccount = new Map<string, RuleCompliance[]>();
  for (const rule of rules) byAccount.set(rule.accountId, [...(byAccount.get(rule.accountId) ?? []), rule]);
  const accounts = [...byAccount.keys()].sort().filter((a) => options.startAfterAccount === undefined || a > options.startAfterAccount);

  let lastDone: string | undefined;
  for (const accountId of accounts) {
    if (lastDone !== undefined && options.shouldStop?.()) {
      report.complete = false;
      report.resumeAfter = lastDone;
      break;
    }
    await reconcileAccount(accountId, byAccount.get(accountId)!, config, vigil, options, report);
    report.accounts++;
    lastDone = accountId;
  }
  return report;
}

async function reconcileAccount(
  accountId: string,
  rules: RuleCompliance[],
  config: ConfigCompliancePort,
  vigil: VigilFindingsPort,
  options: ReconcileOptions,
  report: ReconcileReport,
): Promise<void> {
  const { region } = options;
  const nonCompliant: NonCompliantEvaluation[] = [];
  for (const rule of rules.filter((r) => r.compliance === 'NON_COMPLIANT').sort((a, b) => a.rule.localeCompare(b.rule))) {
    nonCompliant.push(...(await config.nonCompliantEvaluations({ rule: rule.rule, accountId, region })));
  }
  const open = await vigil.openConfigFindings(accountId, region);
  const candidates = compareAccountRegion({ accountId, region, rules, nonCompliant, open });
  report.unchanged += candidates.agreeing;

  const corrections: Correction[] = [];
  for (const evaluation of candidates.toOpen) {
    const id = configFindingId(evaluation.accountId, evaluation.region, evaluation.rule, evaluation.resourceType, evaluation.resourceId);
    corrections.push(decideOpen(evaluation, await vigil.get(id), await config.ruleMetadata(evaluation.rule)));
  }
  for (const finding of candidates.toResolve) {
    corrections.push(decideResolve(finding, await vigil.get(finding.id), { now: options.now, settleMs: options.settleMs, metadata: await config.ruleMetadata(finding.rule) }));
  }
  for (const finding of candidates.undecided) {
    corrections.push({ action: 'defer', findingId: finding.id, scope: { rule: finding.rule, accountId, region }, resourceType: finding.resourceType, resourceId: finding.resourceId, reason: 'insufficient-data' });
  }

  for (const correction of corrections) {
    if (correction.action === 'none') {
      report.unchanged++;
      options.onCorrection?.(correction);
      continue;
    }
    difference(report, correction.scope)[correction.action === 'defer' ? 'deferred' : correction.action].push(`${correction.resourceType} ${correction.resourceId}`);
    if (correction.action === 'defer') {
      report.deferred[correction.reason] = (report.deferred[correction.reason] ?? 0) + 1;
      options.onCorrection?.(correction);
      continue;
    }
    if (!options.apply) {
      count(report, correction.action);
      options.onCorrection?.(correction);
      continue;
    }
    try {
      const outcome = await applyCorrection(correction, options.apply.ingest, { quiet: options.apply.quiet });
      // A concurrent event may have made the same correction first: then nothing was written here.
      if (outcome.decision === 'create' || outcome.decision === 'change') count(report, correction.action);
      else report.unchanged++;
      options.onCorrection?.(correction, { decision: outcome.decision, ...(outcome.transition ? { transition: outcome.transition } : {}) });
    } catch (error) {
      if (!(error instanceof InvalidEventError)) throw error;
      report.refused.push({ findingId: correction.findingId, accountId, reason: error.reason, detail: error.detail });
    }
  }
}

function count(report: ReconcileReport, action: 'open' | 'resolve'): void {
  if (action === 'open') report.opened++;
  else report.resolved++;
}

function difference(report: ReconcileReport, scope: Scope): ScopeDifference {
  let found = report.differences.find((d) => d.rule === scope.rule && d.accountId === scope.accountId && d.region === scope.region);
  if (!found) {
    found = { ...scope, open: [], resolve: [], deferred: [] };
    report.differences.push(found);
  }
  return found;
}
