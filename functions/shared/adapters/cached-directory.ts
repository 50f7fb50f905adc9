import type { Directory, DirectoryAccount, DirectorySource } from '../core/routing/directory.js';

export interface CachedDirectoryOptions {
  /** How long a loaded directory is used before it is loaded again. Default 5 minutes. */
  ttlMs?: number;
  /** Milliseconds since the epoch, injectable for tests. */
  now?: () => number;
}

export const DEFAULT_DIRECTORY_TTL_MS = 5 * 60 * 1000;

/**
 * An in-memory directory over any source (the cache table, Organizations, a file): the
 * whole listing is loaded once and kept for `ttlMs`, so routing with a warm cache makes no
 * network call. Concurrent calls while a load is in flight share that load. A failed load
 * is not cached: it rejects its callers, and the next call tries again.
 *
 * One per Lambda container (module scope), so a warm container routes from memory and a
 * directory change reaches routing within `ttlMs` of the sync.
 */
export class CachedDirectory implements Directory {
  private readonly ttlMs: number;
  private readonly now: () => number;
  private cached: { byId: Map<string, DirectoryAccount>; loadedAt: number } | undefined;
  private loading: Promise<Map<string, DirectoryAccount>> | undefined;

  public constructor(
    private readonly source: DirectorySource,
    options: CachedDirectoryOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? DEFAULT_DIRECTORY_TTL_MS;
    this.now = options.now ?? Date.now;
  }

  public async getAccount(id: string): Promise<DirectoryAccount | undefined> {
    return (await this.current()).get(id);
  }

  public async listAccounts(): Promise<DirectoryAccount[]> {
    return [...(await this.current()).values()];
  }

  /** Forgets the loaded directory: the next call loads it again. */
  public invalidate(): void {
    this.cached = undefined;
  }

  private current(): Promise<Map<string, DirectoryAccount>> | Map<string, DirectoryAccount> {
    if (this.cached && this.now() - this.cached.loadedAt < this.ttlMs) return this.cached.byId;
    this.loading ??= this.source
      .listAccounts()
      .then((accounts) => {
        const byId = new Map(accounts.map((a) => [a.id, a]));
        this.cached = { byId, loadedAt: this.now() };
        return byId;
      })
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }
}
