import * as z from 'zod';
import { clip, findingId, SEVERITIES, type Observation, type ResourceRef, type Severity } from '../finding.js';
import { toIsoTimestamp, toIsoTimestampOrUndefined } from '../time.js';
import { baseRuleName, configFindingId, configRuleSeverity } from './config.js';
import type { EventEnvelope } from './envelope.js';
import { guardDutySeverity } from './guardduty.js';
import { jsonObject } from './json-object.js';
import { defineNormalizer } from './types.js';

const SeveritySchema = z
  .object({
    Label: z.enum(SEVERITIES).optional(),
    Normalized: z.number().min(0).max(100).optional(),
    Product: z.number().optional(),
    Original: z.string().optional(),
  })
  .refine((s) => s.Label !== undefined || s.Normalized !== undefined, 'Severity needs a Label or a Normalized score');

const ResourceSchema = z
  .object({
    Type: z.string().min(1),
    Id: z.string().min(1),
    Region: z.string().optional(),
    Tags: jsonObject.nullish(),
    Details: jsonObject.nullish(),
  });

/**
 * One finding in the AWS Security Finding Format, the fields Vigil reads. Objects keep only
 * their declared fields (zod's default): an ASFF finding has dozens more, and copying them
 * was most of the cost of validating one.
 */
export const AsffFindingSchema = z
  .object({
    Id: z.string().min(1),
    ProductArn: z.string().min(1),
    GeneratorId: z.string().optional(),
    AwsAccountId: z.string().regex(/^\d{12}$/),
    Region: z.string().optional(),
    Types: z.array(z.string()).optional(),
    CreatedAt: z.string().optional(),
    UpdatedAt: z.string(),
    Severity: SeveritySchema,
    Title: z.string().optional().default(''),
    Description: z.string().optional().default(''),
    ProductFields: jsonObject.optional().default({}),
    Resources: z.array(ResourceSchema).min(1),
    Compliance: z.object({ Status: z.string().optional(), SecurityControlId: z.string().optional() }).optional(),
    Workflow: z.object({ Status: z.string().optional() }).optional(),
    WorkflowState: z.string().optional(),
    RecordState: z.string().optional(),
    Sample: z.boolean().optional(),
  });
export type AsffFinding = z.infer<typeof AsffFindingSchema>;

/** `detail` of "Security Hub Findings - Imported": up to 100 findings, any accounts. */
export const SecurityHubImportedSchema = z.object({ findings: z.array(AsffFindingSchema) });

/** Security Hub's documented bands of the (legacy) normalized score, highest first. */
export const NORMALIZED_SEVERITY_BANDS: ReadonlyArray<{ min: number; severity: Severity }> = [
  { min: 90, severity: 'CRITICAL' },
  { min: 70, severity: 'HIGH' },
  { min: 40, severity: 'MEDIUM' },
  { min: 1, severity: 'LOW' },
  { min: 0, severity: 'INFORMATIONAL' },
];

export function securityHubSeverity(severity: AsffFinding['Severity']): Severity {
  if (severity.Label) return severity.Label;
  const score = severity.Normalized ?? 0;
  return NORMALIZED_SEVERITY_BANDS.find((band) => score >= band.min)?.severity ?? 'INFORMATIONAL';
}

/** What makes a finding RESOLVED; anything else is OPEN. */
export const RESOLVED_WHEN = {
  recordState: ['ARCHIVED'],
  complianceStatus: ['PASSED', 'NOT_AVAILABLE'],
  workflowStatus: ['RESOLVED', 'SUPPRESSED'],
} as const;

function statusOf(f: AsffFinding): 'OPEN' | 'RESOLVED' {
  const resolved =
    (RESOLVED_WHEN.recordState as readonly string[]).includes(f.RecordState ?? '') ||
    (RESOLVED_WHEN.complianceStatus as readonly string[]).includes(f.Compliance?.Status ?? '') ||
    (RESOLVED_WHEN.workflowStatus as readonly string[]).includes(f.Workflow?.Status ?? f.WorkflowState ?? '');
  return resolved ? 'RESOLVED' : 'OPEN';
}

