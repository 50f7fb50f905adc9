/**
 * Typed errors of the domain. Each carries a machine-readable `reason` so that a
 * quarantined event says, in one word, why it was set aside, and a `detail` that a
 * person can act on.
 */
export class VigilError extends Error {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Reasons an input is set aside instead of stored. Stable: they are metric dimensions. */
export type QuarantineReason =
  | 'not-json'
  | 'not-an-event'
  | 'unknown-event-type'
  | 'invalid-detail'
  | 'oversized'
  | 'account-not-in-organization'
  | 'timestamp-out-of-range';

/** The input can never become a finding as it is: retrying will not help, so it is quarantined. */
export class InvalidEventError extends VigilError {
  public constructor(
    public readonly reason: QuarantineReason,
    public readonly detail: string,
    options?: ErrorOptions,
  ) {
    super(`${reason}: ${detail}`, options);
  }
}

/** A write lost a race with another writer of the same finding; the caller re-reads and decides again. */
export class ConcurrentUpdateError extends VigilError {}
