import type { FindingContext } from '../../core/notify/ports.js';
import type { NotifiableFinding } from '../../core/notify/types.js';
import type { Directory } from '../../core/routing/directory.js';

/** The detail reader of the findings store (`DynamoFindingStore.getDetail`). */
export interface DetailReader {
  getDetail(id: string): Promise<{ consoleUrl?: string; resourceTags?: Record<string, string> } | undefined>;
}

/**
 * What a message shows beyond the finding item: the source's console link from the
 * detail item, and the account's name from the organization directory. Both are cached
 * for the invocation's batch (a finding's detail is read once even when several of its
 * transitions are in one batch).
 */
export function findingContext(details: DetailReader, directory?: Directory): FindingContext & { resourceTags(id: string): Promise<Record<string, string> | undefined> } {
  const detailCache = new Map<string, Promise<Awaited<ReturnType<DetailReader['getDetail']>>>>();
  const detail = (id: string) => {
    let hit = detailCache.get(id);
    if (!hit) {
      hit = details.getDetail(id);
      detailCache.set(id, hit);
      if (detailCache.size > 500) detailCache.delete(detailCache.keys().next().value!);
    }
    return hit;
  };
  return {
    consoleUrl: async (f: NotifiableFinding) => (await detail(f.id))?.consoleUrl || undefined,
    resourceTags: async (id: string) => (await detail(id))?.resourceTags,
    accountName: async (accountId: string) => (directory ? (await directory.getAccount(accountId))?.name : undefined),
  };
}
