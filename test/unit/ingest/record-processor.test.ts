import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { describe, expect, it } from 'vitest';
import { createRecordProcessor } from '../../../functions/ingest/record-processor.js';
import type { QuarantineEntry } from '../../../functions/shared/core/ports.js';
import { sqsRecord } from '../../support/sqs.js';

describe('ingest record processor: quarantine', () => {
  it('quarantines a redelivered record under the same key: the time SQS first handed it out', async () => {
    // Prepare
    const entries: QuarantineEntry[] = [];
    const processRecord = createRecordProcessor({
      quarantine: { quarantine: async (entry) => void entries.push(entry) },
      store: { get: async () => undefined, commit: async () => undefined },
      route: () => ({ team: 'security', routedBy: 'default' }),
      logger: new Logger({ logLevel: 'SILENT' }),
      metrics: new Metrics({ namespace: 'VigilTest' }),
    });
    const first = sqsRecord('{"truncated": ', '00000000-0000-4000-8000-000000000001');
    first.attributes.ApproximateFirstReceiveTimestamp = String(Date.parse('2026-11-21T10:00:00.000Z'));
    const again = { ...first, attributes: { ...first.attributes, ApproximateReceiveCount: '2' } };
    // Act
    await processRecord(first);
    await processRecord(again);
    // Assess
    expect(entries.map((e) => [e.reason, e.origin, e.receivedAt])).toEqual([
      ['not-json', 'sqs:00000000-0000-4000-8000-000000000001', '2026-11-21T10:00:00.000Z'],
      ['not-json', 'sqs:00000000-0000-4000-8000-000000000001', '2026-11-21T10:00:00.000Z'],
    ]);
  });
});
