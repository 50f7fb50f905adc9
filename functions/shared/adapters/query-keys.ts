import { createHash } from 'node:crypto';
import type { Status } from '../core/finding.js';

// Key layout of the query side of the findings table: the indexes the API reads, the keys
// a finding item carries for them, and the counters. Shared by the writers (the finding
// store, the API's actions, the aggregator) and the readers; this file sends nothing.

/**
 * Indexes the query API reads. The listing indexes share the store's sort key
 * `gsisk = <lastSeenIdx>#<id>` and projection, so each is written exactly when the
 * store's two are: on transitions and index refreshes (INDEX_REFRESH_HOURS), never on a repeat. The
 * suppression index is sparse, keys only.
 *
 * | index                | partition key                 | sort key          | holds                         |
 * |----------------------|-------------------------------|-------------------|-------------------------------|
 * | byTeam               | `gsi1pk = T#<team>`           | gsisk             | every finding (store)         |
 * | byAccount            | `gsi2pk = A#<account>`        | gsisk             | every finding (store)         |
 * | byShard              | `gsi4pk = S#<0..3>`           | gsisk             | every finding, 4 shards       |
 * | bySuppressionExpiry  | `gsi3pk = SUP#<0..3>` sparse  | `suppressedUntil` | SUPPRESSED findings only      |
 */
export const INDEXES = { team: 'byTeam', account: 'byAccount', all: 'byShard', suppression: 'bySuppressionExpiry' } as const;

/**
 * Shards of the all-findings index. Its partitions take an index write for every create,
 * two for every transition (the sort key moves) and two for every index refresh (weekly
 * for a finding that only repeats), of every finding: four keep each under 100 writes a
 * second when the stream runs at 1,000 events a second (the benchmark), a tenth of a
 * partition's 1,000 WCU/s. An admin's page reads all four; each Query rounds its read
 * units up on its own, so more shards would make every admin page dearer.
 */
export const ALL_FINDINGS_SHARDS = 4;
/** Shards of the sparse suppression index: written only when people suppress, and when suppressions end. */
export const SUPPRESSION_SHARDS = 4;

function shardOf(id: string, shards: number): number {
  return createHash('sha256').update(id).digest().readUInt16BE(0) % shards;
}

/**
 * Index keys the query API adds to a finding item, derived from its state like the
 * store's `indexKeys` (and meant to be spread beside them when it writes a finding):
 * the all-findings shard, and while SUPPRESSED the suppression index's partition.
 */
export function queryIndexKeys(state: { id: string; status: Status; suppressedUntil?: string | undefined }): { gsi4pk: string; gsi3pk?: string } {
  return {
    gsi4pk: `S#${shardOf(state.id, ALL_FINDINGS_SHARDS)}`,
    ...(state.status === 'SUPPRESSED' && state.suppressedUntil ? { gsi3pk: `SUP#${shardOf(state.id, SUPPRESSION_SHARDS)}` } : {}),
  };
}

/**
 * Sparse index of the findings AWS Config reported that are open, by member account and
 * Region: what the reconciler compares with the aggregator, one Query per account and
 * Region that reads neither resolved findings nor other sources or Regions. Its sort key
 * is the store's `gsisk` and it projects only attributes that never change on a repeat,
 * so it is written exactly when the other indexes are, and when a finding opens or resolves.
 *
 * | index              | partition key                        | sort key | holds                           |
 * |--------------------|--------------------------------------|----------|---------------------------------|
 * | byOpenConfigScope  | `gsi5pk = CFG#<account>#<region>`    | gsisk    | open findings Config reported   |
 */
export const OPEN_CONFIG_INDEX = 'byOpenConfigScope';

/** The open-Config index key of a finding: present while it is open and AWS Config is among its sources. */
export function openConfigIndexKeys(state: { accountId: string; region: string; status: Status; source: string; sources?: readonly string[] | undefined }): { gsi5pk?: string } {
  const fromConfig = (state.sources ?? [state.source]).includes('aws.config');
  return fromConfig && state.status !== 'RESOLVED' ? { gsi5pk: openConfigPartition(state.accountId, state.region) } : {};
}

export function openConfigPartition(accountId: string, region: string): string {
  return `CFG#${accountId}#${region}`;
}

/**
 * Item layout of the maintained counts (see core/query/aggregates.ts):
 *
 * | item            | pk           | sk                      | attributes                                      |
 * |-----------------|--------------|-------------------------|-------------------------------------------------|
 * | team counter    | `AGG#<0..3>` | `T#<team>#=`            | team, `<STATUS>_<SEVERITY>` numbers (ADD)       |
 * | account counter | `AGG#<0..3>` | `T#<team>#A#<account>`  | team, accountId, the same cells                 |
 * | counted marker  | `F#<id>`     | `C`                     | what the counters count the finding as, version |
 *
 * Written by the aggregator (dynamodb-aggregates.ts), read by the API
 * (dynamodb-finding-queries.ts).
 *
 * Each counter is sharded four ways and summed on read: a transaction goes to a random
 * shard, so one busy team's counter takes a quarter of the writes, and concurrent
 * aggregators (one per stream shard) seldom meet on one item. Counting is batched (one
 * counter update per transaction of up to 100 items, findings of one team and account
 * packed together), so even 1,000 new findings a second are a few dozen counter writes a
 * second per counter, far below a partition's 1,000 WCU/s. A summary reads every shard:
 * its cost grows with shards × (teams + team-account pairs), never with findings.
 */
export const COUNTER_SHARDS = 4;

export const aggregateKeys = {
  partition: (shard: number) => `AGG#${shard}`,
  /** Prefix of a team's counters within a shard: its total and its accounts. */
  teamPrefix: (team: string) => `T#${team}#`,
  counter: (shard: number, team: string, accountId?: string) => ({ pk: `AGG#${shard}`, sk: accountId === undefined ? `T#${team}#=` : `T#${team}#A#${accountId}` }),
  marker: (id: string) => ({ pk: `F#${id}`, sk: 'C' }),
};
