// Task periods in the user's time zone. Pure.
import { addDays, isoWeek, localDate, startOfLocalDay } from '../../../lib/localtime.ts';

export type Period = 'once' | 'daily' | 'weekly';

/** The key of the period `at` falls in: 'once', the local date, or the ISO week. */
export function periodKey(period: Period, at: Date, tz: string): string {
  if (period === 'once') return 'once';
  const day = localDate(at, tz);
  return period === 'daily' ? day : isoWeek(day);
}

/** When the current period ends (local midnight, or Monday 00:00 local); null for once. */
export function periodEnds(period: Period, at: Date, tz: string): Date | null {
  if (period === 'once') return null;
  const day = localDate(at, tz);
  if (period === 'daily') return startOfLocalDay(addDays(day, 1), tz);
  const dow = (new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7; // Monday = 0
  return startOfLocalDay(addDays(day, 7 - dow), tz);
}
