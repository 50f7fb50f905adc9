import { describe, expect, it } from 'vitest';
import { burstWindow, decideBurst, decideFlap, type FlapState } from '../../../functions/shared/core/notify/noise.js';

const at = (minutes: number) => new Date(Date.parse('2026-01-05T09:00:00.000Z') + minutes * 60_000).toISOString();
const options = { windowMs: 60 * 60_000, threshold: 4 };

/** Runs open/resolve changes through decideFlap as the notifier does (state saved after each). */
function flap(changes: Array<[kind: 'OPENED' | 'REOPENED' | 'RESOLVED' | 'ESCALATED', minute: number]>, start?: FlapState) {
  let state = start;
  return changes.map(([kind, minute]) => {
    const d = decideFlap(state, kind, at(minute), options);
    state = d.state;
    return d.action;
  });
}

describe('notify: flapping', () => {
  it('announces each change up to the threshold, then one summary, then mutes', () => {
    const actions = flap([
      ['OPENED', 0],
      ['RESOLVED', 5],
      ['REOPENED', 10],
      ['RESOLVED', 15],
      ['REOPENED', 20],
      ['RESOLVED', 25],
      ['REOPENED', 30],
    ]);
    expect(actions).toEqual(['send', 'send', 'send', 'send', 'summarize', 'mute', 'mute']);
  });

  it('changes spread wider than the window are not flapping', () => {
    expect(flap([['OPENED', 0], ['RESOLVED', 70], ['REOPENED', 140], ['RESOLVED', 210], ['REOPENED', 280], ['RESOLVED', 350]])).toEqual(Array(6).fill('send'));
  });

  it('a steady flapper gets one summary per window, not one per change', () => {
    const changes: Array<['REOPENED' | 'RESOLVED', number]> = Array.from({ length: 30 }, (_, i) => [i % 2 ? 'RESOLVED' : 'REOPENED', i * 5]);
    const actions = flap(changes);
    expect(actions.filter((a) => a === 'summarize')).toHaveLength(3); // minutes 20, 80, 140
    expect(actions.filter((a) => a === 'send')).toHaveLength(4);
  });

  it('escalations are always announced and do not count as flips', () => {
    expect(flap([['OPENED', 0], ['ESCALATED', 1], ['ESCALATED', 2], ['ESCALATED', 3], ['ESCALATED', 4], ['ESCALATED', 5]])).toEqual(Array(6).fill('send'));
  });

  it('recording the same change twice (a replay or a retry) decides the same', () => {
    const first = decideFlap(undefined, 'OPENED', at(0), options);
    expect(decideFlap(first.state, 'OPENED', at(0), options)).toEqual(first);
    // a retried summary is summarized again, not muted
    const state: FlapState = { changes: [at(0), at(5), at(10), at(15)] };
    const summary = decideFlap(state, 'REOPENED', at(20), options);
    expect(summary.action).toBe('summarize');
    expect(decideFlap(summary.state, 'REOPENED', at(20), options).action).toBe('summarize');
  });
});

describe('notify: burst roll-up', () => {
  it('sends up to the threshold one by one, then rolls up', () => {
    const decisions = Array.from({ length: 25 }, (_, i) => decideBurst(i + 1, { windowMs: 300_000, threshold: 20 }));
    expect(decisions.filter((d) => d === 'send')).toHaveLength(20);
    expect(decisions.slice(20)).toEqual(Array(5).fill('roll-up'));
  });

  it('windows are fixed and aligned: every instance of the function agrees on them', () => {
    expect(burstWindow(new Date('2026-01-05T09:03:59.000Z'), { windowMs: 300_000, threshold: 20 })).toEqual({ start: '2026-01-05T09:00:00.000Z', end: '2026-01-05T09:05:00.000Z' });
    expect(burstWindow(new Date('2026-01-05T09:05:00.000Z'), { windowMs: 300_000, threshold: 20 }).start).toBe('2026-01-05T09:05:00.000Z');
  });
});
