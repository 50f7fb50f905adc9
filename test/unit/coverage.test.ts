import { describe, expect, it } from 'vitest';
import { coverageGaps } from '../../functions/shared/core/coverage.js';
import type { DirectoryAccount } from '../../functions/shared/core/routing/directory.js';
import { normalizeEvent } from '../../functions/shared/core/normalizers/index.js';

const account = (id: string, status = 'ACTIVE'): DirectoryAccount => ({ id, name: `acct-${id}`, email: `${id}@example.com`, status, ouPath: '/Root', tags: {} });
const now = new Date('2026-11-21T12:00:00Z');

describe('coverage: heartbeats and gaps', () => {
  it('names accounts and Regions never heard from and those that stopped, not the ones that left', () => {
    // Prepare
    const accounts = [account('111111111111'), account('222222222222'), account('333333333333'), account('444444444444', 'SUSPENDED')];
    const heartbeats = [
      { accountId: '111111111111', region: 'eu-west-1', lastHeartbeat: '2026-11-21T11:10:00Z' },
      { accountId: '111111111111', region: 'us-east-1', lastHeartbeat: '2026-11-21T11:50:00Z' },
      { accountId: '222222222222', region: 'eu-west-1', lastHeartbeat: '2026-11-21T06:00:00Z' },
    ];
    // Act
    const gaps = coverageGaps({ accounts, regions: ['eu-west-1', 'us-east-1'], heartbeats, now, maxSilenceMs: 3 * 3_600_000 });
    // Assess
    expect(gaps).toEqual([
      { accountId: '222222222222', accountName: 'acct-222222222222', region: 'eu-west-1', gap: 'stopped', lastHeartbeat: '2026-11-21T06:00:00Z', silentForMinutes: 360 },
      { accountId: '222222222222', accountName: 'acct-222222222222', region: 'us-east-1', gap: 'never-started' },
      { accountId: '333333333333', accountName: 'acct-333333333333', region: 'eu-west-1', gap: 'never-started' },
      { accountId: '333333333333', accountName: 'acct-333333333333', region: 'us-east-1', gap: 'never-started' },
    ]);
  });

  it("reads the forwarder's schedule event as a heartbeat, and another rule's as nothing", () => {
    const scheduled = {
      version: '0',
      id: '89d1a02d-5ec7-412e-82f5-13505f849b41',
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '123456789012',
      time: '2026-11-21T11:00:00Z',
      region: 'eu-west-1',
      resources: ['arn:aws:events:eu-west-1:123456789012:rule/vigil-heartbeat'],
      detail: {},
    };
    expect(normalizeEvent(scheduled)).toEqual({ kind: 'heartbeat', heartbeat: { accountId: '123456789012', region: 'eu-west-1', at: '2026-11-21T11:00:00.000Z' } });
    expect(normalizeEvent({ ...scheduled, resources: ['arn:aws:events:eu-west-1:123456789012:rule/nightly-backup'] })).toMatchObject({ kind: 'ignored' });
  });
});
