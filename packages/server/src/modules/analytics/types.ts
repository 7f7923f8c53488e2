// Inputs of the analytics routes. Dates are calendar days ('YYYY-MM-DD') in the app's reporting
// time zone, both ends included; every range has a documented maximum so one request cannot ask
// for an unbounded scan. Structured parameters (traits, funnel steps) travel as JSON in the query
// string (GET routes), validated here with the field named.
import { z } from 'zod';
import { localDate } from '../../http/fields.ts';
import { pageQuery } from '../../http/pagination.ts';
import { ConditionsSchema, type Conditions } from '../../lib/conditions.ts';
import { daysBetween, isTimeZone } from '../../lib/localtime.ts';

/** Longest from..to of the active-user and engagement series (days, both ends included). */
export const MAX_SERIES_DAYS = 366;
/** Longest range of cohort days in a retention table. */
export const MAX_COHORT_DAYS = 92;
/** Longest range of entry days of a funnel. */
export const MAX_FUNNEL_DAYS = 92;
/** Longest funnel conversion window: 90 days. */
export const MAX_WINDOW_MINUTES = 90 * 1440;
/** Retention columns: day 0..30, week 0..12. */
export const RETENTION_PERIODS = { day: 30, week: 12 } as const;
export const DEFAULT_TIMEZONE = 'UTC';
/** Most rows one CSV export writes (the drop-off list). */
export const MAX_EXPORT_ROWS = 1_000_000;

// A zone name both ICU (the JavaScript side) and PostgreSQL's tz database read the same way. Bare
// offsets such as "+08:00" are refused: PostgreSQL reads them as POSIX zones, sign inverted.
export const TimeZone = z
  .string()
  .max(64)
  .regex(/^[A-Za-z][A-Za-z0-9_+\-/]*$/, 'must be an IANA time zone name such as Asia/Shanghai')
  .refine(isTimeZone, 'must be an IANA time zone such as Asia/Shanghai');

export const EventName = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^\u0000-\u001f\u007f]+$/, 'must not contain control characters');

/** A JSON value in a query parameter, parsed and validated; issues point inside it. */
function jsonParam<T extends z.ZodType>(schema: T, maxLength: number) {
  return z
    .string()
    .max(maxLength)
    .transform((s, c): z.output<T> => {
      let v: unknown;
      try {
        v = JSON.parse(s);
      } catch {
        c.addIssue({ code: 'custom', message: 'must be JSON' });
        return z.NEVER;
      }
      const r = schema.safeParse(v);
      if (!r.success) {
        for (const i of r.error.issues) c.addIssue({ code: 'custom', message: i.message, path: i.path });
        return z.NEVER;
      }
      return r.data;
    });
}

const TraitValue = z.union([z.string().max(500), z.number(), z.boolean()]);
export const TraitsFilter = z
  .record(z.string().min(1).max(200), TraitValue)
  .refine((o) => Object.keys(o).length >= 1 && Object.keys(o).length <= 10, '1 to 10 traits');
export type TraitsFilter = z.infer<typeof TraitsFilter>;

const traitsParam = jsonParam(TraitsFilter, 4000)
  .optional()
  .describe('Only users whose profile traits equal all of these (JSON object of top-level trait → string, number or boolean), e.g. {"plan":"pro","city":"上海"}');

const segmentParam = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[^\u0000-\u001f\u007f]+$/, 'no control characters')
  .optional()
  .describe('Only users who are members of this segment now (GET /v1/segments); combines with traits');

const range = (maxDays: number, what: string) => ({
  from: localDate().describe(`First ${what} (YYYY-MM-DD in the app's reporting time zone)`),
  to: localDate().describe(`Last ${what}, included (at most ${maxDays} days after from, counting both)`),
});

/** from <= to and at most `maxDays` days, both ends included; the issue names `to`. */
function checkRange(maxDays: number) {
  return (q: { from: string; to: string }, c: z.RefinementCtx) => {
    const n = daysBetween(q.from, q.to) + 1;
    if (n < 1) c.addIssue({ code: 'custom', path: ['to'], message: 'must not be before from' });
    else if (n > maxDays) c.addIssue({ code: 'custom', path: ['to'], message: `the range from..to spans ${n} days; at most ${maxDays}` });
  };
}

export const ActiveQuery = z.strictObject({ ...range(MAX_SERIES_DAYS, 'day'), traits: traitsParam, segment: segmentParam }).superRefine(checkRange(MAX_SERIES_DAYS));
export type ActiveQuery = z.infer<typeof ActiveQuery>;

export const RetentionQuery = z
  .strictObject({
    ...range(MAX_COHORT_DAYS, 'cohort day'),
    unit: z.enum(['day', 'week']).default('day').describe('Columns: day 0..30, or week 0..12 (week N = days 7N..7N+6 after the cohort day)'),
    mode: z.enum(['n_day', 'unbounded']).default('n_day').describe('n_day: active in that period; unbounded: active in that period or any later one'),
    cohort_event: EventName.optional().describe("Cohort by the day of each user's first event of this name (default: the first active event, i.e. first seen)"),
    return_event: EventName.optional().describe('What counts as returning (default: any active event)'),
    traits: traitsParam, segment: segmentParam,
  })
  .superRefine(checkRange(MAX_COHORT_DAYS));
export type RetentionQuery = z.infer<typeof RetentionQuery>;

export const FunnelStep = z.strictObject({
  event: EventName.describe('Event name'),
  where: ConditionsSchema.optional(),
});
export type FunnelStep = { event: string; where?: Conditions | undefined };

