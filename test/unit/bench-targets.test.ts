import { describe, expect, it } from 'vitest';
import { evaluateTargets } from '../../bench/stages/targets.js';
import type { BenchResults } from '../../bench/stages/types.js';

/** A run's results with every headline key set, and what each test changes. */
function results(overrides: Partial<BenchResults> = {}): BenchResults {
  return {
    measuredAt: '2026-12-07T00:00:00.000Z',
    command: 'test',
    machine: {},
    pending: {},
    targets: {},
    details: {},
    events: 30_000,
    costPer1MEventsUSD: 2,
    securityHubCostPer1MEventsUSD: 30,
    dynamoWriteUnitsPerEvent: 1.1,
    dynamoReadUnitsPerEvent: 0.3,
    coreCpuRatioToJsonParse: 2.5,
    transitions: 100,
    notificationsSent: 100,
    duplicateNotifications: 0,
    missedTransitions: 0,
    notificationsPer1kEvents: 20,
    naiveNotificationsPer1kEvents: 460,
    bundleInitMsMedian: { IngestFunction: 90, NotifierFunction: 95 },
    unbundledInitMsMedian: { IngestFunction: 300, NotifierFunction: 380 },
    queryReadUnitsPerPage: { 'GET /findings?team': 4.5 },
    scans: 0,
    maxWritesPerSecondOnOneKey: 80,
    e2eP99Ms: 500,
    ...overrides,
  };
}

describe('the benchmark issue targets', () => {
  it('judges every target the issue sets', () => {
    const targets = evaluateTargets(results());
    expect(Object.keys(targets).sort()).toEqual(
      ['bundleInitMsMedian', 'coreCpuRatioToJsonParse', 'costPer1MEventsUSD', 'duplicateNotifications', 'dynamoWriteUnitsPerEvent', 'e2eP99Ms', 'maxWritesPerSecondOnOneKey', 'missedTransitions', 'notificationsPer1kEvents', 'scans'].sort(),
    );
    expect(Object.entries(targets).filter(([, t]) => t.met !== true)).toEqual([]);
  });

  it.each([
    ['costPer1MEventsUSD', { costPer1MEventsUSD: 2.26 }],
    ['dynamoWriteUnitsPerEvent', { dynamoWriteUnitsPerEvent: 1.21 }],
    ['coreCpuRatioToJsonParse', { coreCpuRatioToJsonParse: 3.01 }],
    ['maxWritesPerSecondOnOneKey', { maxWritesPerSecondOnOneKey: 101 }],
    ['bundleInitMsMedian', { bundleInitMsMedian: { IngestFunction: 90, NotifierFunction: 100.1 } }],
    ['notificationsPer1kEvents', { notificationsPer1kEvents: 23.1 }],
    ['missedTransitions', { missedTransitions: 1 }],
    ['duplicateNotifications', { duplicateNotifications: 1 }],
    ['scans', { scans: 1 }],
    ['e2eP99Ms', { e2eP99Ms: 1001 }],
  ] as const)('%s just past its target is a miss, and only that one', (key, change) => {
    const targets = evaluateTargets(results(change as Partial<BenchResults>));
    expect(Object.entries(targets).filter(([, t]) => t.met !== true).map(([k]) => k)).toEqual([key]);
  });

  it('a key no stage measured is neither met nor missed', () => {
    const targets = evaluateTargets(results({ coreCpuRatioToJsonParse: null, dynamoWriteUnitsPerEvent: null }));
    expect(targets.coreCpuRatioToJsonParse!.met).toBeNull();
    expect(targets.dynamoWriteUnitsPerEvent!.met).toBeNull();
  });
});
