/**
 * DynamoDB request units counted by AWS's documented rules from the items themselves,
 * because DynamoDB Local under-reports transactions (STACK.md). Every request the
 * document client sends is recorded (its input and output); the ledger keeps a shadow
 * of every item written, so it knows the "before" image that sizes a write and decides
 * the index writes. Rules (Amazon DynamoDB Developer Guide):
 *
 * - item size: attribute names + values (string: UTF-8 bytes; number: 1 byte per two
 *   significant digits + 1; boolean/null: 1; list/map: 3 + elements (1 byte each + value),
 *   map keys counted as names);
 * - reads: 4 KB units; eventually consistent = half; a GetItem that finds nothing still
 *   costs 0.5 (1 strongly consistent); Query sums the items read, then rounds;
 * - PutItem/UpdateItem: 1 KB units of the larger of the before and after images; a write
 *   whose condition fails still consumes units of the existing item (minimum 1);
 * - TransactWriteItems: 2 units per 1 KB for each item (prepare + commit);
 * - global secondary indexes ("Provisioned throughput considerations for GSIs"): an item
 *   entering the index is 1 write, leaving it 1 write, an index key change 2 (delete +
 *   put), a change of projected attributes only 1, nothing 0; sized by the index entry
 *   (table keys + index keys + projected attributes). Index writes caused by a
 *   transaction are counted at the standard rate (see docs/performance.md).
 */
import type { CfnTemplate } from '../../cli/local/template.js';

export interface IndexDef {
  name: string;
  pk: string;
  sk?: string;
  projection: 'ALL' | 'KEYS_ONLY' | 'INCLUDE';
  nonKey: string[];
}

export interface TableDef {
  pk: string;
  sk?: string;
  indexes: IndexDef[];
}

type Item = Record<string, unknown>;

export function tableDefFromTemplate(template: CfnTemplate, logicalId = 'FindingsTable'): TableDef {
  const p = template.Resources[logicalId]?.Properties ?? {};
  const keyOf = (schema: unknown, type: string) => (schema as Array<{ AttributeName: string; KeyType: string }>).find((k) => k.KeyType === type)?.AttributeName;
  const indexes = ((p.GlobalSecondaryIndexes ?? []) as Array<Record<string, unknown>>).map((gsi): IndexDef => {
    const projection = gsi.Projection as { ProjectionType?: string; NonKeyAttributes?: string[] } | undefined;
    const sk = keyOf(gsi.KeySchema, 'RANGE');
    return {
      name: String(gsi.IndexName),
      pk: keyOf(gsi.KeySchema, 'HASH')!,
      ...(sk ? { sk } : {}),
      projection: (projection?.ProjectionType ?? 'ALL') as IndexDef['projection'],
      nonKey: projection?.NonKeyAttributes ?? [],
    };
  });
  const sk = keyOf(p.KeySchema, 'RANGE');
  return { pk: keyOf(p.KeySchema, 'HASH')!, ...(sk ? { sk } : {}), indexes };
}

const utf8 = (s: string) => Buffer.byteLength(s, 'utf8');

export function valueSize(value: unknown): number {
  if (value === null || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return utf8(value);
  if (typeof value === 'number' || typeof value === 'bigint') {
    const digits = String(value).replace(/^-/, '').replace(/e.*$/i, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
    return Math.ceil(Math.max(1, digits.length) / 2) + 1;
  }
  if (value instanceof Uint8Array) return value.byteLength;
  if (value instanceof Set) return [...value].reduce((sum: number, v) => sum + valueSize(v), 0);
  if (Array.isArray(value)) return 3 + value.filter((v) => v !== undefined).reduce((sum: number, v) => sum + 1 + valueSize(v), 0);
  if (typeof value === 'object') {
    return 3 + Object.entries(value as Item).reduce((sum, [k, v]) => (v === undefined ? sum : sum + utf8(k) + 1 + valueSize(v)), 0);
  }
  return 0;
}

/** An item's size as DynamoDB counts it (undefined attributes are dropped, as the document client does). */
export function itemSize(item: Item | undefined): number {
  if (!item) return 0;
  let size = 0;
  for (const [name, value] of Object.entries(item)) if (value !== undefined) size += utf8(name) + valueSize(value);
  return size;
}

/** Write request units of an item of `bytes`: 1 KB units, at least one. */
export const writeUnits = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));
/** Read request units of `bytes` read: 4 KB units, at least one; eventually consistent half. */
export const readUnits = (bytes: number, consistent: boolean) => Math.max(1, Math.ceil(bytes / 4096)) * (consistent ? 1 : 0.5);

