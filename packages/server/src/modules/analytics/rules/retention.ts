// The retention table, pure: from counts per cohort day and period (SQL) to rows with every column
// filled, null where the period has not started yet (its first day is after today).
import { addDays } from '../../../lib/localtime.ts';

export type Unit = 'day' | 'week';
export type Mode = 'n_day' | 'unbounded';

export const unitDays = (unit: Unit) => (unit === 'day' ? 1 : 7);

/**
 * `counts`: per cohort day, users per period (n_day: active in that period; unbounded: whose LAST
 * return period is that one, capped at `periods`). Unbounded columns are suffix sums.
 */
export function retentionTable(
  cohorts: { day: string; size: number }[],
  counts: { day: string; period: number; users: number }[],
  o: { unit: Unit; mode: Mode; periods: number; today: string },
): { cohort: string; size: number; values: (number | null)[]; rates: (number | null)[] }[] {
  const by = new Map<string, number[]>();
  for (const c of counts) {
    if (c.period < 0 || c.period > o.periods) continue;
    let row = by.get(c.day);
    if (!row) by.set(c.day, (row = new Array<number>(o.periods + 1).fill(0)));
    row[c.period]! += c.users;
  }
  return cohorts.map((c) => {
    const raw = by.get(c.day) ?? new Array<number>(o.periods + 1).fill(0);
    const values = o.mode === 'n_day' ? [...raw] : raw.map((_, p) => raw.slice(p).reduce((a, b) => a + b, 0));
    const shown = values.map((v, p) => (addDays(c.day, p * unitDays(o.unit)) > o.today ? null : v));
    return { cohort: c.day, size: c.size, values: shown, rates: shown.map((v) => (v === null || c.size === 0 ? null : v / c.size)) };
  });
}
