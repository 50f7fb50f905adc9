import { createHmac, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import { InvalidCursorError } from './errors.js';

/**
 * Where reading one index partition stands: not started, after a sort key (the last item
 * returned, or DynamoDB's LastEvaluatedKey), or finished. A page over several partitions
 * (a member's teams, the shards of the all-findings index) keeps one position each.
 */
export type Position = { at: 'start' } | { at: 'after'; key: string } | { at: 'done' };

export const START: Position = { at: 'start' };
export const DONE: Position = { at: 'done' };

/** Where a listing stands: one position per partition, and what its filter kept so far (a read-size hint). */
export interface CursorState {
  positions: Position[];
  selectivity?: number;
}

/** What a cursor is valid for: the canonical filter and the caller's identity. */
export interface CursorBinding {
  filter: string;
  identity: string;
}

const VERSION = 1;
/** Index sort keys are `<ISO-8601 lastSeenIdx>#<32-hex finding id>`. */
const SORT_KEY = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z#[0-9a-f]{32}$/;

// A compact payload: `s` not started, `d` done, `a<sortKey>` after that key; `k` the
// selectivity in ten-thousandths.
const PayloadSchema = z
  .object({
    v: z.literal(VERSION),
    p: z.array(z.union([z.literal('s'), z.literal('d'), z.string().regex(/^a/)])).min(1).max(64),
    k: z.number().int().min(1).max(10_000).optional(),
  })
  .strict();

function mac(key: Uint8Array, payload: string, binding: CursorBinding): Buffer {
  return createHmac('sha256', key).update(`vigil-cursor/v${VERSION}\n${payload}\n${binding.filter}\n${binding.identity}`).digest();
}

/**
 * Seals positions into an opaque, tamper-evident cursor: base64url JSON, a dot, and an
 * HMAC-SHA256 over the payload, the filter and the caller's identity. Not encrypted: it
 * reveals sort keys of findings the caller has already been shown, nothing more.
 */
export function sealCursor(state: CursorState, binding: CursorBinding, key: Uint8Array): string {
  const p = state.positions.map((pos) => (pos.at === 'start' ? 's' : pos.at === 'done' ? 'd' : `a${pos.key}`));
  const k = state.selectivity === undefined ? undefined : Math.min(10_000, Math.max(1, Math.round(state.selectivity * 10_000)));
  const payload = Buffer.from(JSON.stringify({ v: VERSION, p, ...(k ? { k } : {}) })).toString('base64url');
  return `${payload}.${mac(key, payload, binding).toString('base64url')}`;
}

/**
 * Opens a cursor issued by {@link sealCursor} for the same filter and caller. Throws
 * {@link InvalidCursorError} when it is malformed, its MAC does not verify (tampered
 * with, or issued for another filter or caller, or under another key), or it does not
 * have one position per partition of this query.
 */
export function openCursor(cursor: string, binding: CursorBinding, key: Uint8Array, partitions: number): CursorState {
  const [payload, tag, ...rest] = cursor.split('.');
  if (!payload || !tag || rest.length > 0) throw new InvalidCursorError('not a cursor this API issued');
  const expected = mac(key, payload, binding);
  const given = Buffer.from(tag, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new InvalidCursorError('the cursor does not belong to this query: it was altered, or issued for another filter or caller');
  }
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch (error) {
    throw new InvalidCursorError('not a cursor this API issued', { cause: error });
  }
  const parsed = PayloadSchema.safeParse(decoded);
  if (!parsed.success || parsed.data.p.length !== partitions) throw new InvalidCursorError('not a cursor for this query');
  const positions = parsed.data.p.map((p): Position => {
    if (p === 's') return START;
    if (p === 'd') return DONE;
    const key = p.slice(1);
    if (!SORT_KEY.test(key)) throw new InvalidCursorError('not a cursor for this query');
    return { at: 'after', key };
  });
  return { positions, ...(parsed.data.k ? { selectivity: parsed.data.k / 10_000 } : {}) };
}