/**
 * How an ASFF resource id turns into another source's id: the ASFF `Id` as is, its tail
 * (after the last `/` or `:` of the ARN), the finding's account, or a field of `Details`.
 */
export type AsffIdSource = 'id' | 'arn-tail' | 'account' | { details: string };

export interface ResourceMapping {
  type: string;
  id: readonly AsffIdSource[];
}

/**
 * ASFF resource type -> the AWS Config resource type and resourceId that Config's own
 * compliance events use, so that a Security Hub control finding backed by a Config rule
 * lands on the Config finding. Config identifies most resources by name or short id, but
 * IAM and RDS by the service's internal id (AIDA..., AROA..., db-...), which ASFF only
 * carries in `Details`. A type not listed here (or whose id cannot be found) is not
 * collapsed: the finding keeps its Security Hub id.
 */
export const ASFF_TO_CONFIG: Readonly<Record<string, ResourceMapping>> = {
  AwsAccount: { type: 'AWS::::Account', id: ['account'] },
  AwsS3Bucket: { type: 'AWS::S3::Bucket', id: ['arn-tail'] },
  AwsEc2SecurityGroup: { type: 'AWS::EC2::SecurityGroup', id: ['arn-tail'] },
  AwsEc2Instance: { type: 'AWS::EC2::Instance', id: ['arn-tail'] },
  AwsEc2Volume: { type: 'AWS::EC2::Volume', id: ['arn-tail'] },
  AwsEc2Vpc: { type: 'AWS::EC2::VPC', id: ['arn-tail'] },
  AwsEc2Subnet: { type: 'AWS::EC2::Subnet', id: ['arn-tail'] },
  AwsEc2NetworkAcl: { type: 'AWS::EC2::NetworkAcl', id: ['arn-tail'] },
  AwsKmsKey: { type: 'AWS::KMS::Key', id: ['arn-tail'] },
  AwsLambdaFunction: { type: 'AWS::Lambda::Function', id: ['arn-tail'] },
  AwsDynamoDbTable: { type: 'AWS::DynamoDB::Table', id: ['arn-tail'] },
  AwsIamUser: { type: 'AWS::IAM::User', id: [{ details: 'AwsIamUser.UserId' }] },
  AwsIamRole: { type: 'AWS::IAM::Role', id: [{ details: 'AwsIamRole.RoleId' }] },
  AwsIamPolicy: { type: 'AWS::IAM::Policy', id: [{ details: 'AwsIamPolicy.PolicyId' }] },
  AwsRdsDbInstance: { type: 'AWS::RDS::DBInstance', id: [{ details: 'AwsRdsDbInstance.DbiResourceId' }] },
  AwsRdsDbCluster: { type: 'AWS::RDS::DBCluster', id: [{ details: 'AwsRdsDbCluster.DbClusterResourceId' }] },
  AwsSnsTopic: { type: 'AWS::SNS::Topic', id: ['id'] },
  AwsSecretsManagerSecret: { type: 'AWS::SecretsManager::Secret', id: ['id'] },
  AwsElbv2LoadBalancer: { type: 'AWS::ElasticLoadBalancingV2::LoadBalancer', id: ['id'] },
};

/**
 * ASFF resource type -> the resource type and id the GuardDuty normalizer gives the same
 * finding (`GUARDDUTY_RESOURCES` in guardduty.ts), so that the two deliveries of one
 * GuardDuty finding describe the same resource and do not flap between two.
 */
