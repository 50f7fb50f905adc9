import { describe, expect, it } from 'vitest';
import { findingId, type Observation } from '../../../functions/shared/core/finding.js';
import { observationKey } from '../../../functions/shared/core/lifecycle.js';
import { configFindingId } from '../../../functions/shared/core/normalizers/config.js';
import { normalizeEvent, type NormalizeResult } from '../../../functions/shared/core/normalizers/index.js';
import {
  AsffFindingSchema,
  configRuleOf,
  guardDutyTypeOf,
  regionOf,
  securityHubSeverity,
} from '../../../functions/shared/core/normalizers/securityhub.js';
import { corpusEvents, loadEvent, tallyCorpus } from '../../support/events.js';

type Json = Record<string, unknown>;

const AWSDOCS = 'corpus/securityhub/eventbridge-derived/awsdocs.eventbridge.jsonl';
const PANTHER = 'corpus/securityhub/eventbridge-derived/panther-analysis.eventbridge.jsonl';
const ASR = 'corpus/securityhub/eventbridge/automated-security-response-on-aws__';
const CUSTODIAN = 'corpus/securityhub/eventbridge/cloud-custodian__';

const byOrigin = new Map(corpusEvents('securityhub').map((e) => [e.origin, e.event]));
/** A corpus Security Hub event by origin, as a fresh copy. */
function event(origin: string): Json {
  const found = byOrigin.get(origin);
  if (!found) throw new Error(`no corpus event ${origin}`);
  return structuredClone(found);
}
const findingOf = (e: Json): Json => ((e.detail as Json).findings as Json[])[0] as Json;
const observations = (result: NormalizeResult): Observation[] => (result.kind === 'findings' ? result.observations : []);
const only = (result: NormalizeResult): Observation => {
  const [first, ...rest] = observations(result);
  if (!first || rest.length > 0) throw new Error(`expected one observation, got ${JSON.stringify(result).slice(0, 200)}`);
  return first;
};
/** Re-labels a corpus custom-action event as an import, to normalize the findings it carries. */
const asImport = (e: Json): Json => ({ ...e, 'detail-type': 'Security Hub Findings - Imported' });

