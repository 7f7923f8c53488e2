// Earn-rule caps: how much of a rule's amount may still be granted. Pure.
import { isoWeek, localDate } from '../../../lib/localtime.ts';

export type CapSpec = { dailyCap: number | null; weeklyCap: number | null; totalCap: number | null; timezone: string };

/** A usage counter a cap reads: the user's day or week, or the rule's all-time total (user ''). */
export type CapCounter = { userScoped: boolean; period: string; cap: number };

/**
 * The counters to check for a grant at `now`, in lock order (rule total first, then the user's
 * week, then day), so concurrent grants never deadlock.
 */
export function capCounters(rule: CapSpec, now: Date): CapCounter[] {
  const out: CapCounter[] = [];
  const day = localDate(now, rule.timezone);
  if (rule.totalCap !== null) out.push({ userScoped: false, period: 'all', cap: rule.totalCap });
  if (rule.weeklyCap !== null) out.push({ userScoped: true, period: `w:${isoWeek(day)}`, cap: rule.weeklyCap });
  if (rule.dailyCap !== null) out.push({ userScoped: true, period: `d:${day}`, cap: rule.dailyCap });
  return out;
}

/** The amount that fits under every cap (0 when any is reached): a grant is clipped, never overshoots. */
export function grantable(amount: number, used: { cap: number; used: number }[]): number {
  let n = amount;
  for (const u of used) n = Math.min(n, u.cap - u.used);
  return Math.max(0, n);
}
