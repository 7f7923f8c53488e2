// The shared input types every module's schemas build on, so a value the database cannot store is
// refused once, at validation, with the field named: never by PostgreSQL as a 500.
//
// - dateTime(): ISO 8601 with offset, limited to years 0001-9999 (PostgreSQL's timestamptz refuses
//   year 0000 and JavaScript's Date cannot round-trip ±275760), calendar-checked (no 30 February).
// - localDate / month: 'YYYY-MM-DD' / 'YYYY-MM' in the same range.
// - serialId(): a bigint id in a path or query, as decimal digits; one beyond 2^53-1 cannot exist
//   (ids are read as JS numbers) and is refused rather than rounded to its neighbour.
// - text(): a string without NUL characters or unpaired UTF-16 surrogates. The validator compiler
//   (validation.ts) enforces the same rule on every string and key of every request, so `text` only
//   documents it where a schema is built outside a route.
import { z } from 'zod';
import { utcMs } from '../lib/localtime.ts';
import { textProblem } from './json.ts';
import { sharedSchema } from './shared-schema.ts';

export const MIN_YEAR = 1;
export const MAX_YEAR = 9999;
const RANGE = `years ${String(MIN_YEAR).padStart(4, '0')}-${MAX_YEAR}`;

/** A real calendar date (year 0001-9999)? */
export function isCalendarDate(y: number, m: number, d: number): boolean {
  if (!Number.isInteger(y) || y < MIN_YEAR || y > MAX_YEAR || m < 1 || m > 12 || d < 1) return false;
  const t = new Date(utcMs(y, m - 1, d));
  return t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

/** An instant PostgreSQL and JavaScript both store and read back unchanged. */
export function inTimeRange(ms: number): boolean {
  if (!Number.isFinite(ms)) return false;
  const y = new Date(ms).getUTCFullYear();
  return y >= MIN_YEAR && y <= MAX_YEAR;
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T/;

function dateTimeProblem(s: string): string | null {
  const m = DATE_TIME.exec(s);
  if (!m || !isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3]))) return `must be a real calendar date in ${RANGE}`;
  if (!inTimeRange(Date.parse(s))) return `must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z`;
  return null;
}

/**
 * The date-times the API has accepted since its first release: RFC 3339 with an offset, where the
 * seconds may be left out (`2026-01-01T08:00+08:00`). zod 4.6's own date-time requires them; this keeps
 * clients that send minutes working, and the OpenAPI document's pattern says so.
 */
const DATE_TIME_PATTERN =
  /^(?:(?:\d\d[2468][048]|\d\d[13579][26]|\d\d0[48]|[02468][048]00|[13579][26]00)-02-29|\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\d|30)|(?:02)-(?:0[1-9]|1\d|2[0-8])))T(?:(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d+)?)?(?:Z|([+-](?:[01]\d|2[0-3]):[0-5]\d)))$/;

/** ISO 8601 date-time with offset (`Z` or `±hh:mm`; seconds optional), years 0001-9999. */
export const dateTime = sharedSchema(() =>
  z
    .stringFormat('datetime', DATE_TIME_PATTERN, { error: (issue) => (issue.code === 'invalid_format' ? 'Invalid ISO datetime' : undefined) })
    .superRefine((s, ctx) => {
      const problem = dateTimeProblem(s);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
);

/** A 'YYYY-MM-DD' calendar date, years 0001-9999. */
export const localDate = sharedSchema(() =>
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
    .refine((s) => isCalendarDate(Number(s.slice(0, 4)), Number(s.slice(5, 7)), Number(s.slice(8, 10))), `must be a real calendar date YYYY-MM-DD in ${RANGE}`),
);

/** A 'YYYY-MM' month, years 0001-9999. */
export const month = sharedSchema(() =>
  z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month YYYY-MM')
    .refine((s) => Number(s.slice(0, 4)) >= MIN_YEAR, `must be a month in ${RANGE}`),
);

/** A bigint id as decimal digits, within what the API can represent without rounding (1 to 2^53-1). */
export const serialId = sharedSchema((what: string) =>
  z
    .string()
    .regex(/^[1-9][0-9]{0,15}$/, `${what} must be a positive integer id`)
    .refine((s) => Number.isSafeInteger(Number(s)), `${what} is out of range (at most ${Number.MAX_SAFE_INTEGER})`),
);

/** A string the database stores unchanged: no NUL characters, no unpaired UTF-16 surrogates. */
export const text = sharedSchema(() =>
  z.string().superRefine((s, ctx) => {
    const problem = textProblem(s);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
);
