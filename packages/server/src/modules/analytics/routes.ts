import { z } from 'zod';
import { appIdOf } from '../../http/auth.ts';
import { CsvOut, sendCsv } from '../../http/csv.ts';
import { decodeCursor, encodeCursor } from '../../http/pagination.ts';
import { errors, type Api, type RequestCtx } from '../../http/route.ts';
import { FAMILIES, type Family } from './rules/families.ts';
import type { Analytics, AnalyticsSettings } from './service.ts';
import { ActiveQuery, ChurnQuery, DropoffExportQuery, LurkersQuery, SessionsQuery, DropoffQuery, EngagementQuery, FunnelQuery, MAX_COHORT_DAYS, MAX_FUNNEL_DAYS, MAX_SERIES_DAYS, RetentionQuery, SettingsBody } from './types.ts';

const tags = ['Analytics'];
const read = { secret: true, operator: 'analytics.read' } as const;
const zoneNote = "Days are calendar days in the app's reporting time zone (GET /v1/analytics/settings).";

const SettingsOut = z
  .object({
    timezone: z.string().describe("The app's reporting time zone"),
    active_events: z.array(z.string()).nullable().describe('Host event names that make a user active; null: any event'),
    updated_at: z.string().nullable(),
  })
  .meta({ id: 'AnalyticsSettings' });

const presentSettings = (s: AnalyticsSettings): z.infer<typeof SettingsOut> => ({ timezone: s.timezone, active_events: s.activeEvents, updated_at: s.updatedAt ? s.updatedAt.toISOString() : null });

const ActiveOut = z.object({
  timezone: z.string(),
  active_events: z.array(z.string()).nullable(),
  days: z.array(
    z.object({
      day: z.string(),
      dau: z.number().int().describe('Users active that day'),
      wau: z.number().int().describe('Users active in the 7 days ending that day'),
      mau: z.number().int().describe('Users active in the 30 days ending that day'),
      stickiness: z.number().nullable().describe('dau / mau (null when mau is 0)'),
      new: z.number().int().describe('Active users whose first active event ever was that day'),
      returning: z.number().int().describe('dau - new'),
    }),
  ),
});

const RetentionOut = z.object({
  timezone: z.string(),
  periods: z.number().int().describe('The last period column (30 days or 12 weeks)'),
  cohorts: z.array(
    z.object({
      cohort: z.string().describe('Cohort day'),
      size: z.number().int(),
      values: z.array(z.number().int().nullable()).describe('Users retained per period 0..periods; null for a period that has not started'),
      rates: z.array(z.number().nullable()).describe('values / size'),
    }),
  ),
});

const FunnelOut = z.object({
  timezone: z.string(),
  steps: z.array(
    z.object({
      step: z.number().int().describe('1 = the first'),
      event: z.string(),
      users: z.number().int().describe('Users who reached this step within the window'),
      conversion_from_previous: z.number().nullable(),
      conversion_from_start: z.number().nullable(),
      median_seconds_from_previous: z.number().nullable().describe('Median time from the previous step, over users who reached this one'),
      dropped: z.number().int().describe('Users who reached this step and not the next (listed by GET /v1/analytics/funnels/dropoff)'),
    }),
  ),
});

const EngagementOut = z.object({
  timezone: z.string(),
  families: z.array(z.object({ family: z.string(), name: z.object({ en: z.string(), 'zh-CN': z.string() }), events: z.array(z.string()) })),
  days: z.array(
    z.object({
      day: z.string(),
      dau: z.number().int(),
      families: z.array(
        z.object({
          family: z.string(),
          count: z.number().int().describe('Events that day'),
          users: z.number().int().describe('Distinct users who did them'),
          active_participants: z.number().int().describe('Of those, users active that day'),
          participation_rate: z.number().nullable().describe('active_participants / dau (null when dau is 0)'),
        }),
      ),
    }),
  ),
});