/** One request as the instrumented client saw it. */
export interface SentRequest {
  command: { constructor: { name: string }; input: Record<string, unknown> };
  output?: Record<string, unknown>;
  error?: unknown;
}

/** What an item's partition key says it is (single-table layout of docs/design.md). */
export function categoryOf(pk: unknown): string {
  const s = String(pk);
  if (s.startsWith('F#')) return 'finding';
  if (s === 'HB' || s.startsWith('HB#')) return 'heartbeat';
  if (s === 'DIR') return 'directory';
  if (s.startsWith('Q#')) return 'quarantine';
  return 'other';
}

interface KeyRate {
  key: string;
  writes: number;
}

/** Per-key write counts in one-second buckets; keeps the peak of every key. */
export class HotKeys {
  private bucket: number | undefined;
  private current = new Map<string, number>();
  private readonly peak = new Map<string, number>();

  public add(bucket: number, key: string, n = 1): void {
    if (bucket !== this.bucket) this.flush(bucket);
    this.current.set(key, (this.current.get(key) ?? 0) + n);
  }

  private flush(next?: number): void {
    for (const [key, n] of this.current) if (n > (this.peak.get(key) ?? 0)) this.peak.set(key, n);
    this.current = new Map();
    this.bucket = next;
  }

  public top(n = 5): KeyRate[] {
    this.flush(this.bucket);
    return [...this.peak.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([key, writes]) => ({ key, writes }));
  }

  /** The peak of the busiest key of each kind (table key category or index). */
  public peakBy(kindOf: (key: string) => string): Record<string, KeyRate> {
    this.flush(this.bucket);
    const out: Record<string, KeyRate> = {};
    for (const [key, writes] of this.peak) {
      const kind = kindOf(key);
      if (!out[kind] || writes > out[kind].writes) out[kind] = { key, writes };
    }
    return out;
  }
}

interface Totals {
  read: number;
  write: number;
}

export interface LedgerReport {
  requests: Record<string, number>;
  readUnits: number;
  writeUnits: number;
  writeUnitsTable: number;
  writeUnitsByIndex: Record<string, number>;
  unitsByOperation: Record<string, Totals>;
  unitsByCategory: Record<string, Totals>;
  /** What DynamoDB Local itself reported (ReturnConsumedCapacity INDEXES), for comparison. */
  localReported: Record<string, number>;
  conditionalFailures: number;
  /** Index writes caused by transactions (counted at 1x; at 2x they would add this many units). */
  transactionalIndexWriteUnits: number;
  decisions: { create: number; change: number; touch: number; touchWithIndexRefresh: number };
  historyKinds: Record<string, number>;
  itemBytes: Record<string, { count: number; mean: number; max: number }>;
  scans: number;
  /** Write units spent on index refreshes of repeats, on rewriting the detail item in changes, and on rewriting it unchanged. */
  savings: { dailyIndexRefreshWriteUnits: number; detailRewriteOnChangeWriteUnits: number; unchangedDetailRewriteWriteUnits: number };
}

export class CapacityLedger {
  private readonly shadow = new Map<string, Item>();
  private requests: Record<string, number> = {};
  private readUnitsTotal = 0;
  private writeTable = 0;
  private writeIndex: Record<string, number> = {};
  private byOperation: Record<string, Totals> = {};
  private byCategory: Record<string, Totals> = {};
  private local: Record<string, number> = {};
  private conditionalFailures = 0;
  private transactionalIndexUnits = 0;
  private decisions = { create: 0, change: 0, touch: 0, touchWithIndexRefresh: 0 };
  private historyKinds: Record<string, number> = {};
  private sizes: Record<string, { count: number; sum: number; max: number }> = {};
  private scans = 0;
  /** Units that a proposed change would not spend (measured on the same writes). */
  private savings = { dailyIndexRefreshWriteUnits: 0, detailRewriteOnChangeWriteUnits: 0, unchangedDetailRewriteWriteUnits: 0 };
  /** Per-key write peaks under each view of the replay (see HOT_KEY_VIEWS). */
  public readonly hotKeys = new Map(HOT_KEY_VIEWS.map((v) => [v.name, new HotKeys()]));

  public constructor(private readonly def: TableDef) {}

