// Sign-in throttling that slows password guessing without letting anyone lock an operator out.
//
// - Per client address: 30 attempts a minute, whoever they are for (flooding from one address).
// - Per email + address, failures only, with back-off: 10 a minute, then 30 an hour.
// - Per email from anywhere, failures only: 100 an hour (a guessing campaign spread over many
//   addresses).
// Once a failure limit is reached, attempts from that address are refused without checking the
// password, except from an address the operator has signed in from before: there the right
// password still works (so an attacker elsewhere cannot lock the operator out), and a wrong one
// is refused as limited.
import type { Db } from '../../db/index.ts';
import { AppError } from '../../http/errors.ts';
import type { RateLimiter } from '../../http/rate-limit.ts';
import * as store from './store.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const PER_IP = { max: 30, windowMs: MINUTE };
const FAILURE_TIERS = [
  { scope: 'ip', max: 10, windowMs: MINUTE },
  { scope: 'ip', max: 30, windowMs: HOUR },
  { scope: 'any', max: 100, windowMs: HOUR },
] as const;

const limited = (retryAfterS: number, limit: number) => new AppError('rate_limited', `Too many sign-in attempts; retry after ${retryAfterS}s`, { limit }, { retryAfter: retryAfterS });

export function createLoginGuard(deps: { db: Db; limiter: RateLimiter }) {
  const failureKey = (tier: (typeof FAILURE_TIERS)[number], email: string, ip: string) =>
    `login-fail:${tier.windowMs}:${email.trim().toLowerCase()}${tier.scope === 'ip' ? `:${ip}` : ''}`;

  return {
    /** Runs `attempt` (which throws auth.invalid_login on a wrong password) under the limits. */
    async guard<T>(email: string, ip: string, attempt: () => Promise<T>): Promise<T> {
      const ipHit = await deps.limiter.hit(`login-ip:${ip}`, PER_IP.max, PER_IP.windowMs);
      if (!ipHit.ok) throw limited(ipHit.retryAfterS, PER_IP.max);
      let blockedBy: (typeof FAILURE_TIERS)[number] | null = null;
      for (const tier of FAILURE_TIERS) {
        if ((await deps.limiter.peek(failureKey(tier, email, ip))) >= tier.max) {
          blockedBy = tier;
          break;
        }
      }
      if (blockedBy && !(await store.hasSignedInFrom(deps.db, email, ip))) throw limited(Math.ceil(blockedBy.windowMs / 1000), blockedBy.max);
      try {
        return await attempt();
      } catch (err) {
        if (err instanceof AppError && err.code === 'auth.invalid_login') {
          for (const tier of FAILURE_TIERS) await deps.limiter.hit(failureKey(tier, email, ip), tier.max, tier.windowMs);
          if (blockedBy) throw limited(Math.ceil(blockedBy.windowMs / 1000), blockedBy.max);
        }
        throw err;
      }
    },
  };
}