export function analyticsRoutes(api: Api, deps: { analytics: Analytics; ctx: RequestCtx }): void {
  const { analytics, ctx } = deps;

  api.get(
    '/v1/analytics/settings',
    { config: { auth: read }, schema: { tags, summary: "The app's reporting time zone and what makes a user active", response: { 200: SettingsOut, ...errors(401, 403) } } },
    async (req) => presentSettings(await analytics.settings(ctx(req), appIdOf(req))),
  );

  api.patch(
    '/v1/analytics/settings',
    {
      config: { auth: { secret: true, operator: 'analytics.manage' }, audit: 'recorded' },
      schema: { tags, summary: 'Set the reporting time zone and the events that make a user active', body: SettingsBody, response: { 200: SettingsOut, ...errors(400, 401, 403) } },
    },
    async (req) => presentSettings(await analytics.updateSettings(ctx(req), appIdOf(req), req.body)),
  );

  api.get(
    '/v1/analytics/active-users',
    {
      config: { auth: read },
      schema: {
        tags,
        summary: 'DAU, WAU, MAU, stickiness, new and returning users per day',
        description: `${zoneNote} Active: did one of the active events (settings) that day. At most ${MAX_SERIES_DAYS} days.`,
        querystring: ActiveQuery,
        response: { 200: ActiveOut, ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const r = await analytics.active(ctx(req), appIdOf(req), req.query);
      return { timezone: r.timezone, active_events: r.activeEvents, days: r.days.map((d) => ({ day: d.day, dau: d.dau, wau: d.wau, mau: d.mau, stickiness: d.stickiness, new: d.newUsers, returning: d.returning })) };
    },
  );

  api.get(
    '/v1/analytics/retention',
    {
      config: { auth: read },
      schema: {
        tags,
        summary: 'Retention cohorts: by first-seen day or first chosen event, day 0..30 or week 0..12',
        description: `${zoneNote} A cohort is the users whose first cohort event (ever) fell on that day; period N counts those who returned N days (or weeks) later. At most ${MAX_COHORT_DAYS} cohort days.`,
        querystring: RetentionQuery,
        response: { 200: RetentionOut, ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => analytics.retention(ctx(req), appIdOf(req), req.query),
  );

  api.get(
    '/v1/analytics/funnels',
    {
      config: { auth: read },
      schema: {
        tags,
        summary: 'Funnel: ordered steps within a conversion window, conversion and median time per step',
        description: `${zoneNote} A user enters at their first step-1 event on an entry day; each next step is their earliest later matching event within the window from entry. At most ${MAX_FUNNEL_DAYS} entry days.`,
        querystring: FunnelQuery,
        response: { 200: FunnelOut, ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const q = req.query;
      const f = await analytics.funnel(ctx(req), appIdOf(req), q);
      return {
        timezone: f.timezone,
        steps: f.steps.map((s, k) => ({ step: k + 1, event: q.steps[k]!.event, ...s, dropped: k + 1 < f.steps.length ? s.users - f.steps[k + 1]!.users : 0 })),
      };
    },
  );

  api.get(
    '/v1/analytics/funnels/dropoff',
    {
      config: { auth: read },
      schema: {
        tags,
        summary: 'Users who reached a funnel step and not the next, by user id',
        description: 'Same parameters as GET /v1/analytics/funnels, plus `step` and pagination.',
        querystring: DropoffQuery,
        response: { 200: z.object({ data: z.array(z.object({ user_id: z.string(), reached_at: z.string().describe('When they reached the step') })), next_cursor: z.string().nullable() }), ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const q = req.query;
      const cur = decodeCursor(q.cursor, z.object({ u: z.string().min(1).max(255) }));
      const rows = await analytics.dropoff(ctx(req), appIdOf(req), q, cur?.u);
      const more = rows.length > q.limit;
      const data = rows.slice(0, q.limit);
      return { data: data.map((r) => ({ user_id: r.userId, reached_at: r.reachedAt.toISOString() })), next_cursor: more ? encodeCursor({ u: data[data.length - 1]!.userId }) : null };
    },
  );

  api.get(
    '/v1/analytics/engagement',
    {
      config: { auth: read },
      schema: {
        tags,
        summary: 'Engagement per capability: daily events, participants and participation among active users',
        description: `${zoneNote} Capabilities (families) group Canyu's domain events (see \`families\`); participants are the acting users. At most ${MAX_SERIES_DAYS} days.`,
        querystring: EngagementQuery,
        response: { 200: EngagementOut, ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const r = await analytics.engagement(ctx(req), appIdOf(req), req.query);
      return {
        timezone: r.timezone,
        families: (Object.entries(FAMILIES) as [Family, (typeof FAMILIES)[Family]][]).map(([family, d]) => ({ family, name: { en: d.en, 'zh-CN': d.zh }, events: [...d.events] })),
        days: r.days.map((d) => ({
          day: d.day,
          dau: d.dau,
          families: d.families.map((f) => ({ family: f.family, count: f.count, users: f.users, active_participants: f.activeParticipants, participation_rate: f.participationRate })),
        })),
      };
    },
  );

  const SessionsOut = z.object({
    timezone: z.string(),
    days: z.array(
      z.object({
        day: z.string(),
        sessions: z.number().int().describe('Sessions that started that day'),
        users: z.number().int().describe('Users with at least one of them'),
        total_seconds: z.number(),
        avg_seconds: z.number().nullable(),
        median_seconds: z.number().nullable(),
      }),
    ),
  });
  const presentSessions = (r: Awaited<ReturnType<Analytics['sessions']>>) => ({
    timezone: r.timezone,
    days: r.days.map((d) => ({ day: d.day, sessions: d.sessions, users: d.users, total_seconds: d.totalSeconds, avg_seconds: d.avgSeconds, median_seconds: d.medianSeconds })),
  });

  api.get(
    '/v1/analytics/sessions',
    {
      config: { auth: read },
      schema: {
        tags,
        summary: 'Sessions and their duration per day, from host events (inactivity gaps, or start/end pairs)',
        description: `${zoneNote} A session belongs to the day it started. At most ${MAX_SERIES_DAYS} days.`,
        querystring: SessionsQuery,
        response: { 200: SessionsOut, ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => presentSessions(await analytics.sessions(ctx(req), appIdOf(req), req.query)),
  );

  api.get(
    '/v1/analytics/lurkers',
    {
      config: { auth: read },
      schema: {
        tags,
        summary: 'Lurkers: users who visited in the last N days without interacting (潜水用户)',
        description: 'Interacting: any measured capability event (likes, comments, check-ins, votes… the engagement families) or a host event in interaction_events. By user id.',
        querystring: LurkersQuery,
        response: { 200: z.object({ data: z.array(z.object({ user_id: z.string(), active_days: z.number().int(), last_seen: z.string() })), next_cursor: z.string().nullable() }), ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      const q = req.query;
      const cur = decodeCursor(q.cursor, z.object({ u: z.string().min(1).max(255) }));
      const rows = await analytics.lurkers(ctx(req), appIdOf(req), q, cur?.u);
      const data = rows.slice(0, q.limit);
      return { data: data.map((r) => ({ user_id: r.userId, active_days: r.activeDays, last_seen: r.lastSeen.toISOString() })), next_cursor: rows.length > q.limit ? encodeCursor({ u: data[data.length - 1]!.userId }) : null };
    },
  );

  api.get(
    '/v1/analytics/churn-risk',
    {
      config: { auth: read },
      schema: {
        tags,
        summary: 'Churn risk: users whose active days fell against their own baseline (流失预警)',
        description: 'Active days in the last recent_days against the baseline_days before them, scaled to the same length. Largest drop first.',
        querystring: ChurnQuery,
        response: {
          200: z.object({ data: z.array(z.object({ user_id: z.string(), recent_active_days: z.number().int(), baseline_active_days: z.number().int(), expected_active_days: z.number(), drop: z.number() })), next_cursor: z.string().nullable() }),
          ...errors(400, 401, 403),
        },
      },
    },
    async (req) => {
      const q = req.query;
      const cur = decodeCursor(q.cursor, z.object({ o: z.number().int().min(0).max(10_000_000) }));
      const offset = cur?.o ?? 0;
      const rows = await analytics.churnRisk(ctx(req), appIdOf(req), q, offset);
      const data = rows.slice(0, q.limit);
      return {
        data: data.map((r) => ({ user_id: r.userId, recent_active_days: r.recentDays, baseline_active_days: r.baselineDays, expected_active_days: r.expectedDays, drop: r.drop })),
        next_cursor: rows.length > q.limit ? encodeCursor({ o: offset + q.limit }) : null,
      };
    },
  );

  // ---- CSV exports of every table (same parameters as the JSON routes) ----------------------------

  const csvSchema = (summary: string, querystring: z.ZodType) => ({ config: { auth: read }, schema: { tags, summary, description: `${zoneNote} Same parameters as the JSON route; a UTF-8 CSV with a header row.`, querystring, response: { 200: CsvOut, ...errors(400, 401, 403, 404) } } });

  api.get('/v1/analytics/active-users/export', csvSchema('Active users per day as CSV', ActiveQuery), async (req, reply) => {
    const r = await analytics.active(ctx(req), appIdOf(req), req.query as z.infer<typeof ActiveQuery>);
    return sendCsv(reply, {
      filename: 'active-users.csv',
      header: ['day', 'dau', 'wau', 'mau', 'stickiness', 'new', 'returning'],
      rows: r.days.map((d) => [d.day, d.dau, d.wau, d.mau, d.stickiness, d.newUsers, d.returning]),
      total: r.days.length,
    });
  });

  api.get('/v1/analytics/retention/export', csvSchema('Retention cohorts as CSV: users per period, then rates', RetentionQuery), async (req, reply) => {
    const q = req.query as z.infer<typeof RetentionQuery>;
    const r = await analytics.retention(ctx(req), appIdOf(req), q);
    const ks = Array.from({ length: r.periods + 1 }, (_, k) => k);
    return sendCsv(reply, {
      filename: 'retention.csv',
      header: ['cohort', 'size', ...ks.map((k) => `${q.unit}_${k}`), ...ks.map((k) => `${q.unit}_${k}_rate`)],
      rows: r.cohorts.map((c) => [c.cohort, c.size, ...c.values, ...c.rates]),
      total: r.cohorts.length,
    });
  });

  api.get('/v1/analytics/funnels/export', csvSchema('Funnel steps as CSV', FunnelQuery), async (req, reply) => {
    const q = req.query as z.infer<typeof FunnelQuery>;
    const f = await analytics.funnel(ctx(req), appIdOf(req), q);
    return sendCsv(reply, {
      filename: 'funnel.csv',
      header: ['step', 'event', 'users', 'conversion_from_previous', 'conversion_from_start', 'median_seconds_from_previous', 'dropped'],
      rows: f.steps.map((s, k) => [k + 1, q.steps[k]!.event, s.users, s.conversion_from_previous, s.conversion_from_start, s.median_seconds_from_previous, k + 1 < f.steps.length ? s.users - f.steps[k + 1]!.users : 0]),
      total: f.steps.length,
    });
  });

  api.get('/v1/analytics/funnels/dropoff/export', csvSchema('Every user who reached a funnel step and not the next, as CSV', DropoffExportQuery), async (req, reply) => {
    const rows = await analytics.dropoffAll(ctx(req), appIdOf(req), req.query as z.infer<typeof DropoffExportQuery>);
    return sendCsv(reply, { filename: 'funnel-dropoff.csv', header: ['user_id', 'reached_at'], rows: rows.map((r) => [r.userId, r.reachedAt.toISOString()]), total: rows.length });
  });

  api.get('/v1/analytics/sessions/export', csvSchema('Sessions per day as CSV', SessionsQuery), async (req, reply) => {
    const r = await analytics.sessions(ctx(req), appIdOf(req), req.query as z.infer<typeof SessionsQuery>);
    return sendCsv(reply, {
      filename: 'sessions.csv',
      header: ['day', 'sessions', 'users', 'total_seconds', 'avg_seconds', 'median_seconds'],
      rows: r.days.map((d) => [d.day, d.sessions, d.users, d.totalSeconds, d.avgSeconds, d.medianSeconds]),
      total: r.days.length,
    });
  });

  api.get('/v1/analytics/engagement/export', csvSchema('Engagement per capability and day as CSV', EngagementQuery), async (req, reply) => {
    const r = await analytics.engagement(ctx(req), appIdOf(req), req.query as z.infer<typeof EngagementQuery>);
    const rows = r.days.flatMap((d) => d.families.map((f) => [d.day, d.dau, f.family, f.count, f.users, f.activeParticipants, f.participationRate]));
    return sendCsv(reply, { filename: 'engagement.csv', header: ['day', 'dau', 'family', 'count', 'users', 'active_participants', 'participation_rate'], rows, total: rows.length });
  });
}
