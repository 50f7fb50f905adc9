import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../../functions/shared/core/detections/index.js';
import { CORPUS } from '../../support/events.js';
import { corpusEvent, normalizeAny, rulesOf } from './cases.js';

/**
 * Panther's CloudTrail rules come with labelled test records (cloudtrail/raw/
 * panther-analysis.jsonl; the expected outcome per rule test in its index). Where one of
 * our detections covers the same ground as a Panther rule, its records are labelled cases
 * for us: a record Panther expects to alert should give one of our findings, and one it
 * expects not to, none.
 */
const COVERAGE: ReadonlyArray<{ rule: string; ours: readonly string[]; only?: { eventSource: string }; why?: string }> = [
  { rule: 'AWS.CloudTrail.Stopped', ours: ['cloudtrail-logging-stopped'] },
  { rule: 'AWS.CloudTrail.EventSelectorsDisabled', ours: ['cloudtrail-trail-weakened'] },
  { rule: 'AWS.CloudTrail.SecurityConfigurationChange', ours: ['cloudtrail-logging-stopped', 'cloudtrail-trail-weakened', 'guardduty-detector-disabled', 'config-recording-stopped'] },
  { rule: 'AWS.ConfigService.DisabledDeleted', ours: ['config-recording-stopped'] },
  { rule: 'AWS.Root.Activity', ours: ['root-account-usage'] },
  { rule: 'AWS.Console.RootLogin', ours: ['root-account-usage'] },
  { rule: 'AWS.Console.RootLoginFailed', ours: ['console-login-failed'] },
  { rule: 'AWS.Console.LoginWithoutMFA', ours: ['console-login-without-mfa', 'root-account-usage'], why: 'root sign-ins without MFA are root-account-usage findings' },
  { rule: 'AWS.CloudTrail.RootAccessKeyCreated', ours: ['root-access-key-created'] },
  { rule: 'AWS.EC2.SecurityGroupModified', ours: ['security-group-open-ingress'] },
  { rule: 'AWS.EC2.ManualSecurityGroupChange', ours: ['security-group-open-ingress'] },
  { rule: 'AWS.CloudTrail.ResourceMadePublic', ours: ['s3-bucket-policy-public', 's3-bucket-acl-public'], only: { eventSource: 's3.amazonaws.com' }, why: 'ours covers S3 only' },
  { rule: 'AWS.S3.BucketPolicyModified', ours: ['s3-bucket-policy-public', 's3-bucket-acl-public'] },
  { rule: 'AWS.S3.DeletePublicAccessBlock', ours: ['s3-public-access-block-disabled'] },
  { rule: 'AWS.IAM.AttachAdminRolePolicy', ours: ['iam-admin-policy-attached'] },
  { rule: 'AWS.IAM.AttachAdminUserPolicy', ours: ['iam-admin-policy-attached'] },
  { rule: 'AWS.KMS.CustomerManagedKeyLoss', ours: ['kms-key-disabled', 'kms-key-scheduled-for-deletion'] },
];

/** Where we intentionally differ from Panther, by `line rule "test name"`. */
const EXCEPTIONS: Readonly<Record<string, string>> = {
  '61 AWS.Console.LoginWithoutMFA "No MFA Login - New User"':
    'the same record as "No MFA Login - IAM User" (expected true); Panther suppresses it by looking the user up in its cache of new users, state a per-event detection does not keep',
  '86 AWS.EC2.ManualSecurityGroupChange "AWS Console - Ingress SG Authorization"': 'Panther alerts on any manual ingress change; ours only on ingress from the whole internet, and 0.0.0.0/16 is not',
  '106 AWS.EC2.SecurityGroupModified "Security Group Modified"': 'Panther alerts on any security group change; ours only on ingress from the whole internet, and 127.0.0.1/32 is not',
  '296 AWS.Root.Activity "Root Activity - CreateServiceLinkedRole"': 'Panther allow-lists CreateServiceLinkedRole; we report every root call that no AWS service made for root (the CIS filter)',
  '304 AWS.S3.BucketPolicyModified "S3 Bucket Policy Modified"': 'Panther alerts on any ACL change; ours only on ACLs that grant public access, and this one sets "private"',
};

interface Labelled {
  line: number;
  rule: string;
  test: string;
  expected: boolean;
}

function labelledRecords(): Labelled[] {
  const index = readFileSync(`${CORPUS}/cloudtrail/raw/panther-analysis.index.ndjson`, 'utf8').trim().split('\n');
  return index.flatMap((line) => {
    const entry = JSON.parse(line) as { line: number; tests: Array<{ rule_id?: string; test_name?: string; expected_result?: boolean }> };
    return entry.tests
      .filter((t) => t.rule_id !== undefined && t.expected_result !== undefined)
      .map((t) => ({ line: entry.line, rule: t.rule_id as string, test: t.test_name ?? '', expected: t.expected_result as boolean }));
  });
}

describe('detections: agreement with Panther rule tests', () => {
  const labelled = labelledRecords();
  const rows = COVERAGE.flatMap((coverage) =>
    labelled
      .filter((l) => l.rule === coverage.rule)
      .map((l) => {
        const record = corpusEvent(`corpus/cloudtrail/raw/panther-analysis.jsonl:${l.line}`);
        const inScope = !coverage.only || record.eventSource === coverage.only.eventSource;
        const fired = rulesOf(normalizeAny(record)).filter((id) => coverage.ours.includes(id));
        return { ...l, key: `${l.line} ${l.rule} "${l.test}"`, inScope, fired, agrees: fired.length > 0 === l.expected };
      }),
  );

  it('covers each mapped Panther rule with at least one labelled record of each outcome, and names real detections', () => {
    // Assess
    for (const coverage of COVERAGE) {
      const mine = rows.filter((r) => r.rule === coverage.rule && r.inScope);
      expect(mine.some((r) => r.expected), coverage.rule).toBe(true);
      expect(mine.some((r) => !r.expected), coverage.rule).toBe(true);
      for (const id of coverage.ours) expect(CATALOGUE.map((d) => d.id)).toContain(id);
    }
  });

  it('agrees with every in-scope labelled record except the listed, explained exceptions', () => {
    // Act
    const inScope = rows.filter((r) => r.inScope);
    const table = inScope.map((r) => `${r.agrees ? 'agree ' : EXCEPTIONS[r.key] ? 'EXCEPT' : 'DIFFER'} ${r.expected ? 'alert' : 'quiet'} -> ${r.fired.join(',') || '-'}  ${r.key}`);
    console.log(`Panther agreement (${inScope.filter((r) => r.agrees).length}/${inScope.length} agree):\n${table.join('\n')}`);

    // Assess: every disagreement is a listed exception, and every exception still disagrees
    expect(inScope.filter((r) => !r.agrees && !EXCEPTIONS[r.key]).map((r) => r.key)).toEqual([]);
    for (const key of Object.keys(EXCEPTIONS)) expect(inScope.find((r) => r.key === key)?.agrees, key).toBe(false);
  });
});
