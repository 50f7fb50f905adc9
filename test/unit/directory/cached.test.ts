import { describe, expect, it } from 'vitest';
import { CachedDirectory, DEFAULT_DIRECTORY_TTL_MS } from '../../../functions/shared/adapters/cached-directory.js';
import type { DirectoryAccount, DirectorySource } from '../../../functions/shared/core/routing/directory.js';

const ACCOUNT: DirectoryAccount = { id: '746869318262', name: 'payments-prod', email: 'p@example.com', status: 'ACTIVE', ouPath: '/Root/Workloads/Payments', tags: {} };

/** A source that counts its loads and answers when told to. */
function countingSource(accounts: DirectoryAccount[] = [ACCOUNT]) {
  const source = {
    loads: 0,
    fail: false,
    release: undefined as (() => void) | undefined,
    hold: false,
    listAccounts: async () => {
      source.loads++;
      if (source.hold) await new Promise<void>((resolve) => (source.release = resolve));
      if (source.fail) throw new Error('directory unavailable');
      return accounts;
    },
  };
  return source satisfies DirectorySource;
}

describe('directory: CachedDirectory', () => {
  it('loads once and answers from memory until the TTL (5 minutes by default) has passed', async () => {
    // Prepare
    const source = countingSource();
    let now = 1_000;
    const directory = new CachedDirectory(source, { now: () => now });

    // Act / Assess
    expect(await directory.getAccount('746869318262')).toEqual(ACCOUNT);
    now += DEFAULT_DIRECTORY_TTL_MS - 1;
    expect(await directory.getAccount('746869318262')).toEqual(ACCOUNT);
    expect(await directory.getAccount('111111111111')).toBeUndefined();
    expect(await directory.listAccounts()).toEqual([ACCOUNT]);
    expect(source.loads).toBe(1);
    now += 1;
    await directory.getAccount('746869318262');
    expect(source.loads).toBe(2);
  });

  it('shares one load between concurrent first calls', async () => {
    // Prepare
    const source = countingSource();
    source.hold = true;
    const directory = new CachedDirectory(source);

    // Act
    const pending = Promise.all(Array.from({ length: 50 }, () => directory.getAccount('746869318262')));
    await Promise.resolve();
    source.release?.();
    const results = await pending;

    // Assess
    expect(source.loads).toBe(1);
    expect(results.every((a) => a?.id === '746869318262')).toBe(true);
  });

  it('does not cache a failed load: its callers see the error, the next call loads again', async () => {
    // Prepare
    const source = countingSource();
    source.fail = true;
    const directory = new CachedDirectory(source);

    // Act / Assess
    await expect(directory.getAccount('746869318262')).rejects.toThrow('directory unavailable');
    source.fail = false;
    expect(await directory.getAccount('746869318262')).toEqual(ACCOUNT);
    expect(source.loads).toBe(2);
  });

  it('loads again after invalidate, and honours a custom TTL', async () => {
    const source = countingSource();
    let now = 0;
    const directory = new CachedDirectory(source, { ttlMs: 1_000, now: () => now });
    await directory.getAccount('x');
    directory.invalidate();
    await directory.getAccount('x');
    now += 1_000;
    await directory.getAccount('x');
    expect(source.loads).toBe(3);
  });
});
