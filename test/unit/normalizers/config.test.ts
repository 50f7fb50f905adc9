import { describe, expect, it } from 'vitest';
import { InvalidEventError } from '../../../functions/shared/core/errors.js';
import { configRuleSeverity } from '../../../functions/shared/core/normalizers/config.js';
import { normalizeEvent } from '../../../functions/shared/core/normalizers/index.js';
import { corpusEvents, loadEvent } from '../../support/events.js';

function only(event: unknown) {
  const result = normalizeEvent(event);
  if (result.kind !== 'findings') throw new Error(`expected findings, got ${JSON.stringify(result)}`);
  expect(result.observations).toHaveLength(1);
  return result.observations[0]!;
}

describe('normalizer: aws.config compliance change', () => {
  it('opens a finding for NON_COMPLIANT with the exact fields', () => {
    // Prepare
    const event = loadEvent('corpus/config/eventbridge/nzism-remediation-lab__poc_queue_sample.json');
    // Act
    const finding = only(event);
    // Assess
    expect(finding).toEqual({
      id: 'ed02eeca9d1cb6ac5bbb577fce5cc5d0',
      source: 'aws.config',
      ocsfClass: 'Compliance Finding',
      rule: 'cw-loggroup-retention-period-check-conformance-pack-qayjyopmd',
      accountId: '746869318262',
      region: 'ap-southeast-2',
      severity: 'LOW',
      status: 'OPEN',
      title: 'cw-loggroup-retention-period-check: AWS::Logs::LogGroup dev1',
      description: 'retentionInDays is less than MinRetentionTime 545 days. Current retentionInDays: 30 days',
      resource: { type: 'AWS::Logs::LogGroup', id: 'dev1' },
      observedAt: '2021-11-01T06:45:51.716Z',
      sourceId: 'arn:aws:config:ap-southeast-2:746869318262:config-rule/aws-service-rule/config-conforms.amazonaws.com/config-rule-vlxixs',
      consoleUrl:
        'https://ap-southeast-2.console.aws.amazon.com/config/home?region=ap-southeast-2#/rules/details?configRuleName=cw-loggroup-retention-period-check-conformance-pack-qayjyopmd&resourceType=AWS%3A%3ALogs%3A%3ALogGroup&resourceId=dev1',
      eventId: '1cccd43c-e7dc-a6be-4034-612ef2d862d5',
      createIfMissing: true,
    });
  });

  it('resolves on COMPLIANT after NON_COMPLIANT (AWS docs example)', () => {
    const finding = only(loadEvent('corpus/config/eventbridge-derived/awsdocs-config-developer-guide__example-config-rule-compliance-notification.json'));
    expect(finding).toMatchObject({
      status: 'RESOLVED',
      accountId: '123456789012',
      region: 'us-east-2',
      rule: 'cloudtrail-enabled',
      severity: 'HIGH',
      resource: { type: 'AWS::::Account', id: '123456789012' },
      observedAt: '2016-09-27T19:48:41.405Z',
      createIfMissing: true,
    });
  });

  it('uses the member account from detail, not the envelope', () => {
    // This published sample was hand-edited: the envelope says 746869318262.
    const finding = only(loadEvent('corpus/config/eventbridge/nzism-remediation-lab__src_tests_test_dispatch_py_body2.json'));
    expect(finding.accountId).toBe('119399605612');
    expect(finding.status).toBe('OPEN');
  });

  it('a COMPLIANT result for a resource never seen failing creates nothing', () => {
    const event = loadEvent('corpus/config/eventbridge/nzism-remediation-lab__src_tests_test_dispatch_py_body1.json') as { detail: Record<string, unknown> };
    const finding = only(event);
    expect(finding.status).toBe('RESOLVED');
    expect(finding.createIfMissing).toBe(event.detail.oldEvaluationResult ? (event.detail.oldEvaluationResult as { complianceType: string }).complianceType === 'NON_COMPLIANT' : false);
  });

  it('a removed evaluation (resource deleted) resolves', () => {
    const event = structuredClone(loadEvent('corpus/config/eventbridge/nzism-remediation-lab__poc_queue_sample.json')) as { detail: Record<string, unknown> };
    event.detail.oldEvaluationResult = event.detail.newEvaluationResult;
    (event.detail.oldEvaluationResult as { complianceType: string }).complianceType = 'NON_COMPLIANT';
    delete event.detail.newEvaluationResult;
    const finding = only(event);
    expect(finding.status).toBe('RESOLVED');
    expect(finding.description).toMatch(/evaluation removed/);
    expect(finding.observedAt).toBe('2021-11-01T06:45:52.018Z');
  });

  it('NOT_APPLICABLE resolves; INSUFFICIENT_DATA is ignored with a reason', () => {
    const event = structuredClone(loadEvent('corpus/config/eventbridge/nzism-remediation-lab__poc_queue_sample.json')) as { detail: { newEvaluationResult: { complianceType: string } } };
    event.detail.newEvaluationResult.complianceType = 'NOT_APPLICABLE';
    expect(only(event).status).toBe('RESOLVED');
    event.detail.newEvaluationResult.complianceType = 'INSUFFICIENT_DATA';
    expect(normalizeEvent(event)).toEqual({ kind: 'ignored', reason: 'config: INSUFFICIENT_DATA says nothing about compliance' });
  });

  it('rejects a detail without its rule name, naming the field', () => {
    const event = structuredClone(loadEvent('corpus/config/eventbridge/nzism-remediation-lab__poc_queue_sample.json')) as { detail: Record<string, unknown> };
    delete event.detail.configRuleName;
    expect(() => normalizeEvent(event)).toThrow(InvalidEventError);
    expect(() => normalizeEvent(event)).toThrow(/invalid-detail: detail\.configRuleName/);
  });

  it('gives severities from the rule table', () => {
    expect(configRuleSeverity('root-account-mfa-enabled')).toBe('CRITICAL');
    expect(configRuleSeverity('s3-bucket-public-read-prohibited-conformance-pack-abc123')).toBe('HIGH');
    expect(configRuleSeverity('cloudwatch-log-group-encrypted')).toBe('MEDIUM');
    expect(configRuleSeverity('cw-loggroup-retention-period-check')).toBe('LOW');
    expect(configRuleSeverity('some-custom-rule')).toBe('MEDIUM');
  });

  it('normalizes every Config event of the corpus', () => {
    const events = corpusEvents('config');
    expect(events.length).toBe(6);
    for (const { origin, event } of events) {
      const result = normalizeEvent(event);
      expect(result.kind, origin).toBe('findings');
    }
  });
});
