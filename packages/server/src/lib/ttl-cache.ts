import { loadCache } from './cache.ts';

/**
 * A per-key cache with a time to live and a fixed loader, for lookups done on every ingested event
 * (which event names trigger a survey, which hashtags a campaign collects). Concurrent misses share
 * one load (a burst of events must not become a burst of queries). Entries from this server's own
 * changes are dropped with `invalidate`; other servers see changes within `ttlMs`.
 */
export function ttlCache<V>(ttlMs: number, load: (key: string) => Promise<V>) {
  const cache = loadCache<V>(ttlMs);
  return {
    get: (key: string): Promise<V> => cache.get(key, () => load(key)),
    invalidate: (key: string): void => cache.delete(key),
  };
}
