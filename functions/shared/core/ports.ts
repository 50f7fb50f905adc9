import type { QuarantineReason } from './errors.js';
import type { Decision, FindingState } from './lifecycle.js';
import type { Heartbeat } from './normalizers/types.js';

/** Persistence of findings, as the domain needs it. One implementation: DynamoDB. */
export interface FindingStore {
  /** The finding's state, or undefined. `consistent` asks for a strongly consistent read. */
  get(id: string, consistent: boolean): Promise<FindingState | undefined>;
  /**
   * Applies a decision atomically, conditional on the version it was decided from.
   * Throws ConcurrentUpdateError when another writer got there first.
   */
  commit(decision: Exclude<Decision, { kind: 'noop' }>): Promise<void>;
}

/** Where each member account's forwarder was last heard from, per Region. */
export interface HeartbeatStore {
  /** Records a heartbeat; an older one than what is stored changes nothing. */
  recordHeartbeat(heartbeat: Heartbeat): Promise<void>;
}

/** An input set aside because it can never become a finding as it is. */
export interface QuarantineEntry {
  reason: QuarantineReason;
  detail: string;
  /** The input exactly as received. */
  body: string;
  /** Where it came from (SQS message id, file and line). */
  origin: string;
  receivedAt: string;
  source?: string;
  detailType?: string;
  accountId?: string;
}

export interface QuarantineStore {
  quarantine(entry: QuarantineEntry): Promise<void>;
}