  /** Forgets the counters (the shadow of the table stays): priming is not measured. */
  public reset(): void {
    this.requests = {};
    this.readUnitsTotal = 0;
    this.writeTable = 0;
    this.writeIndex = {};
    this.byOperation = {};
    this.byCategory = {};
    this.local = {};
    this.conditionalFailures = 0;
    this.transactionalIndexUnits = 0;
    this.decisions = { create: 0, change: 0, touch: 0, touchWithIndexRefresh: 0 };
    this.historyKinds = {};
    this.sizes = {};
    this.scans = 0;
    this.savings = { dailyIndexRefreshWriteUnits: 0, detailRewriteOnChangeWriteUnits: 0, unchangedDetailRewriteWriteUnits: 0 };
  }

  private keyOf(item: Item): string {
    return `${String(item[this.def.pk])}\u0000${this.def.sk ? String(item[this.def.sk]) : ''}`;
  }

  private add(operation: string, category: string, units: Totals): void {
    const op = (this.byOperation[operation] ??= { read: 0, write: 0 });
    op.read += units.read;
    op.write += units.write;
    const cat = (this.byCategory[category] ??= { read: 0, write: 0 });
    cat.read += units.read;
    cat.write += units.write;
  }

  private size(kind: string, item: Item): void {
    const bytes = itemSize(item);
    const s = (this.sizes[kind] ??= { count: 0, sum: 0, max: 0 });
    s.count++;
    s.sum += bytes;
    s.max = Math.max(s.max, bytes);
  }

  /** Index writes for one item write; counts index keys as hot keys. Returns the units. */
  private indexWrites(before: Item | undefined, after: Item | undefined, buckets: Buckets | undefined): number {
    let total = 0;
    for (const index of this.def.indexes) {
      const has = (item: Item | undefined) => item !== undefined && item[index.pk] !== undefined && (!index.sk || item[index.sk] !== undefined);
      const entry = (item: Item): Item => {
        const names = [this.def.pk, this.def.sk, index.pk, index.sk, ...(index.projection === 'INCLUDE' ? index.nonKey : [])].filter(Boolean) as string[];
        if (index.projection === 'ALL') return item;
        return Object.fromEntries(names.filter((n) => item[n] !== undefined).map((n) => [n, item[n]]));
      };
      const writes: Array<{ pk: unknown; units: number }> = [];
      if (!has(before) && has(after)) writes.push({ pk: after![index.pk], units: writeUnits(itemSize(entry(after!))) });
      else if (has(before) && !has(after)) writes.push({ pk: before![index.pk], units: writeUnits(itemSize(entry(before!))) });
      else if (has(before) && has(after)) {
        const keyChanged = before![index.pk] !== after![index.pk] || (index.sk !== undefined && before![index.sk] !== after![index.sk]);
        if (keyChanged) {
          writes.push({ pk: before![index.pk], units: writeUnits(itemSize(entry(before!))) });
          writes.push({ pk: after![index.pk], units: writeUnits(itemSize(entry(after!))) });
        } else if (JSON.stringify(entry(before!)) !== JSON.stringify(entry(after!))) {
          writes.push({ pk: after![index.pk], units: writeUnits(itemSize(entry(after!))) });
        }
      }
      for (const w of writes) {
        this.writeIndex[index.name] = (this.writeIndex[index.name] ?? 0) + w.units;
        total += w.units;
        if (buckets) this.hit(buckets, { where: index.name, pk: String(w.pk), item: (after ?? before)! });
      }
    }
    return total;
  }

  private tableWrite(operation: string, after: Item, multiplier: number, buckets: Buckets | undefined): { before: Item | undefined; units: number; table: number; index: number } {
    const key = this.keyOf(after);
    const before = this.shadow.get(key);
    const table = writeUnits(Math.max(itemSize(before), itemSize(after))) * multiplier;
    const index = this.indexWrites(before, after, buckets);
    this.shadow.set(key, after);
    this.writeTable += table;
    this.add(operation, categoryOf(after[this.def.pk]), { read: 0, write: table + index });
    if (multiplier > 1) this.transactionalIndexUnits += index;
    if (buckets) this.hit(buckets, { where: 'table', pk: String(after[this.def.pk]), item: after });
    return { before, units: table + index, table, index };
  }

  private hit(buckets: Buckets, write: KeyWrite): void {
    for (const view of HOT_KEY_VIEWS) {
      const bucket = view.bucket(buckets);
      const key = bucket === undefined ? undefined : view.key(write);
      if (bucket !== undefined && key !== undefined) this.hotKeys.get(view.name)!.add(bucket, key);
    }
  }

