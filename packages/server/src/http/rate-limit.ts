// Fixed-window request counters shared by every server on the database, so a limit holds however
// many servers a client spreads its calls over: in PostgreSQL (http_rate_limits) by default, in
// Redis when REDIS_URL is set (faster; PostgreSQL takes over when Redis fails). Limiter trouble
// never fails a request: the last resort is per-server memory, logged once.
import type { Redis } from 'ioredis';
import type { Db } from '../db/index.ts';
import * as store from './rate-limit.store.ts';

export type Hit = { ok: boolean; remaining: number; retryAfterS: number };
export type RateLimiter = {
  hit(key: string, limit: number, windowMs: number): Promise<Hit> | Hit;
  /** The count in the current window without adding to it (for limits on failures only). */
  peek(key: string): Promise<number> | number;
  close(): Promise<void>;
};

export function createMemoryLimiter(): RateLimiter {
  const windows = new Map<string, { count: number; resetAt: number }>();
  let lastSweep = Date.now();
  return {
    hit(key, limit, windowMs) {
      const now = Date.now();
      if (windows.size > 100_000 && now - lastSweep > 1000) {
        lastSweep = now;
        for (const [k, w] of windows) if (w.resetAt <= now) windows.delete(k);
      }
      let w = windows.get(key);
      if (!w || w.resetAt <= now) {
        w = { count: 0, resetAt: now + windowMs };
        windows.set(key, w);
      }
      w.count++;
      return { ok: w.count <= limit, remaining: Math.max(0, limit - w.count), retryAfterS: Math.max(1, Math.ceil((w.resetAt - now) / 1000)) };
    },
    peek(key) {
      const w = windows.get(key);
      return w && w.resetAt > Date.now() ? w.count : 0;
    },
    async close() {
      windows.clear();
    },
  };
}

const SCRIPT = `local c = redis.call('INCR', KEYS[1])
if c == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {c, redis.call('PTTL', KEYS[1])}`;

type Log = { warn(obj: object, msg: string): void };

/**
 * Calls `run` with every request queued while the previous call was in flight: one statement at a
 * time per server however many requests wait, so a busy key costs a round trip per batch, not per
 * request, and its row is never contended by more than one statement per server.
 */
function coalesce<I, O>(run: (items: I[]) => Promise<O[]>): (item: I) => Promise<O> {
  let queue: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  let running = false;
  const flush = async () => {
    if (running || queue.length === 0) return;
    running = true;
    const batch = queue;
    queue = [];
    try {
      const out = await run(batch.map((b) => b.item));
      batch.forEach((b, i) => b.resolve(out[i]!));
    } catch (err) {
      for (const b of batch) b.reject(err);
    } finally {
      running = false;
      void flush();
    }
  };
  return (item) =>
    new Promise<O>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      void flush();
    });
}

/**
 * Counters in PostgreSQL: one upsert per batch of hits (see coalesce), exact across servers — the
 * n hits of a key in one batch take the n consecutive counts the upsert added, in arrival order.
 */
export function createPgLimiter(db: Db, log: Log, opts: { sweepMs?: number } = {}): RateLimiter {
  const fallback = createMemoryLimiter();
  let warned = false;
  const degrade = (err: unknown) => {
    if (!warned) {
      warned = true;
      log.warn({ err }, 'PostgreSQL rate limiter unavailable; using per-server counters');
    }
  };
  const hits = coalesce(async (items: { key: string; limit: number; windowMs: number }[]): Promise<Hit[]> => {
    const perKey = new Map<string, { key: string; n: number; windowMs: number }>();
    const position: number[] = [];
    for (const i of items) {
      let k = perKey.get(i.key);
      if (!k) perKey.set(i.key, (k = { key: i.key, n: 0, windowMs: i.windowMs }));
      position.push(k.n++);
    }
    const counts = await store.addHits(db, [...perKey.values()]);
    return items.map((i, idx) => {
      const r = counts.get(i.key)!;
      const count = r.count - perKey.get(i.key)!.n + position[idx]! + 1;
      return { ok: count <= i.limit, remaining: Math.max(0, i.limit - count), retryAfterS: Math.max(1, Math.ceil((r.msLeft > 0 ? r.msLeft : i.windowMs) / 1000)) };
    });
  });
  const peeks = coalesce(async (keys: string[]): Promise<number[]> => {
    const counts = await store.counts(db, [...new Set(keys)]);
    return keys.map((k) => counts.get(k) ?? 0);
  });
  const sweeper = setInterval(() => void store.sweep(db).catch(() => undefined), opts.sweepMs ?? 60_000).unref();
  return {
    async hit(key, limit, windowMs) {
      try {
        return await hits({ key, limit, windowMs });
      } catch (err) {
        degrade(err);
        return fallback.hit(key, limit, windowMs);
      }
    },
    async peek(key) {
      try {
        return await peeks(key);
      } catch (err) {
        degrade(err);
        return fallback.peek(key);
      }
    },
    async close() {
      clearInterval(sweeper);
      await fallback.close();
    },
  };
}

/** Counters in Redis; `fallback` (PostgreSQL's, in the app) answers while Redis is unavailable. */
export function createRedisLimiter(redis: Redis, log: Log, fallback: RateLimiter = createMemoryLimiter()): RateLimiter {
  let warned = false;
  return {
    async hit(key, limit, windowMs) {
      try {
        const [count, pttl] = (await redis.eval(SCRIPT, 1, `canyu:rl:${key}`, String(windowMs))) as [number, number];
        return { ok: count <= limit, remaining: Math.max(0, limit - count), retryAfterS: Math.max(1, Math.ceil((pttl > 0 ? pttl : windowMs) / 1000)) };
      } catch (err) {
        if (!warned) {
          warned = true;
          log.warn({ err }, 'Redis rate limiter unavailable; using the fallback counters');
        }
        return fallback.hit(key, limit, windowMs);
      }
    },
    async peek(key) {
      try {
        return Number((await redis.get(`canyu:rl:${key}`)) ?? 0);
      } catch {
        return fallback.peek(key);
      }
    },
    async close() {
      redis.disconnect();
      await fallback.close();
    },
  };
}
