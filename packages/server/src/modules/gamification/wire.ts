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

  bus.subscribe('user.deleted', async ({ appId, userId }) => {
    await g.eraseUser(deps.ctx(), appId, userId);
  });
}
