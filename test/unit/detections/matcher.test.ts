import { describe, expect, it } from 'vitest';
import { detectionMatches, failureOf, isOpenCidr, matchDetections, predicateHolds, valuesAt } from '../../../functions/shared/core/detections/matcher.js';
import { isAdminPolicy, isPublicPolicy, parsePolicy } from '../../../functions/shared/core/detections/policy.js';
import { defineDetection, type Predicate } from '../../../functions/shared/core/detections/types.js';
import { CATALOGUE } from '../../../functions/shared/core/detections/catalogue/index.js';
import { corpusEvents } from '../../support/events.js';
import { corpusEvent } from './cases.js';

const PANTHER = 'corpus/cloudtrail/raw/panther-analysis.jsonl';

describe('detections: matcher', () => {
  describe('valuesAt', () => {
    it('walks arrays implicitly and pools the values found', () => {
      // Prepare: AuthorizeSecurityGroupIngress, SSH from 0.0.0.0/0
      const record = corpusEvent(`${PANTHER}:89`);

      // Act
      const cidrs = valuesAt(record, 'requestParameters.ipPermissions.items.ipRanges.items.cidrIp');
      const ports = valuesAt(record, ['requestParameters.ipPermissions.items.fromPort', 'requestParameters.ipPermissions.items.toPort']);

      // Assess
      expect(cidrs).toEqual(['0.0.0.0/0']);
      expect(ports).toEqual([22, 22]);
    });

    it('treats null and missing as absent', () => {
      // Prepare: a record whose userIdentity.invokedBy is null
      const record = { userIdentity: { invokedBy: null }, requestParameters: null };

      // Act / Assess
      expect(valuesAt(record, 'userIdentity.invokedBy')).toEqual([]);
      expect(valuesAt(record, 'requestParameters.bucketName')).toEqual([]);
      expect(valuesAt(record, 'nothing.here')).toEqual([]);
    });
  });

  describe('operators', () => {
    const record = corpusEvent(`${PANTHER}:61`); // IAM user console sign-in without MFA
    const holds = (predicate: Predicate): boolean => predicateHolds(record, predicate);

    it.each<[string, Predicate, boolean]>([
      ['equals a listed value', { path: 'additionalEventData.MFAUsed', op: 'equals', values: ['No', 'no'] }, true],
      ['equals nothing listed', { path: 'additionalEventData.MFAUsed', op: 'equals', values: ['Yes'] }, false],
      ['anything-but a present value', { path: 'userIdentity.type', op: 'anything-but', values: ['Root'] }, true],
      ['anything-but the value', { path: 'userIdentity.type', op: 'anything-but', values: ['IAMUser'] }, false],
      ['anything-but passes a missing field', { path: 'userIdentity.invokedBy', op: 'anything-but', values: ['x'] }, true],
      ['exists', { path: 'responseElements.ConsoleLogin', op: 'exists' }, true],
      ['exists on a null field', { path: 'requestParameters', op: 'exists' }, false],
      ['absent', { path: 'userIdentity.invokedBy', op: 'absent' }, true],
      ['prefix', { path: 'userIdentity.arn', op: 'prefix', values: ['arn:aws:iam::'] }, true],
      ['suffix', { path: 'userIdentity.arn', op: 'suffix', values: [':user/tester'] }, true],
      ['contains', { path: 'additionalEventData.LoginTo', op: 'contains', values: ['console.aws.amazon.com'] }, true],
      ['contains nothing listed', { path: 'additionalEventData.LoginTo', op: 'contains', values: ['signin.aws'] }, false],
    ])('%s', (_name, predicate, expected) => {
      // Act / Assess
      expect(holds(predicate)).toBe(expected);
    });

    it.each<[string, boolean]>([
      ['0.0.0.0/0', true],
      ['::/0', true],
      [' 0.0.0.0/0 ', true],
      ['0.0.0.0/16', false],
      ['127.0.0.1/32', false],
      ['10.0.0.0/8', false],
      ['0.0.0.0', false],
      ['sg-123/0', false],
    ])('cidr-open %s is %s', (cidr, expected) => {
      // Act / Assess
      expect(isOpenCidr(cidr)).toBe(expected);
    });
  });

  describe('policies', () => {
    it.each<[number, boolean, string]>([
      [281, true, 'Principal {"AWS": "*"} without condition'],
      [282, false, 'a service principal'],
      [290, true, 'two statements, one restricted by aws:PrincipalOrgID and one not (SQS)'],
      [291, false, 'Principal "*" restricted by org, VPC and source IP'],
      [287, false, 'Principal "*" restricted (Secrets Manager)'],
      [292, false, 'a JSON-string policy restricted by aws:PrincipalOrgID and aws:PrincipalArn'],
      [289, true, 'a key policy for "*" without condition'],
      [286, false, 'a string that is not JSON'],
    ])('panther-analysis line %i: public is %s (%s)', (line, expected) => {
      // Prepare: the policy of a resource-policy call in the corpus
      const record = corpusEvent(`${PANTHER}:${line}`);
      const request = record.requestParameters as Record<string, unknown>;
      const policy = request.bucketPolicy ?? request.resourcePolicy ?? request.policy ?? (request.attributes as Record<string, unknown> | undefined)?.Policy;

      // Act / Assess
      expect(isPublicPolicy(policy)).toBe(expected);
    });

    it('reads restricting conditions only under positive operators', () => {
      // Prepare: the restricted statement of panther-analysis line 291, its operators negated
      const record = corpusEvent(`${PANTHER}:291`);
      const policy = parsePolicy((record.requestParameters as Record<string, unknown>).bucketPolicy) as { Statement: Array<Record<string, unknown>> };
      const statement = policy.Statement[0] as Record<string, unknown>;
      const negated = { ...policy, Statement: [{ ...statement, Condition: { StringNotEquals: { 'aws:PrincipalOrgID': 'o-test123456' } } }] };
      const ifExists = { ...policy, Statement: [{ ...statement, Condition: { StringEqualsIfExists: { 'aws:PrincipalOrgID': 'o-test123456' } } }] };

      // Act / Assess
      expect(isPublicPolicy(policy)).toBe(false);
      expect(isPublicPolicy(negated)).toBe(true);
      expect(isPublicPolicy(ifExists)).toBe(true);
    });

    it('finds Allow * on * in an inline policy document (a JSON string)', () => {
      // Prepare: a quarantine policy (Deny * on *) and the same document allowing
      const record = corpusEvent(`${PANTHER}:145`);
      const deny = (record.requestParameters as Record<string, string>).policyDocument as string;
      const allow = deny.replace('"Deny"', '"Allow"');

      // Act / Assess
      expect(isAdminPolicy(deny)).toBe(false);
      expect(isAdminPolicy(allow)).toBe(true);
      expect(isAdminPolicy(encodeURIComponent(allow))).toBe(true);
      expect(isAdminPolicy(undefined)).toBe(false);
    });
  });

  describe('failed and read-only calls', () => {
    it('names the error code, or the sign-in failure', () => {
      // Prepare: a failed StopLogging, a failed root sign-in, a successful StopLogging
      const failedCall = corpusEvent(`${PANTHER}:44`);
      const failedSignIn = corpusEvent(`${PANTHER}:73`);
      const success = corpusEvent(`${PANTHER}:42`);

      // Act / Assess
      expect(failureOf(failedCall)).toBe('InvalidTrailNameException');
      expect(failureOf(failedSignIn)).toBe('ConsoleLogin Failure');
      expect(failureOf(success)).toBeUndefined();
    });

    it('matches them only when a detection says so', () => {
      // Prepare: root ListAccessKeys (read-only) and a failed StopLogging, two detections each
      const readOnly = corpusEvent(`${PANTHER}:300`);
      const failed = corpusEvent(`${PANTHER}:44`);
      const listKeys = { id: 'list-keys', title: 't', severity: 'LOW', description: 'd', remediation: 'r', resource: 'account' } as const;
      const strict = defineDetection({ ...listKeys, match: [{ eventName: ['ListAccessKeys', 'StopLogging'] }] });
      const lenient = defineDetection({ ...strict, includeReadOnly: true, includeFailed: true });

      // Act / Assess
      expect(detectionMatches(readOnly, strict)).toBe(false);
      expect(detectionMatches(readOnly, lenient)).toBe(true);
      expect(detectionMatches(failed, strict)).toBe(false);
      expect(detectionMatches(failed, lenient)).toBe(true);
    });
  });

  describe('matchDetections', () => {
    const base = { title: 't', severity: 'LOW', description: 'd', remediation: 'r', resource: 'account' } as const;
    // Prepare: detections that name the call, one that names another, and two that name none
    const stop = defineDetection({ ...base, id: 'stop', match: [{ eventName: ['StopLogging'] }] });
    const anyCloudTrail = defineDetection({ ...base, id: 'any-cloudtrail', match: [{ eventSource: ['cloudtrail.amazonaws.com'] }] });
    const deleteTrail = defineDetection({ ...base, id: 'delete-trail', match: [{ eventName: ['DeleteTrail'] }] });
    const stopOrByUser = defineDetection({
      ...base,
      id: 'stop-or-by-user',
      match: [{ eventName: ['StopLogging', 'DeleteTrail'] }, { where: [{ path: 'userIdentity.type', op: 'equals', values: ['IAMUser'] }] }],
    });
    const catalogue = [stop, anyCloudTrail, deleteTrail, stopOrByUser];
    const ids = (record: Record<string, unknown>) => matchDetections(record, catalogue).map((d) => d.id);
    const record = (eventName: unknown, type = 'Root') => ({ eventSource: 'cloudtrail.amazonaws.com', eventName, userIdentity: { type } });

    it('checks the detections that name the call and those that name none, in catalogue order', () => {
      // Act / Assess: the same catalogue, asked again and again, answers each call on its own
      expect(ids(record('StopLogging'))).toEqual(['stop', 'any-cloudtrail', 'stop-or-by-user']);
      expect(ids(record('DeleteTrail'))).toEqual(['any-cloudtrail', 'delete-trail', 'stop-or-by-user']);
      expect(ids(record('UpdateTrail'))).toEqual(['any-cloudtrail']);
      expect(ids(record('UpdateTrail', 'IAMUser'))).toEqual(['any-cloudtrail', 'stop-or-by-user']);
      expect(ids(record(undefined, 'IAMUser'))).toEqual(['any-cloudtrail', 'stop-or-by-user']);
      expect(ids(record('StopLogging'))).toEqual(['stop', 'any-cloudtrail', 'stop-or-by-user']);
    });

    it('agrees with checking every detection of the catalogue, over every CloudTrail record of the corpus', () => {
      // Prepare: the corpus's CloudTrail records (several hundred calls, matched and not)
      const records = corpusEvents('cloudtrail').map((e) => e.event as Record<string, unknown>);
      expect(records.length).toBeGreaterThan(400);

      // Act
      const indexed = records.map((r) => matchDetections(r, CATALOGUE).map((d) => d.id));
      const everyDetection = records.map((r) => CATALOGUE.filter((d) => detectionMatches(r, d)).map((d) => d.id));

      // Assess: the same detections, in the same order (66 records match when this was written)
      expect(indexed).toEqual(everyDetection);
      expect(indexed.filter((ids) => ids.length > 0).length).toBeGreaterThan(50);
    });
  });
});
