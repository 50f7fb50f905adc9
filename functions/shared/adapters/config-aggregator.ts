import {
  ConfigServiceClient,
  DescribeAggregateComplianceByConfigRulesCommand,
  DescribeConfigRulesCommand,
  DescribeOrganizationConfigRulesCommand,
  GetAggregateComplianceDetailsByConfigRuleCommand,
} from '@aws-sdk/client-config-service';
import { VigilError } from '../core/errors.js';
import { lookupRuleMetadata, toRuleMetadata, type ConfigCompliancePort, type ConfigCompliance, type NonCompliantEvaluation, type RuleCompliance, type RuleMetadata, type Scope } from '../core/reconcile/index.js';

/** The aggregator answered with something Vigil cannot use, or refused for good (no such aggregator, access denied). */
export class ConfigAggregatorError extends VigilError {}

/** Errors AWS Config returns when it is asked too fast. */
const THROTTLING = new Set(['ThrottlingException', 'ThrottledException', 'TooManyRequestsException', 'RequestLimitExceeded', 'Throttling']);
/** What the security account may not be allowed to read: enrichment then goes without it. */
const NOT_ALLOWED = new Set(['AccessDeniedException', 'OrganizationAccessDeniedException', 'NoAvailableOrganizationException', 'OrganizationAllFeaturesNotEnabledException']);

/** The most each page may hold (the API's maximum for each call). */
const COMPLIANCE_PAGE = 1000;
const DETAILS_PAGE = 100;
const CONFIG_RULE_COMPLIANCE = new Set<ConfigCompliance>(['COMPLIANT', 'NON_COMPLIANT', 'NOT_APPLICABLE', 'INSUFFICIENT_DATA']);

export interface ConfigAggregatorOptions {
  aggregatorName: string;
  client?: ConfigServiceClient;
  /** The aggregator's Region, for the default client. */
  region?: string;
  /** Attempts of one call that AWS Config throttles, the first included. Default 8. */
  maxAttempts?: number;
  /** First back-off; each retry doubles it, with full jitter, up to `maxDelayMs`. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** How long rule metadata is kept. Default one hour. */
  metadataTtlMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
  /** Told when a call was throttled (before waiting) and when rule metadata could not be read. */
  onThrottled?: (operation: string, attempt: number, waitMs: number) => void;
  onMetadataUnavailable?: (operation: string, reason: string) => void;
}

/**
 * AWS Config through the organization's aggregator (in the security account, the Config
 * delegated administrator): every rule's compliance per account and Region, each rule's
 * NON_COMPLIANT evaluations, page by page with NextToken, waiting and retrying with
 * exponential back-off when Config throttles. Rule metadata (the aggregator has no call
 * for it) comes from the security account's own rules and the organization's rules,
 * loaded together and cached.
 */
export class ConfigAggregator implements ConfigCompliancePort {
  private readonly client: ConfigServiceClient;
  private readonly name: string;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly metadataTtlMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly now: () => number;
  private metadata: { byName: Map<string, RuleMetadata>; loadedAt: number } | undefined;
  private loadingMetadata: Promise<Map<string, RuleMetadata>> | undefined;

  public constructor(private readonly options: ConfigAggregatorOptions) {
    // Adaptive mode slows the client itself down once Config throttles it.
    this.client = options.client ?? new ConfigServiceClient({ retryMode: 'adaptive', ...(options.region ? { region: options.region } : {}) });
    this.name = options.aggregatorName;
    this.maxAttempts = options.maxAttempts ?? 8;
    this.baseDelayMs = options.baseDelayMs ?? 250;
    this.maxDelayMs = options.maxDelayMs ?? 20_000;
    this.metadataTtlMs = options.metadataTtlMs ?? 60 * 60 * 1000;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
  }

  public async ruleCompliance(region: string): Promise<RuleCompliance[]> {
    const rules: RuleCompliance[] = [];
    let token: string | undefined;
    do {
      const page = await this.call('DescribeAggregateComplianceByConfigRules', () =>
        this.client.send(
          new DescribeAggregateComplianceByConfigRulesCommand({ ConfigurationAggregatorName: this.name, Filters: { AwsRegion: region }, Limit: COMPLIANCE_PAGE, ...(token ? { NextToken: token } : {}) }),
        ),
      );
      for (const entry of page.AggregateComplianceByConfigRules ?? []) {
        const compliance = entry.Compliance?.ComplianceType as ConfigCompliance | undefined;
        if (!entry.ConfigRuleName || !entry.AccountId || !entry.AwsRegion || !compliance || !CONFIG_RULE_COMPLIANCE.has(compliance)) {
          throw new ConfigAggregatorError(`DescribeAggregateComplianceByConfigRules returned an entry without rule, account, Region or compliance: ${JSON.stringify(entry).slice(0, 300)}`);
        }
        rules.push({ rule: entry.ConfigRuleName, accountId: entry.AccountId, region: entry.AwsRegion, compliance });
      }
      token = page.NextToken || undefined;
    } while (token);
    return rules;
  }

