import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { SQSRecord } from 'aws-lambda';
import { InvalidEventError } from '../shared/core/errors.js';
import { ingestEvent, type IngestDeps } from '../shared/core/ingest.js';
import type { QuarantineStore } from '../shared/core/ports.js';

/** EventBridge rejects events over 256 KB, so a larger body did not come from the bus. */
export const MAX_EVENT_BYTES = 256 * 1024;

export interface RecordProcessorDeps extends IngestDeps {
  quarantine: QuarantineStore;
  logger: Logger;
  metrics: Metrics;
}

interface EnvelopeHints {
  source?: string;
  detailType?: string;
  accountId?: string;
  time?: string;
}

function hintsOf(event: unknown): EnvelopeHints {
  if (!event || typeof event !== 'object') return {};
  const e = event as Record<string, unknown>;
  const pick = (k: string) => (typeof e[k] === 'string' ? (e[k] as string) : undefined);
  return { source: pick('source'), detailType: pick('detail-type'), accountId: pick('account'), time: pick('time') };
}

/**
 * When SQS first handed the message out. The same on every redelivery, so a record
 * quarantined again (its batch failed or its function died after the quarantine write)
 * rewrites the same entry (`<receivedAt>#<origin>`) instead of adding a second one.
 */
function firstReceivedAt(record: SQSRecord): string {
  const ms = Number(record.attributes?.ApproximateFirstReceiveTimestamp);
  return new Date(Number.isFinite(ms) && ms > 0 ? ms : Date.now()).toISOString();
}

/**
 * Processes one SQS record whose body is an EventBridge event. Bad input is quarantined
 * with its reason and the record succeeds (retrying cannot fix it); any other failure
 * throws, so the batch reports this record alone and SQS retries it, then dead-letters it.
 */
export function createRecordProcessor(deps: RecordProcessorDeps) {
  const { logger, metrics } = deps;

  async function quarantine(record: SQSRecord, error: InvalidEventError, hints: EnvelopeHints): Promise<void> {
    await deps.quarantine.quarantine({
      reason: error.reason,
      detail: error.detail,
      body: record.body,
      origin: `sqs:${record.messageId}`,
      receivedAt: firstReceivedAt(record),
      ...(hints.source ? { source: hints.source } : {}),
      ...(hints.detailType ? { detailType: hints.detailType } : {}),
      ...(hints.accountId ? { accountId: hints.accountId } : {}),
    });
    const metric = metrics.singleMetric();
    metric.addDimension('reason', error.reason);
    metric.addMetric('EventsQuarantined', MetricUnit.Count, 1);
    logger.warn('event quarantined', { reason: error.reason, detail: error.detail, messageId: record.messageId, source: hints.source, detailType: hints.detailType, accountId: hints.accountId });
  }

  return async function processRecord(record: SQSRecord): Promise<void> {
    metrics.addMetric('EventsReceived', MetricUnit.Count, 1);
    if (Buffer.byteLength(record.body) > MAX_EVENT_BYTES) {
      return quarantine(record, new InvalidEventError('oversized', `body of ${Buffer.byteLength(record.body)} bytes is larger than an EventBridge event can be`), {});
    }
    let event: unknown;
    try {
      event = JSON.parse(record.body);
    } catch (error) {
      return quarantine(record, new InvalidEventError('not-json', `body is not JSON: ${(error as Error).message}`), {});
    }
    const hints = hintsOf(event);
    try {
      const outcome = await ingestEvent(event, deps);
      if (outcome.kind === 'ignored') {
        metrics.addMetric('EventsIgnored', MetricUnit.Count, 1);
        logger.info('event ignored', { reason: outcome.reason, source: hints.source, detailType: hints.detailType, messageId: record.messageId });
        return;
      }
      if (outcome.kind === 'heartbeat') {
        metrics.addMetric('Heartbeats', MetricUnit.Count, 1);
        return;
      }
      const lagMs = hints.time ? Date.now() - Date.parse(hints.time) : Number.NaN;
      if (Number.isFinite(lagMs) && lagMs >= 0) metrics.addMetric('IngestLag', MetricUnit.Milliseconds, lagMs);
      for (const finding of outcome.findings) {
        metrics.addMetric(`Findings${finding.decision[0]!.toUpperCase()}${finding.decision.slice(1)}`, MetricUnit.Count, 1);
        if (finding.unconfigured && finding.decision !== 'noop') {
          const metric = metrics.singleMetric();
          metric.addDimension('team', finding.team);
          metric.addMetric('UnconfiguredTeamFindings', MetricUnit.Count, 1);
        }
        if (finding.transition) {
          logger.info('finding transition', { findingId: finding.id, transition: finding.transition, team: finding.team, source: hints.source, accountId: hints.accountId, decision: finding.decision });
        }
      }
    } catch (error) {
      if (error instanceof InvalidEventError) return quarantine(record, error, hints);
      throw error;
    }
  };
}
