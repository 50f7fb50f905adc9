import {
  ConfigServiceClient,
  DescribeAggregateComplianceByConfigRulesCommand,
  DescribeConfigRulesCommand,
  DescribeOrganizationConfigRulesCommand,
  GetAggregateComplianceDetailsByConfigRuleCommand,
  type AggregateComplianceByConfigRule,
  type AggregateEvaluationResult,
  type ConfigRule,
  type OrganizationConfigRule,
} from '@aws-sdk/client-config-service';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';

/** What an aggregator holds, served as AWS Config serves it: `pageSize` items a page, an opaque NextToken. */
export interface FakeAggregator {
  compliance: AggregateComplianceByConfigRule[];
  /** NON_COMPLIANT evaluations by `<rule>|<account>|<region>`. */
  evaluations: Record<string, AggregateEvaluationResult[]>;
  configRules?: ConfigRule[];
  organizationRules?: OrganizationConfigRule[];
  pageSize: number;
}

function page<T>(items: readonly T[], token: string | undefined, pageSize: number): { items: T[]; NextToken?: string } {
  const start = token ? Number(token.slice('opaque-'.length)) : 0;
  const end = start + pageSize;
  return { items: items.slice(start, end), ...(end < items.length ? { NextToken: `opaque-${end}` } : {}) };
}

/** A mocked Config client answering from `fake`; the filters the reconciler sends are applied as Config applies them. */
export function mockAggregator(fake: FakeAggregator): AwsClientStub<ConfigServiceClient> {
  const config = mockClient(ConfigServiceClient);
  config.on(DescribeAggregateComplianceByConfigRulesCommand).callsFake((input: DescribeAggregateComplianceByConfigRulesCommand['input']) => {
    const rows = fake.compliance.filter((r) => !input.Filters?.AwsRegion || r.AwsRegion === input.Filters.AwsRegion);
    const { items, NextToken } = page(rows, input.NextToken, Math.min(fake.pageSize, input.Limit ?? 1000));
    return { AggregateComplianceByConfigRules: items, ...(NextToken ? { NextToken } : {}) };
  });
  config.on(GetAggregateComplianceDetailsByConfigRuleCommand).callsFake((input: GetAggregateComplianceDetailsByConfigRuleCommand['input']) => {
    const results = fake.evaluations[`${input.ConfigRuleName}|${input.AccountId}|${input.AwsRegion}`] ?? [];
    const { items, NextToken } = page(results, input.NextToken, Math.min(fake.pageSize, input.Limit ?? 50));
    return { AggregateEvaluationResults: items, ...(NextToken ? { NextToken } : {}) };
  });
  config.on(DescribeConfigRulesCommand).callsFake((input: DescribeConfigRulesCommand['input']) => {
    const { items, NextToken } = page(fake.configRules ?? [], input.NextToken, fake.pageSize);
    return { ConfigRules: items, ...(NextToken ? { NextToken } : {}) };
  });
  config.on(DescribeOrganizationConfigRulesCommand).callsFake((input: DescribeOrganizationConfigRulesCommand['input']) => {
    const { items, NextToken } = page(fake.organizationRules ?? [], input.NextToken, fake.pageSize);
    return { OrganizationConfigRules: items, ...(NextToken ? { NextToken } : {}) };
  });
  return config;
}

/** One NON_COMPLIANT evaluation as GetAggregateComplianceDetailsByConfigRule returns it. */
export function nonCompliantResult(rule: string, accountId: string, region: string, resourceType: string, resourceId: string, recorded: string, annotation?: string): AggregateEvaluationResult {
  return {
    EvaluationResultIdentifier: {
      EvaluationResultQualifier: { ConfigRuleName: rule, ResourceType: resourceType, ResourceId: resourceId, EvaluationMode: 'DETECTIVE' },
      OrderingTimestamp: new Date(recorded),
    },
    ComplianceType: 'NON_COMPLIANT',
    ResultRecordedTime: new Date(recorded),
    ConfigRuleInvokedTime: new Date(recorded),
    AccountId: accountId,
    AwsRegion: region,
    ...(annotation ? { Annotation: annotation } : {}),
  };
}

export function complianceRow(rule: string, accountId: string, region: string, type: 'COMPLIANT' | 'NON_COMPLIANT' | 'INSUFFICIENT_DATA' | 'NOT_APPLICABLE'): AggregateComplianceByConfigRule {
  return { ConfigRuleName: rule, AccountId: accountId, AwsRegion: region, Compliance: { ComplianceType: type } };
}