  private failedWrite(operation: string, key: Item, multiplier: number): void {
    const before = this.shadow.get(this.keyOf(key));
    const units = writeUnits(itemSize(before)) * multiplier;
    this.conditionalFailures++;
    this.writeTable += units;
    this.add(`${operation} (condition failed)`, categoryOf(key[this.def.pk]), { read: 0, write: units });
  }

  private localUnits(operation: string, output: Record<string, unknown> | undefined): void {
    const consumed = output?.ConsumedCapacity as { CapacityUnits?: number } | Array<{ CapacityUnits?: number }> | undefined;
    if (!consumed) return;
    const list = Array.isArray(consumed) ? consumed : [consumed];
    this.local[operation] = (this.local[operation] ?? 0) + list.reduce((s, c) => s + (c.CapacityUnits ?? 0), 0);
  }

  public record(request: SentRequest, buckets?: Buckets): void {
    const operation = request.command.constructor.name.replace(/Command$/, '');
    const input = request.command.input;
    this.requests[operation] = (this.requests[operation] ?? 0) + 1;
    this.localUnits(operation, request.output);
    const failed = request.error !== undefined;
    const errorName = failed ? String((request.error as { name?: string }).name) : '';

    switch (operation) {
      case 'Get': {
        const units = readUnits(itemSize(request.output?.Item as Item | undefined), input.ConsistentRead === true);
        this.readUnitsTotal += units;
        this.add(operation, categoryOf((input.Key as Item)[this.def.pk]), { read: units, write: 0 });
        break;
      }
      case 'Query':
      case 'Scan': {
        if (operation === 'Scan') this.scans++;
        const bytes = ((request.output?.Items ?? []) as Item[]).reduce((s, i) => s + itemSize(i), 0);
        const units = readUnits(bytes, input.ConsistentRead === true);
        this.readUnitsTotal += units;
        const pk = String((input.ExpressionAttributeValues as Item | undefined)?.[':pk'] ?? '');
        this.add(operation, categoryOf(pk), { read: units, write: 0 });
        break;
      }
      case 'Put': {
        const item = input.Item as Item;
        if (failed) {
          if (errorName === 'ConditionalCheckFailedException') this.failedWrite(operation, item, 1);
          break;
        }
        const { before, index } = this.tableWrite(operation, item, 1, buckets);
        if (item.sk === 'F') {
          this.decisions.touch++;
          if (before && before.gsisk !== item.gsisk) {
            this.decisions.touchWithIndexRefresh++;
            this.savings.dailyIndexRefreshWriteUnits += index;
          }
          this.size('finding', item);
        }
        break;
      }
      case 'Update': {
        const key = input.Key as Item;
        if (failed) {
          if (errorName === 'ConditionalCheckFailedException') this.failedWrite(operation, key, 1);
          break;
        }
        const before = this.shadow.get(this.keyOf(key));
        this.tableWrite(operation, applyUpdate(before ?? key, input), 1, buckets);
        break;
      }
      case 'TransactWrite': {
        const items = ((input.TransactItems ?? []) as Array<{ Put?: { Item: Item; ConditionExpression?: string } }>).filter((t) => t.Put);
        if (failed) {
          for (const t of items) this.failedWrite(operation, t.Put!.Item, 2);
          break;
        }
        const isCreate = items.some((t) => t.Put!.Item.sk === 'F' && t.Put!.ConditionExpression?.includes('attribute_not_exists'));
        for (const t of items) {
          const item = t.Put!.Item;
          const written = this.tableWrite(operation, item, 2, buckets);
          if (item.sk === 'D' && !isCreate) {
            this.savings.detailRewriteOnChangeWriteUnits += written.units;
            if (JSON.stringify(written.before) === JSON.stringify(item)) this.savings.unchangedDetailRewriteWriteUnits += written.units;
          }
          if (item.sk === 'F') {
            if (t.Put!.ConditionExpression?.includes('attribute_not_exists')) this.decisions.create++;
            else this.decisions.change++;
            this.size('finding', item);
          } else if (String(item.sk).startsWith('H#')) {
            this.historyKinds[String(item.kind)] = (this.historyKinds[String(item.kind)] ?? 0) + 1;
            this.size('history', item);
          } else if (item.sk === 'D') this.size('detail', item);
        }
        break;
      }
      case 'BatchWrite': {
        if (failed) break;
        for (const requests of Object.values((input.RequestItems ?? {}) as Record<string, Array<{ PutRequest?: { Item: Item } }>>)) {
          for (const r of requests) if (r.PutRequest) this.tableWrite(operation, r.PutRequest.Item, 1, buckets);
        }
        break;
      }
      default:
        break;
    }
  }

