// Subscriptions: how gamification reacts to the rest of Canyu.
import type { Ctx } from '../../context.ts';
import type { EventBus } from '../../events.ts';
import type { Points } from '../points/index.ts';
import type { Gamification } from './service/index.ts';

export function wireGamification(g: Gamification, deps: { bus: EventBus; points: Points; ctx: () => Ctx }): void {
  const { bus } = deps;

  // Levels rise with growth; rule grants of the app's points type scale with the level multiplier.
  bus.subscribe('points.changed', async (e) => {
    if (e.amount <= 0) return;
    const ctx = deps.ctx();
    const cfg = await g.config.get(ctx, e.appId);
    if (cfg.growth_type === e.type) await g.levels.onGrowth(ctx, e.appId, e.userId, e.balance);
  });
  deps.points.useMultiplier(async (ctx, appId, userId, type) => {
    const cfg = await g.config.get(ctx, appId);
    return type === cfg.points_type ? g.levels.multiplier(ctx, appId, userId) : 1;
  });

  // Badges and tasks: host events and Canyu's own activities.
  bus.subscribe('event.ingested', (e) => {
    if (!g.achievements.wants(e.appId, e.name)) return;
    return g.achievements.track(deps.ctx(), e.appId, { userId: e.userId, name: e.name, sourceId: e.eventId, properties: e.properties }).then(() => undefined);
  });
  bus.subscribe('checkin.completed', async (e) => {
    const ctx = deps.ctx();
    await g.achievements.track(ctx, e.appId, { userId: e.userId, name: e.kind === 'normal' ? 'gm.checkin' : 'gm.checkin_makeup', sourceId: e.id, properties: { date: e.date, streak: e.streak } });
    await g.achievements.evaluate(ctx, e.appId, e.userId, { checkinStreak: e.streak, checkinTotal: e.total }, ['checkin_streak', 'checkin_total']);
  });
  bus.subscribe('level.up', async (e) => {
    await g.achievements.evaluate(deps.ctx(), e.appId, e.userId, { level: e.to }, ['level']);
  });
  bus.subscribe('points.changed', async (e) => {
    if (e.amount <= 0) return;
    const ctx = deps.ctx();
    if (!(await g.achievements.wantsEarned(ctx, e.appId, e.type))) return;
    const b = await deps.points.balance(ctx, e.appId, e.userId, e.type);
    await g.achievements.evaluate(ctx, e.appId, e.userId, { earned: { [e.type]: b.earned } }, ['points_earned']);
  });
  bus.subscribe('lottery.drawn', async (e) => {
    await g.achievements.track(deps.ctx(), e.appId, { userId: e.userId, name: 'gm.draw', sourceId: e.id, properties: { lottery_id: e.lotteryId, won: e.prizeId !== null, prize_kind: e.prizeKind } });
  });
  bus.subscribe('mall.redeemed', async (e) => {
    await g.achievements.track(deps.ctx(), e.appId, { userId: e.userId, name: 'gm.redeem', sourceId: e.id, properties: { item_id: e.itemId, kind: e.kind, quantity: e.quantity } });
  });
  bus.subscribe('daily_reward.claimed', async (e) => {
    await g.achievements.track(deps.ctx(), e.appId, { userId: e.userId, name: 'gm.daily_reward', sourceId: e.id, properties: { amount: e.amount } });
  });
  bus.subscribe('user.deleted', async ({ appId, userId }) => {
    await g.eraseUser(deps.ctx(), appId, userId);
  });
}
