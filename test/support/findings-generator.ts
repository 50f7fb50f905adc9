import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { aggregateKeys } from '../../functions/shared/adapters/query-keys.js';
import { indexKeys, keys } from '../../functions/shared/adapters/dynamodb-finding-store.js';
import { queryIndexKeys } from '../../functions/shared/adapters/query-keys.js';
import { findingId, type FindingSource, type Observation, type Severity } from '../../functions/shared/core/finding.js';
import { DEFAULT_FOLD_OPTIONS, fold, type FindingState } from '../../functions/shared/core/lifecycle.js';
import { decideAction, type ActionDecision } from '../../functions/shared/core/query/actions.js';
import { countedOf, deltasBetween, mergeDeltas } from '../../functions/shared/core/query/aggregates.js';

/**
 * Findings as ingest and the API make them: each is created and moved by the real
 * `fold` (touches, index refreshes, resolutions, escalations) and by the API's real
 * decisions (acknowledge, suppress), then written in the store's exact item layout, plus
 * the index keys the query API proposes the store add (`queryIndexKeys`).
 */

export const TEAMS = ['security', 'payments', 'platform', 'data'] as const;
export const ACCOUNTS = Array.from({ length: 24 }, (_, i) => String(100000000000 + i * 1111));
/**
 * Each account's own team, unevenly as in a real organization: security 10 accounts,
 * payments 7, platform 5, data 2.
 */
export const HOME_TEAM = (account: number): (typeof TEAMS)[number] => (account < 10 ? 'security' : account < 17 ? 'payments' : account < 22 ? 'platform' : 'data');
export const REGIONS = ['us-east-1', 'eu-west-1', 'ap-northeast-1'] as const;
export const RULES: Record<FindingSource, string[]> = {
  'aws.config': ['s3-bucket-public-read-prohibited', 'encrypted-volumes', 'cloudtrail-enabled', 'iam-password-policy', 'restricted-ssh', 'cw-loggroup-retention-period-check'],
  'aws.guardduty': ['Recon:EC2/PortProbeUnprotectedPort', 'UnauthorizedAccess:IAMUser/MaliciousIPCaller', 'CryptoCurrency:EC2/BitcoinTool.B!DNS', 'Policy:S3/BucketBlockPublicAccessDisabled', 'Discovery:S3/MaliciousIPCaller'],
  'aws.cloudtrail': ['root-account-usage', 'console-login-without-mfa', 'security-group-open-ingress', 'kms-key-disabled'],
  'aws.securityhub': ['EC2.7', 'IAM.6', 'RDS.1', 'S3.1'],
};
const SEVERITY_WEIGHTS: Array<[Severity, number]> = [['INFORMATIONAL', 10], ['LOW', 30], ['MEDIUM', 30], ['HIGH', 20], ['CRITICAL', 10]];

/** A finding as stored: the lifecycle's state plus what people's actions set on it. */
export type GeneratedFinding = FindingState & { statusAt?: string; statusBy?: string; statusReason?: string };

/** A small deterministic PRNG, so a failure names a reproducible dataset. */
export function rng(seed: number) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!,
    weighted: <T>(list: ReadonlyArray<[T, number]>) => {
      let r = next() * list.reduce((a, [, w]) => a + w, 0);
      for (const [v, w] of list) if ((r -= w) < 0) return v;
      return list[list.length - 1]![0];
    },
  };
}

/** The finding item exactly as the store writes it (`findingItem`), plus the query API's index keys. */
export function findingItem(state: GeneratedFinding): Record<string, unknown> {
  const { lastSeenIdx: _indexed, ...rest } = state;
  return { ...keys.finding(state.id), ...rest, ...indexKeys(state), ...queryIndexKeys(state) };
}

/** What the API's adapter writes for a decision (DynamoFindingQueries.applyAction), applied to a state. */
export function applyDecision(state: GeneratedFinding, decision: ActionDecision | { unchanged: true }): GeneratedFinding {
  if ('unchanged' in decision) return state;
  const next: GeneratedFinding = { ...state, status: decision.status, version: state.version + 1 };
  for (const [name, value] of Object.entries(decision.set)) if (value !== undefined) (next as unknown as Record<string, unknown>)[name] = value;
  if (decision.set.statusReason === undefined) delete next.statusReason;
  if (decision.endsSuppression) {
    delete next.suppressedUntil;
    delete next.suppressedBy;
  }
  return next;
}

export interface GenerateOptions {
  count: number;
  seed?: number;
  /** The newest a finding may be; the oldest is 120 days before. */
  now?: Date;
}

const DAY = 24 * 60 * 60 * 1000;

