// The optional Redis gate in front of the flash-sale stock (REDIS_URL). One Lua script per attempt
// checks the remaining units and the user's count atomically, so sold-out and over-limit buyers
// are answered from Redis without touching PostgreSQL. Admitted buyers still go through the
// database, which stays the record and re-checks everything: Redis can only ever let too many
// buyers through to that check (never too many units out), so a stale or lost counter costs extra
// database work at worst. `reset` copies the database's numbers into Redis (on first use, after
// Redis lost its data, and periodically to repair what a crash between the two left behind).
import type { Redis } from 'ioredis';

const ADMIT = `
local s = redis.call('GET', KEYS[1])
if not s then return -3 end
local q = tonumber(ARGV[2])
if tonumber(s) < q then return -1 end
local u = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
if u + q > tonumber(ARGV[3]) then return -2 end
redis.call('DECRBY', KEYS[1], q)
redis.call('HINCRBY', KEYS[2], ARGV[1], q)
return 1`;

const GIVE_BACK = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
for i = 1, #ARGV, 2 do
  local q = tonumber(ARGV[i + 1])
  redis.call('INCRBY', KEYS[1], q)
  if redis.call('HINCRBY', KEYS[2], ARGV[i], -q) <= 0 then redis.call('HDEL', KEYS[2], ARGV[i]) end
end
return 1`;

// ARGV: only-if-missing (1/0), remaining, ttl seconds, then user/count pairs.
const RESET = `
if ARGV[1] == '1' and redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('DEL', KEYS[2])
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
for i = 4, #ARGV, 2 do redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
redis.call('EXPIRE', KEYS[2], ARGV[3])
return 1`;

export type GateAnswer = 'admitted' | 'sold_out' | 'limit_reached';
export type GateState = { remaining: number; users: [string, number][] };

export type Gate = {
  /** null when Redis cannot answer: the caller goes straight to the database. */
  admit(itemId: string, userId: string, qty: number, limit: number, load: () => Promise<GateState>): Promise<GateAnswer | null>;
  giveBack(itemId: string, entries: { userId: string; qty: number }[]): Promise<void>;
  reset(itemId: string, state: GateState, onlyIfMissing?: boolean): Promise<void>;
};

type Scripts = Redis & {
  cyFsAdmit(k1: string, k2: string, user: string, qty: number, limit: number): Promise<number>;
  cyFsGiveBack(k1: string, k2: string, ...args: (string | number)[]): Promise<number>;
  cyFsReset(k1: string, k2: string, ...args: (string | number)[]): Promise<number>;
};

const keys = (itemId: string): [string, string] => [`canyu:fs:{${itemId}}:stock`, `canyu:fs:{${itemId}}:users`];
/** Counters outlive any sale; an expired key is simply rebuilt from the database. */
const TTL_S = 7 * 86_400;

export function createRedisGate(redis: Redis, log: { warn(obj: object, msg: string): void }): Gate {
  const r = redis as Scripts;
  r.defineCommand('cyFsAdmit', { numberOfKeys: 2, lua: ADMIT });
  r.defineCommand('cyFsGiveBack', { numberOfKeys: 2, lua: GIVE_BACK });
  r.defineCommand('cyFsReset', { numberOfKeys: 2, lua: RESET });
  let warnedAt = 0;
  const warn = (err: unknown) => {
    if (Date.now() - warnedAt > 60_000) {
      warnedAt = Date.now();
      log.warn({ err }, 'flash-sale Redis gate unavailable; buyers go straight to PostgreSQL');
    }
  };
  const gate: Gate = {
    async admit(itemId, userId, qty, limit, load) {
      const [k1, k2] = keys(itemId);
      try {
        let res = await r.cyFsAdmit(k1, k2, userId, qty, limit);
        if (res === -3) {
          await gate.reset(itemId, await load(), true);
          res = await r.cyFsAdmit(k1, k2, userId, qty, limit);
        }
        if (res === 1) return 'admitted';
        if (res === -1) return 'sold_out';
        if (res === -2) return 'limit_reached';
        return null;
      } catch (err) {
        warn(err);
        return null;
      }
    },
    async giveBack(itemId, entries) {
      if (entries.length === 0) return;
      const [k1, k2] = keys(itemId);
      try {
        await r.cyFsGiveBack(k1, k2, ...entries.flatMap((e) => [e.userId, e.qty]));
      } catch (err) {
        warn(err);
      }
    },
    async reset(itemId, state, onlyIfMissing = false) {
      const [k1, k2] = keys(itemId);
      await r.cyFsReset(k1, k2, onlyIfMissing ? '1' : '0', state.remaining, TTL_S, ...state.users.flat());
    },
  };
  return gate;
}