  public async nonCompliantEvaluations(scope: Scope): Promise<NonCompliantEvaluation[]> {
    const evaluations: NonCompliantEvaluation[] = [];
    let token: string | undefined;
    do {
      const page = await this.call('GetAggregateComplianceDetailsByConfigRule', () =>
        this.client.send(
          new GetAggregateComplianceDetailsByConfigRuleCommand({
            ConfigurationAggregatorName: this.name,
            ConfigRuleName: scope.rule,
            AccountId: scope.accountId,
            AwsRegion: scope.region,
            ComplianceType: 'NON_COMPLIANT',
            Limit: DETAILS_PAGE,
            ...(token ? { NextToken: token } : {}),
          }),
        ),
      );
      for (const result of page.AggregateEvaluationResults ?? []) {
        const qualifier = result.EvaluationResultIdentifier?.EvaluationResultQualifier;
        const recorded = result.ResultRecordedTime ?? result.EvaluationResultIdentifier?.OrderingTimestamp;
        if (!qualifier?.ResourceType || !qualifier.ResourceId || !recorded) {
          throw new ConfigAggregatorError(`GetAggregateComplianceDetailsByConfigRule returned an evaluation without resource or time for ${scope.rule} in ${scope.accountId}/${scope.region}`);
        }
        if (result.ComplianceType !== undefined && result.ComplianceType !== 'NON_COMPLIANT') continue;
        evaluations.push({
          rule: scope.rule,
          accountId: result.AccountId ?? scope.accountId,
          region: result.AwsRegion ?? scope.region,
          resourceType: qualifier.ResourceType,
          resourceId: qualifier.ResourceId,
          recordedAt: new Date(recorded).toISOString(),
          ...(result.Annotation ? { annotation: result.Annotation } : {}),
        });
      }
      token = page.NextToken || undefined;
    } while (token);
    return evaluations;
  }

  public async ruleMetadata(rule: string): Promise<RuleMetadata | undefined> {
    return lookupRuleMetadata(await this.describedRules(), rule);
  }

  private async describedRules(): Promise<Map<string, RuleMetadata>> {
    if (this.metadata && this.now() - this.metadata.loadedAt < this.metadataTtlMs) return this.metadata.byName;
    this.loadingMetadata ??= this.loadRuleMetadata()
      .then((byName) => {
        this.metadata = { byName, loadedAt: this.now() };
        return byName;
      })
      .finally(() => {
        this.loadingMetadata = undefined;
      });
    return this.loadingMetadata;
  }

  private async loadRuleMetadata(): Promise<Map<string, RuleMetadata>> {
    const byName = new Map<string, RuleMetadata>();
    // Organization rules first: an account's own rule of the same name is more specific.
    await this.readOptional('DescribeOrganizationConfigRules', async () => {
      let token: string | undefined;
      do {
        const page = await this.call('DescribeOrganizationConfigRules', () => this.client.send(new DescribeOrganizationConfigRulesCommand({ ...(token ? { NextToken: token } : {}) })));
        for (const rule of page.OrganizationConfigRules ?? []) {
          if (!rule.OrganizationConfigRuleName) continue;
          const managed = rule.OrganizationManagedRuleMetadata;
          const custom = rule.OrganizationCustomRuleMetadata;
          const policy = rule.OrganizationCustomPolicyRuleMetadata;
          byName.set(
            rule.OrganizationConfigRuleName,
            toRuleMetadata({
              name: rule.OrganizationConfigRuleName,
              description: managed?.Description ?? custom?.Description ?? policy?.Description,
              ...(managed?.RuleIdentifier ? { owner: 'AWS', sourceIdentifier: managed.RuleIdentifier } : {}),
              ...(custom?.LambdaFunctionArn ? { owner: 'CUSTOM_LAMBDA', sourceIdentifier: custom.LambdaFunctionArn } : {}),
            }),
          );
        }
        token = page.NextToken || undefined;
      } while (token);
    });
    await this.readOptional('DescribeConfigRules', async () => {
      let token: string | undefined;
      do {
        const page = await this.call('DescribeConfigRules', () => this.client.send(new DescribeConfigRulesCommand({ ...(token ? { NextToken: token } : {}) })));
        for (const rule of page.ConfigRules ?? []) {
          if (!rule.ConfigRuleName) continue;
          byName.set(
            rule.ConfigRuleName,
            toRuleMetadata({ name: rule.ConfigRuleName, description: rule.Description, owner: rule.Source?.Owner, sourceIdentifier: rule.Source?.SourceIdentifier, arn: rule.ConfigRuleArn }),
          );
        }
        token = page.NextToken || undefined;
      } while (token);
    });
    return byName;
  }

  /** Metadata only enriches: a call the account may not make is reported and skipped; any other failure fails the run. */
  private async readOptional(operation: string, read: () => Promise<void>): Promise<void> {
    try {
      await read();
    } catch (error) {
      const name = (error as { name?: string }).name ?? '';
      if (!NOT_ALLOWED.has(name)) throw error;
      this.options.onMetadataUnavailable?.(operation, `${name}: ${(error as Error).message}`);
    }
  }

  private async call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await send();
      } catch (error) {
        const name = (error as { name?: string }).name ?? '';
        const throttled = THROTTLING.has(name) || (error as { $retryable?: { throttling?: boolean } }).$retryable?.throttling === true;
        if (!throttled || attempt >= this.maxAttempts) throw error;
        const waitMs = Math.round(this.random() * Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1)));
        this.options.onThrottled?.(operation, attempt, waitMs);
        await this.sleep(waitMs);
      }
    }
  }
}
