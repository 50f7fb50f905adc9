import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { consoleLoginWithoutMfa } from '../../../functions/shared/core/detections/catalogue/console-login-without-mfa.js';
import { rootAccessKeyCreated } from '../../../functions/shared/core/detections/catalogue/root-access-key-created.js';
import { rootAccountUsage } from '../../../functions/shared/core/detections/catalogue/root-account-usage.js';
import { InvalidEventError } from '../../../functions/shared/core/errors.js';
import { findingId, type Observation } from '../../../functions/shared/core/finding.js';
import { cloudTrailApiCall, cloudTrailConsoleSignIn } from '../../../functions/shared/core/normalizers/cloudtrail.js';
import { guardDutyFinding } from '../../../functions/shared/core/normalizers/guardduty.js';
import {
  normalizeEvent,
  normalizeRecord,
  normalizeRecords,
  normalizerFor,
  type NormalizeResult,
} from '../../../functions/shared/core/normalizers/index.js';
import { corpusEvents, tallyCorpus } from '../../support/events.js';
import { corpusEvent } from '../detections/cases.js';

const PANTHER = 'corpus/cloudtrail/raw/panther-analysis.jsonl';
const AWSDOCS = 'corpus/cloudtrail/raw/awsdocs-cloudtrail-user-guide.jsonl';

const observations = (result: NormalizeResult): Observation[] => (result.kind === 'findings' ? result.observations : []);

