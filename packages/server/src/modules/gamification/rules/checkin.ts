// Check-in streak arithmetic. Pure.
import { addDays } from '../../../lib/localtime.ts';

/** Points of streak day `streak` (1-based); the reward list repeats as a cycle. */
export function rewardFor(rewards: readonly number[], streak: number): number {
  if (rewards.length === 0 || streak < 1) return 0;
  return rewards[(streak - 1) % rewards.length]!;
}

/**
 * After a day is filled in with streak `base`, the days that follow it without a gap continue
 * the streak: returns their new streak numbers (dates ascending, all after `filled`).
 */
export function restreak(filled: string, base: number, later: readonly string[]): { date: string; streak: number }[] {
  const out: { date: string; streak: number }[] = [];
  let expected = addDays(filled, 1);
  let streak = base;
  for (const d of later) {
    if (d !== expected) break;
    streak += 1;
    out.push({ date: d, streak });
    expected = addDays(d, 1);
  }
  return out;
}

/** The streak shown to a user today: it survives until the end of the day after the last check-in. */
export function currentStreak(lastDate: string | null, streak: number, today: string): number {
  if (!lastDate) return 0;
  return lastDate === today || lastDate === addDays(today, -1) ? streak : 0;
}
