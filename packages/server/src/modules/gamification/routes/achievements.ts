import { z } from 'zod';
import { appIdOf, assertActsFor } from '../../../http/auth.ts';
import { decodeCursor, page, pageQuery, pageSchema } from '../../../http/pagination.ts';
import { errors, iso, optionalBody, type Api } from '../../../http/route.ts';
import type { BadgeRow } from '../store/badges.ts';
import type { TaskRow } from '../store/tasks.ts';
import { BadgeBody, BadgePatch, IdParams, Key, TaskBody, TaskPatch, UserIdParams, UserParams } from '../types.ts';
import { brief, EntryBrief, RewardOut, type RouteDeps } from './common.ts';
import { userActivity } from '../../../http/audit.ts';

const BadgeOut = z
  .object({
    id: z.string(),
    key: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    icon_url: z.string().nullable(),
    criteria: z.record(z.string(), z.unknown()),
    rewards: z.array(RewardOut),
    active: z.boolean(),
    sort: z.number(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Badge' });

const TaskOut = z
  .object({
    id: z.string(),
    key: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    period: z.enum(['once', 'daily', 'weekly']),
    event: z.string(),
    conditions: z.record(z.string(), z.unknown()),
    user: z.string(),
    target: z.number(),
    rewards: z.array(RewardOut),
    group: z.string().nullable(),
    sort: z.number(),
    active: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Task' });

const presentBadge = (b: BadgeRow) => ({ id: b.id, key: b.key, name: b.name, description: b.description, icon_url: b.iconUrl, criteria: b.criteria, rewards: b.rewards, active: b.active, sort: b.sort, created_at: b.createdAt.toISOString(), updated_at: b.updatedAt.toISOString() });
const presentTask = (t: TaskRow) => ({
  id: t.id,
  key: t.key,
  name: t.name,
  description: t.description,
  period: t.period,
  event: t.event,
  conditions: t.conditions,
  user: t.userPath ?? 'actor',
  target: t.target,
  rewards: t.rewards,
  group: t.group,
  sort: t.sort,
  active: t.active,
  created_at: t.createdAt.toISOString(),
  updated_at: t.updatedAt.toISOString(),
});

const KeyCursor = z.object({ k: z.string().max(64) });

export function achievementRoutes(api: Api, { gamification: g, ctx }: RouteDeps): void {
  const a = g.achievements;
  const btags = ['Badges'];
  const ttags = ['Tasks'];

  // ---- badges -------------------------------------------------------------------------------------
  api.post(
    '/v1/badges',
    {
      config: { auth: { secret: true, operator: 'gamification.manage' }, audit: 'recorded' },
      schema: { tags: btags, summary: 'Define a badge / achievement and what earns it (audited)', body: BadgeBody, response: { 201: BadgeOut, ...errors(400, 401, 403, 404, 409) } },
    },
    async (req, reply) => reply.code(201).send(presentBadge(await a.createBadge(ctx(req), appIdOf(req), req.body))),
  );

  api.get(
    '/v1/badges',
    {
      config: { auth: { secret: true, user: true, publishable: true, operator: 'gamification.read' } },
      schema: { tags: btags, summary: 'Badges, by key', querystring: z.strictObject({ ...pageQuery, active: z.enum(['true', 'false']).optional() }), response: { 200: pageSchema(BadgeOut), ...errors(400, 401, 403) } },
    },
    async (req) => {
      const q = req.query;
      const cur = decodeCursor(q.cursor, KeyCursor);
      const rows = await a.listBadges(ctx(req), appIdOf(req), { limit: q.limit + 1, afterKey: cur?.k, active: q.active === undefined ? undefined : q.active === 'true' });
      const p = page(rows, q.limit, (r) => ({ k: r.key }));
      return { data: p.data.map(presentBadge), next_cursor: p.next_cursor };
    },
  );

  api.get(
    '/v1/badges/:id',
    {
      config: { auth: { secret: true, user: true, publishable: true, operator: 'gamification.read' } },
      schema: { tags: btags, summary: 'A badge', params: IdParams, response: { 200: BadgeOut, ...errors(400, 401, 403, 404) } },
    },
    async (req) => presentBadge(await a.badge(ctx(req), appIdOf(req), req.params.id)),
  );

  api.patch(
    '/v1/badges/:id',
    {
      config: { auth: { secret: true, operator: 'gamification.manage' }, audit: 'recorded' },
      schema: { tags: btags, summary: 'Change a badge’s name, icon, rewards or visibility (its criteria are fixed) (audited)', params: IdParams, body: BadgePatch, response: { 200: BadgeOut, ...errors(400, 401, 403, 404) } },
    },
    async (req) => presentBadge(await a.updateBadge(ctx(req), appIdOf(req), req.params.id, req.body)),
  );

  api.get(
    '/v1/users/:userId/badges',
    {
      config: { auth: { secret: true, user: true, operator: 'gamification.read' } },
      schema: {
        tags: btags,
        summary: "The user's badge wall: every active badge, earned or not, with progress",
        params: UserParams,
        response: {
          200: z.object({
            earned: z.number(),
            data: z.array(z.object({ badge: BadgeOut, earned: z.boolean(), awarded_at: z.string().nullable(), progress: z.object({ have: z.number(), need: z.number() }).nullable().describe('null for manual badges') })),
          }),
          ...errors(400, 401, 403),
        },
      },
    },
    async (req) => {
      assertActsFor(req, req.params.userId);
      const wall = await a.wall(ctx(req), appIdOf(req), req.params.userId);
      return {
        earned: wall.filter((w) => w.awardedAt).length,
        data: wall.map((w) => ({ badge: presentBadge(w.badge), earned: !!w.awardedAt, awarded_at: iso(w.awardedAt), progress: w.progress ? { have: w.progress[0], need: w.progress[1] } : null })),
      };
    },
  );

  api.post(
    '/v1/users/:userId/badges/:id',
    {
      config: { auth: { secret: true, operator: 'gamification.manage' }, audit: 'recorded' },
      schema: {
        tags: btags,
        summary: 'Award a badge by hand (at most once per user) (audited)',
        params: UserIdParams,
        body: optionalBody(z.strictObject({})),
        response: { 200: z.object({ awarded: z.boolean().describe('false when the user already had it') }), ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => a.awardBadge(ctx(req), appIdOf(req), req.params.userId, req.params.id),
  );

  // ---- tasks --------------------------------------------------------------------------------------
  api.post(
    '/v1/tasks',
    {
      config: { auth: { secret: true, operator: 'gamification.manage' }, audit: 'recorded' },
      schema: {
        tags: ttags,
        summary: 'Define a task: newcomer (once), daily or weekly; progress from events; a reward to claim (audited)',
        body: TaskBody,
        response: { 201: TaskOut, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => reply.code(201).send(presentTask(await a.createTask(ctx(req), appIdOf(req), req.body))),
  );

  api.get(
    '/v1/tasks',
    {
      config: { auth: { secret: true, user: true, publishable: true, operator: 'gamification.read' } },
      schema: {
        tags: ttags,
        summary: 'Tasks, by key',
        querystring: z.strictObject({ ...pageQuery, group: Key.optional(), period: z.enum(['once', 'daily', 'weekly']).optional(), active: z.enum(['true', 'false']).optional() }),
        response: { 200: pageSchema(TaskOut), ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      const q = req.query;
      const cur = decodeCursor(q.cursor, KeyCursor);
      const rows = await a.listTasks(ctx(req), appIdOf(req), { limit: q.limit + 1, afterKey: cur?.k, group: q.group, period: q.period, active: q.active === undefined ? undefined : q.active === 'true' });
      const p = page(rows, q.limit, (r) => ({ k: r.key }));
      return { data: p.data.map(presentTask), next_cursor: p.next_cursor };
    },
  );

  api.get(
    '/v1/tasks/:id',
    {
      config: { auth: { secret: true, user: true, publishable: true, operator: 'gamification.read' } },
      schema: { tags: ttags, summary: 'A task', params: IdParams, response: { 200: TaskOut, ...errors(400, 401, 403, 404) } },
    },
    async (req) => presentTask(await a.task(ctx(req), appIdOf(req), req.params.id)),
  );

  api.patch(
    '/v1/tasks/:id',
    {
      config: { auth: { secret: true, operator: 'gamification.manage' }, audit: 'recorded' },
      schema: { tags: ttags, summary: 'Change a task (its key, period and event are fixed) (audited)', params: IdParams, body: TaskPatch, response: { 200: TaskOut, ...errors(400, 401, 403, 404) } },
    },
    async (req) => presentTask(await a.updateTask(ctx(req), appIdOf(req), req.params.id, req.body)),
  );

  api.get(
    '/v1/users/:userId/tasks',
    {
      config: { auth: { secret: true, user: true, operator: 'gamification.read' } },
      schema: {
        tags: ttags,
        summary: "The user's tasks in their current period (user's time zone), in growth-path order",
        params: UserParams,
        querystring: z.strictObject({ group: Key.optional().describe('Only one growth path, e.g. newcomer') }),
        response: {
          200: z.object({
            data: z.array(
              z.object({
                task: TaskOut,
                period_key: z.string(),
                progress: z.number(),
                completed: z.boolean(),
                claimed: z.boolean(),
                claimable: z.boolean(),
                resets_at: z.string().nullable().describe("The user's next local midnight (daily) or Monday (weekly); null for once"),
              }),
            ),
          }),
          ...errors(400, 401, 403),
        },
      },
    },
    async (req) => {
      assertActsFor(req, req.params.userId);
      const list = await a.userTasks(ctx(req), appIdOf(req), req.params.userId, req.query.group);
      return {
        data: list.map((x) => ({ task: presentTask(x.task), period_key: x.periodKey, progress: x.progress, completed: !!x.completedAt, claimed: !!x.claimedAt, claimable: !!x.completedAt && !x.claimedAt, resets_at: iso(x.resetsAt) })),
      };
    },
  );

  api.post(
    '/v1/users/:userId/tasks/:id/claim',
    {
      config: { auth: { secret: true, user: true }, audit: userActivity },
      schema: {
        tags: ttags,
        summary: 'Claim a completed task’s reward for the current period',
        description: 'Once per period: 409 tasks.already_claimed after; 409 tasks.not_completed before the target is reached.',
        params: UserIdParams,
        body: optionalBody(z.strictObject({})),
        response: { 200: z.object({ task_id: z.string(), period_key: z.string(), entries: z.array(EntryBrief) }), ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req) => {
      assertActsFor(req, req.params.userId);
      const r = await a.claim(ctx(req), appIdOf(req), req.params.userId, req.params.id);
      return { task_id: r.task.id, period_key: r.periodKey, entries: r.entries.map(brief) };
    },
  );
}
