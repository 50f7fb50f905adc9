import { VigilError } from '../errors.js';

/**
 * Errors of the query API's domain. Each maps to one HTTP status (see
 * functions/query-api/app/problems.ts); none carries anything internal.
 */

/** A query parameter or body field is invalid (400). `parameter` names it. */
export class InvalidParameterError extends VigilError {
  public constructor(
    public readonly parameter: string,
    public readonly detail: string,
    options?: ErrorOptions,
  ) {
    super(`${parameter}: ${detail}`, options);
  }
}

/** The cursor is malformed, tampered with, or was issued for another filter or caller (400). */
export class InvalidCursorError extends InvalidParameterError {
  public constructor(detail: string, options?: ErrorOptions) {
    super('cursor', detail, options);
  }
}

/** No verifiable identity came with the request (401). */
export class UnauthenticatedError extends VigilError {}

/** The caller is known but may not do this (403): a team it is not a member of, or no team at all. */
export class AccessDeniedError extends VigilError {}

/**
 * No such finding, or one the caller may not see (404): the two are indistinguishable on
 * purpose, so that ids of other teams' findings cannot be probed.
 */
export class FindingNotFoundError extends VigilError {
  public constructor(public readonly findingId: string) {
    super(`finding ${findingId} not found`);
  }
}

/** The action does not apply to the finding as it is now: its status, or a stale expected version (409). */
export class ActionConflictError extends VigilError {
  public constructor(
    public readonly detail: string,
    public readonly currentVersion?: number,
    public readonly currentStatus?: string,
  ) {
    super(detail);
  }
}

/**
 * A Region's findings could not be read (503): the organization-wide answer would have a
 * gap, so none is given. `regions` names them; `region=` can leave them out.
 */
export class RegionUnavailableError extends VigilError {
  public constructor(
    public readonly regions: string[],
    options?: ErrorOptions,
  ) {
    super(`findings in ${regions.join(', ')} could not be read`, options);
  }
}
