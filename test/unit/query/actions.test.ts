import { describe, expect, it } from 'vitest';
import { decideAction, decideExpiry, parseAcknowledge, parseSuppress } from '../../../functions/shared/core/query/actions.js';
import { ActionConflictError, InvalidParameterError } from '../../../functions/shared/core/query/errors.js';
import type { ActionState } from '../../../functions/shared/core/query/views.js';

const now = new Date('2026-03-01T12:00:00.000Z');
const state = (overrides: Partial<ActionState> = {}): ActionState => ({ id: 'a'.repeat(32), team: 'payments', status: 'OPEN', severity: 'HIGH', version: 4, ...overrides });

describe('query: acknowledge and suppress', () => {
  it('acknowledges with the actor, the reason and the version it decided from', () => {
    // Act
    const decision = decideAction(state({ status: 'NOTIFIED' }), parseAcknowledge({ reason: 'on it' }), 'api:alice', now);
    // Assess
    expect(decision).toEqual({
      id: 'a'.repeat(32),
      expectedVersion: 4,
      status: 'ACKNOWLEDGED',
      set: { statusAt: now.toISOString(), statusBy: 'api:alice', statusReason: 'on it' },
      endsSuppression: true,
      history: { id: 'a'.repeat(32), at: now.toISOString(), kind: 'acknowledged', cause: 'api', actor: 'api:alice', reason: 'on it', from: { status: 'NOTIFIED', severity: 'HIGH' }, to: { status: 'ACKNOWLEDGED', severity: 'HIGH' } },
    });
  });

  it('changes nothing when asked to acknowledge what is acknowledged', () => {
    expect(decideAction(state({ status: 'ACKNOWLEDGED' }), parseAcknowledge({ reason: 'again' }), 'api:alice', now)).toEqual({ unchanged: true });
  });

  it('suppresses for 30 days by default, or until the given time, as the person who asked', () => {
    const byDefault = decideAction(state(), parseSuppress({ reason: 'accepted risk' }, now), 'api:bob', now);
    expect(byDefault).toMatchObject({ status: 'SUPPRESSED', endsSuppression: false, set: { suppressedUntil: '2026-03-31T12:00:00.000Z', suppressedBy: 'api:bob', statusBy: 'api:bob' } });
    const until = parseSuppress({ reason: 'risk accepted', until: '2026-04-01T00:00:00+02:00' }, now).until;
    expect(until).toBe('2026-03-31T22:00:00.000Z');
    expect(decideAction(state(), { kind: 'suppress', reason: 'risk accepted', until }, 'api:bob', now)).toMatchObject({ history: { kind: 'suppressed', until, to: { status: 'SUPPRESSED' } } });
  });

  it('keeps a long reason whole in history and clipped on the finding', () => {
    const decision = decideAction(state(), parseAcknowledge({ reason: 'x'.repeat(900) }), 'api:a', now) as { set: { statusReason: string }; history: { reason: string } };
    expect([decision.set.statusReason.length, decision.history.reason.length]).toEqual([100, 900]);
  });

  it.each([
    [{}, 'reason'],
    [{ reason: '   ' }, 'reason'],
    [{ reason: 'ok' }, 'reason'],
    [{ reason: 'x'.repeat(1001) }, 'reason'],
    [{ reason: 'why', until: 'tomorrow' }, 'until'],
    [{ reason: 'why', until: '2026-03-01T11:00:00Z' }, 'until'],
    [{ reason: 'why', until: '2027-03-02T12:00:00Z' }, 'until'],
    [{ reason: 'why', expectedVersion: 0 }, 'expectedVersion'],
    [{ reason: 'why', expectedVersion: '3' }, 'expectedVersion'],
    [{ reason: 'why', status: 'RESOLVED' }, 'status'],
    [[], 'body'],
    ['reason', 'body'],
  ])('rejects the suppress body %j, naming %s', (body, parameter) => {
    let caught: unknown;
    try {
      parseSuppress(body, now);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidParameterError);
    expect((caught as InvalidParameterError).parameter).toBe(parameter);
  });

  it.each(['acknowledge', 'suppress'] as const)('refuses to %s a resolved finding (409)', (kind) => {
    expect(() => decideAction(state({ status: 'RESOLVED' }), { kind, reason: 'why', until: '2026-04-01T00:00:00.000Z' }, 'api:a', now)).toThrow(ActionConflictError);
  });

  it('ends a suppression by acknowledging it', () => {
    expect(decideAction(state({ status: 'SUPPRESSED', suppressedUntil: '2026-04-01T00:00:00.000Z' }), parseAcknowledge({ reason: 'taking it' }), 'api:a', now)).toMatchObject({ status: 'ACKNOWLEDGED', endsSuppression: true });
  });

  it('refuses when the caller expected another version, saying which is current', () => {
    try {
      decideAction(state({ version: 9 }), { kind: 'acknowledge', reason: 'why', expectedVersion: 8 }, 'api:a', now);
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ currentVersion: 9, currentStatus: 'OPEN' });
    }
  });
});

describe('query: suppression expiry', () => {
  it('reopens a suppression that ran out, as the expiry function: a new REOPENED transition', () => {
    const decision = decideExpiry(state({ status: 'SUPPRESSED', suppressedUntil: '2026-03-01T11:59:59.999Z', reopenCount: 1 }), now);
    expect(decision).toMatchObject({
      kind: 'reopen',
      decision: {
        status: 'OPEN',
        expectedVersion: 4,
        endsSuppression: true,
        set: { statusBy: 'vigil:suppression-expiry', transition: 'REOPENED', transitionAt: now.toISOString(), reopenCount: 2 },
        history: { kind: 'suppression-expired', cause: 'expiry', actor: 'vigil:suppression-expiry', until: '2026-03-01T11:59:59.999Z', from: { status: 'SUPPRESSED' }, to: { status: 'OPEN' } },
      },
    });
  });

  it('keeps one suppressed until later, and only clears the index for one no longer suppressed', () => {
    expect(decideExpiry(state({ status: 'SUPPRESSED', suppressedUntil: '2026-03-02T00:00:00.000Z' }), now)).toEqual({ kind: 'keep' });
    expect(decideExpiry(state({ status: 'RESOLVED', suppressedUntil: '2026-02-01T00:00:00.000Z' }), now)).toEqual({ kind: 'clear', id: 'a'.repeat(32), expectedVersion: 4 });
  });
});
