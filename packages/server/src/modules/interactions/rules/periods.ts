// Ranking windows: calendar day, ISO week (Monday first), calendar month, all time. Dates are
// 'YYYY-MM-DD' strings in the app's timezone; windows are [start, end).

import { utcMs } from '../../../lib/localtime.ts';

export type Period = 'day' | 'week' | 'month' | 'all';
export const PERIODS: readonly Period[] = ['day', 'week', 'month', 'all'];

/** The all-time window's start, so every period has a key. */
export const ALL_TIME_START = '1970-01-01';

const parse = (d: string) => new Date(`${d}T00:00:00Z`);
const fmt = (d: Date) => d.toISOString().slice(0, 10);
const addDays = (d: string, n: number) => fmt(new Date(parse(d).getTime() + n * 86_400_000));

/** The calendar date of `at` in `timeZone`. */
export function dayIn(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

export function periodWindow(period: Period, day: string): { start: string; end: string } {
  switch (period) {
    case 'day':
      return { start: day, end: addDays(day, 1) };
    case 'week': {
      const dow = parse(day).getUTCDay(); // 0 = Sunday
      const start = addDays(day, -((dow + 6) % 7));
      return { start, end: addDays(start, 7) };
    }
    case 'month': {
      const d = parse(day);
      const start = fmt(new Date(utcMs(d.getUTCFullYear(), d.getUTCMonth(), 1)));
      return { start, end: fmt(new Date(utcMs(d.getUTCFullYear(), d.getUTCMonth() + 1, 1))) };
    }
    case 'all':
      return { start: ALL_TIME_START, end: '9999-12-31' };
  }
}

/** A real calendar date (rejects 2024-02-30). */
export function isDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = parse(s);
  return !Number.isNaN(d.getTime()) && fmt(d) === s;
}
