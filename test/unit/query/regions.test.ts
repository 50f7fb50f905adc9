import { describe, expect, it } from 'vitest';
import type { HeartbeatRecord } from '../../../functions/shared/core/coverage.js';
import type { ActionDecision } from '../../../functions/shared/core/query/actions.js';
import type { CounterRow } from '../../../functions/shared/core/query/aggregates.js';
import { RegionUnavailableError } from '../../../functions/shared/core/query/errors.js';
import type { FindingsQuery } from '../../../functions/shared/core/query/plan.js';
import { FederatedCounterReader, FederatedFindingReader, FederatedHeartbeats, type RegionalStores } from '../../../functions/shared/core/query/regions.js';
import type { ActionState, FindingView } from '../../../functions/shared/core/query/views.js';

/** One Region's stores in memory: records every call, and fails when told to. */
class FakeRegion {
  public calls: string[] = [];
  public failWith: Error | undefined;
  public findings = new Map<string, { team: string; version: number }>();
  public applied: ActionDecision[] = [];

  public constructor(
    public readonly region: string,
    private readonly partitionsPerScope = 2,
  ) {}

  private call(what: string): void {
    this.calls.push(what);
    if (this.failWith) throw this.failWith;
  }

  public stores(): RegionalStores {
    return {
      region: this.region,
      findings: {
        partitions: () => this.partitionsPerScope,
        readPartition: async (_query, partition, after) => {
          this.call(`read ${partition} after ${after ?? '-'}`);
          return { items: [], evaluated: 3, last: `${this.region}-${partition}` };
        },
        getFinding: async (id) => {
          this.call(`get ${id}`);
          const f = this.findings.get(id);
          return f ? ({ id, team: f.team, region: this.region } as unknown as FindingView) : undefined;
        },
        getActionState: async (id) => {
          this.call(`state ${id}`);
          const f = this.findings.get(id);
          return f ? ({ id, team: f.team, status: 'OPEN', severity: 'HIGH', version: f.version } satisfies ActionState) : undefined;
        },
        applyAction: async (decision) => {
          this.call(`apply ${decision.id}`);
          this.applied.push(decision);
        },
      },
      counters: {
        readCounters: async () => {
          this.call('counters');
          return [{ team: 'payments', cells: { total: 1 } } as unknown as CounterRow];
        },
      },
      heartbeats: {
        loadHeartbeats: async () => {
          this.call('heartbeats');
          return [{ accountId: '111111111111', region: this.region, lastHeartbeat: '2026-11-01T00:00:00.000Z' } satisfies HeartbeatRecord];
        },
      },
    };
  }
}

const ID = 'a'.repeat(32);
const query = (extra: Partial<FindingsQuery> = {}): FindingsQuery => ({ scope: { by: 'all' }, predicates: [], ...extra });
const decision = (id: string): ActionDecision => ({ id, expectedVersion: 3 } as unknown as ActionDecision);
const throttled = () => Object.assign(new Error('slow down'), { name: 'ProvisionedThroughputExceededException' });

function regions(...names: string[]) {
  const fakes = names.map((n) => new FakeRegion(n));
  return { fakes, stores: fakes.map((f) => f.stores()) };
}