export const ASFF_TO_GUARDDUTY: Readonly<Record<string, ResourceMapping>> = {
  AwsEc2Instance: { type: 'Instance', id: ['arn-tail'] },
  AwsIamAccessKey: { type: 'AccessKey', id: [{ details: 'AwsIamAccessKey.UserName' }, { details: 'AwsIamAccessKey.PrincipalName' }, { details: 'AwsIamAccessKey.PrincipalId' }] },
  AwsS3Bucket: { type: 'S3Bucket', id: ['id'] },
  AwsEksCluster: { type: 'EKSCluster', id: ['id'] },
  AwsEcsCluster: { type: 'ECSCluster', id: ['id'] },
  AwsLambdaFunction: { type: 'Lambda', id: ['id'] },
  AwsRdsDbInstance: { type: 'RDSDBInstance', id: ['id'] },
  AwsEc2Volume: { type: 'EBSVolume', id: ['id'] },
};

type Json = Record<string, unknown>;
type AsffResource = AsffFinding['Resources'][number];
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const str = (value: unknown): string | undefined => (typeof value === 'string' && value.length > 0 ? value : undefined);

function detailAt(details: unknown, path: string): string | undefined {
  let current: unknown = details;
  for (const key of path.split('.')) current = isObject(current) ? current[key] : undefined;
  return str(current);
}

const ID_SOURCES: Record<Exclude<AsffIdSource, { details: string }>, (resource: AsffResource, accountId: string) => string | undefined> = {
  id: (resource) => resource.Id,
  'arn-tail': (resource) => resource.Id.split(/[/:]/).pop(),
  account: (_resource, accountId) => accountId,
};

function mappedId(mapping: ResourceMapping, resource: AsffResource, accountId: string): string | undefined {
  for (const source of mapping.id) {
    const id = typeof source === 'string' ? ID_SOURCES[source](resource, accountId) : detailAt(resource.Details, source.details);
    // Published findings write a missing id as "null" (AWS::IAM::AccessKey:null).
    if (id && id !== 'null') return id;
  }
  return undefined;
}

function tagsOf(resource: AsffResource): Record<string, string> | undefined {
  if (!resource.Tags) return undefined;
  const entries = Object.entries(resource.Tags).slice(0, 20);
  if (entries.length === 0) return undefined;
  return Object.fromEntries(entries.map(([key, value]) => [key, clip(typeof value === 'string' ? value : JSON.stringify(value), 128)]));
}

