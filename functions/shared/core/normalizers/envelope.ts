import { EventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/eventbridge';
import { z } from 'zod';

/**
 * The EventBridge envelope as AWS documents it (Powertools' schema), with three
 * tolerances for published samples: `version` may be missing, and `time` may be any
 * string (GuardDuty samples stored with epoch-zero or non-ISO times); normalizers take
 * the time that matters from `detail`; `account` may be any non-empty string.
 */
export const EventEnvelopeSchema = EventBridgeSchema.extend({
  version: z.string().optional(),
  time: z.string(),
  resources: z.array(z.string()).optional().default([]),
  // Published samples sanitize accounts ("123456789", "redacted"); the member account a
  // finding belongs to comes from `detail`, and routing decides what an unknown one means.
  account: z.string().min(1),
  region: z.string().min(1),
  detail: z.record(z.string(), z.unknown()),
});

export type EventEnvelope = z.infer<typeof EventEnvelopeSchema>;
