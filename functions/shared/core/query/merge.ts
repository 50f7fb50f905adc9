import { DONE, type Position } from './cursor.js';

/** One read of one partition: at most `limit` items evaluated, newest first, after `after`. */
export interface PartitionRead<T> {
  /** Items that passed the filter, in descending sort-key order. */
  items: T[];
  /** Sort key of the last item evaluated (DynamoDB's LastEvaluatedKey); absent at the partition's end. */
  last?: string;
  /** How many items were evaluated (DynamoDB's ScannedCount): what the read was charged for. */
  evaluated: number;
}

export type ReadPartition<T> = (partition: number, after: string | undefined, limit: number) => Promise<PartitionRead<T>>;

export interface MergeOptions<T> {
  /** One position per partition (from the cursor, or all `start`). */
  positions: readonly Position[];
  read: ReadPartition<T>;
  sortKey: (item: T) => string;
  /** Items wanted on this page. */
  limit: number;
  /**
   * Most items this page may evaluate, over all partitions: what bounds its cost
   * whatever the table's size. A selective filter may then give a short page.
   */
  budget: number;
  /** True when a filter drops items after they are read: partitions are read in larger steps. */
  filtered: boolean;
  /** The share of evaluated items the filter kept on earlier pages (from the cursor), to size the first reads. */
  selectivity?: number;
}

export interface MergedPage<T> {
  items: T[];
  positions: Position[];
  /** True when every partition is finished: there is no next page. */
  exhausted: boolean;
  evaluated: number;
  reads: number;
  /** The share of evaluated items the filter kept, this page and before: the next page's hint. */
  selectivity: number;
}

/**
 * Fewest items one read asks for: a Query is charged per 4 KB read, about ten index
 * items, so asking for fewer saves nothing and costs another request.
 */
const MIN_STEP = 10;
/** What a filter is assumed to keep before anything is known of it. */
const DEFAULT_SELECTIVITY = 0.5;
/**
 * Reads ask for more than the estimate says will fill the share, so that one round
 * usually does: a Query is charged per 4 KB (about ten index items), so reading a few
 * items more costs little, while another round costs a request per partition.
 */
const HEADROOM = 1.5;

interface Cursor<T> {
  /** Where the next read starts (the last evaluated key). */
  next: Position;
  /** Where the page's cursor resumes: after the last item returned from this partition. */
  resume: Position;
  buffer: T[];
}

/**
 * One page of the newest items across several index partitions, each sorted newest
 * first: a k-way merge that reads partitions only as far as it must.
 *
 * An item is returned only when no partition can still hold a newer one: every other
 * partition has a newer-or-equal item buffered, is finished, or has been read past the
 * item's key (with a filter, a read may return nothing yet move its partition on). The
 * page stops when it is full, when every partition is finished, or when the next read
 * would exceed the budget; then it may be short (even empty) and still have a next page.
 * Each partition resumes after the last item this page returned from it, so every item
 * is returned exactly once over the pages of a static table.
 */
export async function mergeNewestFirst<T>(options: MergeOptions<T>): Promise<MergedPage<T>> {
  const { read, sortKey, limit, filtered } = options;
  const budget = Math.max(options.budget, options.positions.length);
  const cursors: Cursor<T>[] = options.positions.map((p) => ({ next: p, resume: p, buffer: [] }));
  const items: T[] = [];
  let evaluated = 0;
  let kept = 0;
  let reads = 0;
  // Evaluated-and-kept counts carried over from earlier pages, weighted as 100 items.
  const prior = options.selectivity !== undefined && options.selectivity > 0 && options.selectivity <= 1 ? options.selectivity : DEFAULT_SELECTIVITY;
  const selectivity = () => (kept + prior * 100) / (evaluated + 100);

  const finished = (c: Cursor<T>) => c.next.at === 'done';
  /** Everything a partition still holds sorts below this key (+∞ before its first read). */
  const ceiling = (c: Cursor<T>) => (c.next.at === 'after' ? c.next.key : undefined);

  while (items.length < limit) {
    let best: Cursor<T> | undefined;
    for (const c of cursors) {
      const head = c.buffer[0];
      if (head !== undefined && (!best || sortKey(head) > sortKey(best.buffer[0]!))) best = c;
    }
    const bestKey = best ? sortKey(best.buffer[0]!) : undefined;
    const blocking = cursors.filter((c) => c.buffer.length === 0 && !finished(c) && (bestKey === undefined || ceiling(c) === undefined || ceiling(c)! > bestKey));
    if (blocking.length === 0) {
      if (!best) break; // every partition finished and drained
      const item = best.buffer.shift()!;
      items.push(item);
      best.resume = best.buffer.length > 0 ? { at: 'after', key: sortKey(item) } : best.next;
      continue;
    }
    const remaining = budget - evaluated;
    if (remaining < blocking.length) break; // a short page; the cursor carries on from here
    const need = limit - items.length;
    const active = cursors.filter((c) => !finished(c) || c.buffer.length > 0).length;
    const share = Math.ceil(need / Math.max(active, 1));
    const cap = Math.floor(remaining / blocking.length);
    // Unfiltered, a partition's share of the page and some (partitions are seldom even);
    // filtered, as many as the filter's observed selectivity says will yield that share.
    const wanted = Math.ceil((filtered ? share / selectivity() : share) * HEADROOM) + 1;
    const step = Math.max(1, Math.min(Math.max(wanted, MIN_STEP), cap));
    await Promise.all(
      blocking.map(async (c) => {
        const result = await read(cursors.indexOf(c), c.next.at === 'after' ? c.next.key : undefined, step);
        reads++;
        evaluated += Math.max(result.evaluated, 1);
        kept += result.items.length;
        c.buffer = result.items;
        c.next = result.last !== undefined ? { at: 'after', key: result.last } : DONE;
        if (c.buffer.length === 0) c.resume = c.next;
      }),
    );
  }
  const positions = cursors.map((c) => c.resume);
  return { items, positions, exhausted: positions.every((p) => p.at === 'done'), evaluated, reads, selectivity: selectivity() };
}
