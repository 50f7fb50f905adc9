import type { RuleMetadata } from './types.js';

/** A rule as DescribeConfigRules or DescribeOrganizationConfigRules describes it, reduced to what Vigil uses. */
export interface DescribedRule {
  name: string;
  description?: string;
  /** `AWS` for a managed rule, else custom. */
  owner?: string;
  sourceIdentifier?: string;
  arn?: string;
}

/**
 * AWS documents each managed rule on a page named after its identifier, in lower case with
 * dashes (S3_BUCKET_VERSIONING_ENABLED → s3-bucket-versioning-enabled.html): what the rule
 * checks, its parameters and how to become compliant.
 */
export function managedRuleDocumentationUrl(sourceIdentifier: string): string {
  return `https://docs.aws.amazon.com/config/latest/developerguide/${sourceIdentifier.toLowerCase().replace(/_/g, '-')}.html`;
}

export function toRuleMetadata(rule: DescribedRule): RuleMetadata {
  const managed = rule.owner === 'AWS' && rule.sourceIdentifier !== undefined && /^[A-Z0-9_]+$/.test(rule.sourceIdentifier);
  return {
    ...(rule.description ? { description: rule.description } : {}),
    ...(rule.sourceIdentifier ? { sourceIdentifier: rule.sourceIdentifier } : {}),
    ...(rule.arn ? { arn: rule.arn } : {}),
    ...(managed ? { remediationUrl: managedRuleDocumentationUrl(rule.sourceIdentifier!) } : {}),
  };
}

/**
 * The names under which a member account's rule may be described, most specific first:
 * its own name (rules deployed with the same name everywhere, such as by a StackSet), then
 * the organization rule it was made from: AWS Config names an organization rule's copy in
 * each account `OrgConfigRule-<organization rule name>-<8 characters>`.
 */
export function ruleLookupNames(ruleName: string): string[] {
  const organization = /^OrgConfigRule-(.+)-[a-z0-9]{8}$/.exec(ruleName);
  return organization ? [ruleName, organization[1]!] : [ruleName];
}

/** Finds a rule's metadata among described rules (keyed by name). */
export function lookupRuleMetadata(described: ReadonlyMap<string, RuleMetadata>, ruleName: string): RuleMetadata | undefined {
  for (const name of ruleLookupNames(ruleName)) {
    const found = described.get(name);
    if (found) return found;
  }
  return undefined;
}
