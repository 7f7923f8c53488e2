// Points lottery (积分抽奖). A draw, in one transaction: count it against the user's daily limit,
// take the cost from the ledger, roll node:crypto's randomInt over the configured weights, then
// take one unit of the prize rolled and charge its value to the budget, both with guarded UPDATEs
// that cannot go below zero. If the prize is gone or the budget would overflow, the draw resolves
// to no prize: the published odds stay exactly the configured ones. Every draw is logged with its
// roll and the weights it was read against.
import { randomInt } from 'node:crypto';
import type { Ctx } from '../../../context.ts';
import { AppError, fieldError } from '../../../http/errors.ts';
import { newId } from '../../../lib/ids.ts';
import { defined } from '../../../lib/objects.ts';
import { localDate } from '../../../lib/localtime.ts';
import { inTransaction, pgCode } from '../../../lib/tx.ts';
import type { EntryRow } from '../../points/index.ts';
import { odds, pick, totalWeight } from '../rules/lottery.ts';
import * as store from '../store/lottery.ts';
import type { DrawQuery, DrawRow, LotteryRow, NewPrize, PrizeRow } from '../store/lottery.ts';
import type { LotteryInput, LotteryPatchInput, PrizeInput, PrizePatchInput } from '../types.ts';
import type { Abuse } from './abuse.ts';
import type { ClientMeta, Shared } from './deps.ts';

declare module '../../../events.ts' {
  interface DomainEvents {
    'lottery.drawn': { appId: string; userId: string; id: string; lotteryId: string; prizeId: string | null; prizeKind: string | null };
  }
}

export type DrawResult = { draw: DrawRow; prize: PrizeRow | null; replayed: boolean; entries: EntryRow[] };

function prizeRow(appId: string, lotteryId: string, p: PrizeInput, defaultSort: number): NewPrize {
  return {
    id: newId('prize'),
    appId,
    lotteryId,
    name: p.name,
    kind: p.kind,
    rewardType: p.kind === 'points' ? (p.reward_type ?? null) : null,
    rewardAmount: p.kind === 'points' ? (p.reward_amount ?? null) : null,
    weight: p.weight,
    stock: p.stock ?? null,
    value: p.value ?? (p.kind === 'points' ? (p.reward_amount ?? 0) : 0),
    sort: p.sort ?? defaultSort,
  };
}