describe('normalizer: securityhub', () => {
  describe('imported findings', () => {
    it('turns a control finding into an observation of the control', () => {
      // Prepare: FSBP CloudTrail.2 on a trail (sample-control-findings.md); trails are not mapped to Config
      const e = event(`${AWSDOCS}:1`);
      const asffId = 'arn:aws:securityhub:us-east-2:123456789012:subscription/aws-foundational-security-best-practices/v/1.0.0/CloudTrail.2/finding/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111';

      // Act
      const result = normalizeEvent(e);

      // Assess
      expect(result).toEqual({
        kind: 'findings',
        observations: [
          {
            id: findingId('aws.securityhub', '123456789012', 'us-east-2', asffId),
            source: 'aws.securityhub',
            ocsfClass: 'Compliance Finding',
            rule: 'CloudTrail.2',
            accountId: '123456789012',
            region: 'us-east-2',
            severity: 'MEDIUM',
            status: 'OPEN',
            title: 'CloudTrail.2 CloudTrail should have encryption at-rest enabled',
            description:
              'This AWS control checks whether AWS CloudTrail is configured to use the server side encryption (SSE) AWS Key Management Service (AWS KMS) customer master key (CMK) encryption. The check will pass if the KmsKeyId is defined.',
            resource: { type: 'AwsCloudTrailTrail', id: 'arn:aws:cloudtrail:us-east-2:123456789012:trail/AWSMacieTrail-DO-NOT-EDIT' },
            observedAt: '2021-09-28T16:10:00.093Z',
            firstSeenAt: '2020-08-06T02:18:23.076Z',
            sourceId: asffId,
            consoleUrl: `https://us-east-2.console.aws.amazon.com/securityhub/home?region=us-east-2#/findings?search=Id%3D%255Coperator%255C%253AEQUALS%255C%253A${encodeURIComponent(encodeURIComponent(asffId))}`,
            eventId: '38965370-2704-5578-88c4-9cead5684f47',
          },
        ],
      });
    });

    it('gives a GuardDuty finding the GuardDuty identity and statement', () => {
      // Prepare: the GuardDuty guide's ASFF example (malformed ARNs, no Region, as published)
      const e = event(`${AWSDOCS}:8`);

      // Act
      const result = normalizeEvent(e);

      // Assess: GuardDuty severity 2 is LOW (the ASFF label says MEDIUM)
      expect(result).toEqual({
        kind: 'findings',
        observations: [
          {
            id: findingId('aws.guardduty', '193043430472', 'us-east-1', '46ba0ac2845071e23ccdeb2ae03bfdea'),
            source: 'aws.securityhub',
            ocsfClass: 'Detection Finding',
            rule: 'UnauthorizedAccess:EC2/SSHBruteForce',
            accountId: '193043430472',
            region: 'us-east-1',
            severity: 'LOW',
            status: 'OPEN',
            title: '199.241.229.197 is performing SSH brute force attacks against i-0c10c2c7863d1a356.',
            description:
              '199.241.229.197 is performing SSH brute force attacks against i-0c10c2c7863d1a356. Brute force attacks are used to gain unauthorized access to your instance by guessing the SSH password.',
            resource: { type: 'Instance', id: 'i-0c10c2c7863d1a356', tags: { Name: 'kubectl' } },
            observedAt: '2020-09-30T12:14:00.206Z',
            firstSeenAt: '2020-08-22T09:34:34.146Z',
            sourceCount: 74,
            sourceId: '46ba0ac2845071e23ccdeb2ae03bfdea',
            consoleUrl: 'https://us-east-1.console.aws.amazon.com/guardduty/home?region=us-east-1#/findings?macros=current&fId=46ba0ac2845071e23ccdeb2ae03bfdea',
            eventId: '7fd023fb-34d4-5a74-87f1-a8f414bdf8f2',
          },
        ],
      });
    });

    it('gives a Config-backed finding the Config identity and statement', () => {
      // Prepare: the Config integration's finding for an S3 bucket (securityhub-internal-providers.md)
      const e = event(`${AWSDOCS}:6`);
      const rule = 's3-bucket-level-public-access-prohibited-config-integration-demo';

      // Act
      const observation = only(normalizeEvent(e));

      // Assess: Config's severity for the rule (HIGH), Security Hub's label in the description
      expect(observation).toMatchObject({
        id: configFindingId('123456789012', 'eu-central-1', rule, 'AWS::S3::Bucket', 'config-integration-demo-bucket'),
        ocsfClass: 'Compliance Finding',
        rule,
        severity: 'HIGH',
        status: 'OPEN',
        title: `${rule}: AWS::S3::Bucket config-integration-demo-bucket`,
        resource: { type: 'AWS::S3::Bucket', id: 'config-integration-demo-bucket' },
        sourceId: 'arn:aws:config:eu-central-1:123456789012:config-rule/config-rule-mburzq',
      });
      expect(observation.description).toMatch(/^Security Hub \(MEDIUM\): s3-bucket-level-public-access-prohibited/);
    });

    it('reads resource tags and Panther-normalized times of a custom product finding', () => {
      // Prepare: a DecoyDetector finding (Panther fixture)
      const e = event(`${PANTHER}:5`);

      // Act
      const observation = only(normalizeEvent(e));

      // Assess
      expect(observation).toMatchObject({
        id: findingId('aws.securityhub', '123456789012', 'us-east-1', 'ABC9ONWNS3155VIEJC8U'),
        severity: 'HIGH',
        observedAt: '2024-05-24T00:26:57.000Z',
        resource: {
          type: 'AwsS3Bucket',
          id: 'arn:aws:s3:::panther-databucket',
          tags: {
            'aws:cloudformation:logical-id': 'DataBucket',
            'aws:cloudformation:stack-id': 'arn:aws:cloudformation:us-east-1:123456789012:stack/Panther/a1b2c345-12f6-11ef-8c74-12deb08d9ef1',
            'aws:cloudformation:stack-name': 'Panther',
          },
        },
      });
    });

    it('makes one observation per finding of an event', () => {
      // Prepare: one import carrying three corpus findings (corpus imports carry one each)
      const e = event(`${AWSDOCS}:1`);
      (e.detail as Json).findings = [1, 6, 8].map((line) => findingOf(event(`${AWSDOCS}:${line}`)));
      const single = [1, 6, 8].map((line) => only(normalizeEvent(event(`${AWSDOCS}:${line}`))).id);

      // Act
      const result = normalizeEvent(e);

      // Assess
      expect(observations(result).map((o) => o.id)).toEqual(single);
    });

    it('takes the account from AwsAccountId, not the envelope, and the Region from the product ARN', () => {
      // Prepare: a cross-account finding (administrator 519413311747, member 644160558196), no Region, no Label
      const e = asImport(event(`${CUSTODIAN}event-securityhub-lambda-cross.json`));

      // Act
      const observation = only(normalizeEvent(e));

      // Assess: Normalized 6 is LOW
      expect(e.account).toBe('519413311747');
      expect(observation).toMatchObject({ accountId: '644160558196', region: 'us-east-1', severity: 'LOW', status: 'OPEN' });
    });

    it('reads the older GuardDuty product fields', () => {
      // Prepare: a GuardDuty access-key finding from 2019 (ProductFields "count", no "aws/guardduty/..." prefix)
      const e = asImport(event(`${CUSTODIAN}event-securityhub-iamkey-finding-action.json`));

      // Act
      const observation = only(normalizeEvent(e));

      // Assess
      expect(observation).toMatchObject({
        id: findingId('aws.guardduty', '644160558196', 'us-east-1', '4cb5a629e9757b650d102f683cdbcd7b'),
        rule: 'UnauthorizedAccess:IAMUser/ConsoleLogin',
        severity: 'MEDIUM',
        resource: { type: 'AccessKey', id: 'kapil' },
        sourceCount: 1,
      });
    });
  });

  describe('severity and status', () => {
    it.each<[number, string]>([
      [0, 'INFORMATIONAL'],
      [1, 'LOW'],
      [39, 'LOW'],
      [40, 'MEDIUM'],
      [69, 'MEDIUM'],
      [70, 'HIGH'],
      [89, 'HIGH'],
      [90, 'CRITICAL'],
      [100, 'CRITICAL'],
    ])('Normalized %i without a Label is %s', (normalized, severity) => {
      // Act / Assess
      expect(securityHubSeverity({ Normalized: normalized })).toBe(severity);
      expect(securityHubSeverity({ Label: 'HIGH', Normalized: normalized })).toBe('HIGH');
    });

    it.each<[string, Json, 'OPEN' | 'RESOLVED']>([
      ['as published (FAILED, NEW, ACTIVE)', {}, 'OPEN'],
      ['archived', { RecordState: 'ARCHIVED' }, 'RESOLVED'],
      ['passed', { Compliance: { Status: 'PASSED' } }, 'RESOLVED'],
      ['not available', { Compliance: { Status: 'NOT_AVAILABLE' } }, 'RESOLVED'],
      ['warning', { Compliance: { Status: 'WARNING' } }, 'OPEN'],
      ['resolved by a person', { Workflow: { Status: 'RESOLVED' } }, 'RESOLVED'],
      ['suppressed by a person', { Workflow: { Status: 'SUPPRESSED' } }, 'RESOLVED'],
      ['notified', { Workflow: { Status: 'NOTIFIED' } }, 'OPEN'],
    ])('a control finding %s is %s', (_name, change, status) => {
      // Prepare: FSBP CloudTrail.2, with the state fields changed
      const e = event(`${AWSDOCS}:1`);
      Object.assign(findingOf(e), change);

      // Act
      const observation = only(normalizeEvent(e));

      // Assess: a resolution never creates a finding Vigil did not see open
      expect(observation.status).toBe(status);
      expect(observation.createIfMissing).toBe(status === 'RESOLVED' ? false : undefined);
    });

    it('keeps WARNING findings open (CIS-bad: CONFIG_ACCESS_DENIED)', () => {
      // Act
      const observation = only(normalizeEvent(event(`${ASR}source_layer_test_test_json_data_CIS-bad.json`)));

      // Assess
      expect(observation.status).toBe('OPEN');
    });
  });

  describe('events that are not imports', () => {
    it.each<[string, string]>([
      [`${CUSTODIAN}event-securityhub-cloudtrail-finding-action.json`, 'securityhub: custom action events are user actions, not finding updates'],
      [`${ASR}source_layer_test_test_json_data_CIS_1-6-multi-select.json`, 'securityhub: custom action events are user actions, not finding updates'],
      [`${CUSTODIAN}event-securityhub-insight-2.json`, 'securityhub: insight results are aggregates, not findings'],
    ])('%s is ignored', (origin, reason) => {
      // Prepare
      const e = event(origin);

      // Act / Assess
      expect(normalizeEvent(e)).toEqual({ kind: 'ignored', reason });
    });

    it('ignores an import without findings', () => {
      // Prepare
      const e = event(`${AWSDOCS}:1`);
      (e.detail as Json).findings = [];

      // Act / Assess
      expect(normalizeEvent(e)).toEqual({ kind: 'ignored', reason: 'securityhub: the event carries no findings' });
    });

    it('refuses an import whose finding lacks the fields Vigil needs', () => {
      // Prepare: no Severity label or score, and no resources
      const e = event(`${AWSDOCS}:1`);
      Object.assign(findingOf(e), { Severity: { Original: 'MEDIUM' }, Resources: [] });

      // Act / Assess
      expect(() => normalizeEvent(e)).toThrow(/invalid-detail: detail\.findings\.0\.Severity: Severity needs a Label or a Normalized score; detail\.findings\.0\.Resources/);
    });
  });

  describe('identity across sources', () => {
    it('gives a GuardDuty finding imported into Security Hub the id of the GuardDuty event', () => {
      // Prepare: the GuardDuty event for the finding embedded in the GuardDuty guide's ASFF
      // example, built from a real corpus GuardDuty event (no natural pair in the corpus)
      const imported = event(`${AWSDOCS}:8`);
      const asff = findingOf(imported);
      const guardDuty = loadEvent('corpus/guardduty/eventbridge/cloud-custodian__ec2-duty-event.json');
      Object.assign(guardDuty.detail as Json, {
        accountId: '193043430472',
        region: 'us-east-1',
        id: '46ba0ac2845071e23ccdeb2ae03bfdea',
        arn: 'arn:aws:guardduty:us-east-1:193043430472:detector/d4b040365221be2b54a6264dc9a4bc64/finding/46ba0ac2845071e23ccdeb2ae03bfdea',
        type: 'UnauthorizedAccess:EC2/SSHBruteForce',
        severity: 2,
        title: asff.Title,
        description: asff.Description,
        createdAt: asff.CreatedAt,
        updatedAt: asff.UpdatedAt,
        resource: { resourceType: 'Instance', instanceDetails: { instanceId: 'i-0c10c2c7863d1a356', tags: [{ key: 'Name', value: 'kubectl' }] } },
        service: { count: 74, archived: false },
      });

      // Act
      const fromGuardDuty = only(normalizeEvent(guardDuty));
      const fromSecurityHub = only(normalizeEvent(imported));

      // Assess: one id, and the same statement, so the second delivery is a duplicate
      expect(fromSecurityHub.id).toBe(fromGuardDuty.id);
      expect(observationKey(fromSecurityHub)).toBe(observationKey(fromGuardDuty));
      const said = (o: Observation): unknown => [o.rule, o.severity, o.status, o.title, o.resource, o.observedAt, o.firstSeenAt, o.sourceCount, o.sourceId, o.consoleUrl];
      expect(said(fromSecurityHub)).toEqual(said(fromGuardDuty));
    });

    it.each<[string, string, string, string, string]>([
      [`${AWSDOCS}:6`, 's3-bucket-level-public-access-prohibited-config-integration-demo', 'eu-central-1', 'AWS::S3::Bucket', 'config-integration-demo-bucket'],
      [`${AWSDOCS}:5`, 'securityhub-cloud-trail-encryption-enabled-fe95bf3f', 'us-east-1', 'AWS::::Account', '123456789012'],
    ])('gives %s the id of the Config evaluation of %s', (origin, rule, region, resourceType, resourceId) => {
      // Prepare: the Config event for the same rule and resource, built from the AWS Config
      // guide's compliance-change example (no natural pair in the corpus)
      const imported = event(origin);
      const config = loadEvent('corpus/config/eventbridge-derived/awsdocs-config-developer-guide__example-config-rule-compliance-notification.json');
      const detail = config.detail as Json;
      const evaluation = detail.newEvaluationResult as Json;
      Object.assign(detail, { configRuleName: rule, awsRegion: region, resourceType, resourceId });
      Object.assign(evaluation, { complianceType: 'NON_COMPLIANT' });
      Object.assign((evaluation.evaluationResultIdentifier as Json).evaluationResultQualifier as Json, { configRuleName: rule, resourceType, resourceId });

      // Act
      const fromConfig = only(normalizeEvent(config));
      const fromSecurityHub = only(normalizeEvent(imported));

      // Assess: one id, and the same rule, title, severity, status and resource (no flapping)
      expect(fromSecurityHub.id).toBe(fromConfig.id);
      const said = (o: Observation): unknown => [o.rule, o.title, o.severity, o.status, o.resource];
      expect(said(fromSecurityHub)).toEqual(said(fromConfig));
    });

    it('does not collapse a control backed by several Config rules', () => {
      // Prepare: CIS 2.3 (public read and public write rules), carried by a custom action
      const finding = AsffFindingSchema.parse(findingOf(event(`${ASR}simtest_simdata_cis23.json`)));

      // Act / Assess
      expect(configRuleOf(finding)).toBeUndefined();
    });
  });

  describe('helpers', () => {
    it.each<[string | undefined, string | undefined]>([
      ['arn:aws::securityhub:us-east-1::product/aws/guardduty', 'us-east-1'],
      ['arn:aws:securityhub:eu-central-1::product/aws/config', 'eu-central-1'],
      ['arn:aws-us-gov:securityhub:us-gov-west-1::product/aws/securityhub', 'us-gov-west-1'],
      ['arn:aws:securityhub:::insight/securityhub/default/9', undefined],
      [undefined, undefined],
    ])('regionOf(%s) is %s', (arn, region) => {
      // Act / Assess
      expect(regionOf(arn)).toBe(region);
    });

    it('rebuilds GuardDuty types from ASFF types', () => {
      // Prepare: the Types of the two GuardDuty findings in the Security Hub corpus
      const types = [findingOf(event(`${AWSDOCS}:8`)).Types, findingOf(event(`${CUSTODIAN}event-securityhub-iamkey-finding-action.json`)).Types] as string[][];

      // Act / Assess
      expect(types.map(guardDutyTypeOf)).toEqual(['UnauthorizedAccess:EC2/SSHBruteForce', 'UnauthorizedAccess:IAMUser/ConsoleLogin']);
      expect(guardDutyTypeOf(undefined)).toBeUndefined();
    });
  });

  describe('corpus', () => {
    it.each(['securityhub/eventbridge', 'securityhub/eventbridge-derived'])('normalizes every event of %s without throwing', (folder) => {
      // Prepare
      const events = corpusEvents(folder);

      // Act
      const { counts, errors } = tallyCorpus(events, normalizeEvent);
      console.log(`${folder}: ${JSON.stringify(counts)}`);

      // Assess
      expect(errors).toEqual([]);
      expect(counts.findings).toBeGreaterThan(0);
    });
  });
});
