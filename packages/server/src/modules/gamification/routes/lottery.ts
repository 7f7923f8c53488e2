import { z } from 'zod';
import { appIdOf, assertActsFor } from '../../../http/auth.ts';
import { AppError } from '../../../http/errors.ts';
import { cursorTime, decodeCursor, page, pageQuery, pageSchema } from '../../../http/pagination.ts';
import { errors, externalId, iso, type Api } from '../../../http/route.ts';
import type { DrawRow, LotteryRow, PrizeRow } from '../store/lottery.ts';
import { ClientHeaders, DrawBody, IdParams, LotteryBody, LotteryPatch, PrizeBody, PrizePatch, UserIdParams, UserParams } from '../types.ts';
import { brief, EntryBrief, metaOf, type RouteDeps } from './common.ts';
import { userActivity } from '../../../http/audit.ts';

const tags = ['Lottery'];

const PrizeOut = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: z.enum(['points', 'item', 'none']),
    reward_type: z.string().nullable(),
    reward_amount: z.number().nullable(),
    weight: z.number(),
    stock: z.number().nullable().describe('Units left; null = unlimited'),
    value: z.number(),
    awarded: z.number(),
    sort: z.number(),
  })
  .meta({ id: 'LotteryPrize' });

const LotteryOut = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    status: z.enum(['active', 'paused', 'ended']),
    cost_type: z.string().nullable(),
    cost: z.number(),
    daily_limit: z.number().nullable(),
    segment: z.string().nullable().describe('Only members of this segment may draw'),
    budget: z.number().nullable(),
    budget_used: z.number(),
    starts_at: z.string().nullable(),
    ends_at: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Lottery' });

const LotteryWithPrizes = LotteryOut.extend({ prizes: z.array(PrizeOut) });

const DrawOut = z
  .object({
    id: z.string(),
    lottery_id: z.string(),
    user_id: z.string(),
    outcome: z.enum(['prize', 'none']),
    prize: PrizeOut.pick({ id: true, name: true, kind: true, reward_type: true, reward_amount: true }).nullable(),
    fallback: z.enum(['out_of_stock', 'over_budget']).nullable().describe('Why the prize rolled was not awarded'),
    cost: z.number(),
    roll: z.number().describe('The random roll in [0, total_weight)'),
    total_weight: z.number(),
    picked_prize_id: z.string().describe('The prize whose range the roll fell in'),
    weights: z.array(z.tuple([z.string(), z.number()])).describe('The weights the roll was read against, in order'),
    request_id: z.string().nullable(),
    ip: z.string().nullable(),
    device_id: z.string().nullable(),
    created_at: z.string(),
  })
  .meta({ id: 'LotteryDraw' });

export const presentPrize = (p: PrizeRow) => ({ id: p.id, name: p.name, kind: p.kind, reward_type: p.rewardType, reward_amount: p.rewardAmount, weight: p.weight, stock: p.stock, value: p.value, awarded: p.awarded, sort: p.sort });

const presentLottery = (l: LotteryRow) => ({
  id: l.id,
  name: l.name,
  description: l.description,
  status: l.status,
  cost_type: l.costType,
  cost: l.costAmount,
  daily_limit: l.dailyLimit,
  segment: l.segmentId,
  budget: l.budget,
  budget_used: l.budgetUsed,
  starts_at: iso(l.startsAt),
  ends_at: iso(l.endsAt),
  created_at: l.createdAt.toISOString(),
  updated_at: l.updatedAt.toISOString(),
});

const presentDraw = (d: DrawRow, prizes: Map<string, PrizeRow> | PrizeRow | null) => {
  const prize = d.prizeId === null ? null : prizes instanceof Map ? (prizes.get(d.prizeId) ?? null) : prizes;
  return {
    id: d.id,
    lottery_id: d.lotteryId,
    user_id: d.userId,
    outcome: d.prizeId ? ('prize' as const) : ('none' as const),
    prize: prize ? { id: prize.id, name: prize.name, kind: prize.kind, reward_type: prize.rewardType, reward_amount: prize.rewardAmount } : null,
    fallback: d.fallback,
    cost: d.cost,
    roll: d.roll,
    total_weight: d.totalWeight,
    picked_prize_id: d.pickedPrizeId,
    weights: d.weights,
    request_id: d.requestKey,
    ip: d.ip,
    device_id: d.deviceId,
    created_at: d.createdAt.toISOString(),
  };
};

const DrawCursor = z.object({ at: cursorTime(), id: z.string().max(64) });

