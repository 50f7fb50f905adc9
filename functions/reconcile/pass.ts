import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { IngestDeps } from '../shared/core/ingest.js';
import { reconcileRegion, type ConfigCompliancePort, type ReconcileReport, type VigilFindingsPort } from '../shared/core/reconcile/index.js';

export interface ReconcilePassDeps {
  region: string;
  config: ConfigCompliancePort;
  findings: VigilFindingsPort & {
    resumeAfter(region: string): Promise<string | undefined>;
    saveResumeAfter(region: string, after: string | undefined, at: Date): Promise<void>;
  };
  ingest: IngestDeps;
  settleMs: number;
  logger: Logger;
  metrics: Metrics;
}

export interface ReconcilePassRun {
  now: Date;
  quiet: boolean;
  dryRun: boolean;
  shouldStop: () => boolean;
}

/**
 * One scheduled run: continues the Region's pass where the last run stopped (an
 * organization's accounts may take several runs when AWS Config throttles), saves where
 * this one stops, and reports the drift as metrics (`ReconcileDrift` is alarmed: every
 * correction is an event Vigil missed) and each correction as a log line.
 */
export function createReconcilePass(deps: ReconcilePassDeps) {
  const { logger, metrics, region } = deps;
  return async function runPass(run: ReconcilePassRun): Promise<ReconcileReport> {
    const startAfterAccount = run.dryRun ? undefined : await deps.findings.resumeAfter(region);
    const report = await reconcileRegion(deps.config, deps.findings, {
      region,
      now: run.now,
      settleMs: deps.settleMs,
      ...(run.dryRun ? {} : { apply: { ingest: deps.ingest, quiet: run.quiet } }),
      ...(startAfterAccount ? { startAfterAccount } : {}),
      shouldStop: run.shouldStop,
      onCorrection: (correction, applied) => {
        if (correction.action === 'none') return;
        const log = { findingId: correction.findingId, accountId: correction.scope.accountId, region: correction.scope.region, source: 'aws.config', rule: correction.scope.rule, action: correction.action };
        if (correction.action === 'defer') logger.info('reconciliation deferred', { ...log, reason: correction.reason });
        else logger.info(run.dryRun ? 'reconciliation would correct' : 'reconciled', { ...log, reason: correction.reason, quiet: run.quiet, ...(applied ? { decision: applied.decision, transition: applied.transition } : {}) });
      },
    });
    if (!run.dryRun) await deps.findings.saveResumeAfter(region, report.complete ? undefined : report.resumeAfter, run.now);

    const deferred = Object.values(report.deferred).reduce((sum, n) => sum + n, 0);
    metrics.addMetric('ReconcileOpened', MetricUnit.Count, report.opened);
    metrics.addMetric('ReconcileResolved', MetricUnit.Count, report.resolved);
    metrics.addMetric('ReconcileUnchanged', MetricUnit.Count, report.unchanged);
    metrics.addMetric('ReconcileDeferred', MetricUnit.Count, deferred);
    metrics.addMetric('ReconcileRefused', MetricUnit.Count, report.refused.length);
    metrics.addMetric('ReconcileDrift', MetricUnit.Count, report.opened + report.resolved);
    metrics.addMetric('ReconcileAccounts', MetricUnit.Count, report.accounts);
    for (const refused of report.refused) logger.warn('reconciliation refused by routing', { findingId: refused.findingId, accountId: refused.accountId, reason: refused.reason, detail: refused.detail });
    logger.info('reconciliation pass', {
      region,
      dryRun: report.dryRun,
      quiet: report.quiet,
      accounts: report.accounts,
      opened: report.opened,
      resolved: report.resolved,
      unchanged: report.unchanged,
      deferred: report.deferred,
      refused: report.refused.length,
      complete: report.complete,
      ...(startAfterAccount ? { resumedAfter: startAfterAccount } : {}),
      ...(report.resumeAfter ? { resumeAfter: report.resumeAfter } : {}),
    });
    return report;
  };
}
