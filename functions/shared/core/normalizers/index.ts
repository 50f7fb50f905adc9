import * as z from 'zod';
import { InvalidEventError } from '../errors.js';
import { cloudTrailApiCall, cloudTrailConsoleSignIn } from './cloudtrail.js';
import { configComplianceChange } from './config.js';
import { EventEnvelopeSchema, type EventEnvelope } from './envelope.js';
import { guardDutyFinding } from './guardduty.js';
import { heartbeat } from './heartbeat.js';
import { securityHubCustomAction, securityHubImported, securityHubInsightResults } from './securityhub.js';
import type { Normalizer, NormalizeResult } from './types.js';

export type { Heartbeat, NormalizeResult, Normalizer } from './types.js';
export type { EventEnvelope } from './envelope.js';
/**
 * Bare CloudTrail records, as a trail writes them to S3 (no EventBridge envelope):
 * `normalizeRecord(record, origin?)` for one record, `normalizeRecords({Records}, origin?)`
 * for a log file (one result per record). A record gives the same observations bare as
 * inside its "AWS API Call via CloudTrail" envelope, except `eventId` (`origin.id`).
 */
export { normalizeBareRecord as normalizeRecord, normalizeLogFile as normalizeRecords, type RecordOrigin } from './cloudtrail.js';

/**
 * Every source Vigil normalizes, keyed by EventBridge `source` and `detail-type`. An entry
 * with `source: '*'` answers for its detail-type from any source (CloudTrail events carry
 * the calling service's source); an exact entry wins over it.
 */
export const NORMALIZERS: readonly Normalizer[] = [
  configComplianceChange,
  guardDutyFinding,
  cloudTrailApiCall,
  cloudTrailConsoleSignIn,
  securityHubImported,
  securityHubCustomAction,
  securityHubInsightResults,
  heartbeat,
];

/** By detail-type, then source: two lookups and no key built per event. */
const registry = new Map<string, Map<string, Normalizer>>();
for (const n of NORMALIZERS) {
  const bySource = registry.get(n.detailType) ?? new Map<string, Normalizer>();
  bySource.set(n.source, n);
  registry.set(n.detailType, bySource);
}

/** The entry for an event: exact `source` + `detail-type`, else the any-source (`'*'`) entry. */
export function normalizerFor(source: string, detailType: string): Normalizer | undefined {
  const bySource = registry.get(detailType);
  return bySource?.get(source) ?? bySource?.get('*');
}

/** Names the first few schema problems in words a person can act on. */
export function describeZodError(error: z.ZodError, prefix: string): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${[prefix, ...issue.path.map(String)].filter(Boolean).join('.')}: ${issue.message}`)
    .join('; ');
}

/**
 * Validates an EventBridge event and turns it into observations.
 * Throws {@link InvalidEventError} for anything that is not a known, valid event.
 */
export function normalizeEvent(input: unknown): NormalizeResult {
  const envelope = EventEnvelopeSchema.safeParse(input);
  if (!envelope.success) {
    throw new InvalidEventError('not-an-event', describeZodError(envelope.error, ''));
  }
  const event: EventEnvelope = envelope.data;
  const normalizer = normalizerFor(event.source, event['detail-type']);
  if (!normalizer) {
    throw new InvalidEventError('unknown-event-type', `no normalizer for source ${event.source} and detail-type "${event['detail-type']}"`);
  }
  const detail = normalizer.detailSchema.safeParse(event.detail);
  if (!detail.success) {
    throw new InvalidEventError('invalid-detail', describeZodError(detail.error, 'detail'));
  }
  return normalizer.normalize(detail.data, event);
}