  public report(): LedgerReport {
    const writeIndexTotal = Object.values(this.writeIndex).reduce((a, b) => a + b, 0);
    const round = (n: number) => Math.round(n * 1000) / 1000;
    return {
      requests: this.requests,
      readUnits: round(this.readUnitsTotal),
      writeUnits: round(this.writeTable + writeIndexTotal),
      writeUnitsTable: round(this.writeTable),
      writeUnitsByIndex: this.writeIndex,
      unitsByOperation: this.byOperation,
      unitsByCategory: this.byCategory,
      localReported: Object.fromEntries(Object.entries(this.local).map(([k, v]) => [k, round(v)])),
      conditionalFailures: this.conditionalFailures,
      transactionalIndexWriteUnits: this.transactionalIndexUnits,
      decisions: this.decisions,
      historyKinds: this.historyKinds,
      itemBytes: Object.fromEntries(Object.entries(this.sizes).map(([k, s]) => [k, { count: s.count, mean: Math.round(s.sum / Math.max(1, s.count)), max: s.max }])),
      scans: this.scans,
      savings: this.savings,
    };
  }
}

export interface Buckets {
  /** Replay second at a constant 1,000 events per second. */
  constant: number;
  /** Replay second with event time compressed uniformly to 1,000 events per second on average. */
  timeScaled: number;
  /** Replay second at 1,000 finding events per second (heartbeats left out). */
  findingsOnly: number;
}

/** One partition-key write: the table's or an index's, and the item it came from. */
export interface KeyWrite {
  where: string;
  pk: string;
  item: Item;
}

function shard(id: unknown, n: number): number {
  let h = 0;
  for (const c of String(id)) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return h % n;
}

const defaultKey = (w: KeyWrite) => `${w.where}:${w.pk}`;
/** Heartbeats keyed per account (`HB#<account>`) instead of one `HB` partition. */
const heartbeatPerAccount = (w: KeyWrite) => (w.where === 'table' && categoryOf(w.pk) === 'heartbeat' ? `table:HB#${String(w.item.accountId)}` : defaultKey(w));

/**
 * Views of the replay for the hot-key figure. The first is the headline; the `whatIf`
 * views re-key the same writes as a proposed layout would (docs/performance.md).
 */
export const HOT_KEY_VIEWS: ReadonlyArray<{ name: string; bucket: (b: Buckets) => number | undefined; key: (w: KeyWrite) => string | undefined }> = [
  { name: 'constantRate', bucket: (b) => b.constant, key: defaultKey },
  { name: 'timeScaled', bucket: (b) => b.timeScaled, key: defaultKey },
  { name: 'findingsOnly', bucket: (b) => b.findingsOnly, key: (w) => (w.where === 'table' && categoryOf(w.pk) === 'heartbeat' ? undefined : defaultKey(w)) },
  { name: 'whatIfHeartbeatPerAccount', bucket: (b) => b.constant, key: heartbeatPerAccount },
  {
    // Heartbeats per account, and every index partition shared by many findings (a team's
    // `T#<team>`, the all-findings `S#<n>`) split four ways by finding id.
    name: 'whatIfHeartbeatPerAccountAndSharedIndexKeysSplit4',
    bucket: (b) => b.constant,
    key: (w) => (w.where !== 'table' && (w.pk.startsWith('T#') || w.pk.startsWith('S#')) ? `${w.where}:${w.pk}#${shard(w.item.id, 4)}` : heartbeatPerAccount(w)),
  },
];

/** Applies `SET a = :x, #b = :y` (the only update form the store sends) to an item. */
export function applyUpdate(before: Item, input: Record<string, unknown>): Item {
  const after: Item = { ...before, ...(input.Key as Item) };
  const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const values = (input.ExpressionAttributeValues ?? {}) as Item;
  const expression = String(input.UpdateExpression ?? '');
  const set = /^\s*SET\s+(.*)$/i.exec(expression)?.[1];
  if (!set) return after;
  for (const assignment of set.split(',')) {
    const [left, right] = assignment.split('=').map((s) => s.trim());
    if (!left || !right) continue;
    after[names[left] ?? left] = values[right];
  }
  return after;
}
