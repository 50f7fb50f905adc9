import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { countedOf } from '../shared/core/query/aggregates.js';
import type { FindingChange } from '../shared/adapters/dynamodb-aggregates.js';

export interface StreamChanges {
  changes: FindingChange[];
  /** Records of other items (history, detail, counters, markers) or of unreadable findings. */
  ignored: number;
}

/**
 * The latest state of each finding a batch of stream records touched. Records of one
 * item arrive in order, so the last one is the finding as it is now; intermediate states
 * never need counting. Only finding items (`pk = F#<id>`, `sk = F`) count.
 */
export function changesFromStream(records: readonly DynamoDBRecord[]): StreamChanges {
  const latest = new Map<string, FindingChange>();
  let ignored = 0;
  for (const record of records) {
    const pk = record.dynamodb?.Keys?.pk?.S;
    const sk = record.dynamodb?.Keys?.sk?.S;
    if (sk !== 'F' || !pk?.startsWith('F#')) {
      ignored++;
      continue;
    }
    const id = pk.slice(2);
    if (record.eventName === 'REMOVE') {
      latest.set(id, { id, target: undefined });
      continue;
    }
    const image = record.dynamodb?.NewImage;
    const target = image ? countedOf(unmarshall(image as Record<string, AttributeValue>)) : undefined;
    if (!target) {
      ignored++;
      continue;
    }
    latest.set(id, { id, target });
  }
  return { changes: [...latest.values()], ignored };
}
