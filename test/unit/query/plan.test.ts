import { describe, expect, it } from 'vitest';
import { callerFromClaims } from '../../../functions/shared/core/query/caller.js';
import { AccessDeniedError } from '../../../functions/shared/core/query/errors.js';
import { parseListRequest, queryParameters } from '../../../functions/shared/core/query/filters.js';
import { planFindingsQuery, sortKeyRange } from '../../../functions/shared/core/query/plan.js';

const member = callerFromClaims({ sub: 'a', 'vigil:teams': 'payments data' });
const admin = callerFromClaims({ sub: 'r', scope: 'vigil/admin' });
const plan = (query: string, caller = member) => planFindingsQuery(parseListRequest(queryParameters(new URLSearchParams(query))).filter, caller);

describe('query: planning a listing', () => {
  it('reads a member’s teams, merged, when it names none', () => {
    expect(plan('')).toEqual({ scope: { by: 'teams', teams: ['data', 'payments'] }, predicates: [] });
  });

  it('reads the all-findings shards for an admin without team or account', () => {
    expect(plan('', admin).scope).toEqual({ by: 'all' });
  });

  it('reads one team’s partition for a team filter', () => {
    expect(plan('team=payments&severity=HIGH')).toEqual({ scope: { by: 'teams', teams: ['payments'] }, predicates: [{ attribute: 'severity', values: ['HIGH'] }] });
  });

  it('reads the account partition, restricted to the member’s teams', () => {
    expect(plan('account=123456789012')).toEqual({ scope: { by: 'account', account: '123456789012' }, predicates: [{ attribute: 'team', values: ['data', 'payments'] }] });
    expect(plan('account=123456789012', admin)).toEqual({ scope: { by: 'account', account: '123456789012' }, predicates: [] });
    expect(plan('account=123456789012&team=data').predicates).toEqual([{ attribute: 'team', values: ['data'] }]);
  });

  it('refuses another team, and a caller of no team', () => {
    expect(() => plan('team=security')).toThrow(AccessDeniedError);
    expect(() => plan('', callerFromClaims({ sub: 'nobody' }))).toThrow(/member of no team/);
  });

  it('makes since/until a key range on lastSeenIdx#id, both inclusive', () => {
    const range = sortKeyRange(plan('since=2026-01-01T00:00:00Z&until=2026-01-02T00:00:00Z'));
    const key = (t: string) => `${t}#${'f'.repeat(32)}`;
    const within = (k: string) => k >= range.from! && k <= range.to!;
    expect(within(key('2026-01-01T00:00:00.000Z'))).toBe(true);
    expect(within(key('2026-01-02T00:00:00.000Z'))).toBe(true);
    expect(within(key('2025-12-31T23:59:59.999Z'))).toBe(false);
    expect(within(key('2026-01-02T00:00:00.001Z'))).toBe(false);
  });
});
