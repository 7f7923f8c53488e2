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

// Adds ARGV[2] units; the key expires with its window (set by the call that created it).
const SCRIPT = `local n = tonumber(ARGV[2])
local c = redis.call('INCRBY', KEYS[1], n)
if c == n then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
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

/** How long a peeked count is trusted on this server (its own hits update it at once). */
const PEEK_TTL_MS = 1000;
/** A lease used up faster than this was too small: the next one doubles. */
const HOT_MS = 200;
const MAX_LEASE = 1024;

type Lease = { resetAt: number; countAt: number; granted: number; used: number; at: number; size: number };

/** Where the shared counters live: PostgreSQL (http_rate_limits) or Redis. */
type Counters = {
  /** Adds `n` to each key in its current window (a new window starts when it has ended); each key's count and ms left. */
  add(items: { key: string; n: number; windowMs: number }[]): Promise<Map<string, { count: number; msLeft: number }>>;
  /** Counts of the keys in their current windows (absent: 0). */
  counts(keys: string[]): Promise<Map<string, number>>;
};

/**
 * Counters shared by every server, exact across them and cheap on hot keys: one round trip per
 * batch of hits (see coalesce) that may also LEASE spare units of the key's window to this
 * server, so the next hits are answered from memory until the lease is used. Every unit — a hit's
 * or a leased one — is counted in the shared store first, so all servers together never admit more
 * than the limit; a server's unused units only make the others refuse a little early. Leases start
 * at one unit, double while a key stays hot, and never exceed a quarter of the window's remaining
 * headroom, so a limit that is nearly used is counted one by one. The n hits of a key in one batch
 * take the first n of the units added, in arrival order. A peek is answered from memory for a
 * second, kept current by this server's own hits. When the store fails, `fallback` answers.
 */
function createSharedLimiter(counters: Counters, fallback: RateLimiter, onError: (err: unknown) => void): RateLimiter {
  const leases = new Map<string, Lease>();
  const peeked = new Map<string, { count: number; until: number }>();
  const trim = (m: Map<string, unknown>) => {
    if (m.size > 100_000) m.clear();
  };

  const hits = coalesce(async (items: { key: string; limit: number; windowMs: number }[]): Promise<Hit[]> => {
    const now = Date.now();
    const perKey = new Map<string, { key: string; n: number; q: number; size: number; windowMs: number; limit: number }>();
    const position: number[] = [];
    for (const i of items) {
      let k = perKey.get(i.key);
      if (!k) perKey.set(i.key, (k = { key: i.key, n: 0, q: 0, size: 1, windowMs: i.windowMs, limit: i.limit }));
      position.push(k.q++);
    }
    for (const k of perKey.values()) {
      const prev = leases.get(k.key);
      const live = prev !== undefined && prev.resetAt > now;
      k.size = !live ? 1 : now - prev.at < HOT_MS ? Math.min(prev.size * 2, MAX_LEASE) : Math.max(1, prev.size >> 1);
      const known = live ? prev.countAt : 0;
      k.n = Math.max(k.q, Math.min(k.size, Math.max(1, Math.floor((k.limit - known) / 4))));
    }
    const counts = await counters.add([...perKey.values()]);
    const at = Date.now();
    for (const k of perKey.values()) {
      const r = counts.get(k.key)!;
      const first = r.count - k.n; // units first+1 .. r.count were added by this call
      const granted = Math.max(0, Math.min(k.n, k.limit - first) - k.q);
      trim(leases);
      leases.set(k.key, { resetAt: at + (r.msLeft > 0 ? r.msLeft : k.windowMs), countAt: r.count, granted, used: 0, at, size: k.size });
      trim(peeked);
      peeked.set(k.key, { count: first + k.q, until: at + PEEK_TTL_MS });
    }
    return items.map((i, idx) => {
      const k = perKey.get(i.key)!;
      const r = counts.get(i.key)!;
      const count = r.count - k.n + position[idx]! + 1;
      return { ok: count <= i.limit, remaining: Math.max(0, i.limit - count), retryAfterS: Math.max(1, Math.ceil((r.msLeft > 0 ? r.msLeft : i.windowMs) / 1000)) };
    });
  });
  const peeks = coalesce(async (keys: string[]): Promise<number[]> => {
    const counts = await counters.counts([...new Set(keys)]);
    const until = Date.now() + PEEK_TTL_MS;
    trim(peeked);
    for (const k of keys) peeked.set(k, { count: counts.get(k) ?? 0, until });
    return keys.map((k) => counts.get(k) ?? 0);
  });
  return {
    hit(key, limit, windowMs) {
      const now = Date.now();
      const l = leases.get(key);
      if (l !== undefined && l.resetAt > now && l.used < l.granted) {
        l.used++;
        const count = l.countAt - (l.granted - l.used);
        const p = peeked.get(key);
        if (p) p.count = Math.max(p.count, count);
        return { ok: true, remaining: Math.max(0, limit - count), retryAfterS: Math.max(1, Math.ceil((l.resetAt - now) / 1000)) };
      }
      return hits({ key, limit, windowMs }).catch((err: unknown) => {
        onError(err);
        return fallback.hit(key, limit, windowMs);
      });
    },
    peek(key) {
      const p = peeked.get(key);
      if (p !== undefined && p.until > Date.now()) return p.count;
      return peeks(key).catch((err: unknown) => {
        onError(err);
        return fallback.peek(key);
      });
    },
    async close() {
      leases.clear();
      peeked.clear();
      await fallback.close();
    },
  };
}

/** Counters in PostgreSQL (http_rate_limits); per-server memory when PostgreSQL fails. */
export function createPgLimiter(db: Db, log: Log, opts: { sweepMs?: number } = {}): RateLimiter {
  let warned = false;
  const shared = createSharedLimiter({ add: (items) => store.addHits(db, items), counts: (keys) => store.counts(db, keys) }, createMemoryLimiter(), (err) => {
    if (!warned) {
      warned = true;
      log.warn({ err }, 'PostgreSQL rate limiter unavailable; using per-server counters');
    }
  });
  const sweeper = setInterval(() => void store.sweep(db).catch(() => undefined), opts.sweepMs ?? 60_000).unref();
  return {
    hit: shared.hit,
    peek: shared.peek,
    async close() {
      clearInterval(sweeper);
      await shared.close();
    },
  };
}

/** Counters in Redis (one pipelined script call per key and batch); `fallback` (PostgreSQL's, in the app) answers while Redis is unavailable. */
export function createRedisLimiter(redis: Redis, log: Log, fallback: RateLimiter = createMemoryLimiter()): RateLimiter {
  let warned = false;
  const counters: Counters = {
    async add(items) {
      const p = redis.pipeline();
      for (const i of items) p.eval(SCRIPT, 1, `canyu:rl:${i.key}`, String(i.windowMs), String(i.n));
      const res = (await p.exec()) ?? [];
      const out = new Map<string, { count: number; msLeft: number }>();
      items.forEach((i, idx) => {
        const [err, v] = res[idx] ?? [new Error('no reply')];
        if (err) throw err;
        const [count, pttl] = v as [number, number];
        out.set(i.key, { count, msLeft: pttl });
      });
      return out;
    },
    async counts(keys) {
      const vals = await redis.mget(...keys.map((k) => `canyu:rl:${k}`));
      return new Map(keys.map((k, i) => [k, Number(vals[i] ?? 0)]));
    },
  };
  const shared = createSharedLimiter(counters, fallback, (err) => {
    if (!warned) {
      warned = true;
      log.warn({ err }, 'Redis rate limiter unavailable; using the fallback counters');
    }
  });
  return {
    hit: shared.hit,
    peek: shared.peek,
    async close() {
      // The app's one Redis connection (shared with the flash-sale gate) closes with the limiter.
      redis.disconnect();
      await shared.close();
    },
  };
}