describe('normalizer: cloudtrail', () => {
  describe('observations', () => {
    it('turns a console sign-in without MFA into a finding about the user', () => {
      // Prepare: the CloudTrail User Guide's IAM user sign-in, in its EventBridge envelope
      const event = corpusEvent('corpus/cloudtrail/eventbridge-derived/awsdocs-cloudtrail-user-guide.eventbridge.jsonl:1');
      const user = 'arn:aws:iam::111122223333:user/anaya';

      // Act
      const result = normalizeEvent(event);

      // Assess: the account comes from userIdentity (the record has no recipientAccountId)
      expect(result).toEqual({
        kind: 'findings',
        observations: [
          {
            id: findingId('aws.cloudtrail', '111122223333', 'us-east-2', 'console-login-without-mfa', user, user),
            source: 'aws.cloudtrail',
            ocsfClass: 'Detection Finding',
            rule: 'console-login-without-mfa',
            accountId: '111122223333',
            region: 'us-east-2',
            severity: 'MEDIUM',
            status: 'OPEN',
            title: `Console sign-in without MFA: ${user}`,
            description: `signin.amazonaws.com:ConsoleLogin by ${user} from 192.0.2.0 at 2022-11-10T16:24:34.000Z. ${consoleLoginWithoutMfa.description} Remediation: ${consoleLoginWithoutMfa.remediation}`,
            resource: { type: 'IAMUser', id: user },
            observedAt: '2022-11-10T16:24:34.000Z',
            sourceId: '3fcfb182-98f8-4744-bd45-10a395ab61cb',
            consoleUrl: 'https://us-east-2.console.aws.amazon.com/cloudtrail/home?region=us-east-2#/events/3fcfb182-98f8-4744-bd45-10a395ab61cb',
            eventId: 'e662bcab-bb4b-5240-965a-5067ec8fa9e9',
            mergeWindowMs: 86_400_000,
          },
        ],
      });
    });

    it('reports each matching detection: root creating its own access key is root use and a root key', () => {
      // Prepare: compromised-root-creds scenario, root CreateAccessKey from the console
      const record = corpusEvent(`${PANTHER}:424`);
      const root = 'arn:aws:iam::493859302102:root';
      const common = {
        source: 'aws.cloudtrail',
        ocsfClass: 'Detection Finding',
        accountId: '493859302102',
        region: 'us-east-1',
        status: 'OPEN',
        observedAt: '2020-11-01T08:32:19.000Z',
        sourceId: '1',
        consoleUrl: 'https://us-east-1.console.aws.amazon.com/cloudtrail/home?region=us-east-1#/events/1',
        eventId: '1',
        mergeWindowMs: 86_400_000,
      };
      const description = (d: { description: string; remediation: string }): string =>
        `iam.amazonaws.com:CreateAccessKey by ${root} from 92.55.146.245 at 2020-11-01T08:32:19.000Z. ${d.description} Remediation: ${d.remediation}`;

      // Act
      const result = normalizeRecord(record);

      // Assess
      expect(observations(result)).toEqual([
        {
          ...common,
          id: findingId('aws.cloudtrail', '493859302102', 'us-east-1', 'root-account-usage', root, '493859302102'),
          rule: 'root-account-usage',
          severity: 'HIGH',
          title: `Root user used: 493859302102 by ${root}`,
          description: description(rootAccountUsage),
          resource: { type: 'AWS::::Account', id: '493859302102' },
        },
        {
          ...common,
          id: findingId('aws.cloudtrail', '493859302102', 'us-east-1', 'root-access-key-created', root, 'AKIA5ZZZK44445XXFFVB'),
          rule: 'root-access-key-created',
          severity: 'CRITICAL',
          title: `Root access key created: AKIA5ZZZK44445XXFFVB by ${root}`,
          description: description(rootAccessKeyCreated),
          resource: { type: 'AWS::IAM::AccessKey', id: 'AKIA5ZZZK44445XXFFVB' },
        },
      ]);
    });

    it('reads Panther-normalized event times and names the trail of PutEventSelectors', () => {
      // Prepare: eventTime "2024-11-25 17:51:21.000000000"
      const record = corpusEvent(`${PANTHER}:26`);

      // Act
      const [observation] = observations(normalizeRecord(record));

      // Assess
      expect(observation).toMatchObject({
        rule: 'cloudtrail-trail-weakened',
        observedAt: '2024-11-25T17:51:21.000Z',
        resource: { type: 'AWS::CloudTrail::Trail', id: 'sample-cloudtrail-name' },
        accountId: '111122223333',
        region: 'us-west-2',
      });
    });

    it('names a KMS key the same with or without resources[]', () => {
      // Prepare: two ScheduleKeyDeletion records, the second without resources[]
      const withResources = corpusEvent(`${PANTHER}:185`);
      const without = corpusEvent(`${PANTHER}:187`);

      // Act
      const [a] = observations(normalizeRecord(withResources));
      const [b] = observations(normalizeRecord(without));

      // Assess
      expect(a?.resource).toEqual({ type: 'AWS::KMS::Key', id: 'arn:aws:kms:us-west-2:123456789012:key/1' });
      expect(b?.id).toBe(a?.id);
    });

    it('gives repeats of a detection by one principal on one resource one id', () => {
      // Prepare: three failed root sign-ins at different times
      const records = [419, 420, 421].map((line) => corpusEvent(`${PANTHER}:${line}`));

      // Act
      const found = records.flatMap((record) => observations(normalizeRecord(record)));

      // Assess
      expect(found.map((o) => o.rule)).toEqual(['console-login-failed', 'console-login-failed', 'console-login-failed']);
      expect(new Set(found.map((o) => o.id)).size).toBe(1);
      expect(new Set(found.map((o) => o.observedAt)).size).toBe(3);
    });
  });

  describe('ignored records', () => {
    it.each<[string, string, string]>([
      [`${PANTHER}:1`, 'a call no detection is about', 'cloudtrail: no detection matches lambda.amazonaws.com:UpdateFunctionConfiguration20150331v2'],
      [
        `${PANTHER}:44`,
        'a failed call',
        'cloudtrail: cloudtrail.amazonaws.com:StopLogging failed (InvalidTrailNameException); failed calls are findings only where a detection says so',
      ],
      [`${PANTHER}:300`, 'a read-only call', 'cloudtrail: iam.amazonaws.com:ListAccessKeys is read-only; read-only calls are findings only where a detection says so'],
      [`${AWSDOCS}:10`, 'an Insights event', 'cloudtrail: eventType AwsCloudTrailInsight is neither an API call nor a console sign-in'],
      [`${PANTHER}:408`, 'a VPC endpoint network-activity event', 'cloudtrail: eventType AwsVpceEvent is neither an API call nor a console sign-in'],
    ])('%s: %s', (origin, _what, reason) => {
      // Act / Assess
      expect(normalizeRecord(corpusEvent(origin))).toEqual({ kind: 'ignored', reason });
    });

    it('ignores a matching record that names no account, unless its origin does', () => {
      // Prepare: StopLogging with the account removed (live records always carry one)
      const record = corpusEvent(`${PANTHER}:42`);
      delete record.recipientAccountId;
      delete (record.userIdentity as Record<string, unknown>).accountId;

      // Act
      const bare = normalizeRecord(record);
      const withOrigin = normalizeRecord(record, { account: '123456789012' });

      // Assess
      expect(bare).toEqual({ kind: 'ignored', reason: 'cloudtrail: cloudtrail.amazonaws.com:StopLogging matches cloudtrail-logging-stopped but the record names no account' });
      expect(observations(withOrigin)[0]?.accountId).toBe('123456789012');
    });

    it('ignores a matching record without a valid time, unless its origin has one', () => {
      // Prepare: StopLogging with eventTime "redacted" (as panther-analysis line 299 has)
      const record = { ...corpusEvent(`${PANTHER}:42`), eventTime: 'redacted' };

      // Act
      const bare = normalizeRecord(record);
      const withOrigin = normalizeRecord(record, { time: '2019-01-01T00:00:05Z' });

      // Assess
      expect(bare).toEqual({ kind: 'ignored', reason: 'cloudtrail: cloudtrail.amazonaws.com:StopLogging matches cloudtrail-logging-stopped but the record has no valid eventTime' });
      expect(observations(withOrigin)[0]?.observedAt).toBe('2019-01-01T00:00:05.000Z');
    });
  });

  describe('registry: any-source entries', () => {
    it('finds the exact entry first, then the entry for any source', () => {
      // Act / Assess
      expect(normalizerFor('aws.guardduty', 'GuardDuty Finding')).toBe(guardDutyFinding);
      expect(normalizerFor('aws.guardduty', 'AWS API Call via CloudTrail')).toBe(cloudTrailApiCall);
      expect(normalizerFor('aws.iam', 'AWS API Call via CloudTrail')).toBe(cloudTrailApiCall);
      expect(normalizerFor('aws.signin', 'AWS Console Sign In via CloudTrail')).toBe(cloudTrailConsoleSignIn);
      expect(normalizerFor('aws.iam', 'GuardDuty Finding')).toBeUndefined();
      expect(normalizerFor('aws.ec2', 'AWS Service Event via CloudTrail')).toBeUndefined();
    });

    it('classifies by detail-type: CloudTrail calls to Config carry source aws.config', () => {
      // Prepare: DeleteDeliveryChannel in its envelope, source aws.config
      const event = corpusEvent('corpus/cloudtrail/eventbridge-derived/panther-analysis.eventbridge.jsonl:39');

      // Act
      const result = normalizeEvent(event);

      // Assess
      expect(event.source).toBe('aws.config');
      expect(observations(result).map((o) => o.rule)).toEqual(['config-recording-stopped']);
    });

    it('refuses a CloudTrail detail-type from a non-AWS source', () => {
      // Prepare: a corpus CloudTrail event as a custom application could forge it
      const event = { ...corpusEvent('corpus/cloudtrail/eventbridge-derived/panther-analysis.eventbridge.jsonl:29'), source: 'my.app' };

      // Act / Assess
      expect(() => normalizeEvent(event)).toThrow(InvalidEventError);
      expect(() => normalizeEvent(event)).toThrow(/unknown-event-type: CloudTrail detail-type from non-AWS source my.app/);
    });
  });

  describe('bare records', () => {
    // Each derived envelope's index line names the raw record it wraps.
    const pairs = corpusEvents('cloudtrail/eventbridge-derived').map((e) => {
      const [file, line] = e.origin.split(':');
      const index = readFileSync(`events/${(file as string).replace(/\.jsonl$/, '.index.ndjson')}`, 'utf8').split('\n');
      const entry = JSON.parse(index[Number(line) - 1] as string) as { raw_file: string; raw_line: number };
      return { origin: e.origin, envelope: e.event, raw: corpusEvent(`corpus/${entry.raw_file}:${entry.raw_line}`) };
    });

    it('covers every derived envelope', () => {
      // Assess
      expect(pairs.length).toBe(413);
    });

    it.each(pairs.map((p) => [p.origin, p] as const))('%s and its raw record give the same observations', (_origin, pair) => {
      // Act
      const fromEnvelope = normalizeEvent(pair.envelope);
      const fromRecord = normalizeRecord(pair.raw, { id: pair.envelope.id as string });
      const bare = normalizeRecord(pair.raw);

      // Assess: identical when the record's origin names the envelope; bare, all but the carrier's id
      expect(fromRecord).toEqual(fromEnvelope);
      const carrierFree = (r: NormalizeResult): unknown =>
        r.kind === 'findings' ? r.observations.map(({ eventId: _e, sourceId, ...o }) => ({ ...o, sourceId: pair.raw.eventID ? sourceId : '-' })) : r;
      expect(carrierFree(bare)).toEqual(carrierFree(fromEnvelope));
    });

    it('normalizes a log file record by record, carried by <origin>#<index>', () => {
      // Prepare: a trail log file of three corpus records
      const file = { Records: [corpusEvent(`${PANTHER}:42`), corpusEvent(`${PANTHER}:43`), corpusEvent(`${PANTHER}:55`)] };

      // Act
      const results = normalizeRecords(file, { id: 's3://trail-bucket/AWSLogs/123456789012/CloudTrail/us-west-2/2019/01/01/file.json.gz' });

      // Assess
      expect(results.map((r) => r.kind)).toEqual(['findings', 'ignored', 'findings']);
      expect(observations(results[2] as NormalizeResult)[0]?.eventId).toBe(
        's3://trail-bucket/AWSLogs/123456789012/CloudTrail/us-west-2/2019/01/01/file.json.gz#2',
      );
    });

    it('refuses what is not a record or a log file, naming the record', () => {
      // Prepare
      const envelope = corpusEvent('corpus/cloudtrail/eventbridge-derived/panther-analysis.eventbridge.jsonl:29');
      const noCall = { ...corpusEvent(`${PANTHER}:42`), eventName: undefined };

      // Act / Assess
      expect(() => normalizeRecord('StopLogging')).toThrow(/not-an-event/);
      expect(() => normalizeRecord(envelope)).toThrow(/not-an-event: an EventBridge event, not a bare CloudTrail record/);
      expect(() => normalizeRecord(noCall)).toThrow(/invalid-detail: record.eventName/);
      expect(() => normalizeRecords({ records: [] })).toThrow(/not-an-event/);
      expect(() => normalizeRecords({ Records: [corpusEvent(`${PANTHER}:42`), noCall] })).toThrow(/invalid-detail: Records\[1\]: record.eventName/);
    });
  });

  describe('corpus', () => {
    it.each(['cloudtrail/raw', 'cloudtrail/eventbridge', 'cloudtrail/eventbridge-derived'])('normalizes every event of %s without throwing', (folder) => {
      // Prepare
      const events = corpusEvents(folder);

      // Act
      const { counts, errors } = tallyCorpus(events, (event) => (folder === 'cloudtrail/raw' ? normalizeRecord(event) : normalizeEvent(event)));
      console.log(`${folder}: ${JSON.stringify(counts)}`);

      // Assess
      expect(errors).toEqual([]);
      expect(counts.findings).toBeGreaterThan(0);
    });
  });
});
