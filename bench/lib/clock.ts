/**
 * A simulated wall clock for replaying days of event time in minutes: `new Date()` and
 * `Date.now()` read the simulated time while it is set, everything else about `Date` is
 * untouched (parsing, `new Date(x)`), and timers (setTimeout, performance.now) keep real
 * time. The notifier decides quiet hours, burst windows and ledger times from its clock;
 * replayed at wall-clock time, three days of transitions would fall into a few burst
 * windows and the time of day the bench happens to run.
 */

const RealDate = Date;
let offsetMs: number | undefined;

class SimulatedDate extends RealDate {
  public constructor(...args: unknown[]) {
    if (args.length === 0 && offsetMs !== undefined) super(RealDate.now() + offsetMs);
    else super(...(args as [string | number | Date]));
  }

  public static override now(): number {
    return RealDate.now() + (offsetMs ?? 0);
  }
}

/** Makes the clock read `at` (epoch ms) from now on, advancing with real time from there. */
export function setSimulatedTime(at: number): void {
  offsetMs = at - RealDate.now();
  globalThis.Date = SimulatedDate as DateConstructor;
}

/** Back to the real clock. */
export function restoreRealTime(): void {
  offsetMs = undefined;
  globalThis.Date = RealDate;
}
