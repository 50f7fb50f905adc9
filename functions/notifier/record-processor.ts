import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { RetryLaterError } from '../shared/core/notify/delivery.js';
import { notifyTransition, type NotifyDeps } from '../shared/core/notify/notify.js';
import { deriveNotification } from '../shared/core/notify/transition.js';

export interface RecordProcessorDeps {
  notify: NotifyDeps;
  logger: Logger;
  metrics: Metrics;
}

function image(raw: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  return raw ? unmarshall(raw as Record<string, AttributeValue>) : undefined;
}

/**
 * Processes one record of the findings table's stream: derives the announceable change
 * from its images (or skips it, counted, with the reason), then announces it. A record
 * with deliveries left to retry throws, so the batch reports it (ReportBatchItemFailures)
 * and Lambda retries from it. The batch's order (BatchOrder) holds back the same finding's
 * later records until then, which keeps each finding's messages in order (a RESOLVED never
 * overtakes its OPENED).
 */
export function createRecordProcessor(deps: RecordProcessorDeps) {
  const { logger, metrics } = deps;

  return async function processRecord(record: DynamoDBRecord): Promise<void> {
    const derived = deriveNotification(image(record.dynamodb?.OldImage as Record<string, unknown> | undefined), image(record.dynamodb?.NewImage as Record<string, unknown> | undefined));
    if (derived.kind === 'skip') {
      metrics.addMetric('StreamRecordsSkipped', MetricUnit.Count, 1);
      const keys = record.dynamodb?.Keys ? image(record.dynamodb.Keys as Record<string, unknown>) : undefined;
      if (derived.reason === 'malformed-finding') logger.error('finding image not understood', { reason: derived.reason, pk: keys?.pk, sk: keys?.sk });
      else logger.debug('stream record skipped', { reason: derived.reason, pk: keys?.pk, sk: keys?.sk });
      return;
    }
    const { event } = derived;
    const f = event.finding;
    const log = { findingId: f.id, accountId: f.accountId, region: f.region, source: f.source, team: f.team, transition: event.kind, version: f.version };
    metrics.addMetric('Transitions', MetricUnit.Count, 1);
    const result = await notifyTransition(event, {
      ...deps.notify,
      onRetry: (channel, reason, attempt, waitMs) => {
        metrics.addMetric('DeliveryRetries', MetricUnit.Count, 1);
        if (reason === 'slack-rate-limited') metrics.addMetric('SlackRateLimited', MetricUnit.Count, 1);
        logger.warn('delivery retried', { ...log, channel, reason, attempt, waitMs });
      },
      onUnrecorded: (channel, key, reason) => {
        metrics.addMetric('DeliveriesUnrecorded', MetricUnit.Count, 1);
        logger.error('notification sent but not recorded in the ledger; it is not sent again', { ...log, channel, key, reason });
      },
    });
    for (const outcome of result.outcomes) {
      const channel = outcome.channel === 'sns' ? 'Sns' : 'Slack';
      if (outcome.result === 'sent') {
        metrics.addMetric(`NotificationsSent${channel}`, MetricUnit.Count, 1);
        // From the finding's write (the stream record's time) to the message sent.
        const writtenAt = record.dynamodb?.ApproximateCreationDateTime;
        if (writtenAt) metrics.addMetric('NotificationLag', MetricUnit.Milliseconds, Math.max(0, Date.now() - writtenAt * 1000));
        logger.info('notification sent', { ...log, channel: outcome.channel, as: outcome.as });
      } else if (outcome.result === 'dead-lettered') {
        metrics.addMetric('NotificationsDeadLettered', MetricUnit.Count, 1);
        logger.error('notification dead-lettered', { ...log, channel: outcome.channel, reason: outcome.reason });
      } else {
        metrics.addMetric(outcome.reason === 'staged' ? 'NotificationsStaged' : 'NotificationsSkipped', MetricUnit.Count, 1);
        logger.info('notification skipped', { ...log, channel: outcome.channel, reason: outcome.reason });
      }
    }
    if (result.markedNotified) logger.debug('finding marked NOTIFIED', log);
    if (result.retry.length) {
      metrics.addMetric('RecordsRetried', MetricUnit.Count, 1);
      throw new RetryLaterError(result.retry);
    }
  };
}