export function generateFindings(options: GenerateOptions): GeneratedFinding[] {
  const r = rng(options.seed ?? 20260301);
  const now = (options.now ?? new Date('2026-03-01T00:00:00.000Z')).getTime();
  const out: GeneratedFinding[] = [];
  for (let i = 0; i < options.count; i++) {
    const source = r.weighted<FindingSource>([['aws.config', 40], ['aws.guardduty', 30], ['aws.cloudtrail', 15], ['aws.securityhub', 15]]);
    const rule = r.weighted(RULES[source].map((name, k) => [name, k === 0 ? 4 : 1] as [string, number]));
    const a = r.int(ACCOUNTS.length);
    const accountId = ACCOUNTS[a]!;
    // Mostly the account's own team; sometimes routed elsewhere by a resource tag.
    const tagged = r.next() < 0.2;
    const team = tagged ? r.pick(TEAMS) : HOME_TEAM(a);
    const region = r.pick(REGIONS);
    const severity = r.weighted(SEVERITY_WEIGHTS);
    // Minute-aligned times for a third of them: many findings share a lastSeenIdx, which the id then orders.
    let created = now - 120 * DAY + r.int(118 * DAY);
    if (r.next() < 0.33) created -= created % 60_000;
    const obs = (at: number, over: Partial<Observation> = {}): Observation => ({
      id: findingId(source, accountId, region, rule, String(i)),
      source,
      ocsfClass: source === 'aws.config' ? 'Compliance Finding' : 'Detection Finding',
      rule,
      accountId,
      region,
      severity,
      status: 'OPEN',
      title: `${rule} on resource ${i}`,
      description: `Generated finding ${i}`,
      resource: { type: source === 'aws.guardduty' ? 'Instance' : 'AWS::S3::Bucket', id: `arn:aws:s3:::bucket-${i}` },
      observedAt: new Date(at).toISOString(),
      sourceId: `src-${i}`,
      consoleUrl: 'https://console.aws.amazon.com/',
      eventId: `event-${i}-${at}`,
      ...over,
    });
    const options = { ...DEFAULT_FOLD_OPTIONS, ownership: { team, routedBy: tagged ? 'tag:team' : `account:${accountId}` } };
    const step = (state: FindingState, o: Observation): FindingState => {
      const d = fold(state, o, options);
      return d.kind === 'noop' ? state : d.next;
    };
    const created0 = fold(undefined, obs(created), options);
    if (created0.kind !== 'create') throw new Error('generator: expected a create');
    let state: GeneratedFinding = created0.next;
    // Repeats: within a day they move lastSeen only; later ones refresh lastSeenIdx.
    const repeats = r.int(3);
    let t = created;
    for (let k = 0; k < repeats; k++) {
      t += r.next() < 0.7 ? r.int(20 * 60 * 60 * 1000) : DAY + r.int(3 * DAY);
      if (t < now) state = step(state, obs(t));
    }
    const fate = r.next();
    const later = Math.min(now - 1, t + 1 + r.int(5 * DAY));
    if (fate < 0.22) state = step(state, obs(later, { status: 'RESOLVED' }));
    else if (fate < 0.3 && severity !== 'CRITICAL') state = step(state, obs(later, { severity: 'CRITICAL' }));
    else if (fate < 0.45) state = { ...state, status: 'NOTIFIED', version: state.version + 1 };
    else if (fate < 0.55) state = applyDecision(state, decideAction(state, { kind: 'acknowledge', reason: 'on it' }, 'api:alice', new Date(now)));
    else if (fate < 0.65) {
      const until = new Date(now + (r.next() < 0.2 ? -DAY : 1 + r.int(30 * DAY))).toISOString();
      state = applyDecision(state, decideAction(state, { kind: 'suppress', reason: 'accepted risk', until }, 'api:bob', new Date(now - 2 * DAY)));
    }
    out.push(state);
  }
  return out;
}

/** Writes items with BatchWriteItem, 25 at a time, a few requests in flight, retrying what comes back unprocessed. */
export async function batchWrite(db: DynamoDBDocumentClient, tableName: string, items: Record<string, unknown>[], concurrency = 4): Promise<void> {
  const chunks: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += 25) chunks.push(items.slice(i, i + 25));
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < chunks.length) {
        const chunk = chunks[next++]!;
        let request: Record<string, Array<{ PutRequest: { Item: Record<string, unknown> } }>> | undefined = { [tableName]: chunk.map((Item) => ({ PutRequest: { Item } })) };
        while (request && Object.keys(request).length > 0) {
          const out = await db.send(new BatchWriteCommand({ RequestItems: request }));
          request = out.UnprocessedItems as typeof request;
        }
      }
    }),
  );
}

/**
 * Counter items as the aggregator would leave them after counting these findings once,
 * spread over its shards: the aggregator's own delta arithmetic, written in bulk. (The
 * aggregator's transactional path is tested on its own, from real stream records.)
 */
export function counterItems(items: Record<string, unknown>[], shards: number): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (let shard = 0; shard < shards; shard++) {
    const deltas = mergeDeltas(items.filter((_, i) => i % shards === shard).flatMap((item) => deltasBetween(undefined, countedOf(item))));
    for (const d of deltas) out.push({ ...aggregateKeys.counter(shard, d.team, d.accountId), team: d.team, ...(d.accountId !== undefined ? { accountId: d.accountId } : {}), ...d.cells });
  }
  return out;
}
