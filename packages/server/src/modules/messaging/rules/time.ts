// Time in the user's own timezone: quiet hours and the windows frequency caps count in. Pure.

import { utcMs } from '../../../lib/localtime.ts';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(tz, f);
  }
  return f;
}

export type Wall = { year: number; month: number; day: number; hour: number; minute: number; second: number };

/** The wall-clock time in `tz` at instant `at`. */
export function wallTime(at: Date, tz: string): Wall {
  const parts: Record<string, number> = {};
  for (const p of formatter(tz).formatToParts(at)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour! % 24, minute: parts.minute!, second: parts.second! };
}

/** Minutes the zone is ahead of UTC at `at`. */
function offsetMinutes(at: Date, tz: string): number {
  const w = wallTime(at, tz);
  const asUtc = utcMs(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return Math.round((asUtc - Math.floor(at.getTime() / 1000) * 1000) / 60_000);
}

/** The instant the wall clock in `tz` reads this local time (just after the gap, if it falls in one). */
export function instantOf(w: Pick<Wall, 'year' | 'month' | 'day'> & { minuteOfDay: number }, tz: string): Date {
  const guess = utcMs(w.year, w.month - 1, w.day, 0, w.minuteOfDay);
  const a = guess - offsetMinutes(new Date(guess), tz) * 60_000;
  const b = guess - offsetMinutes(new Date(a), tz) * 60_000;
  const reads = (t: number) => {
    const x = wallTime(new Date(t), tz);
    return utcMs(x.year, x.month - 1, x.day, x.hour, x.minute) === guess;
  };
  if (reads(b)) return new Date(b);
  if (reads(a)) return new Date(a);
  // A wall time skipped by a DST jump: the later candidate lies just after the gap.
  return new Date(Math.max(a, b));
}

export type QuietHours = { start: number; end: number };

/**
 * If `at` falls inside the quiet window (minutes from local midnight; the window may wrap past
 * midnight, e.g. 22:00 → 08:00), the instant the window ends; otherwise null.
 */
const quietMemo = new Map<string, Date | null>();

export function quietUntil(at: Date, tz: string, q: QuietHours): Date | null {
  const k = `${at.getTime()}|${tz}|${q.start}|${q.end}`;
  if (quietMemo.has(k)) return quietMemo.get(k)!;
  if (quietMemo.size > 10_000) quietMemo.clear();
  const v = computeQuietUntil(at, tz, q);
  quietMemo.set(k, v);
  return v;
}

function computeQuietUntil(at: Date, tz: string, q: QuietHours): Date | null {
  if (q.start === q.end) return null;
  const w = wallTime(at, tz);
  const m = w.hour * 60 + w.minute;
  const wraps = q.start > q.end;
  const inside = wraps ? m >= q.start || m < q.end : m >= q.start && m < q.end;
  if (!inside) return null;
  // The window ends today if we are before `end` (after midnight in a wrapping window), else tomorrow.
  const endsToday = m < q.end;
  const base = new Date(utcMs(w.year, w.month - 1, w.day + (endsToday ? 0 : 1)));
  return instantOf({ year: base.getUTCFullYear(), month: base.getUTCMonth() + 1, day: base.getUTCDate(), minuteOfDay: q.end }, tz);
}

export type Period = 'hour' | 'day' | 'week';

const pad = (n: number) => String(n).padStart(2, '0');

const windowMemo = new Map<string, string>();

/**
 * The cap window `at` falls in, named in the user's local calendar: 2025-03-01, 2025-03-01T09,
 * 2025-W09. Memoised: a batch asks the same (instant, zone) for every user of that zone.
 */
export function windowKey(at: Date, tz: string, period: Period): string {
  const k = `${at.getTime()}|${tz}|${period}`;
  let v = windowMemo.get(k);
  if (v === undefined) {
    if (windowMemo.size > 10_000) windowMemo.clear();
    v = computeWindowKey(at, tz, period);
    windowMemo.set(k, v);
  }
  return v;
}

function computeWindowKey(at: Date, tz: string, period: Period): string {
  const w = wallTime(at, tz);
  const date = `${w.year}-${pad(w.month)}-${pad(w.day)}`;
  if (period === 'day') return date;
  if (period === 'hour') return `${date}T${pad(w.hour)}`;
  // ISO week: the week with the year's first Thursday is week 1; weeks start on Monday.
  const d = new Date(utcMs(w.year, w.month - 1, w.day));
  const dow = d.getUTCDay() || 7;
  d.setUTCDate(d.getUTCDate() + 4 - dow);
  const yearStart = utcMs(d.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((d.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${d.getUTCFullYear()}-W${pad(week)}`;
}

/** "22:00" → 1320. */
export function parseClock(s: string): number | null {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(s);
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

export const formatClock = (minutes: number): string => `${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
