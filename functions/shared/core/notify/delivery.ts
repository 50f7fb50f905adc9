import { VigilError } from '../errors.js';

/**
 * A delivery that failed, classified by the adapter that saw it: `retryable` failures
 * (throttling, HTTP 429 and 5xx, timeouts, network errors) are retried with backoff and
 * then by the stream; the others (a channel that does not exist, a revoked token, a
 * payload the service refuses) are dead-lettered at once, since retrying cannot help.
 * `reason` is short and stable (`slack-http-500`, `sns-Throttling`, `slack-channel_not_found`)
 * and never contains a secret (webhook URLs and tokens stay out of every message).
 */
export class DeliveryError extends VigilError {
  public constructor(
    message: string,
    public readonly reason: string,
    public readonly retryable: boolean,
    public readonly retryAfterMs?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A record must be retried later (by the stream): some of its deliveries did not finish. */
export class RetryLaterError extends VigilError {
  public constructor(public readonly reasons: string[]) {
    super(`deliveries to retry: ${reasons.join('; ')}`);
  }
}

export interface RetryPolicy {
  /** Tries per delivery within one invocation (1 = no retry). */
  attempts: number;
  /** First backoff; doubles each time (with jitter), up to `maxMs`. */
  baseMs: number;
  maxMs: number;
  /** A Retry-After longer than this ends the invocation's tries (the stream retries later). */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseMs: 250, maxMs: 4000, maxRetryAfterMs: 30_000 };

export interface RetryRuntime {
  sleep: (ms: number) => Promise<void>;
  /** Milliseconds this invocation may still spend; waits that do not fit are not started. */
  remainingMs?: () => number;
  /** 0 ≤ x < 1, for jitter. */
  random?: () => number;
  /** Told about each retry (metrics, logs). */
  onRetry?: (error: DeliveryError, attempt: number, waitMs: number) => void;
}

/** Any error as a DeliveryError: unknown failures count as retryable (they end in the DLQ if they persist). */
export function asDeliveryError(error: unknown): DeliveryError {
  if (error instanceof DeliveryError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new DeliveryError(`unexpected failure: ${message}`, 'unexpected', true, undefined, { cause: error });
}

/**
 * Runs `send` until it succeeds, a failure is not retryable, or the policy's tries are
 * spent. Waits honour the service's Retry-After; otherwise exponential backoff with
 * jitter ("full jitter" over the upper half, so waits never collapse to zero).
 */
export async function withRetry<T>(send: () => Promise<T>, policy: RetryPolicy, runtime: RetryRuntime): Promise<T> {
  const random = runtime.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (error) {
      const failure = asDeliveryError(error);
      if (!failure.retryable || attempt >= policy.attempts) throw failure;
      const backoff = Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1));
      const wait = failure.retryAfterMs !== undefined ? failure.retryAfterMs : Math.round(backoff / 2 + (random() * backoff) / 2);
      if (failure.retryAfterMs !== undefined && failure.retryAfterMs > policy.maxRetryAfterMs) throw failure;
      if (runtime.remainingMs && runtime.remainingMs() < wait + 5000) throw failure;
      runtime.onRetry?.(failure, attempt, wait);
      await runtime.sleep(wait);
    }
  }
}
