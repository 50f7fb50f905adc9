import { MethodNotAllowedError, NotFoundError } from '@aws-lambda-powertools/event-handler/http';
import { AccessDeniedError, ActionConflictError, FindingNotFoundError, InvalidCursorError, InvalidParameterError, RegionUnavailableError, UnauthenticatedError } from '../../shared/core/query/errors.js';

/** An RFC 9457 problem: `type`, `title`, `status`, `detail`, and a few extension members. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  /** The query parameter or body field at fault (400). */
  parameter?: string;
  currentVersion?: number;
  currentStatus?: string;
  /** The Regions whose findings could not be read (503). */
  regions?: string[];
  /** The Lambda request id, to quote when reporting a 5xx. */
  requestId?: string;
}

export interface ProblemResponse {
  problem: Problem;
  headers: Record<string, string>;
  /** True for the failures that are Vigil's (5xx): they are logged with the error. */
  internal: boolean;
}

const TYPE = (slug: string) => `urn:vigil:problem:${slug}`;

/** DynamoDB's ways of saying "too fast": the SDK has retried already, so the client should back off. */
const THROTTLING = new Set(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded', 'ThrottlingError']);

function isThrottling(error: Error): boolean {
  if (THROTTLING.has(error.name)) return true;
  const reasons = (error as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons;
  return error.name === 'TransactionCanceledException' && !!reasons?.some((r) => r.Code && THROTTLING.has(r.Code));
}

/**
 * Maps an error to its problem. Domain errors say what was wrong; anything else is a 500
 * that says nothing of its cause (it is logged instead, under the request id it quotes).
 */
export function problemFor(error: Error, requestId: string | undefined): ProblemResponse {
  const plain = (status: number, slug: string, title: string, detail: string, extra: Partial<Problem> = {}, headers: Record<string, string> = {}): ProblemResponse => ({
    problem: { type: TYPE(slug), title, status, detail, ...extra },
    headers,
    internal: false,
  });
  if (error instanceof InvalidCursorError) return plain(400, 'invalid-cursor', 'Invalid cursor', `cursor: ${error.detail}`, { parameter: 'cursor' });
  if (error instanceof InvalidParameterError) return plain(400, 'invalid-parameter', 'Invalid request parameter', `${error.parameter}: ${error.detail}`, { parameter: error.parameter });
  if (error instanceof UnauthenticatedError) return plain(401, 'unauthenticated', 'Unauthenticated', error.message, {}, { 'www-authenticate': 'Bearer' });
  if (error instanceof AccessDeniedError) return plain(403, 'forbidden', 'Forbidden', error.message);
  if (error instanceof FindingNotFoundError) return plain(404, 'not-found', 'Not found', `no finding ${error.findingId}`);
  if (error instanceof NotFoundError) return plain(404, 'no-such-route', 'Not found', 'no such resource');
  if (error instanceof MethodNotAllowedError) return plain(405, 'method-not-allowed', 'Method not allowed', 'this resource does not answer that method');
  if (error instanceof ActionConflictError) {
    const extra: Partial<Problem> = {};
    if (error.currentVersion !== undefined) extra.currentVersion = error.currentVersion;
    if (error.currentStatus !== undefined) extra.currentStatus = error.currentStatus;
    return plain(409, 'conflict', 'Conflict', error.detail, extra);
  }
  // Not Vigil's fault and not hidden: the caller learns which Regions to retry or leave out.
  if (error instanceof RegionUnavailableError) {
    return plain(503, 'region-unavailable', 'Region unavailable', `findings in ${error.regions.join(', ')} could not be read; retry, or leave them out with region=`, { regions: error.regions }, { 'retry-after': '5' });
  }
  if (isThrottling(error)) return plain(429, 'throttled', 'Too many requests', 'the findings table is busy; retry after the indicated delay', {}, { 'retry-after': '1' });
  return {
    problem: {
      type: TYPE('internal'),
      title: 'Internal error',
      status: 500,
      detail: requestId ? `the request failed; quote request id ${requestId} when reporting it` : 'the request failed',
      ...(requestId ? { requestId } : {}),
    },
    headers: {},
    internal: true,
  };
}
