import * as z from 'zod';
import { clip, findingId, type Severity } from '../finding.js';
import { toIsoTimestamp } from '../time.js';
import { defineNormalizer } from './types.js';

const EvaluationResultSchema = z.object({
  evaluationResultIdentifier: z
    .object({
      evaluationResultQualifier: z
        .object({ configRuleName: z.string().optional(), resourceType: z.string().optional(), resourceId: z.string().optional() })
        .optional(),
      orderingTimestamp: z.string().optional(),
    })
    .optional(),
  complianceType: z.enum(['COMPLIANT', 'NON_COMPLIANT', 'NOT_APPLICABLE', 'INSUFFICIENT_DATA']),
  resultRecordedTime: z.string().optional(),
  configRuleInvokedTime: z.string().optional(),
  annotation: z.string().nullish(),
});

/** `detail` of "Config Rules Compliance Change" (ComplianceChangeNotification). */
export const ConfigComplianceChangeSchema = z.object({
  awsAccountId: z.string().regex(/^\d{12}$/),
  awsRegion: z.string().min(1),
  configRuleName: z.string().min(1),
  configRuleARN: z.string().optional(),
  resourceType: z.string().min(1),
  resourceId: z.string().min(1),
  messageType: z.string().optional(),
  notificationCreationTime: z.string().optional(),
  recordVersion: z.string().optional(),
  // Absent when the evaluation itself was removed (resource deleted or out of scope).
  newEvaluationResult: EvaluationResultSchema.nullish(),
  oldEvaluationResult: EvaluationResultSchema.nullish(),
});
export type ConfigComplianceChange = z.infer<typeof ConfigComplianceChangeSchema>;

/**
 * Config events carry no severity. These patterns on the rule name give one; first
 * match wins, else MEDIUM. Kept as data so a deployment can read it and a test can walk it.
 */
export const CONFIG_RULE_SEVERITY: ReadonlyArray<{ pattern: RegExp; severity: Severity }> = [
  { pattern: /root-account|root-access-key|root-mfa/, severity: 'CRITICAL' },
  { pattern: /public|unrestricted|restricted-ssh|restricted-common-ports|open-access|mfa-enabled|cloudtrail-enabled|guardduty-enabled/, severity: 'HIGH' },
  { pattern: /encrypt|kms|ssl|tls|password-policy|access-keys-rotated|iam-policy/, severity: 'MEDIUM' },
  { pattern: /retention|logging|log-|tag|backup|versioning|description/, severity: 'LOW' },
];

export function configRuleSeverity(ruleName: string): Severity {
  const base = baseRuleName(ruleName).toLowerCase();
  return CONFIG_RULE_SEVERITY.find((entry) => entry.pattern.test(base))?.severity ?? 'MEDIUM';
}

/** Conformance packs and Security Hub suffix the managed rule's name; the base names the check. */
export function baseRuleName(ruleName: string): string {
  return ruleName.replace(/-conformance-pack-[a-z0-9]+$/i, '');
}

function configConsoleUrl(region: string, ruleName: string, resourceType: string, resourceId: string): string {
  const rule = encodeURIComponent(ruleName);
  return `https://${region}.console.aws.amazon.com/config/home?region=${region}#/rules/details?configRuleName=${rule}&resourceType=${encodeURIComponent(resourceType)}&resourceId=${encodeURIComponent(resourceId)}`;
}

/**
 * The id of a Config rule evaluation's finding. Other sources that report the same
 * evaluation (Security Hub controls backed by `securityhub-*` Config rules) use it too,
 * so both land on one finding.
 */
export function configFindingId(accountId: string, region: string, ruleName: string, resourceType: string, resourceId: string): string {
  return findingId('aws.config', accountId, region, ruleName, resourceType, resourceId);
}

export const configComplianceChange = defineNormalizer({
  source: 'aws.config',
  detailType: 'Config Rules Compliance Change',
  detailSchema: ConfigComplianceChangeSchema,
  normalize(detail, envelope) {
    const next = detail.newEvaluationResult ?? undefined;
    const compliance = next?.complianceType;
    if (compliance === 'INSUFFICIENT_DATA') {
      return { kind: 'ignored', reason: 'config: INSUFFICIENT_DATA says nothing about compliance' };
    }
    const observedAt = toIsoTimestamp(
      next?.resultRecordedTime ?? detail.notificationCreationTime ?? envelope.time,
      'newEvaluationResult.resultRecordedTime',
    );
    const accountId = detail.awsAccountId;
    const region = detail.awsRegion;
    const open = compliance === 'NON_COMPLIANT';
    const why = compliance === undefined ? 'evaluation removed (resource deleted or out of scope)' : compliance;
    return {
      kind: 'findings',
      observations: [
        {
          id: configFindingId(accountId, region, detail.configRuleName, detail.resourceType, detail.resourceId),
          source: 'aws.config',
          ocsfClass: 'Compliance Finding',
          rule: detail.configRuleName,
          accountId,
          region,
          severity: configRuleSeverity(detail.configRuleName),
          status: open ? 'OPEN' : 'RESOLVED',
          title: clip(`${baseRuleName(detail.configRuleName)}: ${detail.resourceType} ${detail.resourceId}`, 200),
          description: clip(
            next?.annotation ?? `AWS Config rule ${detail.configRuleName} evaluated ${detail.resourceType} ${detail.resourceId} as ${why}.`,
            1000,
          ),
          resource: { type: detail.resourceType, id: detail.resourceId },
          observedAt,
          sourceId: detail.configRuleARN ?? detail.configRuleName,
          consoleUrl: configConsoleUrl(region, detail.configRuleName, detail.resourceType, detail.resourceId),
          eventId: envelope.id,
          // A resource that turns compliant without Vigil ever seeing it fail needs no
          // record; one the event says was NON_COMPLIANT does, so that a late delivery
          // of the failure cannot reopen it (order safety).
          createIfMissing: open || detail.oldEvaluationResult?.complianceType === 'NON_COMPLIANT',
        },
      ],
    };
  },
});
