import { describe, expect, it } from 'vitest';
import { START, type Position } from '../../../functions/shared/core/query/cursor.js';
import { mergeNewestFirst, type PartitionRead } from '../../../functions/shared/core/query/merge.js';

interface Row {
  key: string;
  keep: boolean;
}

/** Partitions held in memory, read as DynamoDB reads an index partition: newest first, at most `limit` evaluated. */
function partitions(count: number, size: number, keepEvery: number, seed = 1) {
  let s = seed;
  const rand = () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const rows: Row[][] = Array.from({ length: count }, () => []);
  for (let i = 0; i < size; i++) {
    const key = `2026-01-01T00:00:${String(Math.floor(rand() * 60)).padStart(2, '0')}.000Z#${i.toString(16).padStart(32, '0')}`;
    rows[Math.floor(rand() * count)]!.push({ key, keep: i % keepEvery === 0 });
  }
  for (const p of rows) p.sort((a, b) => (a.key < b.key ? 1 : -1));
  let reads = 0;
  const read = async (partition: number, after: string | undefined, limit: number): Promise<PartitionRead<Row>> => {
    reads++;
    const all = rows[partition]!;
    const from = after === undefined ? 0 : all.findIndex((r) => r.key < after);
    const slice = from < 0 ? [] : all.slice(from, from + limit);
    const more = from >= 0 && from + limit < all.length;
    return { items: slice.filter((r) => r.keep), evaluated: slice.length, ...(more ? { last: slice[slice.length - 1]!.key } : {}) };
  };
  const expected = rows.flat().filter((r) => r.keep).map((r) => r.key).sort().reverse();
  return { read, expected, reads: () => reads };
}

async function paginate(count: number, size: number, keepEvery: number, limit: number, budget: number) {
  const { read, expected } = partitions(count, size, keepEvery);
  let positions: Position[] = Array.from({ length: count }, () => START);
  let selectivity: number | undefined;
  const seen: string[] = [];
  const pages: Array<{ items: number; evaluated: number }> = [];
  for (let page = 0; page < 10_000; page++) {
    const result = await mergeNewestFirst({ positions, read, sortKey: (r) => r.key, limit, budget, filtered: keepEvery > 1, ...(selectivity ? { selectivity } : {}) });
    seen.push(...result.items.map((r) => r.key));
    pages.push({ items: result.items.length, evaluated: result.evaluated });
    if (result.exhausted) break;
    positions = result.positions;
    selectivity = result.selectivity;
  }
  return { seen, expected, pages };
}

describe('query: merging partitions newest first', () => {
  it.each([
    [1, 500, 1, 50, 1000],
    [4, 1000, 1, 50, 1000],
    [4, 1000, 1, 7, 1000],
    [4, 1000, 3, 50, 1000],
    [4, 1000, 37, 10, 60],
    [3, 10, 1, 100, 1000],
    [8, 2000, 1000, 25, 200],
    [2, 0, 1, 10, 100],
  ])('%i partitions of %i items, keeping 1 in %i, pages of %i, budget %i: every item once, in order', async (count, size, keepEvery, limit, budget) => {
    // Act
    const { seen, expected, pages } = await paginate(count, size, keepEvery, limit, budget);
    // Assess
    expect(seen).toEqual(expected);
    for (const page of pages) {
      expect(page.items).toBeLessThanOrEqual(limit);
      expect(page.evaluated).toBeLessThanOrEqual(Math.max(budget, count));
    }
  });

  it('reads about a page, not the partitions, when nothing is filtered', async () => {
    // Prepare
    const { read } = partitions(4, 4000, 1);
    // Act
    const page = await mergeNewestFirst({ positions: [START, START, START, START], read, sortKey: (r) => r.key, limit: 50, budget: 1000, filtered: false });
    // Assess
    expect(page.items).toHaveLength(50);
    expect(page.evaluated).toBeLessThanOrEqual(50 + 4 * 14);
  });

  it('sizes reads by what the filter keeps: few reads, little read past the page', async () => {
    // Prepare: one item in ten kept
    const { read, reads } = partitions(4, 8000, 10);
    // Act: a first page, then one that starts from the first's selectivity
    const first = await mergeNewestFirst({ positions: [START, START, START, START], read, sortKey: (r) => r.key, limit: 50, budget: 1000, filtered: true });
    const readsBefore = reads();
    const second = await mergeNewestFirst({ positions: first.positions, read, sortKey: (r) => r.key, limit: 50, budget: 1000, filtered: true, selectivity: first.selectivity });
    // Assess
    expect(first.selectivity).toBeGreaterThan(0.05);
    expect(first.selectivity).toBeLessThan(0.2);
    expect(second.items).toHaveLength(50);
    expect(reads() - readsBefore).toBeLessThanOrEqual(8);
    expect(second.evaluated).toBeLessThanOrEqual(900);
  });

  it('returns a short page with a cursor when a selective filter exhausts the budget', async () => {
    const { read } = partitions(1, 5000, 500);
    const page = await mergeNewestFirst({ positions: [START], read, sortKey: (r) => r.key, limit: 50, budget: 1000, filtered: true });
    expect(page.items.length).toBeLessThan(50);
    expect(page.evaluated).toBeLessThanOrEqual(1000);
    expect(page.exhausted).toBe(false);
  });
});
