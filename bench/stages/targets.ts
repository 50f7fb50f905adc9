/** The targets of the benchmark issue, checked against a run's results. */
import type { BenchResults } from './types.js';

export function evaluateTargets(r: BenchResults): BenchResults['targets'] {
  const inits = r.bundleInitMsMedian ? Object.values(r.bundleInitMsMedian).filter((v): v is number => typeof v === 'number') : [];
  const worst = inits.length ? Math.max(...inits) : null;
  return {
    costPer1MEventsUSD: {
      target: '<= 2.25',
      value: r.costPer1MEventsUSD,
      met: r.costPer1MEventsUSD === null ? null : r.costPer1MEventsUSD <= 2.25,
    },
    maxWritesPerSecondOnOneKey: {
      target: '<= 100',
      value: r.maxWritesPerSecondOnOneKey,
      met: r.maxWritesPerSecondOnOneKey === null ? null : r.maxWritesPerSecondOnOneKey <= 100,
      note: 'at 1,000 events per second (details.ingest.hotKeys)',
    },
    bundleInitMsMedian: {
      target: '<= 100 for every function',
      value: worst,
      met: worst === null ? null : worst <= 100,
      note: 'the slowest function, as deployed (--enable-source-maps)',
    },
    notificationsPer1kEvents: { target: 'set by the notifier stage', value: r.notificationsPer1kEvents, met: null, note: 'pending' },
    missedTransitions: { target: '0', value: r.missedTransitions, met: r.missedTransitions === null ? null : r.missedTransitions === 0 },
    duplicateNotifications: { target: '0', value: r.duplicateNotifications, met: r.duplicateNotifications === null ? null : r.duplicateNotifications === 0 },
    scans: { target: '0', value: r.scans, met: r.scans === null ? null : r.scans === 0 },
  };
}
