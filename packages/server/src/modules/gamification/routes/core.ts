// Configuration, check-in, levels and abuse review.
import { z } from 'zod';
import { appIdOf, assertActsFor } from '../../../http/auth.ts';
import { serialId } from '../../../http/fields.ts';
import { decodeCursor, page, pageQuery, pageSchema } from '../../../http/pagination.ts';
import { errors, externalId, iso, type Api } from '../../../http/route.ts';
import type { FlagRow } from '../store/abuse.ts';
import { CalendarQuery, ClientHeaders, ConfigBody, FlagResolveBody, LevelsBody, MakeupBody, UserParams } from '../types.ts';
import { brief, EntryBrief, metaOf, RewardOut, type RouteDeps } from './common.ts';
import { userActivity } from '../../../http/audit.ts';

const ConfigOut = z.record(z.string(), z.unknown()).describe('The configuration, in the shape of the PUT body with every default filled in').meta({ id: 'GamificationConfig' });

const CheckinOut = z
  .object({
    date: z.string().describe("The user's local date checked in"),
    timezone: z.string(),
    streak: z.number(),
    longest: z.number(),
    total: z.number(),
    points: z.number().describe('Points granted (the streak-day reward times any level multiplier); 0 for make-ups'),
    entries: z.array(EntryBrief),
  })
  .meta({ id: 'Checkin' });

const LevelOut = z.object({ level: z.number(), name: z.string(), threshold: z.number(), benefits: z.object({ points_multiplier: z.number(), rewards: z.array(RewardOut), perks: z.array(z.string()) }) }).meta({ id: 'Level' });

const FlagOut = z
  .object({
    id: z.string(),
    kind: z.enum(['device_many_accounts', 'rapid_draws', 'limit_exceeded']),
    subject: z.string(),
    user_ids: z.array(z.string()),
    details: z.record(z.string(), z.unknown()),
    hits: z.number(),
    status: z.enum(['open', 'dismissed', 'blocked']),
    note: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'AbuseFlag' });

const BlockOut = z.object({ user_id: z.string(), reason: z.string(), flag_id: z.string().nullable(), created_at: z.string() }).meta({ id: 'AbuseBlock' });

const presentFlag = (f: FlagRow) => ({ id: String(f.id), kind: f.kind, subject: f.subject, user_ids: f.userIds, details: f.details, hits: f.hits, status: f.status, note: f.note, created_at: f.createdAt.toISOString(), updated_at: f.updatedAt.toISOString() });