export function lotteryRoutes(api: Api, { gamification: g, ctx }: RouteDeps): void {
  const withPrizes = (r: { lottery: LotteryRow; prizes: PrizeRow[] }) => ({ ...presentLottery(r.lottery), prizes: r.prizes.map(presentPrize) });

  api.post(
    '/v1/lotteries',
    {
      config: { auth: { secret: true, operator: 'gamification.manage' }, audit: 'recorded' },
      schema: {
        tags,
        summary: 'Create a points lottery with its prize pool (audited)',
        description: 'Each prize has a weight (probability = weight / total), optional stock and a value counted against the budget. A `none` prize is the "no prize" slot. A prize rolled when its stock or the budget is gone resolves to no prize, so the published odds never change.',
        body: LotteryBody,
        response: { 201: LotteryWithPrizes, ...errors(400, 401, 403, 404) },
      },
    },
    async (req, reply) => reply.code(201).send(withPrizes(await g.lottery.create(ctx(req), appIdOf(req), req.body))),
  );

  api.get(
    '/v1/lotteries',
    {
      config: { auth: { secret: true, user: true, publishable: true, operator: 'gamification.read' } },
      schema: {
        tags,
        summary: 'Lotteries, newest first',
        querystring: z.strictObject({ ...pageQuery, status: z.enum(['active', 'paused', 'ended']).optional() }),
        response: { 200: pageSchema(LotteryOut), ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      const q = req.query;
      const cur = decodeCursor(q.cursor, z.object({ id: z.string().max(64) }));
      const rows = await g.lottery.list(ctx(req), appIdOf(req), { limit: q.limit + 1, beforeId: cur?.id, status: q.status });
      const p = page(rows, q.limit, (r) => ({ id: r.id }));
      return { data: p.data.map(presentLottery), next_cursor: p.next_cursor };
    },
  );

  api.get(
    '/v1/lotteries/:id',
    {
      config: { auth: { secret: true, user: true, publishable: true, operator: 'gamification.read' } },
      schema: { tags, summary: 'A lottery with its prizes and stock', params: IdParams, response: { 200: LotteryWithPrizes, ...errors(400, 401, 403, 404) } },
    },
    async (req) => withPrizes(await g.lottery.get(ctx(req), appIdOf(req), req.params.id)),
  );

  api.patch(
    '/v1/lotteries/:id',
    {
      config: { auth: { secret: true, operator: 'gamification.manage' }, audit: 'recorded' },
      schema: { tags, summary: 'Change a lottery: status, cost, limits, budget, dates (audited)', params: IdParams, body: LotteryPatch, response: { 200: LotteryOut, ...errors(400, 401, 403, 404) } },
    },
    async (req) => presentLottery(await g.lottery.update(ctx(req), appIdOf(req), req.params.id, req.body)),
  );

  api.post(
    '/v1/lotteries/:id/prizes',
    {
      config: { auth: { secret: true, operator: 'gamification.manage' }, audit: 'recorded' },
      schema: { tags, summary: 'Add a prize to the pool (audited)', params: IdParams, body: PrizeBody, response: { 201: PrizeOut, ...errors(400, 401, 403, 404) } },
    },
    async (req, reply) => reply.code(201).send(presentPrize(await g.lottery.addPrize(ctx(req), appIdOf(req), req.params.id, req.body))),
  );

  api.patch(
    '/v1/lotteries/:id/prizes/:prizeId',
    {
      config: { auth: { secret: true, operator: 'gamification.manage' }, audit: 'recorded' },
      schema: {
        tags,
        summary: 'Change a prize: weight, stock left, value (audited)',
        params: z.strictObject({ id: z.string().min(1).max(64), prizeId: z.string().min(1).max(64) }),
        body: PrizePatch,
        response: { 200: PrizeOut, ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => presentPrize(await g.lottery.updatePrize(ctx(req), appIdOf(req), req.params.id, req.params.prizeId, req.body)),
  );

  api.get(
    '/v1/lotteries/:id/odds',
    {
      config: { auth: { secret: true, user: true, publishable: true, operator: 'gamification.read' } },
      schema: {
        tags,
        summary: 'Published odds (概率公示): each prize’s probability exactly as configured, and stock left',
        description: 'With a user token (or a secret key and `user_id`), also the draws that user has left today in their time zone.',
        params: IdParams,
        querystring: z.strictObject({ user_id: externalId('user_id').optional().describe('With a secret key: whose draws left today to include') }),
        response: {
          200: z.object({
            lottery_id: z.string(),
            cost: z.number(),
            cost_type: z.string().nullable(),
            daily_limit: z.number().nullable(),
            remaining_today: z.number().nullable().optional().describe("The user's draws left today (null: no daily limit); present with a user token or user_id"),
            total_weight: z.number(),
            prizes: z.array(z.object({ id: z.string(), name: z.string(), kind: z.enum(['points', 'item', 'none']), weight: z.number(), probability: z.number(), percent: z.string(), stock: z.number().nullable(), out_of_stock: z.boolean() })),
            note: z.object({ en: z.string(), zh: z.string() }),
          }),
          ...errors(400, 401, 403, 404),
        },
      },
    },
    async (req) => {
      const o = await g.lottery.odds(ctx(req), appIdOf(req), req.params.id);
      if (req.query.user_id !== undefined && req.principal.kind === 'publishable') throw new AppError('auth.forbidden', 'A publishable key alone cannot read a user’s draws; send the user token', { field: 'query.user_id' });
      if (req.query.user_id !== undefined) assertActsFor(req, req.query.user_id);
      const userId = req.query.user_id ?? (req.principal.kind === 'user' ? req.principal.userId : undefined);
      const remaining = userId === undefined ? undefined : await g.lottery.remainingToday(ctx(req), appIdOf(req), o.lottery, userId);
      return {
        ...(remaining === undefined ? {} : { remaining_today: remaining }),
        lottery_id: o.lottery.id,
        cost: o.lottery.costAmount,
        cost_type: o.lottery.costType,
        daily_limit: o.lottery.dailyLimit,
        total_weight: o.total,
        prizes: o.prizes.map((p) => ({ id: p.id, name: p.name, kind: p.kind, weight: p.weight, probability: p.probability, percent: p.percent, stock: p.stock, out_of_stock: p.stock === 0 })),
        note: {
          en: 'Each draw uses a cryptographic random number. A prize that is out of stock, or beyond the lottery budget, resolves to no prize; the odds of the other prizes do not change.',
          zh: '每次抽奖均使用密码学安全随机数。奖品库存用完或超出活动预算时，该次结果为未中奖；其他奖品的中奖概率不变。',
        },
      };
    },
  );

  api.post(
    '/v1/users/:userId/lotteries/:id/draws',
    {
      config: { auth: { secret: true, user: true }, audit: userActivity },
      schema: {
        tags,
        summary: 'Draw once: pays the cost, rolls, awards the prize',
        description: 'Daily limits count in the user’s time zone (409 lottery.daily_limit). Not enough points is 409 points.insufficient_balance. With `request_id`, a repeat returns the original draw (200).',
        params: UserIdParams,
        headers: ClientHeaders,
        body: DrawBody.nullish(),
        response: { 200: DrawOut.extend({ replayed: z.boolean(), entries: z.array(EntryBrief) }), 201: DrawOut.extend({ replayed: z.boolean(), entries: z.array(EntryBrief) }), ...errors(400, 401, 403, 404, 409, 429) },
      },
    },
    async (req, reply) => {
      assertActsFor(req, req.params.userId);
      const r = await g.lottery.draw(ctx(req), appIdOf(req), req.params.id, req.params.userId, { requestId: req.body?.request_id, ...metaOf(req) });
      return reply.code(r.replayed ? 200 : 201).send({ ...presentDraw(r.draw, r.prize), replayed: r.replayed, entries: r.entries.map(brief) });
    },
  );

  const listDraws = async (req: Parameters<RouteDeps['ctx']>[0], q: { limit: number; cursor?: string | undefined; outcome?: 'prize' | 'none' | undefined }, lotteryId: string | undefined, userId: string | undefined) => {
    const cur = decodeCursor(q.cursor, DrawCursor);
    const appId = appIdOf(req);
    const rows = await g.lottery.listDraws(ctx(req), appId, { limit: q.limit + 1, before: cur ? { at: new Date(cur.at), id: cur.id } : undefined, lotteryId, userId, outcome: q.outcome });
    const p = page(rows, q.limit, (r) => ({ at: r.createdAt.toISOString(), id: r.id }));
    const prizes = new Map<string, PrizeRow>();
    for (const lid of new Set(p.data.map((d) => d.lotteryId))) for (const pr of (await g.lottery.get(ctx(req), appId, lid)).prizes) prizes.set(pr.id, pr);
    return { data: p.data.map((d) => presentDraw(d, prizes)), next_cursor: p.next_cursor };
  };

  api.get(
    '/v1/lotteries/:id/draws',
    {
      config: { auth: { secret: true, operator: 'gamification.read' } },
      schema: {
        tags,
        summary: 'The draw log of a lottery (audit), newest first',
        params: IdParams,
        querystring: z.strictObject({ ...pageQuery, user_id: externalId('user_id').optional(), outcome: z.enum(['prize', 'none']).optional() }),
        response: { 200: pageSchema(DrawOut), ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      await g.lottery.get(ctx(req), appIdOf(req), req.params.id);
      return listDraws(req, req.query, req.params.id, req.query.user_id);
    },
  );

  api.get(
    '/v1/users/:userId/draws',
    {
      config: { auth: { secret: true, user: true, operator: 'gamification.read' } },
      schema: {
        tags,
        summary: "A user's draws, newest first",
        params: UserParams,
        querystring: z.strictObject({ ...pageQuery, lottery_id: z.string().min(1).max(64).optional(), outcome: z.enum(['prize', 'none']).optional() }),
        response: { 200: pageSchema(DrawOut), ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      assertActsFor(req, req.params.userId);
      return listDraws(req, req.query, req.query.lottery_id, req.params.userId);
    },
  );
}
