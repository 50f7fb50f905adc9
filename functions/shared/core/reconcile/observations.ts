import { VigilError } from '../errors.js';
import { clip, type Observation } from '../finding.js';
import { normalizeEvent } from '../normalizers/index.js';
import type { NonCompliantEvaluation, OpenConfigFinding, RuleMetadata } from './types.js';

const CONFIG_DETAIL_TYPE = 'Config Rules Compliance Change';

/**
 * Config's statement as the compliance-change event would have carried it, normalized by
 * the same normalizer as live events: the finding id, title, severity and observation key
 * are then exactly those of the event Vigil missed, so if that event still arrives it is
 * a replay (noop), and a second reconciliation decides the same.
 */
function normalizeStatement(detail: Record<string, unknown>, at: string, accountId: string, region: string): Observation {
  const event = {
    version: '0',
    id: `reconcile-${at}`,
    'detail-type': CONFIG_DETAIL_TYPE,
    source: 'aws.config',
    account: accountId,
    time: at,
    region,
    resources: [],
    detail,
  };
  const result = normalizeEvent(event);
  if (result.kind !== 'findings' || result.observations.length !== 1) {
    // The Config normalizer makes exactly one observation of a NON_COMPLIANT or removed evaluation.
    throw new VigilError(`the Config normalizer made ${result.kind === 'findings' ? `${result.observations.length} observations` : result.kind} of a reconciled statement`);
  }
  return result.observations[0]!;
}

/** The observation of a NON_COMPLIANT evaluation Vigil does not show open: Config's own time and words. */
export function openObservation(evaluation: NonCompliantEvaluation, metadata?: RuleMetadata): Observation {
  const observation = normalizeStatement(
    {
      awsAccountId: evaluation.accountId,
      awsRegion: evaluation.region,
      configRuleName: evaluation.rule,
      resourceType: evaluation.resourceType,
      resourceId: evaluation.resourceId,
      messageType: 'ComplianceChangeNotification',
      newEvaluationResult: {
        evaluationResultIdentifier: {
          evaluationResultQualifier: { configRuleName: evaluation.rule, resourceType: evaluation.resourceType, resourceId: evaluation.resourceId },
        },
        complianceType: 'NON_COMPLIANT',
        resultRecordedTime: evaluation.recordedAt,
        ...(evaluation.annotation ? { annotation: evaluation.annotation } : {}),
      },
    },
    evaluation.recordedAt,
    evaluation.accountId,
    evaluation.region,
  );
  return enrichObservation(observation, metadata);
}

/**
 * The observation that resolves an open finding AWS Config no longer reports as
 * NON_COMPLIANT (compliant now, deleted, or out of the rule's scope). Config gives no
 * time for an evaluation it dropped, so the statement is dated one millisecond after the
 * last thing Vigil saw of the finding: newer than all of it (so it resolves), derived from
 * the stored state (so a retry decides the same), and older than any later event (so a
 * real failure reported afterwards still reopens the finding).
 */
export function resolveObservation(finding: OpenConfigFinding, lastSeen: string, metadata?: RuleMetadata): Observation {
  const at = new Date(Date.parse(lastSeen) + 1).toISOString();
  const observation = normalizeStatement(
    {
      awsAccountId: finding.accountId,
      awsRegion: finding.region,
      configRuleName: finding.rule,
      resourceType: finding.resourceType,
      resourceId: finding.resourceId,
      messageType: 'ComplianceChangeNotification',
      notificationCreationTime: at,
      // No oldEvaluationResult: a resolution never creates a finding that is gone meanwhile.
      newEvaluationResult: null,
    },
    at,
    finding.accountId,
    finding.region,
  );
  return enrichObservation(
    {
      ...observation,
      description: `AWS Config no longer reports ${finding.resourceType} ${finding.resourceId} as NON_COMPLIANT for rule ${finding.rule} (compliant now, deleted, or out of the rule's scope).`,
    },
    metadata,
  );
}

/** Adds what is known of the rule to a finding's long text and source id; the observation key is unchanged. */
export function enrichObservation(observation: Observation, metadata: RuleMetadata | undefined): Observation {
  if (!metadata) return observation;
  const lines = [observation.description];
  if (metadata.description) lines.push(`Rule: ${metadata.description}`);
  if (metadata.sourceIdentifier) lines.push(`Source: ${metadata.sourceIdentifier}`);
  if (metadata.remediationUrl) lines.push(`Remediation: ${metadata.remediationUrl}`);
  return { ...observation, description: clip(lines.join('\n'), 1500), ...(metadata.arn ? { sourceId: metadata.arn } : {}) };
}