export function coreRoutes(api: Api, { gamification: g, ctx }: RouteDeps): void {
  // ---- configuration ------------------------------------------------------------------------------
  api.get(
    '/v1/gamification/config',
    {
      config: { auth: { secret: true, operator: 'gamification.read' } },
      schema: { tags: ['Gamification'], summary: 'The app’s gamification configuration (check-in, daily reward, levels, abuse limits)', response: { 200: ConfigOut, ...errors(401, 403) } },
    },
    async (req) => g.config.get(ctx(req), appIdOf(req)),
  );

  api.put(
    '/v1/gamification/config',
    {
      config: { auth: { secret: true, operator: 'gamification.manage' }, audit: 'recorded' },
      schema: {
        tags: ['Gamification'],
        summary: 'Replace the gamification configuration; omitted sections take their defaults (audited)',
        body: ConfigBody,
        response: { 200: ConfigOut, ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => g.config.put(ctx(req), appIdOf(req), req.body),
  );

  // ---- check-in -----------------------------------------------------------------------------------
  const checkinTags = ['Check-in'];
  const presentCheckin = (r: { date: string; timezone: string; streak: number; longest: number; total: number; reward: number; entries: { id: number; type: string; amount: number; balanceAfter: number }[] }) => ({
    date: r.date,
    timezone: r.timezone,
    streak: r.streak,
    longest: r.longest,
    total: r.total,
    points: r.reward,
    entries: r.entries.map(brief),
  });

  api.post(
    '/v1/users/:userId/checkins',
    {
      config: { auth: { secret: true, user: true }, audit: userActivity },
      schema: {
        tags: checkinTags,
        summary: "Check in for today (the user's local day)",
        description: "Exactly once per user per local day (the user's time zone, else the app's). A second call the same day is 409 checkin.already_checked_in, however many arrive at once. Grants the streak day's reward.",
        params: UserParams,
        headers: ClientHeaders,
        response: { 201: CheckinOut, ...errors(400, 401, 403, 409, 429) },
      },
    },
    async (req, reply) => {
      assertActsFor(req, req.params.userId);
      const r = await g.checkin.checkIn(ctx(req), appIdOf(req), req.params.userId, metaOf(req));
      return reply.code(201).send(presentCheckin(r));
    },
  );

  api.post(
    '/v1/users/:userId/checkins/makeup',
    {
      config: { auth: { secret: true, user: true }, audit: userActivity },
      schema: {
        tags: checkinTags,
        summary: 'Make up a missed day of this month (补签), paid with a make-up card or points',
        description: 'Limited per month (checkin.makeup.max_per_month). Restores the streak across the filled day. Not enough cards or points is 409 points.insufficient_balance.',
        params: UserParams,
        headers: ClientHeaders,
        body: MakeupBody,
        response: { 201: CheckinOut.extend({ paid_with: z.enum(['card', 'points']) }), ...errors(400, 401, 403, 404, 409, 429) },
      },
    },
    async (req, reply) => {
      assertActsFor(req, req.params.userId);
      const r = await g.checkin.makeup(ctx(req), appIdOf(req), req.params.userId, req.body, metaOf(req));
      return reply.code(201).send({ ...presentCheckin(r), paid_with: r.paidWith });
    },
  );

  api.get(
    '/v1/users/:userId/checkins',
    {
      config: { auth: { secret: true, user: true, operator: 'gamification.read' } },
      schema: {
        tags: checkinTags,
        summary: "A user's check-in calendar for a month, streak, make-ups left and upcoming rewards",
        params: UserParams,
        querystring: CalendarQuery,
        response: {
          200: z.object({
            month: z.string(),
            timezone: z.string(),
            today: z.string(),
            checked_in_today: z.boolean(),
            streak: z.number().describe('Current streak (0 once a day is missed)'),
            longest: z.number(),
            total: z.number(),
            makeups: z.object({ used: z.number(), left: z.number(), enabled: z.boolean() }),
            days: z.array(z.object({ date: z.string(), checked_in: z.boolean(), kind: z.enum(['normal', 'makeup']).nullable(), streak: z.number().nullable() })),
            upcoming: z.array(z.object({ streak_day: z.number(), points: z.number() })).describe('Base rewards of the next check-ins if the streak holds'),
          }),
          ...errors(400, 401, 403),
        },
      },
    },
    async (req) => {
      assertActsFor(req, req.params.userId);
      const c = await g.checkin.calendar(ctx(req), appIdOf(req), req.params.userId, req.query.month);
      return {
        month: c.month,
        timezone: c.timezone,
        today: c.today,
        checked_in_today: c.checkedInToday,
        streak: c.streak,
        longest: c.longest,
        total: c.total,
        makeups: c.makeups,
        days: c.days.map((d) => ({ date: d.date, checked_in: d.checkedIn, kind: d.kind, streak: d.streak })),
        upcoming: c.upcoming.map((u) => ({ streak_day: u.streakDay, points: u.points })),
      };
    },
  );

  // ---- levels -------------------------------------------------------------------------------------
  const levelTags = ['Levels'];
  const presentLevel = (l: { level: number; name: string; threshold: number; benefits: { points_multiplier: number; rewards: { type: string; amount: number }[]; perks: string[] } }) => ({ level: l.level, name: l.name, threshold: l.threshold, benefits: l.benefits });

  api.put(
    '/v1/gamification/levels',
    {
      config: { auth: { secret: true, operator: 'gamification.manage' }, audit: 'recorded' },
      schema: {
        tags: levelTags,
        summary: 'Replace the level ladder (thresholds in growth value, benefits) (audited)',
        description: 'Levels are numbered 1, 2, 3… with rising thresholds. Users rise as growth is credited; they fall only with levels.downgrade = periodic in the configuration.',
        body: LevelsBody,
        response: { 200: z.object({ data: z.array(LevelOut) }), ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => ({ data: (await g.levels.put(ctx(req), appIdOf(req), req.body)).map(presentLevel) }),
  );

  api.get(
    '/v1/gamification/levels',
    {
      config: { auth: { secret: true, user: true, publishable: true, operator: 'gamification.read' } },
      schema: { tags: levelTags, summary: 'The level ladder', response: { 200: z.object({ data: z.array(LevelOut) }), ...errors(401, 403) } },
    },
    async (req) => ({ data: (await g.levels.list(ctx(req), appIdOf(req))).map(presentLevel) }),
  );

  api.get(
    '/v1/users/:userId/level',
    {
      config: { auth: { secret: true, user: true, operator: 'gamification.read' } },
      schema: {
        tags: levelTags,
        summary: "A user's level, growth value, benefits and the next level",
        params: UserParams,
        response: {
          200: z.object({ level: z.number(), name: z.string().nullable(), growth: z.number(), benefits: LevelOut.shape.benefits.nullable(), next: z.object({ level: z.number(), name: z.string(), threshold: z.number(), remaining: z.number() }).nullable(), changed_at: z.string().nullable() }),
          ...errors(400, 401, 403),
        },
      },
    },
    async (req) => {
      assertActsFor(req, req.params.userId);
      const l = await g.levels.ofUser(ctx(req), appIdOf(req), req.params.userId);
      return {
        level: l.level,
        name: l.current?.name ?? null,
        growth: l.growth,
        benefits: l.current?.benefits ?? null,
        next: l.next ? { level: l.next.level.level, name: l.next.level.name, threshold: l.next.level.threshold, remaining: l.next.remaining } : null,
        changed_at: iso(l.changedAt),
      };
    },
  );

  // ---- abuse review -------------------------------------------------------------------------------
  const abuseTags = ['Abuse defence'];

  api.get(
    '/v1/gamification/flags',
    {
      config: { auth: { secret: true, operator: 'gamification.read' } },
      schema: {
        tags: abuseTags,
        summary: 'Suspicious patterns flagged for review: many accounts on one device, draws at machine speed, limits hit',
        querystring: z.strictObject({ ...pageQuery, status: z.enum(['open', 'dismissed', 'blocked']).optional(), kind: z.enum(['device_many_accounts', 'rapid_draws', 'limit_exceeded']).optional(), user_id: externalId('user_id').optional() }),
        response: { 200: pageSchema(FlagOut), ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      const q = req.query;
      const cur = decodeCursor(q.cursor, z.object({ id: z.number().int() }));
      const rows = await g.abuse.listFlags(ctx(req), appIdOf(req), { limit: q.limit + 1, beforeId: cur?.id, status: q.status, kind: q.kind, userId: q.user_id });
      const p = page(rows, q.limit, (r) => ({ id: r.id }));
      return { data: p.data.map(presentFlag), next_cursor: p.next_cursor };
    },
  );

  api.post(
    '/v1/gamification/flags/:id/resolve',
    {
      config: { auth: { secret: true, operator: 'gamification.manage' }, audit: 'recorded' },
      schema: {
        tags: abuseTags,
        summary: 'Dismiss a flag, or block its users from check-in, draws, redemptions and daily rewards (audited)',
        params: z.strictObject({ id: serialId('id') }),
        body: FlagResolveBody,
        response: { 200: FlagOut, ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => presentFlag(await g.abuse.resolve(ctx(req), appIdOf(req), Number(req.params.id), req.body.action, req.body.note ?? null)),
  );

  api.get(
    '/v1/gamification/blocks',
    {
      config: { auth: { secret: true, operator: 'gamification.read' } },
      schema: { tags: abuseTags, summary: 'Blocked users, by user id', querystring: z.strictObject(pageQuery), response: { 200: pageSchema(BlockOut), ...errors(400, 401, 403) } },
    },
    async (req) => {
      const cur = decodeCursor(req.query.cursor, z.object({ u: z.string() }));
      const rows = await g.abuse.blocks(ctx(req), appIdOf(req), { limit: req.query.limit + 1, afterUserId: cur?.u });
      const p = page(rows, req.query.limit, (r) => ({ u: r.userId }));
      return { data: p.data.map((b) => ({ user_id: b.userId, reason: b.reason, flag_id: b.flagId === null ? null : String(b.flagId), created_at: b.createdAt.toISOString() })), next_cursor: p.next_cursor };
    },
  );

  api.delete(
    '/v1/gamification/blocks/:userId',
    {
      config: { auth: { secret: true, operator: 'gamification.manage' }, audit: 'recorded' },
      schema: { tags: abuseTags, summary: 'Unblock a user (audited)', params: UserParams, response: { 204: z.null(), ...errors(400, 401, 403) } },
    },
    async (req, reply) => {
      await g.abuse.unblock(ctx(req), appIdOf(req), req.params.userId);
      return reply.code(204).send(null);
    },
  );
}
