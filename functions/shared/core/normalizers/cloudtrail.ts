import * as z from 'zod';
import { CATALOGUE } from '../detections/catalogue/index.js';
import { failureOf, firstString, isReadOnlyCall, matchDetections } from '../detections/matcher.js';
import { CLOUDTRAIL_RESOURCES } from '../detections/resources.js';
import type { Detection, ResourceKind } from '../detections/types.js';
import { InvalidEventError } from '../errors.js';
import { clip, findingId, type Observation, type ResourceRef } from '../finding.js';
import { toIsoTimestampOrUndefined } from '../time.js';
import { defineNormalizer, type NormalizeResult } from './types.js';

/**
 * A CloudTrail record, as EventBridge carries it in `detail` and as a trail writes it to
 * S3 in `Records[]`. Only the call is required: published and trimmed records omit much
 * of the rest, and the detections read what they need by path.
 */
export const CloudTrailRecordSchema = z
  .object({
    eventSource: z.string().min(1),
    eventName: z.string().min(1),
  })
  .loose();
export type CloudTrailRecord = z.infer<typeof CloudTrailRecordSchema>;

/**
 * What carried a record. For an EventBridge event it is the envelope; for a bare record
 * it is whatever the caller knows (e.g. the S3 key of the log file as `id`). Each field
 * is only a fallback for what the record itself says, except `id`, which becomes the
 * observation's `eventId`.
 */
/** Repeats of a detection within a day are one occurrence (StreamAlert's merge window). */
export const DEFAULT_MERGE_WINDOW_MINUTES = 24 * 60;

export interface RecordOrigin {
  id?: string;
  account?: string;
  region?: string;
  time?: string;
}

/** The record `eventType`s EventBridge delivers as the two detail-types below. */
export const DELIVERED_EVENT_TYPES: readonly string[] = ['AwsApiCall', 'AwsConsoleSignIn'];

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const str = (value: unknown): string | undefined => (typeof value === 'string' && value.length > 0 ? value : undefined);

interface Context {
  record: CloudTrailRecord;
  accountId: string;
  principal: string;
}

/** How each {@link ResourceKind} names the resource of a finding. */
const RESOURCE_EXTRACTORS: Record<ResourceKind, (ctx: Context) => ResourceRef> = {
  event: ({ record }) => {
    const locator = CLOUDTRAIL_RESOURCES[`${record.eventSource}:${record.eventName}`];
    if (!locator) return { type: 'Unknown', id: 'unknown' };
    return { type: locator.type, id: firstString(record, locator.id) ?? 'unknown' };
  },
  account: ({ accountId }) => ({ type: 'AWS::::Account', id: accountId }),
  // CloudTrail names principals by userIdentity.type (IAMUser, Root, AssumedRole, ...).
  principal: ({ record, principal }) => ({ type: str(identity(record).type) ?? 'Unknown', id: principal }),
};

function identity(record: CloudTrailRecord): Json {
  return isObject(record.userIdentity) ? record.userIdentity : {};
}

/** Who made the call, as stable as the record allows: ARN, else principal id, else identity type. */
export function principalOf(record: CloudTrailRecord): string {
  const who = identity(record);
  return str(who.arn) ?? str(who.principalId) ?? str(who.type) ?? 'unknown';
}

function consoleUrl(region: string, record: CloudTrailRecord): string {
  const base = `https://${region}.console.aws.amazon.com/cloudtrail/home?region=${region}#/events`;
  const eventId = str(record.eventID);
  return eventId ? `${base}/${encodeURIComponent(eventId)}` : `${base}?EventName=${encodeURIComponent(record.eventName)}`;
}

function missReason(record: CloudTrailRecord, call: string): string {
  const failure = failureOf(record);
  if (failure) return `cloudtrail: ${call} failed (${failure}); failed calls are findings only where a detection says so`;
  if (isReadOnlyCall(record)) return `cloudtrail: ${call} is read-only; read-only calls are findings only where a detection says so`;
  return `cloudtrail: no detection matches ${call}`;
}

/**
 * Runs the detection catalogue over one CloudTrail record: one observation per matching
 * detection, or the reason there is none. The same record gives the same observations
 * whatever carried it, except `eventId` (the carrier's id), and, where the record lacks
 * them, what the carrier supplies: `sourceId` (no `eventID`), account, Region, time.
 */