const funnelFields = {
  ...range(MAX_FUNNEL_DAYS, 'entry day'),
  steps: jsonParam(z.array(FunnelStep).min(2).max(10), 16_000).describe(
    'JSON array of 2-10 steps {"event": name, "where": conditions} in order, e.g. [{"event":"product.viewed"},{"event":"order.paid","where":{"amount":{"gte":100}}}]. Conditions use the rule condition language on event properties.',
  ),
  window_minutes: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_WINDOW_MINUTES)
    .default(7 * 1440)
    .describe(`Conversion window from the first step (minutes, at most ${MAX_WINDOW_MINUTES}; default 7 days)`),
  traits: traitsParam, segment: segmentParam,
};

export const FunnelQuery = z.strictObject(funnelFields).superRefine(checkRange(MAX_FUNNEL_DAYS));
export type FunnelQuery = z.infer<typeof FunnelQuery>;

const dropoffStep = z.coerce.number().int().min(1).max(9).describe('List users who reached this step (1 = the first) and not the next one');

export const DropoffQuery = z
  .strictObject({
    ...funnelFields,
    ...pageQuery,
    step: dropoffStep,
  })
  .superRefine(checkRange(MAX_FUNNEL_DAYS))
  .superRefine((q, c) => {
    if (q.steps.length > 0 && q.step >= q.steps.length) c.addIssue({ code: 'custom', path: ['step'], message: `must be below the number of steps (${q.steps.length})` });
  });
export type DropoffQuery = z.infer<typeof DropoffQuery>;

/** The drop-off list as a CSV: every user, no pages. */
export const DropoffExportQuery = z
  .strictObject({ ...funnelFields, step: dropoffStep })
  .superRefine(checkRange(MAX_FUNNEL_DAYS))
  .superRefine((q, c) => {
    if (q.steps.length > 0 && q.step >= q.steps.length) c.addIssue({ code: 'custom', path: ['step'], message: `must be below the number of steps (${q.steps.length})` });
  });
export type DropoffExportQuery = z.infer<typeof DropoffExportQuery>;

/** Longest session counted: a start with no end for longer than this is not a session. */
export const MAX_SESSION_HOURS = 24;

export const SessionsQuery = z
  .strictObject({
    ...range(MAX_SERIES_DAYS, 'day'),
    mode: z
      .enum(['gap', 'pairs'])
      .default('gap')
      .describe(
        `gap: a session is a run of the user's events (of \`event\`, default any) with no pause longer than timeout_minutes, lasting from its first to its last event; pairs: a session runs from a start_event to the user's next event when that is an end_event, at most ${MAX_SESSION_HOURS} hours later`,
      ),
    timeout_minutes: z.coerce.number().int().min(1).max(240).default(30).describe('gap mode: the pause that ends a session (default 30 minutes)'),
    event: EventName.optional().describe('gap mode: only events of this name count (e.g. a heartbeat); default any event'),
    start_event: EventName.default('session.start').describe('pairs mode: the event that starts a session'),
    end_event: EventName.default('session.end').describe('pairs mode: the event that ends it'),
    traits: traitsParam, segment: segmentParam,
  })
  .superRefine(checkRange(MAX_SERIES_DAYS))
  .superRefine((q, c) => {
    if (q.mode === 'pairs' && q.start_event === q.end_event) c.addIssue({ code: 'custom', path: ['end_event'], message: 'must differ from start_event' });
  });
export type SessionsQuery = z.infer<typeof SessionsQuery>;

const eventList = (what: string) =>
  jsonParam(z.array(EventName).min(1).max(50), 12_000)
    .optional()
    .describe(`JSON array of host event names that count as ${what}, e.g. ["app.opened"]`);

export const LurkersQuery = z.strictObject({
  days: z.coerce.number().int().min(1).max(365).default(14).describe('Look back this many days'),
  visit_events: eventList('a visit (default: any event)'),
  interaction_events: eventList('an interaction besides Canyu’s own (likes, comments, check-ins… always count)'),
  ...pageQuery,
});
export type LurkersQuery = z.infer<typeof LurkersQuery>;

export const ChurnQuery = z.strictObject({
  recent_days: z.coerce.number().int().min(1).max(90).default(14).describe('The recent period'),
  baseline_days: z.coerce.number().int().min(1).max(365).default(56).describe('The period before it: each user’s own baseline'),
  min_baseline_days: z.coerce.number().int().min(1).max(365).default(4).describe('Only users active on at least this many days of the baseline'),
  min_drop: z.coerce.number().min(0.01).max(1).default(0.5).describe('Drop of active days against the baseline (scaled to the recent period), 0.5 = halved'),
  ...pageQuery,
});
export type ChurnQuery = z.infer<typeof ChurnQuery>;

export const EngagementQuery = z.strictObject({ ...range(MAX_SERIES_DAYS, 'day'), traits: traitsParam, segment: segmentParam }).superRefine(checkRange(MAX_SERIES_DAYS));
export type EngagementQuery = z.infer<typeof EngagementQuery>;

export const SettingsBody = z.strictObject({
  timezone: TimeZone.optional().describe("The app's reporting time zone: the calendar days of every metric (default UTC)"),
  active_events: z
    .array(EventName)
    .min(1)
    .max(100)
    .nullable()
    .optional()
    .describe('Host event names that make a user active that day; null: any event'),
});
export type SettingsInput = z.infer<typeof SettingsBody>;
