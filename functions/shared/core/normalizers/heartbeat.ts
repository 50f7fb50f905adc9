import { toIsoTimestamp } from '../time.js';
import { jsonObject } from './json-object.js';
import { defineNormalizer } from './types.js';

/**
 * The member forwarder's schedule rule (infra/member-forwarder.yaml) is named this; its
 * "Scheduled Event" reaches the central bus from every account and Region, every hour.
 * Only AWS can publish `aws.events`, so a heartbeat cannot be forged by a member.
 */
export const HEARTBEAT_RULE_NAME = 'vigil-heartbeat';
const HEARTBEAT_RULE = new RegExp(`^arn:aws[a-z-]*:events:[a-z0-9-]+:\\d{12}:rule/${HEARTBEAT_RULE_NAME}$`);

export const heartbeat = defineNormalizer({
  source: 'aws.events',
  detailType: 'Scheduled Event',
  detailSchema: jsonObject,
  normalize(_detail, envelope) {
    if (!envelope.resources.some((arn) => HEARTBEAT_RULE.test(arn))) {
      return { kind: 'ignored', reason: `scheduled event of another rule (${envelope.resources.join(', ') || 'no rule'})` };
    }
    return { kind: 'heartbeat', heartbeat: { accountId: envelope.account, region: envelope.region, at: toIsoTimestamp(envelope.time, 'time') } };
  },
});
