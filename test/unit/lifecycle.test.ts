import { describe, expect, it } from 'vitest';
import type { Observation } from '../../functions/shared/core/finding.js';
import { compareKeys, DEFAULT_FOLD_OPTIONS, detailTag, fold, type Decision, type FindingState, type FoldOptions } from '../../functions/shared/core/lifecycle.js';

const options: FoldOptions = { ...DEFAULT_FOLD_OPTIONS, ownership: { team: 'payments', routedBy: 'default' } };

function observation(overrides: Partial<Observation> = {}): Observation {
  return {
    id: 'f1',
    source: 'aws.guardduty',
    ocsfClass: 'Detection Finding',
    rule: 'Recon:EC2/PortProbeUnprotectedPort',
    accountId: '111111111111',
    region: 'eu-west-1',
    severity: 'LOW',
    status: 'OPEN',
    title: 'Unprotected port probed',
    description: 'probe',
    resource: { type: 'Instance', id: 'i-1' },
    observedAt: '2026-01-01T00:00:00.000Z',
    sourceId: 'gd-1',
    consoleUrl: 'https://console',
    eventId: 'e1',
    ...overrides,
  };
}

/** Applies decisions the way the store does: state only moves on writes. */
function run(observations: Observation[], start?: FindingState): { state: FindingState | undefined; decisions: Decision[] } {
  let state = start;
  const decisions: Decision[] = [];
  for (const o of observations) {
    const d = fold(state, o, options);
    decisions.push(d);
    if (d.kind !== 'noop') state = d.next;
  }
  return { state, decisions };
}

const at = (hours: number) => new Date(Date.parse('2026-01-01T00:00:00.000Z') + hours * 3_600_000).toISOString();

