// Fixed-window request counters: in memory per server by default, shared through Redis when
// REDIS_URL is set (so several servers enforce one limit). Redis trouble never fails a request:
// the limiter falls back to its in-memory counters and logs once.
import type { Redis } from 'ioredis';

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

export function createRedisLimiter(redis: Redis, log: { warn(obj: object, msg: string): void }): RateLimiter {
  const fallback = createMemoryLimiter();
  let warned = false;
  return {
    async hit(key, limit, windowMs) {
      try {
        const [count, pttl] = (await redis.eval(SCRIPT, 1, `canyu:rl:${key}`, String(windowMs))) as [number, number];
        return { ok: count <= limit, remaining: Math.max(0, limit - count), retryAfterS: Math.max(1, Math.ceil((pttl > 0 ? pttl : windowMs) / 1000)) };
      } catch (err) {
        if (!warned) {
          warned = true;
          log.warn({ err }, 'Redis rate limiter unavailable; using per-server counters');
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
    },
  };
}
