import * as z from 'zod';
import { jsonObject } from './json-object.js';

/**
 * The EventBridge envelope as AWS documents it (the fields of Powertools'
 * `EventBridgeSchema`), with three tolerances for published samples: `version` may be
 * missing, and `time` may be any string (GuardDuty samples stored with epoch-zero or
 * non-ISO times); normalizers take the time that matters from `detail`; `account` may be
 * any non-empty string. Declared here rather than extended from Powertools' schema,
 * which imports zod's `z` object whole and with it every locale zod ships (~250 KB of
 * each bundle that validates events).
 */
export const EventEnvelopeSchema = z.object({
  version: z.string().optional(),
  id: z.string(),
  source: z.string(),
  // Published samples sanitize accounts ("123456789", "redacted"); the member account a
  // finding belongs to comes from `detail`, and routing decides what an unknown one means.
  account: z.string().min(1),
  time: z.string(),
  region: z.string().min(1),
  resources: z.array(z.string()).optional().default([]),
  'detail-type': z.string(),
  // Checked as an object here, validated by the normalizer's own schema.
  detail: jsonObject,
  'replay-name': z.string().optional(),
});

export type EventEnvelope = z.infer<typeof EventEnvelopeSchema>;
