/**
 * A small per-key cache with a time to live, for lookups done on every ingested event (which
 * event names trigger a survey, which hashtags a campaign collects). Entries from this server's
 * own changes are dropped with `invalidate`; other servers see changes within `ttlMs`.
 */
export function ttlCache<V>(ttlMs: number, load: (key: string) => Promise<V>) {
  const entries = new Map<string, { value: V; at: number }>();
  return {
    async get(key: string): Promise<V> {
      const hit = entries.get(key);
      if (hit && Date.now() - hit.at < ttlMs) return hit.value;
      const value = await load(key);
      entries.set(key, { value, at: Date.now() });
      return value;
    },
    invalidate(key: string): void {
      entries.delete(key);
    },
  };
}