describe('lifecycle: fold', () => {
  it('creates an OPEN finding with its owner and an "opened" history entry', () => {
    const d = fold(undefined, observation(), options);
    expect(d.kind).toBe('create');
    if (d.kind !== 'create') return;
    expect(d.next).toMatchObject({ status: 'OPEN', transition: 'OPENED', team: 'payments', routedBy: 'default', count: 1, version: 1, firstSeen: '2026-01-01T00:00:00.000Z' });
    expect(d.history).toMatchObject({ kind: 'opened', at: '2026-01-01T00:00:00.000Z', to: { status: 'OPEN', severity: 'LOW' } });
  });

  it('a replayed observation is a no-op', () => {
    const { decisions } = run([observation(), observation()]);
    expect(decisions.map((d) => d.kind)).toEqual(['create', 'noop']);
  });

  it('a re-published GuardDuty finding only raises the count (touch, no history)', () => {
    const { state, decisions } = run([observation({ sourceCount: 1 }), observation({ observedAt: at(6), sourceCount: 4 })]);
    expect(decisions.map((d) => d.kind)).toEqual(['create', 'touch']);
    expect(state).toMatchObject({ count: 4, lastSeen: at(6), status: 'OPEN', transition: 'OPENED' });
    // Within a day the index keeps its old position: no index write.
    expect(state?.lastSeenIdx).toBe(at(0));
  });

  it('refreshes the index position once a day of repeats has passed', () => {
    const { state } = run([observation(), observation({ observedAt: at(12) }), observation({ observedAt: at(25) })]);
    expect(state?.lastSeenIdx).toBe(at(25));
    expect(state?.count).toBe(3);
  });

  it('resolves, then reopens the same record', () => {
    const { state, decisions } = run([observation(), observation({ observedAt: at(1), status: 'RESOLVED' }), observation({ observedAt: at(2) })]);
    expect(decisions.map((d) => (d.kind === 'noop' ? 'noop' : d.next.transition))).toEqual(['OPENED', 'RESOLVED', 'REOPENED']);
    expect(state).toMatchObject({ status: 'OPEN', reopenCount: 1, id: 'f1' });
  });

  it('writes the detail on creation and on a transition that changes its text, never on one that does not', () => {
    // Prepare: the same text resolves the finding; new text reopens it
    const steps = [observation(), observation({ observedAt: at(1), status: 'RESOLVED' }), observation({ observedAt: at(2), description: 'probed again, from elsewhere' })];
    // Act
    const { state, decisions } = run(steps);
    // Assess
    expect(decisions.map((d) => d.kind)).toEqual(['create', 'change', 'change']);
    expect(decisions.map((d) => (d.kind === 'create' || d.kind === 'change' ? d.detail?.description : undefined))).toEqual(['probe', undefined, 'probed again, from elsewhere']);
    expect(state?.detailTag).toBe(detailTag({ id: 'f1', description: 'probed again, from elsewhere', consoleUrl: 'https://console', sourceId: 'gd-1' }));
  });

  it('writes the detail of a finding stored before it carried a detail tag on its next transition', () => {
    const { state } = run([observation()]);
    const { detailTag: _tag, ...untagged } = state!;
    const d = fold(untagged, observation({ observedAt: at(1), status: 'RESOLVED' }), options);
    expect(d.kind === 'change' ? d.detail?.description : 'no change').toBe('probe');
  });

  it('escalates when severity rises and records what changed', () => {
    const { decisions } = run([observation(), observation({ observedAt: at(1), severity: 'HIGH' })]);
    const d = decisions[1]!;
    expect(d.kind).toBe('change');
    if (d.kind !== 'change') return;
    expect(d.next.transition).toBe('ESCALATED');
    expect(d.history).toMatchObject({ kind: 'escalated', from: { severity: 'LOW' }, to: { severity: 'HIGH' }, changes: ['severity'] });
  });

  it('an older observation never regresses state but is kept as history', () => {
    const { state, decisions } = run([observation(), observation({ observedAt: at(2), status: 'RESOLVED' }), observation({ observedAt: at(1), status: 'OPEN', eventId: 'late' })]);
    expect(state).toMatchObject({ status: 'RESOLVED', lastSeen: at(2), count: 3 });
    const late = decisions[2]!;
    expect(late.kind).toBe('change');
    if (late.kind === 'change') expect(late.history).toMatchObject({ kind: 'late-observation', at: at(1), eventId: 'late' });
  });

  it('keeps a person\'s state (ACKNOWLEDGED) when the source repeats "open"', () => {
    const created = fold(undefined, observation(), options);
    if (created.kind !== 'create') throw new Error('expected create');
    const acknowledged: FindingState = { ...created.next, status: 'ACKNOWLEDGED' };
    const d = fold(acknowledged, observation({ observedAt: at(1) }), options);
    expect(d.kind).toBe('touch');
    if (d.kind === 'touch') expect(d.next.status).toBe('ACKNOWLEDGED');
  });

  it('does not create a record for the resolution of a finding never seen', () => {
    expect(fold(undefined, observation({ status: 'RESOLVED', createIfMissing: false }), options)).toEqual({ kind: 'noop', reason: 'resolution-of-unknown-finding' });
  });

  it('any order of the same observations ends in the same finding', () => {
    const stream = [
      observation({ observedAt: at(0) }),
      observation({ observedAt: at(1), severity: 'MEDIUM' }),
      observation({ observedAt: at(2), status: 'RESOLVED' }),
      observation({ observedAt: at(3) }),
      observation({ observedAt: at(4), severity: 'HIGH', title: 'Probe, now worse' }),
      observation({ observedAt: at(5) , severity: 'HIGH', title: 'Probe, now worse' }),
    ];
    const pick = (s: FindingState | undefined) => s && { status: s.status, severity: s.severity, title: s.title, firstSeen: s.firstSeen, lastSeen: s.lastSeen, count: s.count };
    const expected = pick(run(stream).state);
    expect(expected).toEqual({ status: 'OPEN', severity: 'HIGH', title: 'Probe, now worse', firstSeen: at(0), lastSeen: at(5), count: 6 });
    const orders = [[5, 4, 3, 2, 1, 0], [2, 0, 5, 1, 3, 4], [3, 5, 0, 4, 2, 1], [1, 3, 5, 0, 2, 4]];
    for (const order of orders) expect(pick(run(order.map((i) => stream[i]!)).state), order.join(',')).toEqual(expected);
  });

  it('forgets nothing inside its window and refuses to guess beyond it', () => {
    const small: FoldOptions = { ...options, recentWindow: 3 };
    let state: FindingState | undefined;
    for (let h = 0; h < 5; h++) {
      const d = fold(state, observation({ observedAt: at(h) }), small);
      if (d.kind !== 'noop') state = d.next;
    }
    expect(state?.recent).toHaveLength(3);
    expect(fold(state, observation({ observedAt: at(4) }), small)).toEqual({ kind: 'noop', reason: 'duplicate' });
    expect(fold(state, observation({ observedAt: at(0) }), small)).toEqual({ kind: 'noop', reason: 'late-beyond-window' });
  });

  it('merges repeats within the merge window and reopens after a longer quiet (CloudTrail detections)', () => {
    const day = 86_400_000;
    const created = fold(undefined, observation({ source: 'aws.cloudtrail', mergeWindowMs: day }), options);
    if (created.kind !== 'create') throw new Error('expected create');
    const notified: FindingState = { ...created.next, status: 'NOTIFIED' };
    const within = fold(notified, observation({ source: 'aws.cloudtrail', mergeWindowMs: day, observedAt: at(20) }), options);
    expect(within.kind).toBe('touch');
    if (within.kind !== 'touch') return;
    expect(within.next).toMatchObject({ status: 'NOTIFIED', count: 2 });
    const after = fold(within.next, observation({ source: 'aws.cloudtrail', mergeWindowMs: day, observedAt: at(20 + 25) }), options);
    expect(after.kind).toBe('change');
    if (after.kind !== 'change') return;
    expect(after.next).toMatchObject({ status: 'OPEN', transition: 'REOPENED', count: 3 });
    expect(after.history).toMatchObject({ kind: 'reopened', changes: ['recurred after the merge window'] });
  });
});

describe('compareKeys', () => {
  /** The order observation keys must have: by time (base-36 milliseconds, signed), then by tag. */
  function reference(a: string, b: string): number {
    const [at = '', atag = ''] = a.split('.');
    const [bt = '', btag = ''] = b.split('.');
    const dt = parseInt(at, 36) - parseInt(bt, 36);
    if (dt !== 0) return Math.sign(dt);
    return atag < btag ? -1 : atag > btag ? 1 : 0;
  }

  it('orders keys by time, then tag, across lengths and signs', () => {
    const times = [-62135596800000, -1, 0, 1, 35, 36, 1295, 1296, 1700000000000, 1791244800000, 253402300799000];
    const keys = times.flatMap((t) => ['0000', '00ff', 'ffff'].map((tag) => `${t.toString(36)}.${tag}`));
    for (const a of keys) for (const b of keys) expect(Math.sign(compareKeys(a, b)), `${a} vs ${b}`).toBe(reference(a, b));
  });
});
