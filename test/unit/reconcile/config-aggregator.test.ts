import 'aws-sdk-client-mock-vitest/extend';
import {
  ConfigServiceClient,
  ConfigServiceServiceException,
  DescribeAggregateComplianceByConfigRulesCommand,
  DescribeConfigRulesCommand,
  DescribeOrganizationConfigRulesCommand,
  GetAggregateComplianceDetailsByConfigRuleCommand,
  OrganizationAccessDeniedException,
} from '@aws-sdk/client-config-service';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigAggregator } from '../../../functions/shared/adapters/config-aggregator.js';
import { complianceRow, mockAggregator, nonCompliantResult } from './config-fixtures.js';

const AGG = 'org-aggregator';
const A = '111111111111';
const B = '222222222222';

function throttling(): ConfigServiceServiceException {
  return new ConfigServiceServiceException({ name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'Rate exceeded' });
}

describe('adapter: the AWS Config aggregator', () => {
  let config: ReturnType<typeof mockAggregator> | undefined;
  afterEach(() => config?.restore());

  it('reads every rule’s compliance in one Region page by page, sending exactly these commands', async () => {
    // Prepare: five rows in eu-west-1 (pages of two), one in another Region
    config = mockAggregator({
      compliance: [
        complianceRow('r1', A, 'eu-west-1', 'NON_COMPLIANT'),
        complianceRow('r2', A, 'eu-west-1', 'COMPLIANT'),
        complianceRow('r1', B, 'eu-west-1', 'INSUFFICIENT_DATA'),
        complianceRow('r1', A, 'us-east-1', 'NON_COMPLIANT'),
        complianceRow('r3', B, 'eu-west-1', 'NOT_APPLICABLE'),
        complianceRow('r4', B, 'eu-west-1', 'NON_COMPLIANT'),
      ],
      evaluations: {},
      pageSize: 2,
    });
    const aggregator = new ConfigAggregator({ aggregatorName: AGG, client: new ConfigServiceClient({ region: 'us-east-1' }) });
    // Act
    const rules = await aggregator.ruleCompliance('eu-west-1');
    // Assess
    expect(rules.map((r) => `${r.rule}/${r.accountId}/${r.compliance}`)).toEqual([
      `r1/${A}/NON_COMPLIANT`,
      `r2/${A}/COMPLIANT`,
      `r1/${B}/INSUFFICIENT_DATA`,
      `r3/${B}/NOT_APPLICABLE`,
      `r4/${B}/NON_COMPLIANT`,
    ]);
    expect(config.commandCalls(DescribeAggregateComplianceByConfigRulesCommand).map((c) => c.args[0].input)).toEqual([
      { ConfigurationAggregatorName: AGG, Filters: { AwsRegion: 'eu-west-1' }, Limit: 1000 },
      { ConfigurationAggregatorName: AGG, Filters: { AwsRegion: 'eu-west-1' }, Limit: 1000, NextToken: 'opaque-2' },
      { ConfigurationAggregatorName: AGG, Filters: { AwsRegion: 'eu-west-1' }, Limit: 1000, NextToken: 'opaque-4' },
    ]);
  });

  it('reads a rule’s NON_COMPLIANT evaluations in an account and Region, page by page', async () => {
    config = mockAggregator({
      compliance: [],
      evaluations: {
        [`r1|${A}|eu-west-1`]: ['i-1', 'i-2', 'i-3'].map((id, n) => nonCompliantResult('r1', A, 'eu-west-1', 'AWS::EC2::Instance', id, `2026-03-0${n + 1}T00:00:00Z`, n === 0 ? 'port 22 open' : undefined)),
      },
      pageSize: 2,
    });
    const aggregator = new ConfigAggregator({ aggregatorName: AGG, client: new ConfigServiceClient({ region: 'us-east-1' }) });
    const evaluations = await aggregator.nonCompliantEvaluations({ rule: 'r1', accountId: A, region: 'eu-west-1' });
    expect(evaluations).toEqual([
      { rule: 'r1', accountId: A, region: 'eu-west-1', resourceType: 'AWS::EC2::Instance', resourceId: 'i-1', recordedAt: '2026-03-01T00:00:00.000Z', annotation: 'port 22 open' },
      { rule: 'r1', accountId: A, region: 'eu-west-1', resourceType: 'AWS::EC2::Instance', resourceId: 'i-2', recordedAt: '2026-03-02T00:00:00.000Z' },
      { rule: 'r1', accountId: A, region: 'eu-west-1', resourceType: 'AWS::EC2::Instance', resourceId: 'i-3', recordedAt: '2026-03-03T00:00:00.000Z' },
    ]);
    const base = { ConfigurationAggregatorName: AGG, ConfigRuleName: 'r1', AccountId: A, AwsRegion: 'eu-west-1', ComplianceType: 'NON_COMPLIANT', Limit: 100 };
    expect(config.commandCalls(GetAggregateComplianceDetailsByConfigRuleCommand).map((c) => c.args[0].input)).toEqual([base, { ...base, NextToken: 'opaque-2' }]);
  });

  it('waits and retries when AWS Config throttles, with growing back-off, and gives up after its attempts', async () => {
    // Prepare
    config = mockAggregator({ compliance: [complianceRow('r1', A, 'eu-west-1', 'COMPLIANT')], evaluations: {}, pageSize: 10 });
    config.on(DescribeAggregateComplianceByConfigRulesCommand).rejectsOnce(throttling()).rejectsOnce(throttling()).resolves({ AggregateComplianceByConfigRules: [complianceRow('r1', A, 'eu-west-1', 'COMPLIANT')] });
    const waits: number[] = [];
    const throttled: string[] = [];
    const aggregator = new ConfigAggregator({
      aggregatorName: AGG,
      client: new ConfigServiceClient({ region: 'us-east-1' }),
      sleep: async (ms) => void waits.push(ms),
      random: () => 1,
      baseDelayMs: 100,
      onThrottled: (operation, attempt) => throttled.push(`${operation}#${attempt}`),
    });
    // Act
    const rules = await aggregator.ruleCompliance('eu-west-1');
    // Assess
    expect(rules).toHaveLength(1);
    expect(waits).toEqual([100, 200]);
    expect(throttled).toEqual(['DescribeAggregateComplianceByConfigRules#1', 'DescribeAggregateComplianceByConfigRules#2']);
    expect(config).toHaveReceivedCommandTimes(DescribeAggregateComplianceByConfigRulesCommand, 3);

    // Act: throttled for good
    config.on(DescribeAggregateComplianceByConfigRulesCommand).rejects(throttling());
    const limited = new ConfigAggregator({ aggregatorName: AGG, client: new ConfigServiceClient({ region: 'us-east-1' }), sleep: async () => {}, maxAttempts: 3 });
    // Assess
    await expect(limited.ruleCompliance('eu-west-1')).rejects.toThrow('Rate exceeded');
  });

  it('does not retry what retrying cannot fix', async () => {
    config = mockAggregator({ compliance: [], evaluations: {}, pageSize: 10 });
    config.on(DescribeAggregateComplianceByConfigRulesCommand).rejects(new ConfigServiceServiceException({ name: 'NoSuchConfigurationAggregatorException', $fault: 'client', $metadata: {}, message: 'no such aggregator' }));
    const aggregator = new ConfigAggregator({ aggregatorName: AGG, client: new ConfigServiceClient({ region: 'us-east-1' }), sleep: async () => {} });
    await expect(aggregator.ruleCompliance('eu-west-1')).rejects.toThrow('no such aggregator');
    expect(config).toHaveReceivedCommandTimes(DescribeAggregateComplianceByConfigRulesCommand, 1);
  });

  it('loads rule metadata once per hour from the organization’s and the account’s rules, and goes without what it may not read', async () => {
    // Prepare
    config = mockAggregator({
      compliance: [],
      evaluations: {},
      pageSize: 1,
      configRules: [
        { ConfigRuleName: 'encrypted-volumes', ConfigRuleArn: 'arn:aws:config:us-east-1:999999999999:config-rule/config-rule-a1', Description: 'EBS volumes are encrypted.', Source: { Owner: 'AWS', SourceIdentifier: 'ENCRYPTED_VOLUMES' } },
        { ConfigRuleName: 'tagging', Source: { Owner: 'CUSTOM_LAMBDA', SourceIdentifier: 'arn:aws:lambda:us-east-1:999999999999:function:tags' } },
      ],
      organizationRules: [
        { OrganizationConfigRuleName: 's3-versioning', OrganizationConfigRuleArn: 'arn:aws:config:us-east-1:999999999999:organization-config-rule/s3-versioning-x', OrganizationManagedRuleMetadata: { RuleIdentifier: 'S3_BUCKET_VERSIONING_ENABLED', Description: 'Buckets keep versions.' } },
      ],
    });
    let clock = 0;
    const aggregator = new ConfigAggregator({ aggregatorName: AGG, client: new ConfigServiceClient({ region: 'us-east-1' }), now: () => clock });
    // Act
    const own = await aggregator.ruleMetadata('encrypted-volumes');
    const organization = await aggregator.ruleMetadata('OrgConfigRule-s3-versioning-ab12cd34');
    const custom = await aggregator.ruleMetadata('tagging');
    // Assess
    expect(own).toEqual({
      description: 'EBS volumes are encrypted.',
      sourceIdentifier: 'ENCRYPTED_VOLUMES',
      arn: 'arn:aws:config:us-east-1:999999999999:config-rule/config-rule-a1',
      remediationUrl: 'https://docs.aws.amazon.com/config/latest/developerguide/encrypted-volumes.html',
    });
    expect(organization).toEqual({ description: 'Buckets keep versions.', sourceIdentifier: 'S3_BUCKET_VERSIONING_ENABLED', remediationUrl: 'https://docs.aws.amazon.com/config/latest/developerguide/s3-bucket-versioning-enabled.html' });
    expect(custom).toEqual({ sourceIdentifier: 'arn:aws:lambda:us-east-1:999999999999:function:tags' });
    expect(config.commandCalls(DescribeConfigRulesCommand).map((c) => c.args[0].input)).toEqual([{}, { NextToken: 'opaque-1' }]);
    expect(config).toHaveReceivedCommandTimes(DescribeOrganizationConfigRulesCommand, 1);

    // Act: an hour later, and the account is not the organization's Config administrator
    clock = 60 * 60 * 1000;
    config.on(DescribeOrganizationConfigRulesCommand).rejects(new OrganizationAccessDeniedException({ $metadata: {}, message: 'not a delegated administrator' }));
    const unavailable: string[] = [];
    const restricted = new ConfigAggregator({ aggregatorName: AGG, client: new ConfigServiceClient({ region: 'us-east-1' }), onMetadataUnavailable: (operation) => unavailable.push(operation) });
    // Assess: the account's own rules still enrich; the refusal is reported
    expect(await restricted.ruleMetadata('encrypted-volumes')).toMatchObject({ sourceIdentifier: 'ENCRYPTED_VOLUMES' });
    expect(await restricted.ruleMetadata('OrgConfigRule-s3-versioning-ab12cd34')).toBeUndefined();
    expect(unavailable).toEqual(['DescribeOrganizationConfigRules']);
    expect(await aggregator.ruleMetadata('encrypted-volumes')).toMatchObject({ sourceIdentifier: 'ENCRYPTED_VOLUMES' });
    expect(config).toHaveReceivedCommandTimes(DescribeConfigRulesCommand, 6);
  });
});
