import type { HeartbeatRecord } from '../coverage.js';
import type { ActionDecision } from './actions.js';
import type { CounterRow } from './aggregates.js';
import { RegionUnavailableError } from './errors.js';
import type { PartitionRead } from './merge.js';
import type { FindingsQuery, QueryScope } from './plan.js';
import type { CounterReader, FindingReader } from './service.js';
import type { ActionState, FindingSummaryView, FindingView } from './views.js';

/**
 * The organization-wide view: every Region keeps its own findings table (ingest and
 * notification stay autonomous), and the query API reads all of them at query time.
 * A listing's partitions are the Regions' partitions side by side, so the merge, the
 * page budget and the signed cursor work across Regions exactly as within one.
 *
 * A Region that cannot be read fails the request with {@link RegionUnavailableError}
 * (503, naming it) rather than answering with a silent gap; the caller can retry, or
 * ask for the other Regions with `region=`. A Region a filter excludes is never read.
 */

/** One Region's stores, as its own table's adapters see them. */
export interface RegionalStores {
  region: string;
  findings: FindingReader;
  counters: CounterReader;
  heartbeats: HeartbeatSource;
}

/** The last heartbeat of each account's forwarder that reports to this Region's bus. */
export interface HeartbeatSource {
  loadHeartbeats(): Promise<HeartbeatRecord[]>;
}

/**
 * Errors that are not the Region's unavailability: the caller's answer is the same in
 * any Region (throttling is retried by the client; a lost race is decided again).
 */
const PASS_THROUGH = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'ThrottlingError',
  'ConcurrentUpdateError',
  'TransactionCanceledException',
]);

function regionError(region: string, error: unknown): unknown {
  if (error instanceof Error && PASS_THROUGH.has(error.name)) return error;
  return new RegionUnavailableError([region], { cause: error });
}

/** Runs `read` in every Region at once; any failure fails the whole, naming every Region that failed. */
async function everywhere<R, T>(regions: readonly R[], nameOf: (r: R) => string, read: (r: R) => Promise<T>): Promise<T[]> {
  const settled = await Promise.allSettled(regions.map((r) => read(r)));
  const failed: string[] = [];
  let passThrough: unknown;
  settled.forEach((s, i) => {
    if (s.status === 'fulfilled') return;
    const mapped = regionError(nameOf(regions[i]!), s.reason);
    if (mapped instanceof RegionUnavailableError) failed.push(...mapped.regions);
    else passThrough ??= mapped;
  });
  if (failed.length > 0) throw new RegionUnavailableError(failed.sort());
  if (passThrough !== undefined) throw passThrough;
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}

/** Most finding ids whose Region is remembered (a finding never moves between Regions). */
const REMEMBERED_FINDINGS = 10_000;

/**
 * One {@link FindingReader} over several Regions. Partition `p` of a scope is partition
 * `p - offset(region)` of the Region it falls in; Regions keep their configured order so
 * that a cursor's positions mean the same on every page.
 */
export class FederatedFindingReader implements FindingReader {
  /** Which Region holds a finding: ids are hashes, so the first lookup asks every Region. */
  private readonly homeOf = new Map<string, RegionalStores>();

  public constructor(private readonly regions: readonly RegionalStores[]) {
    if (regions.length === 0) throw new Error('at least one Region is needed');
    const names = regions.map((r) => r.region);
    if (new Set(names).size !== names.length) throw new Error(`a Region is listed twice: ${names.join(', ')}`);
  }

  public partitions(scope: QueryScope): number {
    return this.regions.reduce((sum, r) => sum + r.findings.partitions(scope), 0);
  }

  public async readPartition(query: FindingsQuery, partition: number, after: string | undefined, limit: number): Promise<PartitionRead<FindingSummaryView>> {
    let offset = 0;
    for (const r of this.regions) {
      const count = r.findings.partitions(query.scope);
      if (partition < offset + count) {
        // Excluded by `region=`: an empty, finished partition, never read. A lone table
        // holds whatever its deployment ingests (one table locally), so it is always read
        // and the query's region predicate does the filtering.
        if (query.regions && this.regions.length > 1 && !query.regions.includes(r.region)) return { items: [], evaluated: 0 };
        try {
          return await r.findings.readPartition(query, partition - offset, after, limit);
        } catch (error) {
          throw regionError(r.region, error);
        }
      }
      offset += count;
    }
    throw new RangeError(`partition ${partition} is beyond the ${offset} of this scope`);
  }

  /** The Region holding `id`, asking every Region not yet known to hold it; undefined when none does. */
  private async locate<T>(id: string, read: (r: RegionalStores) => Promise<T | undefined>): Promise<{ stores: RegionalStores; value: T } | undefined> {
    const known = this.homeOf.get(id);
    if (known) {
      try {
        const value = await read(known);
        if (value !== undefined) return { stores: known, value };
      } catch (error) {
        throw regionError(known.region, error);
      }
    }
    const others = this.regions.filter((r) => r !== known);
    const settled = await Promise.allSettled(others.map(async (r) => ({ stores: r, value: await read(r) })));
    // A finding lives in one Region: found there, it is the answer whatever failed elsewhere.
    const hit = settled.flatMap((s) => (s.status === 'fulfilled' && s.value.value !== undefined ? [s.value] : []))[0];
    if (!hit) {
      // Not found anywhere readable: "not found" would be a guess while a Region is unread.
      await everywhere(settled, (s) => others[settled.indexOf(s)]!.region, async (s) => {
        if (s.status === 'rejected') throw s.reason;
      });
      return undefined;
    }
    if (this.homeOf.size >= REMEMBERED_FINDINGS) this.homeOf.delete(this.homeOf.keys().next().value!);
    this.homeOf.set(id, hit.stores);
    return { stores: hit.stores, value: hit.value as T };
  }

  public async getFinding(id: string, historyLimit: number): Promise<FindingView | undefined> {
    return (await this.locate(id, (r) => r.findings.getFinding(id, historyLimit)))?.value;
  }

  public async getActionState(id: string): Promise<ActionState | undefined> {
    return (await this.locate(id, (r) => r.findings.getActionState(id)))?.value;
  }

  /**
   * Writes in the Region that holds the finding, and only there: its ingest is the one
   * other writer, and the version condition orders the two.
   */
  public async applyAction(decision: ActionDecision): Promise<void> {
    const home = this.homeOf.get(decision.id) ?? (await this.locate(decision.id, (r) => r.findings.getActionState(decision.id)))?.stores;
    if (!home) throw new Error(`finding ${decision.id} is in no Region`);
    try {
      await home.findings.applyAction(decision);
    } catch (error) {
      throw regionError(home.region, error);
    }
  }
}

/** Counters of every Region: rows of the same team and cell add up (summarize sums them). */
export class FederatedCounterReader implements CounterReader {
  public constructor(private readonly regions: readonly RegionalStores[]) {}

  public async readCounters(teams: string[] | 'all'): Promise<CounterRow[]> {
    return (await everywhere(this.regions, (r) => r.region, (r) => r.counters.readCounters(teams))).flat();
  }
}

/** Heartbeats of every Region: each Region's bus hears the forwarders of that Region. */
export class FederatedHeartbeats implements HeartbeatSource {
  public constructor(private readonly regions: readonly RegionalStores[]) {}

  public async loadHeartbeats(): Promise<HeartbeatRecord[]> {
    return (await everywhere(this.regions, (r) => r.region, (r) => r.heartbeats.loadHeartbeats())).flat();
  }
}
