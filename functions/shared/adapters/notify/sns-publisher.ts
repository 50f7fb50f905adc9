import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DeliveryError } from '../../core/notify/delivery.js';
import type { SnsPort } from '../../core/notify/ports.js';
import type { SnsPublishInput } from '../../core/notify/sns-message.js';

/** SNS and KMS answers that mean "later" (SNS's own `ThrottledException`, the Query protocol's `Throttling`). */
const RETRYABLE = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'KMSThrottlingException',
  'InternalError',
  'InternalErrorException',
  'InternalFailure',
  'ServiceUnavailable',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

/** Answers that no retry changes: a missing topic, a refused key, a rejected message. */
const PERMANENT = new Set([
  'InvalidParameterException',
  'InvalidParameterValueException',
  'NotFoundException',
  'AuthorizationErrorException',
  'InvalidSecurityException',
  'KMSDisabledException',
  'KMSInvalidStateException',
  'KMSNotFoundException',
  'KMSAccessDeniedException',
  'KMSOptInRequired',
  'ValidationException',
]);

/** Classifies an SNS client error as a DeliveryError. Unknown errors are retryable; they dead-letter if they persist. */
export function snsDeliveryError(error: unknown): DeliveryError {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  const name = e.name ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  const retryable = RETRYABLE.has(name) || !!e.$retryable || (status !== undefined && status >= 500) || (!PERMANENT.has(name) && (status === undefined || status === 429));
  return new DeliveryError(`SNS Publish failed: ${name}${status ? ` (HTTP ${status})` : ''}: ${e.message ?? ''}`.slice(0, 500), `sns-${name}`, retryable && !PERMANENT.has(name), undefined, { cause: error });
}

/**
 * The findings topic. The client makes one attempt per call: the notifier's retry policy
 * (delivery.ts) owns retries, so they are counted, backed off and bounded in one place.
 */
export class SnsPublisher implements SnsPort {
  public constructor(private readonly client: SNSClient = new SNSClient({ maxAttempts: 1 })) {}

  public async publish(input: SnsPublishInput): Promise<{ messageId: string }> {
    try {
      const out = await this.client.send(new PublishCommand(input));
      return { messageId: out.MessageId ?? '' };
    } catch (error) {
      throw snsDeliveryError(error);
    }
  }
}
