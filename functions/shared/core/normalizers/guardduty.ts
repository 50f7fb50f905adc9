import * as z from 'zod';
import { clip, findingId, type Observation, type ResourceRef, type Severity } from '../finding.js';
import { toIsoTimestamp, toIsoTimestampOrUndefined } from '../time.js';
import { defineNormalizer } from './types.js';

const TagListSchema = z.array(z.object({ key: z.string().optional(), value: z.string().nullish() })).nullish();

/** `detail` of "GuardDuty Finding": the finding as GetFindings returns it (schema 2.0). */
export const GuardDutyFindingSchema = z.object({
  schemaVersion: z.string().optional(),
  accountId: z.string().regex(/^\d{12}$/),
  region: z.string().min(1),
  partition: z.string().optional(),
  id: z.string().min(1),
  arn: z.string().optional(),
  type: z.string().min(1),
  severity: z.number().min(0).max(10),
  title: z.string(),
  description: z.string().optional().default(''),
  createdAt: z.string(),
  updatedAt: z.string(),
  resource: z.object({ resourceType: z.string().optional() }).loose().optional(),
  service: z
    .object({
      count: z.number().int().nonnegative().optional(),
      archived: z.boolean().optional(),
      additionalInfo: z.object({ sample: z.boolean().optional() }).nullish(),
    })
    .optional(),
});
export type GuardDutyFinding = z.infer<typeof GuardDutyFindingSchema>;

/**
 * GuardDuty's documented severity bands: Low 1.0–3.9, Medium 4.0–6.9, High 7.0–8.9,
 * Critical 9.0–10.0.
 */
export function guardDutySeverity(value: number): Severity {
  if (value >= 9) return 'CRITICAL';
  if (value >= 7) return 'HIGH';
  if (value >= 4) return 'MEDIUM';
  return 'LOW';
}

type Json = Record<string, unknown>;
const obj = (value: unknown): Json | undefined => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined);
const str = (value: unknown): string | undefined => (typeof value === 'string' && value.length > 0 ? value : undefined);
const first = (value: unknown): Json | undefined => (Array.isArray(value) ? obj(value[0]) : obj(value));

/**
 * Where each GuardDuty resource type keeps its identity and tags: a table, not branches
 * (in the manner of Cloud Custodian's `id_exprs`). Paths are tried in order.
 */
export const GUARDDUTY_RESOURCES: Record<string, { details: string; id: string[]; tags?: string }> = {
  Instance: { details: 'instanceDetails', id: ['instanceId'], tags: 'tags' },
  AccessKey: { details: 'accessKeyDetails', id: ['userName', 'accessKeyId', 'principalId'] },
  S3Bucket: { details: 's3BucketDetails', id: ['arn', 'name'], tags: 'tags' },
  EKSCluster: { details: 'eksClusterDetails', id: ['arn', 'name'], tags: 'tags' },
  ECSCluster: { details: 'ecsClusterDetails', id: ['arn', 'name'], tags: 'tags' },
  Container: { details: 'containerDetails', id: ['id', 'name'] },
  RDSDBInstance: { details: 'rdsDbInstanceDetails', id: ['dbInstanceArn', 'dbInstanceIdentifier'], tags: 'tags' },
  RDSLimitlessDB: { details: 'rdsLimitlessDbDetails', id: ['dbClusterIdentifier', 'dbShardGroupIdentifier'], tags: 'tags' },
  Lambda: { details: 'lambdaDetails', id: ['functionArn', 'functionName'], tags: 'tags' },
  EBSVolume: { details: 'ebsVolumeDetails', id: ['volumeArn'] },
};

function tagsFrom(list: unknown): Record<string, string> | undefined {
  const parsed = TagListSchema.safeParse(list);
  if (!parsed.success || !parsed.data?.length) return undefined;
  const tags: Record<string, string> = {};
  for (const tag of parsed.data.slice(0, 20)) {
    if (tag.key) tags[tag.key] = clip(tag.value ?? '', 128);
  }
  return Object.keys(tags).length ? tags : undefined;
}

export function guardDutyResource(resource: Json | undefined): ResourceRef {
  const type = str(resource?.resourceType) ?? 'Unknown';
  const entry = GUARDDUTY_RESOURCES[type];
  if (!entry || !resource) return { type, id: 'unknown' };
  const details = first(resource[entry.details]);
  const id = entry.id.map((key) => str(details?.[key])).find(Boolean) ?? 'unknown';
  const tags = entry.tags ? tagsFrom(details?.[entry.tags]) : undefined;
  return tags ? { type, id, tags } : { type, id };
}

export const guardDutyFinding = defineNormalizer({
  source: 'aws.guardduty',
  detailType: 'GuardDuty Finding',
  detailSchema: GuardDutyFindingSchema,
  normalize(detail, envelope) {
    const observedAt = toIsoTimestamp(detail.updatedAt, 'detail.updatedAt');
    const region = detail.region;
    const archived = detail.service?.archived === true;
    const observation: Observation = {
      // The GuardDuty finding id is unique per detector; account and Region make it global.
      id: findingId('aws.guardduty', detail.accountId, region, detail.id),
      source: 'aws.guardduty',
      ocsfClass: 'Detection Finding',
      rule: detail.type,
      accountId: detail.accountId,
      region,
      severity: guardDutySeverity(detail.severity),
      status: archived ? 'RESOLVED' : 'OPEN',
      title: clip(detail.title, 200),
      description: clip(detail.description, 1000),
      resource: guardDutyResource(detail.resource as Json | undefined),
      observedAt,
      firstSeenAt: toIsoTimestampOrUndefined(detail.createdAt) ?? observedAt,
      sourceId: detail.id,
      consoleUrl: `https://${region}.console.aws.amazon.com/guardduty/home?region=${region}#/findings?macros=current&fId=${encodeURIComponent(detail.id)}`,
      eventId: envelope.id,
    };
    // Optional fields are added, not spread into the literal: V8 builds it several times faster.
    if (detail.service?.count !== undefined) observation.sourceCount = detail.service.count;
    if (detail.service?.additionalInfo?.sample === true) observation.sample = true;
    return { kind: 'findings', observations: [observation] };
  },
});
