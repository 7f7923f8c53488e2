// Calendar arithmetic in a user's or an app's IANA time zone, with no dependency: "which local day
// is it", "which ISO week", "the instant a local day starts". Dates are plain 'YYYY-MM-DD' strings,
// which is also how PostgreSQL's `date` type reads and writes them.

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
    formatters.set(tz, f);
  }
  return f;
}

function parts(at: Date, tz: string): { y: number; m: number; d: number; h: number; mi: number; s: number } {
  const p: Record<string, number> = {};
  for (const x of formatter(tz).formatToParts(at)) if (x.type !== 'literal') p[x.type] = Number(x.value);
  return { y: p.year!, m: p.month!, d: p.day!, h: p.hour!, mi: p.minute!, s: p.second! };
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Milliseconds since the epoch of a UTC wall time; unlike Date.UTC, years 0-99 are not read as 1900-1999. */
export function utcMs(y: number, m0: number, d = 1, h = 0, mi = 0, s = 0, ms = 0): number {
  const date = new Date(0);
  date.setUTCFullYear(y, m0, d);
  date.setUTCHours(h, mi, s, ms);
  return date.getTime();
}


export function isTimeZone(tz: string): boolean {
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

/** The calendar date at `at` in `tz`, as 'YYYY-MM-DD'. */
export function localDate(at: Date, tz: string): string {
  const p = parts(at, tz);
  return `${pad(p.y, 4)}-${pad(p.m)}-${pad(p.d)}`;
}

/** 'YYYY-MM' of the local date. */
export function localMonth(at: Date, tz: string): string {
  return localDate(at, tz).slice(0, 7);
}

/** Whole days between two 'YYYY-MM-DD' dates (b - a). */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

/** The date `n` days after (or before, for negative n) a 'YYYY-MM-DD' date. */
export function addDays(date: string, n: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

/** ISO 8601 week of a 'YYYY-MM-DD' date, as 'YYYY-Www' (weeks start on Monday). */
export function isoWeek(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  const dow = (d.getUTCDay() + 6) % 7; // Monday = 0
  d.setUTCDate(d.getUTCDate() - dow + 3); // the Thursday of this week decides the year
  const year = d.getUTCFullYear();
  const week = 1 + Math.floor((d.getTime() - utcMs(year, 0, 1)) / (7 * 86_400_000));
  return `${year}-W${pad(week)}`;
}

/** Number of days in a 'YYYY-MM' month. */
export function daysInMonth(month: string): number {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return new Date(utcMs(y, m, 0)).getUTCDate();
}

/**
 * The instant a local wall-clock time occurs in `tz` (for a time that a DST jump skips, the
 * instant just after the jump).
 */
export function zonedInstant(tz: string, y: number, m: number, d: number, h = 0, mi = 0, s = 0): Date {
  const wall = utcMs(y, m - 1, d, h, mi, s);
  let guess = wall;
  // Two corrections settle the offset, including across a DST change.
  for (let i = 0; i < 3; i++) {
    const p = parts(new Date(guess), tz);
    const seen = utcMs(p.y, p.m - 1, p.d, p.h, p.mi, p.s);
    const diff = wall - seen;
    if (diff === 0) break;
    guess += diff;
  }
  return new Date(guess);
}

/** The instant local day `date` ('YYYY-MM-DD') begins in `tz`. */
export function startOfLocalDay(date: string, tz: string): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return zonedInstant(tz, y, m, d);
}

/** The instant the local year `years` after the current one ends in `tz` (= next year's Jan 1, 00:00). */
export function endOfLocalYear(at: Date, tz: string, yearsAfter: number): Date {
  const { y } = parts(at, tz);
  return zonedInstant(tz, y + yearsAfter + 1, 1, 1);
}

/** A valid 'YYYY-MM-DD' calendar date? */
export function isDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const t = Date.parse(`${s}T00:00:00Z`);
  return Number.isFinite(t) && new Date(t).toISOString().slice(0, 10) === s;
}

/** Ranking and leaderboard periods: calendar day, ISO week (Monday first), calendar month, all time. */
export type Period = 'day' | 'week' | 'month' | 'all';
export const PERIODS: readonly Period[] = ['day', 'week', 'month', 'all'];

/** The all-time window's start, so every period has a key. */
export const ALL_TIME_START = '1970-01-01';

/** The period holding local day `day`, as local dates [start, end). */
export function periodWindow(period: Period, day: string): { start: string; end: string } {
  switch (period) {
    case 'day':
      return { start: day, end: addDays(day, 1) };
    case 'week': {
      const start = addDays(day, -((new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7));
      return { start, end: addDays(start, 7) };
    }
    case 'month': {
      const start = `${day.slice(0, 7)}-01`;
      return { start, end: addDays(start, daysInMonth(day.slice(0, 7))) };
    }
    case 'all':
      return { start: ALL_TIME_START, end: '9999-12-31' };
  }
}
