import { describe, expect, it } from 'vitest';
import { guardDutySeverity } from '../../../functions/shared/core/normalizers/guardduty.js';
import { normalizeEvent } from '../../../functions/shared/core/normalizers/index.js';
import { corpusEvents, loadEvent } from '../../support/events.js';

function only(event: unknown) {
  const result = normalizeEvent(event);
  if (result.kind !== 'findings') throw new Error(`expected findings, got ${JSON.stringify(result)}`);
  expect(result.observations).toHaveLength(1);
  return result.observations[0]!;
}

describe('normalizer: aws.guardduty finding', () => {
  it('maps a native EventBridge GuardDuty event with the exact fields', () => {
    // Prepare: the envelope's account (101010101111) and time (epoch zero) are the fixture's; detail is authoritative.
    const event = loadEvent('corpus/guardduty/eventbridge/cloud-custodian__ec2-duty-event.json');
    // Act
    const finding = only(event);
    // Assess
    expect(finding).toEqual({
      id: '1418a8b037f27a60dc1c1e6086447564',
      source: 'aws.guardduty',
      ocsfClass: 'Detection Finding',
      rule: 'Backdoor:EC2/C&CActivity.B!DNS',
      accountId: '883606788610',
      region: 'us-east-1',
      severity: 'MEDIUM',
      status: 'OPEN',
      title: 'Command and Control server domain name queried by EC2 instance i-99999999.',
      description: 'EC2 instance i-99999999 is querying a domain name associated with a known Command & Control server.',
      resource: { type: 'Instance', id: 'i-99999999' },
      observedAt: '2017-12-08T15:32:49.865Z',
      firstSeenAt: '2017-12-08T15:32:49.865Z',
      sourceCount: 1,
      sourceId: 'b4b01b60fc24a199139f8f5f490edd81',
      consoleUrl: 'https://us-east-1.console.aws.amazon.com/guardduty/home?region=us-east-1#/findings?macros=current&fId=b4b01b60fc24a199139f8f5f490edd81',
      eventId: '8f5fa7d9-5558-33dc-449c-c890a0c38127',
      sample: true,
    });
  });

  it('keeps resource tags for routing (EC2 instance)', () => {
    const finding = only(loadEvent('corpus/guardduty/eventbridge-derived/sekoia-intake-formats__event_instance_network__UnauthorizedAccess_EC2_TorRelay.json'));
    expect(finding.resource).toEqual({
      type: 'Instance',
      id: 'i-99999999',
      tags: { GeneratedFindingInstanceTag1: 'GeneratedFindingInstanceValue1', GeneratedFindingInstanceTag2: 'GeneratedFindingInstanceTagValue2', GeneratedFindingInstanceTag3: 'GeneratedFindingInstanceTagValue3', GeneratedFindingInstanceTag4: 'GeneratedFindingInstanceTagValue4', GeneratedFindingInstanceTag5: 'GeneratedFindingInstanceTagValue5', GeneratedFindingInstanceTag6: 'GeneratedFindingInstanceTagValue6', GeneratedFindingInstanceTag7: 'GeneratedFindingInstanceTagValue7', GeneratedFindingInstanceTag8: 'GeneratedFindingInstanceTagValue8', GeneratedFindingInstanceTag9: 'GeneratedFindingInstanceTagValue9' },
    });
    expect(finding).toMatchObject({ accountId: '111111111111', region: 'eu-west-2', severity: 'HIGH', rule: 'UnauthorizedAccess:EC2/TorRelay' });
  });

  it('names the resource of an access key, an S3 bucket and an ECS cluster', () => {
    expect(only(loadEvent('corpus/guardduty/eventbridge-derived/sekoia-intake-formats__event_accesskey_apicall__UnauthorizedAccess_IAMUser_MaliciousIPCaller.json')).resource).toEqual({ type: 'AccessKey', id: 'GeneratedFindingUserName' });
    expect(only(loadEvent('corpus/guardduty/eventbridge-derived/sekoia-intake-formats__event_s3bucket_apicall__Discovery_S3_MaliciousIPCaller.Custom.json')).resource).toMatchObject({ type: 'S3Bucket' });
    expect(only(loadEvent('corpus/guardduty/eventbridge-derived/sekoia-intake-formats__event_ecscluster__Execution_ECS_MaliciousFile.json')).resource).toMatchObject({ type: 'ECSCluster', id: 'arn:aws:ecs:region:123456789000:cluster/clusterName' });
  });

  it('tolerates non-ISO timestamps and maps CRITICAL (Panther attack sequence)', () => {
    const finding = only(loadEvent('corpus/guardduty/eventbridge-derived/panther-analysis__Critical_Sev_Finding__AttackSequence_IAM_CompromisedCredentials.json'));
    expect(finding).toMatchObject({ severity: 'CRITICAL', observedAt: '2025-02-25T20:40:06.721Z', status: 'OPEN', resource: { type: 'AttackSequence', id: 'unknown' } });
  });

  it('an archived finding resolves; the same finding id keeps the same Vigil id', () => {
    const event = structuredClone(loadEvent('corpus/guardduty/eventbridge/cloud-custodian__iam-duty-event.json')) as { detail: { service: Record<string, unknown>; updatedAt: string } };
    const open = only(event);
    event.detail.service.archived = true;
    event.detail.updatedAt = '2017-12-09T00:00:00.000Z';
    const resolved = only(event);
    expect(resolved.status).toBe('RESOLVED');
    expect(resolved.id).toBe(open.id);
  });

  it('maps numeric severity by the documented bands', () => {
    expect([1, 3.9, 4, 6.9, 7, 8.9, 9, 10].map(guardDutySeverity)).toEqual(['LOW', 'LOW', 'MEDIUM', 'MEDIUM', 'HIGH', 'HIGH', 'CRITICAL', 'CRITICAL']);
  });

  it('normalizes every GuardDuty event of the corpus', () => {
    const events = corpusEvents('guardduty');
    expect(events.length).toBe(19);
    for (const { origin, event } of events) {
      expect(normalizeEvent(event).kind, origin).toBe('findings');
    }
  });
});
