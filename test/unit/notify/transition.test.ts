import { describe, expect, it } from 'vitest';
import { deriveNotification } from '../../../functions/shared/core/notify/transition.js';
import { finding, findingItem } from '../../support/notify-fakes.js';

const item = (overrides: Parameters<typeof finding>[0] = {}) => findingItem(finding(overrides));

describe('notify: transition from stream images', () => {
  it('a new OPEN finding is OPENED, with no previous state', () => {
    // Act
    const d = deriveNotification(undefined, item());
    // Assess
    expect(d).toMatchObject({ kind: 'notify', event: { kind: 'OPENED', at: '2026-01-05T09:00:00.000Z' } });
    expect(d.kind === 'notify' && d.event.previous).toBeUndefined();
  });

  it('a touch (newer lastSeen and count, same transition) announces nothing', () => {
    const old = item();
    const next = item({ lastSeen: '2026-01-05T15:00:00.000Z', count: 4, version: 2 });
    expect(deriveNotification(old, next)).toEqual({ kind: 'skip', reason: 'no-transition' });
  });

  it("the notifier's own OPEN → NOTIFIED announces nothing", () => {
    expect(deriveNotification(item(), item({ status: 'NOTIFIED', version: 2, statusAt: '2026-01-05T09:00:02.000Z' }))).toEqual({ kind: 'skip', reason: 'no-transition' });
  });

  it.each([
    ['ESCALATED', { severity: 'CRITICAL', transition: 'ESCALATED', transitionAt: '2026-01-06T00:00:00.000Z', version: 3 }, { status: 'NOTIFIED', severity: 'HIGH' }],
    ['RESOLVED', { status: 'RESOLVED', transition: 'RESOLVED', transitionAt: '2026-01-06T00:00:00.000Z', version: 3 }, { status: 'NOTIFIED', severity: 'HIGH' }],
  ] as const)('a new %s transition is announced with the state before it', (kind, next, previous) => {
    const d = deriveNotification(item({ status: 'NOTIFIED', version: 2 }), item(next));
    expect(d).toMatchObject({ kind: 'notify', event: { kind, previous } });
  });

  it('REOPENED after RESOLVED is announced; a second ESCALATED (new transitionAt) too', () => {
    const resolved = item({ status: 'RESOLVED', transition: 'RESOLVED', transitionAt: '2026-01-06T00:00:00.000Z', version: 3 });
    const reopened = item({ status: 'OPEN', transition: 'REOPENED', transitionAt: '2026-01-07T00:00:00.000Z', version: 4, reopenCount: 1 });
    expect(deriveNotification(resolved, reopened)).toMatchObject({ kind: 'notify', event: { kind: 'REOPENED' } });
    const escalated = item({ transition: 'ESCALATED', transitionAt: '2026-01-08T00:00:00.000Z', version: 5 });
    const again = item({ severity: 'CRITICAL', transition: 'ESCALATED', transitionAt: '2026-01-09T00:00:00.000Z', version: 6 });
    expect(deriveNotification(escalated, again)).toMatchObject({ kind: 'notify', event: { kind: 'ESCALATED' } });
  });

  it('UPDATED and DEESCALATED are history only', () => {
    expect(deriveNotification(item(), item({ transition: 'UPDATED', transitionAt: '2026-01-06T00:00:00.000Z', version: 2 }))).toEqual({ kind: 'skip', reason: 'transition-not-announced' });
    expect(deriveNotification(item(), item({ severity: 'LOW', transition: 'DEESCALATED', transitionAt: '2026-01-06T00:00:00.000Z', version: 2 }))).toEqual({ kind: 'skip', reason: 'transition-not-announced' });
  });

  it('a person suppressing a finding is SUPPRESSED at the time of the action', () => {
    const d = deriveNotification(item({ status: 'NOTIFIED', version: 2 }), item({ status: 'SUPPRESSED', version: 3, statusAt: '2026-01-05T10:00:00.000Z', statusBy: 'slack:U1', statusReason: 'test account', suppressedUntil: '2026-01-12T10:00:00.000Z' }));
    expect(d).toMatchObject({ kind: 'notify', event: { kind: 'SUPPRESSED', at: '2026-01-05T10:00:00.000Z', previous: { status: 'NOTIFIED' } } });
  });

  it('a reopening into a configured suppression is a REOPENED (planning holds it back), not a SUPPRESSED', () => {
    const resolved = item({ status: 'RESOLVED', transition: 'RESOLVED', transitionAt: '2026-01-06T00:00:00.000Z', version: 3 });
    const reopened = item({ status: 'SUPPRESSED', suppressedBy: 'config:sandbox', transition: 'REOPENED', transitionAt: '2026-01-07T00:00:00.000Z', version: 4, reopenCount: 1 });
    expect(deriveNotification(resolved, reopened)).toMatchObject({ kind: 'notify', event: { kind: 'REOPENED', finding: { suppressedBy: 'config:sandbox' } } });
  });

  it('skips, with a reason, what is not a finding or not a change', () => {
    expect(deriveNotification(item(), undefined)).toEqual({ kind: 'skip', reason: 'removed' });
    expect(deriveNotification(undefined, { pk: 'F#x', sk: 'H#2026-01-05T09:00:00.000Z#opened', kind: 'opened' })).toEqual({ kind: 'skip', reason: 'not-a-finding' });
    expect(deriveNotification(undefined, { pk: 'Q#2026-01-05#3', sk: 'x', reason: 'not-json' })).toEqual({ kind: 'skip', reason: 'not-a-finding' });
    expect(deriveNotification(undefined, { pk: 'DIR', sk: 'A#111122223333' })).toEqual({ kind: 'skip', reason: 'not-a-finding' });
    expect(deriveNotification(undefined, { pk: 'F#x', sk: 'F', id: 'x' })).toEqual({ kind: 'skip', reason: 'malformed-finding' });
    expect(deriveNotification(undefined, item({ status: 'RESOLVED', transition: 'RESOLVED' }))).toEqual({ kind: 'skip', reason: 'created-resolved' });
    expect(deriveNotification(item({ version: 3 }), item({ version: 2, transitionAt: '2026-01-01T00:00:00.000Z' }))).toEqual({ kind: 'skip', reason: 'stale-image' });
  });
});
