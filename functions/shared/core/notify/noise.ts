import type { NotificationKind } from './types.js';

export interface FlapOptions {
  /** How far back open/resolve changes count. */
  windowMs: number;
  /** Changes within the window that are still announced one by one. */
  threshold: number;
}

export interface BurstOptions {
  /** Length of a team's counting window (fixed windows, aligned to the epoch). */
  windowMs: number;
  /** Messages per team and window sent one by one; the next becomes one roll-up. */
  threshold: number;
}

export const DEFAULT_FLAP: FlapOptions = { windowMs: 60 * 60 * 1000, threshold: 4 };
export const DEFAULT_BURST: BurstOptions = { windowMs: 5 * 60 * 1000, threshold: 20 };

/** What the notifier remembers of one finding's open/resolve changes. */
export interface FlapState {
  /** Times of recent OPENED / REOPENED / RESOLVED changes, oldest first, within the window. */
  changes: string[];
  /** When the last flapping summary went out. */
  summarizedAt?: string;
}

export type FlapDecision = { action: 'send' | 'summarize' | 'mute'; changes: number; state: FlapState };

const FLIPS: ReadonlySet<NotificationKind> = new Set(['OPENED', 'REOPENED', 'RESOLVED']);

/**
 * Flapping: a finding opened and resolved over and over within a window is announced one
 * change at a time up to `threshold` changes; the next change sends one summary instead,
 * and later ones are muted until the window has been quiet (a summary at most once per
 * window while it goes on). Times are the changes' own (transitionAt), so a replay
 * decides the same, and recording a change twice counts it once.
 */
export function decideFlap(state: FlapState | undefined, kind: NotificationKind, at: string, options: FlapOptions = DEFAULT_FLAP): FlapDecision {
  const current: FlapState = state ?? { changes: [] };
  if (!FLIPS.has(kind)) return { action: 'send', changes: current.changes.length, state: current };
  const since = Date.parse(at) - options.windowMs;
  const changes = [...new Set([...current.changes, at])].filter((t) => Date.parse(t) > since).sort();
  const next: FlapState = { changes, ...(current.summarizedAt ? { summarizedAt: current.summarizedAt } : {}) };
  if (changes.length <= options.threshold) return { action: 'send', changes: changes.length, state: next };
  // The summary of this very change (a retry after a failed send) is summarized again.
  const summarizedRecently = current.summarizedAt !== undefined && current.summarizedAt !== at && Date.parse(at) - Date.parse(current.summarizedAt) < options.windowMs;
  if (summarizedRecently) return { action: 'mute', changes: changes.length, state: next };
  return { action: 'summarize', changes: changes.length, state: { ...next, summarizedAt: at } };
}

/** The start of the burst window holding `now`. */
export function burstWindow(now: Date, options: BurstOptions = DEFAULT_BURST): { start: string; end: string } {
  const start = Math.floor(now.getTime() / options.windowMs) * options.windowMs;
  return { start: new Date(start).toISOString(), end: new Date(start + options.windowMs).toISOString() };
}

/**
 * Burst roll-up: given this message's place in its team's window (1 for the first),
 * send it on its own, or leave it to the window's single roll-up message.
 */
export function decideBurst(slot: number, options: BurstOptions = DEFAULT_BURST): 'send' | 'roll-up' {
  return slot <= options.threshold ? 'send' : 'roll-up';
}
