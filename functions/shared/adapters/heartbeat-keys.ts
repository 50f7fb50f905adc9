import { createHash } from 'node:crypto';

// Key layout of the heartbeat items; this file sends nothing (writers and readers share it).

/**
 * Heartbeats spread over 16 partitions by account: 1,000 accounts in several Regions
 * send theirs around the top of each hour, more than one partition should take at once.
 */
export const HEARTBEAT_SHARDS = 16;

export function heartbeatKey(accountId: string, region: string) {
  const shard = createHash('sha256').update(accountId).digest().readUInt8(0) % HEARTBEAT_SHARDS;
  return { pk: `HB#${shard}`, sk: `${accountId}#${region}` };
}
