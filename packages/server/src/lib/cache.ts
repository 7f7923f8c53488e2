// A small read-through cache for definitions read on hot paths (point types, rules, configuration,
// levels…), keyed per app. Values live `ttlMs`, so other servers' changes show within that time;
// a local change calls `delete`. Concurrent callers share one load, and a failed load is not kept.

export type LoadCache<T> = {
  get(key: string, load: () => Promise<T>, opts?: { fresh?: boolean }): Promise<T>;
  /** The loaded value if it is fresh, without waiting; undefined when it must be loaded. */
  peek(key: string): T | undefined;
  delete(key: string): void;
  /** Forgets every key. */
  clear(): void;
};

export function loadCache<T>(ttlMs: number): LoadCache<T> {
  type Entry = { at: number; value: Promise<T>; resolved?: { v: T } };
  const entries = new Map<string, Entry>();
  const fresh = (e: Entry | undefined): e is Entry => !!e && Date.now() - e.at <= ttlMs;
  return {
    get(key, load, opts) {
      const e = entries.get(key);
      if (fresh(e) && !opts?.fresh) return e.value;
      const entry: Entry = { at: Date.now(), value: load() };
      entries.set(key, entry);
      entry.value.then(
        // A load that began before a `delete` must not publish its (stale) value.
        (v) => void (entries.get(key) === entry && (entry.resolved = { v })),
        () => void (entries.get(key) === entry && entries.delete(key)),
      );
      return entry.value;
    },
    peek(key) {
      const e = entries.get(key);
      return fresh(e) ? e.resolved?.v : undefined;
    },
    delete(key) {
      entries.delete(key);
    },
    clear() {
      entries.clear();
    },
  };
}