const REGION = /\b([a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d)\b/;

/** The first Region code in an ARN (tolerates published ARNs with a misplaced colon). */
export function regionOf(arn: string | undefined): string | undefined {
  return arn ? REGION.exec(arn)?.[1] : undefined;
}

const GUARDDUTY_FINDING_ARN = /:guardduty:[^:]*:\d{12}:detector\/[^/]+\/finding\/([^/]+)$/;

/** The GuardDuty finding behind an ASFF finding: its id and ARN, from `Id` or the Security Hub finding id. */
export function guardDutyFindingOf(f: AsffFinding): { id: string; arn: string } | undefined {
  for (const arn of [f.Id, str(f.ProductFields['aws/securityhub/FindingId'])]) {
    const id = arn ? GUARDDUTY_FINDING_ARN.exec(arn)?.[1] : undefined;
    if (arn && id) return { id, arn };
  }
  return undefined;
}

/**
 * The AWS Config rule behind an ASFF finding: `aws/config/ConfigRuleName` (findings the
 * Config integration sends), or the one `securityhub-*` Config rule a control finding is
 * related to. A control related to several rules (CIS 2.3: public read and public write)
 * matches none of their evaluations one to one, so it is not collapsed.
 */
export function configRuleOf(f: AsffFinding): string | undefined {
  const fields = f.ProductFields;
  const direct = str(fields['aws/config/ConfigRuleName']);
  if (direct) return direct;
  const related = Object.keys(fields)
    .filter((key) => /^RelatedAWSResources:\d+\/type$/.test(key) && fields[key] === 'AWS::Config::ConfigRule')
    .map((key) => str(fields[key.replace(/type$/, 'name')]));
  const [only] = related;
  return related.length === 1 && only?.startsWith('securityhub-') ? only : undefined;
}

/** Reconstructs the GuardDuty type from an ASFF type, which writes its `/` as `-`. */
export function guardDutyTypeOf(types: readonly string[] | undefined): string | undefined {
  const type = types?.[0]?.split('/').pop();
  return type?.replace(/^([^:]+:[^-]+)-/, '$1/');
}

function securityHubConsoleUrl(region: string, findingId: string): string {
  const search = `Id%3D%255Coperator%255C%253AEQUALS%255C%253A${encodeURIComponent(encodeURIComponent(findingId))}`;
  return `https://${region}.console.aws.amazon.com/securityhub/home?region=${region}#/findings?search=${search}`;
}

function guardDutyConsoleUrl(region: string, id: string): string {
  return `https://${region}.console.aws.amazon.com/guardduty/home?region=${region}#/findings?macros=current&fId=${encodeURIComponent(id)}`;
}

/** What every observation of one ASFF finding shares, whichever statement it makes. */
interface AsffCommon {
  accountId: string;
  region: string;
  status: Observation['status'];
  observedAt: string;
  firstSeenAt: string;
  eventId: string;
}

type AsffStatement = Pick<Observation, 'id' | 'ocsfClass' | 'rule' | 'severity' | 'title' | 'description' | 'resource' | 'sourceId' | 'consoleUrl' | 'sample'>;

/**
 * The observation as one literal, optional fields added after: spreading a shared part
 * and conditional parts into a literal is V8's slow path, and it took several times
 * longer than the rest of the normalizer (bench core-cpu).
 */
function asffObservation(common: AsffCommon, statement: AsffStatement): Observation {
  const observation: Observation = {
    source: 'aws.securityhub',
    accountId: common.accountId,
    region: common.region,
    status: common.status,
    observedAt: common.observedAt,
    firstSeenAt: common.firstSeenAt,
    eventId: common.eventId,
    id: statement.id,
    ocsfClass: statement.ocsfClass,
    rule: statement.rule,
    severity: statement.severity,
    title: statement.title,
    description: statement.description,
    resource: statement.resource,
    sourceId: statement.sourceId,
    consoleUrl: statement.consoleUrl,
  };
  // Security Hub publishes PASSED control findings for every resource it checks:
  // a resolution of something Vigil never saw open is not worth a record.
  if (common.status === 'RESOLVED') observation.createIfMissing = false;
  if (statement.sample) observation.sample = true;
  return observation;
}

function normalizeFinding(f: AsffFinding, envelope: EventEnvelope): Observation {
  const accountId = f.AwsAccountId;
  const guardDuty = guardDutyFindingOf(f);
  // The finding's Region; published findings without one name it in their ARNs (the
  // GuardDuty finding's, then the product's); the envelope's is the aggregation Region.
  const region = str(f.Region) ?? regionOf(guardDuty?.arn) ?? regionOf(f.ProductArn) ?? envelope.region;
  const observedAt = toIsoTimestamp(f.UpdatedAt, 'detail.findings[].UpdatedAt');
  const primary = f.Resources[0] as AsffResource;
  const tags = tagsOf(primary);
  const label = securityHubSeverity(f.Severity);
  const common: AsffCommon = {
    accountId,
    region,
    status: statusOf(f),
    observedAt,
    firstSeenAt: toIsoTimestampOrUndefined(f.CreatedAt) ?? observedAt,
    eventId: envelope.id,
  };

  if (guardDuty) {
    // The same statement as the GuardDuty event's (guardduty.ts): id, title, resource,
    // GuardDuty's own severity, count, so that whichever arrives second is a repeat.
    const mapping = ASFF_TO_GUARDDUTY[primary.Type];
    const resourceId = mapping ? mappedId(mapping, primary, accountId) : undefined;
    const resource: ResourceRef = mapping && resourceId ? { type: mapping.type, id: resourceId } : { type: primary.Type, id: primary.Id };
    const product = f.Severity.Product;
    const count = Number(str(f.ProductFields['aws/guardduty/service/count']) ?? str(f.ProductFields.count));
    const observation = asffObservation(common, {
      id: findingId('aws.guardduty', accountId, region, guardDuty.id),
      ocsfClass: 'Detection Finding',
      rule: guardDutyTypeOf(f.Types) ?? 'GuardDuty',
      severity: product !== undefined && product >= 0 && product <= 10 ? guardDutySeverity(product) : label,
      title: clip(f.Title, 200),
      description: clip(f.Description, 1000),
      resource: tags ? { type: resource.type, id: resource.id, tags } : resource,
      sourceId: guardDuty.id,
      consoleUrl: guardDutyConsoleUrl(region, guardDuty.id),
      sample: f.Sample === true || f.ProductFields['aws/guardduty/service/additionalInfo/sample'] === 'true',
    });
    if (Number.isInteger(count) && count >= 0) observation.sourceCount = count;
    return observation;
  }

  const rule = configRuleOf(f);
  const mapping = rule ? ASFF_TO_CONFIG[primary.Type] : undefined;
  const configId = mapping ? mappedId(mapping, primary, accountId) : undefined;
  if (rule && mapping && configId) {
    // The same statement as the Config rule's own evaluation (config.ts): id, rule, title,
    // resource and Config's severity for the rule, so that the two do not flap.
    return asffObservation(common, {
      id: configFindingId(accountId, region, rule, mapping.type, configId),
      ocsfClass: 'Compliance Finding',
      rule,
      severity: configRuleSeverity(rule),
      title: clip(`${baseRuleName(rule)}: ${mapping.type} ${configId}`, 200),
      description: clip(`Security Hub (${label}): ${f.Title}. ${f.Description}`, 1000),
      resource: tags ? { type: mapping.type, id: configId, tags } : { type: mapping.type, id: configId },
      sourceId: str(f.ProductFields['aws/config/ConfigRuleArn']) ?? rule,
      consoleUrl: securityHubConsoleUrl(region, f.Id),
      sample: f.Sample,
    });
  }

  return asffObservation(common, {
    id: findingId('aws.securityhub', accountId, region, f.Id),
    ocsfClass: f.Compliance ? 'Compliance Finding' : 'Detection Finding',
    rule: f.Compliance?.SecurityControlId ?? str(f.ProductFields.ControlId) ?? f.GeneratorId ?? f.Types?.[0] ?? 'securityhub',
    severity: label,
    title: clip(f.Title, 200),
    description: clip(f.Description, 1000),
    resource: tags ? { type: primary.Type, id: primary.Id, tags } : { type: primary.Type, id: primary.Id },
    sourceId: f.Id,
    consoleUrl: securityHubConsoleUrl(region, f.Id),
    sample: f.Sample,
  });
}

export const securityHubImported = defineNormalizer({
  source: 'aws.securityhub',
  detailType: 'Security Hub Findings - Imported',
  detailSchema: SecurityHubImportedSchema,
  normalize(detail, envelope) {
    if (detail.findings.length === 0) return { kind: 'ignored', reason: 'securityhub: the event carries no findings' };
    return { kind: 'findings', observations: detail.findings.map((f) => normalizeFinding(f, envelope)) };
  },
});

/**
 * "Security Hub Findings - Custom Action": a person chose a custom action in the console
 * for some findings. The findings ride along as they were, but the event is a request,
 * not a statement that they changed; their imports carry that.
 */
export const securityHubCustomAction = defineNormalizer({
  source: 'aws.securityhub',
  detailType: 'Security Hub Findings - Custom Action',
  detailSchema: z.object({ actionName: z.string().optional(), findings: z.array(z.unknown()).optional() }).loose(),
  normalize() {
    return { kind: 'ignored', reason: 'securityhub: custom action events are user actions, not finding updates' };
  },
});

/** "Security Hub Insight Results": counts per insight group, no findings. */
export const securityHubInsightResults = defineNormalizer({
  source: 'aws.securityhub',
  detailType: 'Security Hub Insight Results',
  detailSchema: z.object({ insightName: z.string().optional() }).loose(),
  normalize() {
    return { kind: 'ignored', reason: 'securityhub: insight results are aggregates, not findings' };
  },
});
