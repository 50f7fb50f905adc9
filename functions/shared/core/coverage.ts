import type { DirectoryAccount } from './routing/directory.js';

/** The last heartbeat heard from one account's forwarder in one Region. */
export interface HeartbeatRecord {
  accountId: string;
  region: string;
  lastHeartbeat: string;
}

/** An account and Region Vigil does not hear from: its events may be missing too. */
export interface CoverageGap {
  accountId: string;
  accountName: string;
  region: string;
  /** `never-started`: no heartbeat ever; `stopped`: none for longer than allowed. */
  gap: 'never-started' | 'stopped';
  lastHeartbeat?: string;
  silentForMinutes?: number;
}

/**
 * Which active accounts of the organization, in which of the expected Regions, have not
 * sent a heartbeat within `maxSilenceMs` (an account whose forwarder stack failed, was
 * deleted, or was never deployed). Accounts that left the organization or are
 * suspended are not expected to send.
 */
export function coverageGaps(input: {
  accounts: ReadonlyArray<Pick<DirectoryAccount, 'id' | 'name' | 'status'>>;
  regions: readonly string[];
  heartbeats: readonly HeartbeatRecord[];
  now: Date;
  maxSilenceMs: number;
}): CoverageGap[] {
  const last = new Map(input.heartbeats.map((h) => [`${h.accountId}#${h.region}`, h.lastHeartbeat]));
  const gaps: CoverageGap[] = [];
  for (const account of input.accounts) {
    if (account.status !== 'ACTIVE') continue;
    for (const region of input.regions) {
      const heard = last.get(`${account.id}#${region}`);
      if (heard === undefined) {
        gaps.push({ accountId: account.id, accountName: account.name, region, gap: 'never-started' });
        continue;
      }
      const silentMs = input.now.getTime() - Date.parse(heard);
      if (silentMs > input.maxSilenceMs) {
        gaps.push({ accountId: account.id, accountName: account.name, region, gap: 'stopped', lastHeartbeat: heard, silentForMinutes: Math.floor(silentMs / 60_000) });
      }
    }
  }
  return gaps.sort((a, b) => a.accountId.localeCompare(b.accountId) || a.region.localeCompare(b.region));
}