export function normalizeCloudTrailRecord(record: CloudTrailRecord, origin: RecordOrigin, catalogue: readonly Detection[] = CATALOGUE): NormalizeResult {
  const call = `${record.eventSource}:${record.eventName}`;
  const matched = matchDetections(record, catalogue);
  if (matched.length === 0) return { kind: 'ignored', reason: missReason(record, call) };

  const ids = matched.map((d) => d.id).join(', ');
  const accountId = str(record.recipientAccountId) ?? str(identity(record).accountId) ?? str(origin.account);
  const region = str(record.awsRegion) ?? str(origin.region);
  const observedAt = toIsoTimestampOrUndefined(record.eventTime) ?? toIsoTimestampOrUndefined(origin.time);
  // Live records always carry these; trimmed fixtures may not, and a finding without an
  // account or a time cannot be routed or ordered.
  if (!accountId) return { kind: 'ignored', reason: `cloudtrail: ${call} matches ${ids} but the record names no account` };
  if (!region) return { kind: 'ignored', reason: `cloudtrail: ${call} matches ${ids} but the record names no Region` };
  if (!observedAt) return { kind: 'ignored', reason: `cloudtrail: ${call} matches ${ids} but the record has no valid eventTime` };

  const principal = principalOf(record);
  const sourceIp = str(record.sourceIPAddress);
  const eventId = str(record.eventID);
  const observations = matched.map((detection): Observation => {
    const resource = RESOURCE_EXTRACTORS[detection.resource]({ record, accountId, principal });
    const by = detection.resource === 'principal' ? '' : ` by ${principal}`;
    return {
      // Repeats of one detection by one principal on one resource are one finding.
      id: findingId('aws.cloudtrail', accountId, region, detection.id, principal, resource.id),
      source: 'aws.cloudtrail',
      ocsfClass: 'Detection Finding',
      rule: detection.id,
      accountId,
      region,
      severity: detection.severity,
      status: 'OPEN',
      title: clip(`${detection.title}: ${resource.id}${by}`, 200),
      description: clip(
        `${call} by ${principal}${sourceIp ? ` from ${sourceIp}` : ''} at ${observedAt}. ${detection.description} Remediation: ${detection.remediation}`,
        1000,
      ),
      resource,
      observedAt,
      sourceId: eventId ?? str(origin.id) ?? 'unknown',
      consoleUrl: consoleUrl(region, record),
      eventId: str(origin.id) ?? eventId ?? 'unknown',
      mergeWindowMs: (detection.mergeWindowMinutes ?? DEFAULT_MERGE_WINDOW_MINUTES) * 60_000,
    };
  });
  return { kind: 'findings', observations };
}

// CloudTrail events come from every service's own `source` (aws.iam, aws.s3, ...), so
// these entries answer for any source; only AWS may publish `aws.*` sources.
function assertAwsSource(source: string): void {
  if (!source.startsWith('aws.')) {
    throw new InvalidEventError('unknown-event-type', `CloudTrail detail-type from non-AWS source ${source}`);
  }
}

export const cloudTrailApiCall = defineNormalizer({
  source: '*',
  detailType: 'AWS API Call via CloudTrail',
  detailSchema: CloudTrailRecordSchema,
  normalize(detail, envelope) {
    assertAwsSource(envelope.source);
    return normalizeCloudTrailRecord(detail, envelope);
  },
});

export const cloudTrailConsoleSignIn = defineNormalizer({
  source: '*',
  detailType: 'AWS Console Sign In via CloudTrail',
  detailSchema: CloudTrailRecordSchema,
  normalize(detail, envelope) {
    assertAwsSource(envelope.source);
    return normalizeCloudTrailRecord(detail, envelope);
  },
});

/**
 * Normalizes one bare CloudTrail record (a trail log file's `Records[i]`). Records of an
 * `eventType` EventBridge would not deliver as an API call or sign-in (service events,
 * Insights, network activity) are ignored, as they would be on the event bus. Throws
 * {@link InvalidEventError} for input that is not a CloudTrail record.
 */
export function normalizeBareRecord(input: unknown, origin: RecordOrigin = {}): NormalizeResult {
  if (!isObject(input)) throw new InvalidEventError('not-an-event', 'a CloudTrail record is a JSON object');
  if ('detail-type' in input) {
    throw new InvalidEventError('not-an-event', 'an EventBridge event, not a bare CloudTrail record: use normalizeEvent');
  }
  const eventType = input.eventType;
  if (eventType !== undefined && !DELIVERED_EVENT_TYPES.includes(String(eventType))) {
    return { kind: 'ignored', reason: `cloudtrail: eventType ${String(eventType)} is neither an API call nor a console sign-in` };
  }
  const parsed = CloudTrailRecordSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidEventError('invalid-detail', `record.${issue?.path.map(String).join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  return normalizeCloudTrailRecord(parsed.data, origin);
}

/**
 * Normalizes a trail's log file, `{"Records": [...]}`: one result per record, in order.
 * With an `origin.id`, record `i` is carried by `<id>#<i>`. Throws
 * {@link InvalidEventError} naming the record when any record is not a CloudTrail record.
 */
export function normalizeLogFile(input: unknown, origin: RecordOrigin = {}): NormalizeResult[] {
  if (!isObject(input) || !Array.isArray(input.Records)) {
    throw new InvalidEventError('not-an-event', 'a CloudTrail log file is an object with a Records array');
  }
  return input.Records.map((record: unknown, i) => {
    try {
      return normalizeBareRecord(record, origin.id ? { ...origin, id: `${origin.id}#${i}` } : origin);
    } catch (error) {
      if (!(error instanceof InvalidEventError)) throw error;
      throw new InvalidEventError(error.reason, `Records[${i}]: ${error.detail}`, { cause: error });
    }
  });
}