export function createLottery(shared: Shared, abuse: Abuse) {
  const { deps } = shared;

  async function get(ctx: Ctx, appId: string, id: string): Promise<{ lottery: LotteryRow; prizes: PrizeRow[] }> {
    const lottery = await store.findLottery(ctx.db, appId, id);
    if (!lottery) throw shared.notFound('lottery.not_found', 'Lottery', id);
    return { lottery, prizes: await store.prizesOf(ctx.db, id) };
  }

  const prizeTypes = (ps: PrizeInput[], base: string) => ps.map((p, i) => ({ type: p.reward_type, field: `${base}.${i}.reward_type` }));

  async function replay(ctx: Ctx, appId: string, d: DrawRow): Promise<DrawResult> {
    const ps = await store.prizesOf(ctx.db, d.lotteryId);
    return { draw: d, prize: ps.find((p) => p.id === d.prizeId) ?? null, replayed: true, entries: [] };
  }

  return {
    get,

    async create(ctx: Ctx, appId: string, input: LotteryInput): Promise<{ lottery: LotteryRow; prizes: PrizeRow[] }> {
      await shared.assertTypes(ctx, appId, [{ type: input.cost_type, field: 'body.cost_type' }, ...prizeTypes(input.prizes, 'body.prizes')]);
      await shared.assertSegment(ctx, appId, input.segment, 'body.segment');
      const id = newId('lot');
      await inTransaction(ctx, async (tx) => {
        await store.insertLottery(
          tx.db,
          {
            id,
            appId,
            name: input.name,
            description: input.description ?? null,
            status: input.status,
            costType: input.cost_type ?? null,
            costAmount: input.cost,
            dailyLimit: input.daily_limit ?? null,
            segmentId: input.segment ?? null,
            budget: input.budget ?? null,
            startsAt: input.starts_at ? new Date(input.starts_at) : null,
            endsAt: input.ends_at ? new Date(input.ends_at) : null,
          },
          input.prizes.map((p, i) => prizeRow(appId, id, p, i)),
        );
        if (shared.audited(ctx)) await deps.audit.record(tx, { appId, action: 'lottery.create', targetType: 'lottery', targetId: id, after: input });
      });
      return get(ctx, appId, id);
    },

    async update(ctx: Ctx, appId: string, id: string, p: LotteryPatchInput): Promise<LotteryRow> {
      await shared.assertTypes(ctx, appId, [{ type: p.cost_type, field: 'body.cost_type' }]);
      await shared.assertSegment(ctx, appId, p.segment, 'body.segment');
      return inTransaction(ctx, async (tx) => {
        const before = await store.findLottery(tx.db, appId, id);
        if (!before) throw shared.notFound('lottery.not_found', 'Lottery', id);
        const costType = p.cost_type !== undefined ? p.cost_type : before.costType;
        if ((p.cost ?? before.costAmount) > 0 && !costType) throw fieldError('body.cost_type', 'a draw that costs points needs cost_type', 'a point type key');
        if (p.budget !== undefined && p.budget !== null && p.budget < before.budgetUsed) throw fieldError('body.budget', `must be at least ${before.budgetUsed}, the value already awarded`, `>= ${before.budgetUsed}`);
        const when = (v: string | null | undefined) => (v === undefined ? undefined : v === null ? null : new Date(v));
        const row = (await store.updateLottery(
          tx.db,
          appId,
          id,
          defined({ name: p.name, description: p.description, costType: p.cost_type, costAmount: p.cost, dailyLimit: p.daily_limit, segmentId: p.segment, budget: p.budget, startsAt: when(p.starts_at), endsAt: when(p.ends_at), status: p.status }),
        ))!;
        if (shared.audited(ctx)) await deps.audit.record(tx, { appId, action: 'lottery.update', targetType: 'lottery', targetId: id, before, after: row });
        return row;
      });
    },

    async addPrize(ctx: Ctx, appId: string, lotteryId: string, input: PrizeInput): Promise<PrizeRow> {
      const { prizes } = await get(ctx, appId, lotteryId);
      await shared.assertTypes(ctx, appId, [{ type: input.reward_type, field: 'body.reward_type' }]);
      return inTransaction(ctx, async (tx) => {
        const row = await store.insertPrize(tx.db, prizeRow(appId, lotteryId, input, Math.max(-1, ...prizes.map((p) => p.sort)) + 1));
        if (shared.audited(ctx)) await deps.audit.record(tx, { appId, action: 'lottery.prize.create', targetType: 'lottery_prize', targetId: row.id, after: row });
        return row;
      });
    },

    async updatePrize(ctx: Ctx, appId: string, lotteryId: string, prizeId: string, p: PrizePatchInput): Promise<PrizeRow> {
      const { prizes } = await get(ctx, appId, lotteryId);
      const before = prizes.find((x) => x.id === prizeId);
      if (!before) throw shared.notFound('lottery.prize_not_found', 'Prize', prizeId);
      return inTransaction(ctx, async (tx) => {
        const row = (await store.updatePrize(tx.db, appId, lotteryId, prizeId, defined(p)))!;
        if (shared.audited(ctx)) await deps.audit.record(tx, { appId, action: 'lottery.prize.update', targetType: 'lottery_prize', targetId: prizeId, before, after: row });
        return row;
      });
    },

    list(ctx: Ctx, appId: string, q: Parameters<typeof store.listLotteries>[2]) {
      return store.listLotteries(ctx.db, appId, q);
    },

    /** The published odds (概率公示): exactly the configured weights, with stock left. */
    async odds(ctx: Ctx, appId: string, id: string) {
      const { lottery, prizes } = await get(ctx, appId, id);
      return { lottery, total: totalWeight(prizes), prizes: odds(prizes) };
    },

    /** One draw for a user; with `requestId`, a repeat returns the original draw. */
    async draw(ctx: Ctx, appId: string, lotteryId: string, userId: string, opts: { requestId?: string | undefined } & ClientMeta): Promise<DrawResult> {
      const { lottery, prizes } = await get(ctx, appId, lotteryId);
      if (opts.requestId) {
        const prior = await store.findDrawByRequest(ctx.db, appId, userId, lotteryId, opts.requestId);
        if (prior) return replay(ctx, appId, prior);
      }
      const now = deps.clock.now();
      if (lottery.status !== 'active' || (lottery.startsAt && now < lottery.startsAt) || (lottery.endsAt && now >= lottery.endsAt)) {
        throw new AppError('lottery.not_active', `Lottery ${lotteryId} is ${lottery.status === 'active' ? 'outside its dates' : lottery.status}`, { status: lottery.status, starts_at: lottery.startsAt?.toISOString() ?? null, ends_at: lottery.endsAt?.toISOString() ?? null });
      }
      if (lottery.segmentId && !(await shared.isMember(ctx, appId, lottery.segmentId, userId))) {
        throw new AppError('lottery.not_eligible', `User ${userId} is not in segment ${lottery.segmentId}, which lottery ${lotteryId} is for`, { lottery_id: lotteryId, segment: lottery.segmentId });
      }
      const total = totalWeight(prizes);
      if (total <= 0) throw new AppError('lottery.not_active', `Lottery ${lotteryId} has no prize with a weight`, { status: lottery.status });
      const cfg = await shared.config(ctx, appId);
      await abuse.guard(ctx, appId, 'draw', userId, opts, cfg);
      const timezone = await shared.timezoneOf(ctx, appId, userId, cfg);
      const date = localDate(now, timezone);
      const id = newId('draw');
      let result: DrawResult;
      try {
        result = await inTransaction(ctx, async (tx) => {
          if (lottery.dailyLimit !== null && !(await store.countDraw(tx.db, { appId, lotteryId, userId, date, limit: lottery.dailyLimit }))) {
            throw new AppError('lottery.daily_limit', `${lottery.dailyLimit} draws per day; come back tomorrow (${timezone})`, { limit: lottery.dailyLimit, date });
          }
          const entries: EntryRow[] = [];
          const source = { type: 'lottery_draw', id };
          if (lottery.costAmount > 0 && lottery.costType) {
            entries.push((await deps.points.spend(tx, appId, { userId, type: lottery.costType, amount: lottery.costAmount, key: `draw:${id}`, reason: `Lottery draw: ${lottery.name}`, source })).entry);
          }
          const roll = randomInt(total);
          const picked = pick(prizes, roll);
          let prize: PrizeRow | null = null;
          let fallback: 'out_of_stock' | 'over_budget' | null = null;
          if (picked.kind !== 'none') {
            if (!(await store.takePrize(tx.db, picked.id))) fallback = 'out_of_stock';
            else if (picked.value > 0 && lottery.budget !== null && !(await store.takeBudget(tx.db, lotteryId, picked.value))) {
              await store.returnPrize(tx.db, picked.id);
              fallback = 'over_budget';
            } else prize = picked;
          }
          const draw = await store.insertDraw(tx.db, {
            id,
            appId,
            lotteryId,
            userId,
            requestKey: opts.requestId ?? null,
            cost: lottery.costAmount,
            roll,
            totalWeight: total,
            weights: prizes.map((p) => [p.id, p.weight]),
            pickedPrizeId: picked.id,
            prizeId: prize?.id ?? null,
            fallback,
            localDate: date,
            ip: opts.ip ?? null,
            deviceId: opts.deviceId ?? null,
            createdAt: now,
          });
          if (prize?.kind === 'points' && prize.rewardType && prize.rewardAmount) {
            entries.push((await deps.points.earn(tx, appId, { userId, type: prize.rewardType, amount: prize.rewardAmount, key: `draw-prize:${id}`, reason: `Lottery prize: ${prize.name}`, source })).entry);
          }
          await deps.bus.emit(tx.db, 'lottery.drawn', { appId, userId, id, lotteryId, prizeId: prize?.id ?? null, prizeKind: prize?.kind ?? null });
          return { draw, prize, replayed: false, entries };
        });
      } catch (err) {
        // The same request_id drawn concurrently: the first one stands.
        if (pgCode(err) === '23505' && opts.requestId) {
          const prior = await store.findDrawByRequest(ctx.db, appId, userId, lotteryId, opts.requestId);
          if (prior) return replay(ctx, appId, prior);
        }
        throw err;
      }
      await abuse.afterDraw(ctx, appId, userId, cfg);
      return result;
    },

    listDraws(ctx: Ctx, appId: string, q: DrawQuery): Promise<DrawRow[]> {
      return store.listDraws(ctx.db, appId, q);
    },

    /** Draws left today for a user (null = unlimited). */
    async remainingToday(ctx: Ctx, appId: string, lottery: LotteryRow, userId: string): Promise<number | null> {
      if (lottery.dailyLimit === null) return null;
      const cfg = await shared.config(ctx, appId);
      const date = localDate(deps.clock.now(), await shared.timezoneOf(ctx, appId, userId, cfg));
      return Math.max(0, lottery.dailyLimit - (await store.drawsToday(ctx.db, appId, lottery.id, userId, date)));
    },
  };
}

export type Lottery = ReturnType<typeof createLottery>;
