import { SEVERITIES, STATUSES, type Severity, type Status } from '../finding.js';

/**
 * Maintained counts of findings, so that summaries are a few small reads instead of a
 * scan. A finding is counted in one cell, `<status>_<severity>`, of two counters: its
 * team's and its team-and-account's. The aggregator moves it between cells as the
 * table's stream reports changes; the API sums cells on read.
 */

/** What a finding is counted as, and at which version of it. */
export interface Counted {
  team: string;
  accountId: string;
  status: Status;
  severity: Severity;
  version: number;
}

export type Cell = `${Status}_${Severity}`;
export const CELLS: readonly Cell[] = STATUSES.flatMap((status) => SEVERITIES.map((severity) => `${status}_${severity}` as Cell));

export const cellOf = (c: Pick<Counted, 'status' | 'severity'>): Cell => `${c.status}_${c.severity}`;

/** A counter: a team's (no accountId) or a team's in one account. */
export interface CounterKey {
  team: string;
  accountId?: string;
}

export interface CounterDelta extends CounterKey {
  cells: Partial<Record<Cell, number>>;
}

export const counterId = (key: CounterKey): string => (key.accountId === undefined ? `${key.team}` : `${key.team}#${key.accountId}`);

/** The counting-relevant part of a finding item, or undefined when it is not one. */
export function countedOf(item: Record<string, unknown> | undefined): Counted | undefined {
  if (!item) return undefined;
  const { team, accountId, status, severity, version } = item;
  if (typeof team !== 'string' || typeof accountId !== 'string' || typeof version !== 'number') return undefined;
  if (!(STATUSES as readonly unknown[]).includes(status) || !(SEVERITIES as readonly unknown[]).includes(severity)) return undefined;
  return { team, accountId, status: status as Status, severity: severity as Severity, version };
}

export const sameCell = (a: Counted | undefined, b: Counted | undefined): boolean =>
  a === b || (!!a && !!b && a.team === b.team && a.accountId === b.accountId && a.status === b.status && a.severity === b.severity);

/**
 * Whether a stream image moves the counts, given what is counted now. `target` undefined
 * means the finding was deleted. A version at or below the counted one is a replay or a
 * late delivery: counted already (this is what makes the aggregator idempotent).
 */
export function needsRecount(counted: Counted | undefined, target: Counted | undefined): boolean {
  if (target && counted && target.version <= counted.version) return false;
  return !sameCell(counted, target);
}

/** The counter changes that move a finding from one cell to another (either may be absent). */
export function deltasBetween(before: Counted | undefined, after: Counted | undefined): CounterDelta[] {
  const out = new Map<string, CounterDelta>();
  const add = (c: Counted, n: number) => {
    for (const key of [{ team: c.team }, { team: c.team, accountId: c.accountId }]) {
      const id = counterId(key);
      const delta = out.get(id) ?? { ...key, cells: {} };
      const cell = cellOf(c);
      delta.cells[cell] = (delta.cells[cell] ?? 0) + n;
      out.set(id, delta);
    }
  };
  if (before) add(before, -1);
  if (after) add(after, +1);
  return mergeDeltas([...out.values()]);
}

/** Sums deltas per counter, dropping cells (and counters) that net to zero. */
export function mergeDeltas(deltas: CounterDelta[]): CounterDelta[] {
  const out = new Map<string, CounterDelta>();
  for (const d of deltas) {
    const id = counterId(d);
    const into = out.get(id) ?? { team: d.team, ...(d.accountId !== undefined ? { accountId: d.accountId } : {}), cells: {} };
    for (const [cell, n] of Object.entries(d.cells) as Array<[Cell, number]>) into.cells[cell] = (into.cells[cell] ?? 0) + n;
    out.set(id, into);
  }
  const result: CounterDelta[] = [];
  for (const d of out.values()) {
    for (const cell of Object.keys(d.cells) as Cell[]) if (d.cells[cell] === 0) delete d.cells[cell];
    if (Object.keys(d.cells).length > 0) result.push(d);
  }
  return result;
}

// ------------------------------------------------------------------- reading

/** A counter as read (one shard of it): cells absent are zero. */
export interface CounterRow extends CounterKey {
  cells: Partial<Record<Cell, number>>;
}

/** Statuses that still need someone's attention: what "open" counts. */
export const OPEN_STATUSES: readonly Status[] = ['OPEN', 'NOTIFIED', 'ACKNOWLEDGED'];

export interface Counts {
  /** Every finding, whatever its status. */
  total: number;
  /** OPEN, NOTIFIED and ACKNOWLEDGED: neither suppressed nor resolved. */
  open: number;
  byStatus: Record<Status, number>;
  /** Open findings by severity. */
  openBySeverity: Record<Severity, number>;
}

export interface Summary extends Counts {
  byTeam: Array<Counts & { team: string }>;
  byAccount: Array<Counts & { accountId: string }>;
}

const zeroCounts = (): Counts => ({
  total: 0,
  open: 0,
  byStatus: Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<Status, number>,
  openBySeverity: Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>,
});

function addCells(into: Counts, cells: Partial<Record<Cell, number>>): void {
  for (const status of STATUSES) {
    for (const severity of SEVERITIES) {
      const n = cells[`${status}_${severity}`] ?? 0;
      if (n === 0) continue;
      into.total += n;
      into.byStatus[status] += n;
      if (OPEN_STATUSES.includes(status)) {
        into.open += n;
        into.openBySeverity[severity] += n;
      }
    }
  }
}

/**
 * Sums counter shards into a summary over the teams the caller may see: totals, by
 * status, open by severity, and the same per team and per account (accounts summed
 * over the visible teams). Groups that count nothing are left out; `teams` lists teams
 * to show even then (the caller's own, configured ones).
 */
export function summarize(rows: readonly CounterRow[], visible: string[] | 'all', teams: readonly string[] = []): Summary {
  const seen = (team: string) => visible === 'all' || visible.includes(team);
  const total = zeroCounts();
  const byTeam = new Map<string, Counts>();
  const byAccount = new Map<string, Counts>();
  for (const row of rows) {
    if (!seen(row.team)) continue;
    if (row.accountId === undefined) {
      addCells(total, row.cells);
      if (!byTeam.has(row.team)) byTeam.set(row.team, zeroCounts());
      addCells(byTeam.get(row.team)!, row.cells);
    } else {
      if (!byAccount.has(row.accountId)) byAccount.set(row.accountId, zeroCounts());
      addCells(byAccount.get(row.accountId)!, row.cells);
    }
  }
  for (const team of teams) if (seen(team) && !byTeam.has(team)) byTeam.set(team, zeroCounts());
  const keep = (c: Counts, always: boolean) => always || c.total !== 0;
  return {
    ...total,
    byTeam: [...byTeam]
      .filter(([team, c]) => keep(c, teams.includes(team)))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([team, c]) => ({ team, ...c })),
    byAccount: [...byAccount]
      .filter(([, c]) => keep(c, false))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([accountId, c]) => ({ accountId, ...c })),
  };
}

export { zeroCounts };
