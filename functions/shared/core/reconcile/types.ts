import type { Observation } from '../finding.js';
import type { FindingState } from '../lifecycle.js';

/** One Config rule in one member account and Region: the unit AWS Config reports compliance for. */
export interface Scope {
  rule: string;
  accountId: string;
  region: string;
}

/** Config's compliance values, as the aggregator reports them per rule and account. */
export type ConfigCompliance = 'COMPLIANT' | 'NON_COMPLIANT' | 'NOT_APPLICABLE' | 'INSUFFICIENT_DATA';

/** A rule's compliance in one account and Region (DescribeAggregateComplianceByConfigRules). */
export interface RuleCompliance extends Scope {
  compliance: ConfigCompliance;
}

/** One resource Config evaluates NON_COMPLIANT (GetAggregateComplianceDetailsByConfigRule). */
export interface NonCompliantEvaluation extends Scope {
  resourceType: string;
  resourceId: string;
  /** ResultRecordedTime: the same time the compliance-change event carries, so a late event of it is a replay. */
  recordedAt: string;
  annotation?: string;
}

/** An open Config finding as Vigil's open-Config index holds it. */
export interface OpenConfigFinding extends Scope {
  id: string;
  resourceType: string;
  resourceId: string;
}

/**
 * What is known of a rule beyond its name, for the findings it produces. The aggregator
 * has no rule-metadata call: this comes from the security account's own rules
 * (DescribeConfigRules) and the organization's rules (DescribeOrganizationConfigRules).
 */
export interface RuleMetadata {
  description?: string;
  /** The managed rule's identifier (`S3_BUCKET_VERSIONING_ENABLED`) or the custom rule's Lambda/Guard source. */
  sourceIdentifier?: string;
  /** The rule's ARN where the rule is the security account's own. */
  arn?: string;
  /** Where a person reads what the rule checks and how to fix it. */
  remediationUrl?: string;
}

/** Why a disagreement is left as it is this run (it is counted, never silently dropped). */
export type DeferReason =
  /** Vigil saw the finding change too recently for the aggregator to have caught up. */
  | 'settling'
  /** Vigil already knows a statement newer than Config's evaluation. */
  | 'vigil-newer'
  /** Config reports INSUFFICIENT_DATA for the rule: it says nothing about compliance. */
  | 'insufficient-data'
  /** The aggregator reports nothing at all for the account in this Region. */
  | 'scope-unknown-to-aggregator';

/** Why a candidate turned out to need nothing once its full state was read. */
export type AgreeReason = 'already-open' | 'already-resolved' | 'gone';

export type Correction =
  | { action: 'open'; findingId: string; scope: Scope; resourceType: string; resourceId: string; observation: Observation; reason: string }
  | { action: 'resolve'; findingId: string; scope: Scope; resourceType: string; resourceId: string; observation: Observation; reason: string }
  | { action: 'defer'; findingId: string; scope: Scope; resourceType: string; resourceId: string; reason: DeferReason }
  | { action: 'none'; findingId: string; scope: Scope; reason: AgreeReason };

/** Vigil's state of a finding, as a correction is decided from it. */
export type StoredFinding = FindingState | undefined;
