// Consumers: how gamification reacts to the rest of Canyu. Each runs on the durable event log with
// its own checkpoint, inside the consumer's transaction (ctx), so its effects happen once per event.
import type { Ctx } from '../../context.ts';
import type { EventBus } from '../../events.ts';
import type { Points } from '../points/index.ts';
import type { Gamification } from './service/index.ts';
import * as taskStore from './store/tasks.ts';

/** Activities gamification records itself; tasks and badges on these names count them. */
const OWN = new Set(['checkin.completed', 'lottery.drawn', 'mall.redeemed', 'daily_reward.claimed']);

export function wireGamification(g: Gamification, deps: { bus: EventBus; points: Points; ctx: () => Ctx }): void {
  const { bus } = deps;
  bus.interestIn('gamification', taskStore.hostInterest);

  // Levels rise with growth; badges on points earned.
  bus.on('gamification.points', ['points.changed'], async (ctx, e) => {
    if (e.amount <= 0) return;
    const cfg = await g.config.get(ctx, e.appId);
    if (cfg.growth_type === e.type) await g.levels.onGrowth(ctx, e.appId, e.userId, e.balance);
    if (!(await g.achievements.wantsEarned(ctx, e.appId, e.type))) return;
    const b = await deps.points.balance(ctx, e.appId, e.userId, e.type);
    await g.achievements.evaluate(ctx, e.appId, e.userId, { earned: { [e.type]: b.earned } }, ['points_earned']);
  });
  deps.points.useMultiplier(async (ctx, appId, userId, type) => {
    const cfg = await g.config.get(ctx, appId);
    return type === cfg.points_type ? g.levels.multiplier(ctx, appId, userId) : 1;
  });

  // Badges and tasks: host events (POST /v1/events) and any domain event, by name.
  bus.onHost('gamification.host', async (ctx, e) => {
    if (!g.achievements.wants(e.appId, e.name)) return;
    await g.achievements.track(ctx, e.appId, { userId: e.userId, name: e.name, sourceId: e.eventId, properties: e.properties });
  });
  bus.consume({
    name: 'gamification.domain',
    wants: (r) => r.kind === 'domain' && !OWN.has(r.name) && g.achievements.wants(r.appId, r.name),
    handle: async (ctx, r) => {
      // No actor: only tasks and badges that name their users by a property path count it.
      await g.achievements.track(ctx, r.appId, { userId: r.actorId ?? '', name: r.name, sourceId: `${r.name}:${r.key}`, properties: r.payload });
    },
  });
  bus.on('gamification.checkin', ['checkin.completed'], async (ctx, e) => {
    await g.achievements.track(ctx, e.appId, { userId: e.userId, name: e.kind === 'normal' ? 'gm.checkin' : 'gm.checkin_makeup', sourceId: e.id, properties: { date: e.date, streak: e.streak } });
    await g.achievements.evaluate(ctx, e.appId, e.userId, { checkinStreak: e.streak, checkinTotal: e.total }, ['checkin_streak', 'checkin_total']);
  });
  bus.on('gamification.level', ['level.up'], async (ctx, e) => {
    await g.achievements.evaluate(ctx, e.appId, e.userId, { level: e.to }, ['level']);
  });
  bus.on('gamification.activity', ['lottery.drawn', 'mall.redeemed', 'daily_reward.claimed'], async (ctx, e, row) => {
    if (row.name === 'lottery.drawn') {
      const d = e as unknown as { userId: string; id: string; lotteryId: string; prizeId: string | null; prizeKind: string | null };
      await g.achievements.track(ctx, e.appId, { userId: d.userId, name: 'gm.draw', sourceId: d.id, properties: { lottery_id: d.lotteryId, won: d.prizeId !== null, prize_kind: d.prizeKind } });
    } else if (row.name === 'mall.redeemed') {
      const d = e as unknown as { userId: string; id: string; itemId: string; kind: string; quantity: number };
      await g.achievements.track(ctx, e.appId, { userId: d.userId, name: 'gm.redeem', sourceId: d.id, properties: { item_id: d.itemId, kind: d.kind, quantity: d.quantity } });
    } else {
      const d = e as unknown as { userId: string; id: string; amount: number };
      await g.achievements.track(ctx, e.appId, { userId: d.userId, name: 'gm.daily_reward', sourceId: d.id, properties: { amount: d.amount } });
    }
  });
}
