import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { callerFromClaims, cursorIdentity } from '../../../functions/shared/core/query/caller.js';
import { DONE, openCursor, sealCursor, START, type CursorBinding, type Position } from '../../../functions/shared/core/query/cursor.js';
import { InvalidCursorError } from '../../../functions/shared/core/query/errors.js';
import { canonicalFilter, parseListRequest } from '../../../functions/shared/core/query/filters.js';

const key = new Uint8Array(32).fill(7);
const otherKey = new Uint8Array(32).fill(8);
const sortKey = (n: number) => `2026-01-0${n}T00:00:00.000Z#${String(n).repeat(32)}`;
const positions: Position[] = [{ at: 'after', key: sortKey(1) }, DONE, START, { at: 'after', key: sortKey(2) }];

const payments = callerFromClaims({ sub: 'alice', 'vigil:teams': ['payments'] });
const data = callerFromClaims({ sub: 'bob', 'vigil:teams': ['data'] });
const filterOf = (query: Record<string, string[]>) => canonicalFilter(parseListRequest(query).filter);
const binding: CursorBinding = { filter: filterOf({ severity: ['HIGH'] }), identity: cursorIdentity(payments) };

/** A cursor whose payload is replaced, re-encoded as base64url, with the original MAC. */
function withPayload(cursor: string, payload: unknown): string {
  return `${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${cursor.split('.')[1]}`;
}

/** What a forger who knew the key would make: a correctly signed, arbitrary payload. */
function signed(payload: unknown, b: CursorBinding = binding): string {
  const p = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${p}.${createHmac('sha256', key).update(`vigil-cursor/v1\n${p}\n${b.filter}\n${b.identity}`).digest('base64url')}`;
}

describe('query: cursor', () => {
  it('opens what it sealed, for the same filter, caller and key', () => {
    // Act
    const cursor = sealCursor({ positions }, binding, key);
    // Assess
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(openCursor(cursor, binding, key, positions.length)).toEqual({ positions });
    expect(openCursor(sealCursor({ positions, selectivity: 0.0123 }, binding, key), binding, key, 4)).toEqual({ positions, selectivity: 0.0123 });
  });

  it('binds to the canonical filter: minSeverity=HIGH and severity=HIGH,CRITICAL are the same query', () => {
    const a = { ...binding, filter: filterOf({ minSeverity: ['HIGH'] }) };
    const b = { ...binding, filter: filterOf({ severity: ['CRITICAL,HIGH'] }) };
    expect(openCursor(sealCursor({ positions }, a, key), b, key, 4)).toEqual({ positions });
  });

  it.each([
    ['another filter', { ...binding, filter: filterOf({ severity: ['LOW'] }) }],
    ['a filter with one more parameter', { ...binding, filter: filterOf({ severity: ['HIGH'], status: ['OPEN'] }) }],
    ['another team', { ...binding, identity: cursorIdentity(data) }],
    ['the same subject with other teams', { ...binding, identity: cursorIdentity(callerFromClaims({ sub: 'alice', 'vigil:teams': ['payments', 'data'] })) }],
    ['an admin', { ...binding, identity: cursorIdentity(callerFromClaims({ sub: 'alice', scope: 'vigil/admin' })) }],
  ])('rejects a cursor presented for %s', (_name, other) => {
    const cursor = sealCursor({ positions }, binding, key);
    expect(() => openCursor(cursor, other, key, 4)).toThrow(InvalidCursorError);
  });

  it('rejects a cursor signed under another key (a rotated secret)', () => {
    expect(() => openCursor(sealCursor({ positions }, binding, otherKey), binding, key, 4)).toThrow(/altered, or issued for another/);
  });

  it('rejects any change to the payload or the MAC', () => {
    // Prepare
    const cursor = sealCursor({ positions }, binding, key);
    const [payload, tag] = cursor.split('.') as [string, string];
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    // Act / Assess: every single-character change anywhere is caught
    for (let i = 0; i < payload.length; i++) expect(() => openCursor(`${flip(payload, i)}.${tag}`, binding, key, 4), `payload[${i}]`).toThrow(InvalidCursorError);
    for (let i = 0; i < tag.length; i++) expect(() => openCursor(`${payload}.${flip(tag, i)}`, binding, key, 4), `tag[${i}]`).toThrow(InvalidCursorError);
    expect(() => openCursor(withPayload(cursor, { v: 1, p: ['s', 'd', 's', 's'] }), binding, key, 4)).toThrow(InvalidCursorError);
  });

  it.each([['', 'empty'], ['abc', 'no MAC'], ['a.b.c', 'three parts'], ['.x', 'no payload'], ['x.', 'empty MAC'], ['eyJ2IjoxfQ.' + 'A'.repeat(43), 'a forged MAC']])('rejects %j (%s)', (cursor) => {
    expect(() => openCursor(cursor, binding, key, 4)).toThrow(InvalidCursorError);
  });

  it('rejects a correctly signed cursor of the wrong shape: other partition count, bad version, bad sort keys', () => {
    expect(() => openCursor(sealCursor({ positions }, binding, key), binding, key, 3)).toThrow(/not a cursor for this query/);
    expect(() => openCursor(signed({ v: 2, p: ['s'] }), binding, key, 1)).toThrow(InvalidCursorError);
    expect(() => openCursor(signed({ v: 1, p: ['aF#x'] }), binding, key, 1)).toThrow(InvalidCursorError);
    expect(() => openCursor(signed({ v: 1, p: [`a${sortKey(1)}' OR 1=1`] }), binding, key, 1)).toThrow(InvalidCursorError);
    expect(() => openCursor(signed('not an object'), binding, key, 1)).toThrow(InvalidCursorError);
    expect(() => openCursor(signed({ v: 1, p: ['s'], k: 0 }), binding, key, 1)).toThrow(InvalidCursorError);
    expect(() => openCursor(signed({ v: 1, p: ['s'], extra: true }), binding, key, 1)).toThrow(InvalidCursorError);
  });
});