describe('the organization-wide view over Regions', () => {
  it('lays the Regions’ partitions side by side, in the configured order', async () => {
    const { fakes, stores } = regions('us-east-1', 'eu-west-1', 'ap-northeast-1');
    const reader = new FederatedFindingReader(stores);
    expect(reader.partitions({ by: 'all' })).toBe(6);
    const reads = await Promise.all([0, 1, 2, 3, 4, 5].map((p) => reader.readPartition(query(), p, p === 3 ? 'k' : undefined, 10)));
    expect(reads.map((r) => r.last)).toEqual(['us-east-1-0', 'us-east-1-1', 'eu-west-1-0', 'eu-west-1-1', 'ap-northeast-1-0', 'ap-northeast-1-1']);
    expect(fakes[1]!.calls).toEqual(['read 0 after -', 'read 1 after k']);
    await expect(reader.readPartition(query(), 6, undefined, 10)).rejects.toThrow(RangeError);
  });

  it('never reads a Region that region= leaves out, and reports its partitions finished', async () => {
    const { fakes, stores } = regions('us-east-1', 'eu-west-1');
    fakes[0]!.failWith = new Error('us-east-1 is down');
    const reader = new FederatedFindingReader(stores);
    const skipped = await reader.readPartition(query({ regions: ['eu-west-1'] }), 0, undefined, 10);
    expect(skipped).toEqual({ items: [], evaluated: 0 });
    expect(fakes[0]!.calls).toEqual([]);
    expect((await reader.readPartition(query({ regions: ['eu-west-1'] }), 2, undefined, 10)).last).toBe('eu-west-1-0');
  });

  it('reads a lone Region’s table even when region= names another: it holds whatever its deployment ingests', async () => {
    const { fakes, stores } = regions('us-east-1');
    const read = await new FederatedFindingReader(stores).readPartition(query({ regions: ['eu-west-1'] }), 1, undefined, 10);
    expect(read.last).toBe('us-east-1-1');
    expect(fakes[0]!.calls).toEqual(['read 1 after -']);
  });

  it('fails a read of an unreachable Region with a 503 that names it, and lets throttling through as itself', async () => {
    const { fakes, stores } = regions('us-east-1', 'eu-west-1');
    const reader = new FederatedFindingReader(stores);
    fakes[1]!.failWith = Object.assign(new Error('connect ECONNREFUSED'), { name: 'TimeoutError' });
    const error = await reader.readPartition(query(), 3, undefined, 10).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegionUnavailableError);
    expect((error as RegionUnavailableError).regions).toEqual(['eu-west-1']);
    expect((error as RegionUnavailableError).cause).toBe(fakes[1]!.failWith);
    fakes[1]!.failWith = throttled();
    await expect(reader.readPartition(query(), 3, undefined, 10)).rejects.toMatchObject({ name: 'ProvisionedThroughputExceededException' });
  });

  it('finds a finding in whichever Region holds it, then asks that Region alone', async () => {
    const { fakes, stores } = regions('us-east-1', 'eu-west-1', 'ap-northeast-1');
    fakes[2]!.findings.set(ID, { team: 'payments', version: 3 });
    const reader = new FederatedFindingReader(stores);
    expect(await reader.getFinding(ID, 10)).toMatchObject({ id: ID, region: 'ap-northeast-1' });
    expect(fakes.map((f) => f.calls.length)).toEqual([1, 1, 1]);
    expect(await reader.getFinding(ID, 10)).toMatchObject({ region: 'ap-northeast-1' });
    expect(fakes.map((f) => f.calls.length)).toEqual([1, 1, 2]);
    expect(await reader.getFinding('b'.repeat(32), 10)).toBeUndefined();
  });

  it('says a missing finding may be in an unreadable Region rather than "not found"', async () => {
    const { fakes, stores } = regions('us-east-1', 'eu-west-1');
    fakes[0]!.failWith = new Error('socket hang up');
    await expect(new FederatedFindingReader(stores).getFinding(ID, 10)).rejects.toMatchObject({ name: 'RegionUnavailableError', regions: ['us-east-1'] });
  });

  it('writes an action in the Region that holds the finding, and only there', async () => {
    const { fakes, stores } = regions('us-east-1', 'eu-west-1');
    fakes[1]!.findings.set(ID, { team: 'payments', version: 3 });
    const reader = new FederatedFindingReader(stores);
    expect(await reader.getActionState(ID)).toMatchObject({ version: 3 });
    await reader.applyAction(decision(ID));
    expect(fakes[1]!.applied.map((d) => d.id)).toEqual([ID]);
    expect(fakes[0]!.applied).toEqual([]);
    // A fresh reader (another Lambda instance) locates the finding before writing.
    const fresh = new FederatedFindingReader(stores);
    await fresh.applyAction(decision(ID));
    expect(fakes[1]!.applied).toHaveLength(2);
    expect(fakes[0]!.calls).toEqual(['state ' + ID, 'state ' + ID]);
    await expect(fresh.applyAction(decision('c'.repeat(32)))).rejects.toThrow(/in no Region/);
  });

  it('adds up every Region’s counters and heartbeats, and names every Region that failed', async () => {
    const { fakes, stores } = regions('us-east-1', 'eu-west-1', 'ap-northeast-1');
    expect(await new FederatedCounterReader(stores).readCounters('all')).toHaveLength(3);
    expect((await new FederatedHeartbeats(stores).loadHeartbeats()).map((h) => h.region)).toEqual(['us-east-1', 'eu-west-1', 'ap-northeast-1']);
    fakes[2]!.failWith = new Error('down');
    fakes[0]!.failWith = new Error('down too');
    await expect(new FederatedCounterReader(stores).readCounters('all')).rejects.toMatchObject({ regions: ['ap-northeast-1', 'us-east-1'] });
  });

  it('refuses no Region, or one listed twice (a cursor’s positions would be ambiguous)', () => {
    expect(() => new FederatedFindingReader([])).toThrow(/at least one/);
    const { stores } = regions('us-east-1', 'us-east-1');
    expect(() => new FederatedFindingReader(stores)).toThrow(/listed twice/);
  });
});
