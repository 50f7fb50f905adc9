import type * as z from 'zod';
import type { Observation } from '../finding.js';
import type { EventEnvelope } from './envelope.js';

/**
 * What one event says: findings; a heartbeat (a member account and Region proving its
 * forwarding works); or a counted reason why it is none.
 */
export type NormalizeResult =
  | { kind: 'findings'; observations: Observation[] }
  | { kind: 'heartbeat'; heartbeat: Heartbeat }
  | { kind: 'ignored'; reason: string };

/** A member account's forwarder in one Region was alive at `at`. */
export interface Heartbeat {
  accountId: string;
  region: string;
  at: string;
}

/**
 * One entry of the normalizer registry: the EventBridge `source` and `detail-type` it
 * answers for, the zod schema of the documented `detail`, and a pure function from a
 * validated detail to observations. Adding a source is adding an entry.
 */
export interface Normalizer<TDetail = unknown> {
  source: string;
  detailType: string;
  detailSchema: z.ZodType<TDetail>;
  normalize(detail: TDetail, envelope: EventEnvelope): NormalizeResult;
}

/** Keeps the generic type of a normalizer's detail while erasing it for the registry. */
export function defineNormalizer<TDetail>(normalizer: Normalizer<TDetail>): Normalizer<unknown> {
  return normalizer as Normalizer<unknown>;
}
