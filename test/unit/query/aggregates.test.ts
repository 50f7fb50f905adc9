import { describe, expect, it } from 'vitest';
import { deltasBetween, needsRecount, summarize, type Counted } from '../../../functions/shared/core/query/aggregates.js';

const c = (overrides: Partial<Counted> = {}): Counted => ({ team: 'payments', accountId: '111111111111', status: 'OPEN', severity: 'HIGH', version: 1, ...overrides });

describe('query: aggregates', () => {
  it('counts a new finding once in its team and its team-and-account', () => {
    expect(deltasBetween(undefined, c())).toEqual([
      { team: 'payments', cells: { OPEN_HIGH: 1 } },
      { team: 'payments', accountId: '111111111111', cells: { OPEN_HIGH: 1 } },
    ]);
  });

  it('moves a finding between cells, and between teams', () => {
    expect(deltasBetween(c(), c({ status: 'ACKNOWLEDGED', version: 2 }))).toEqual([
      { team: 'payments', cells: { OPEN_HIGH: -1, ACKNOWLEDGED_HIGH: 1 } },
      { team: 'payments', accountId: '111111111111', cells: { OPEN_HIGH: -1, ACKNOWLEDGED_HIGH: 1 } },
    ]);
    expect(deltasBetween(c(), c({ team: 'data', version: 2 }))).toHaveLength(4);
    expect(deltasBetween(c(), undefined)).toEqual([
      { team: 'payments', cells: { OPEN_HIGH: -1 } },
      { team: 'payments', accountId: '111111111111', cells: { OPEN_HIGH: -1 } },
    ]);
  });

  it('recounts only newer versions in another cell: replays, repeats and late deliveries count nothing', () => {
    expect(needsRecount(undefined, c())).toBe(true);
    expect(needsRecount(c({ version: 3 }), c({ version: 3, status: 'RESOLVED' }))).toBe(false);
    expect(needsRecount(c({ version: 3 }), c({ version: 2, status: 'RESOLVED' }))).toBe(false);
    expect(needsRecount(c({ version: 3 }), c({ version: 9 }))).toBe(false);
    expect(needsRecount(c({ version: 3 }), c({ version: 4, severity: 'LOW' }))).toBe(true);
    expect(needsRecount(c(), undefined)).toBe(true);
    expect(needsRecount(undefined, undefined)).toBe(false);
  });

  it('sums shards into a summary over the visible teams only', () => {
    // Prepare
    const rows = [
      { team: 'payments', cells: { OPEN_HIGH: 2, RESOLVED_LOW: 1 } },
      { team: 'payments', cells: { OPEN_HIGH: 1, SUPPRESSED_CRITICAL: 1 } },
      { team: 'payments', accountId: '111111111111', cells: { OPEN_HIGH: 3, RESOLVED_LOW: 1, SUPPRESSED_CRITICAL: 1 } },
      { team: 'data', cells: { NOTIFIED_MEDIUM: 5 } },
      { team: 'data', accountId: '111111111111', cells: { NOTIFIED_MEDIUM: 5 } },
      { team: 'gone', cells: { OPEN_LOW: 1 } },
      { team: 'gone', cells: { OPEN_LOW: -1 } },
    ];
    // Act
    const mine = summarize(rows, ['payments'], ['payments']);
    const all = summarize(rows, 'all');
    // Assess
    expect(mine).toMatchObject({ total: 5, open: 3, byStatus: { OPEN: 3, RESOLVED: 1, SUPPRESSED: 1 }, openBySeverity: { HIGH: 3 } });
    expect(mine.byTeam.map((t) => t.team)).toEqual(['payments']);
    expect(mine.byAccount).toEqual([expect.objectContaining({ accountId: '111111111111', total: 5 })]);
    expect(all.total).toBe(10);
    expect(all.byTeam.map((t) => [t.team, t.total])).toEqual([['data', 5], ['payments', 5]]);
    expect(all.byAccount[0]).toMatchObject({ total: 10, open: 8 });
  });
});
