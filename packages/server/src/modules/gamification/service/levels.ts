// Growth value and levels: a user's level is the highest whose threshold their growth balance
// reaches. Levels rise as growth is credited (each level's reward is granted once, ever); they
// fall only when the app's policy is `periodic`, in the review job.
import type { Ctx } from '../../../context.ts';
import { AppError } from '../../../http/errors.ts';
import { loadCache } from '../../../lib/cache.ts';
import { inTransaction } from '../../../lib/tx.ts';
import { levelFor, nextLevel } from '../rules/levels.ts';
import { appsWithPeriodicLevels } from '../store/config.ts';
import * as store from '../store/levels.ts';
import type { LevelRow } from '../store/levels.ts';
import type { LevelsInput } from '../types.ts';
import type { Shared } from './deps.ts';

declare module '../../../events.ts' {
  interface DomainEvents {
    'level.up': { appId: string; userId: string; id: string; from: number; to: number };
    'level.down': { appId: string; userId: string; id: string; from: number; to: number };
  }
}

export function createLevels(shared: Shared) {
  const { deps } = shared;
  const cacheMs = deps.cacheMs ?? 5000;
  const cache = loadCache<LevelRow[]>(cacheMs);
  const levelsOf = (ctx: Ctx, appId: string): Promise<LevelRow[]> => cache.get(appId, () => store.listLevels(ctx.db, appId));

  async function growthOf(ctx: Ctx, appId: string, userId: string): Promise<number> {
    const cfg = await shared.config(ctx, appId);
    if (!cfg.growth_type) return 0;
    try {
      return (await deps.points.balance(ctx, appId, userId, cfg.growth_type)).balance;
    } catch (err) {
      // Levels without a defined growth type: nobody has growth yet.
      if (err instanceof AppError && err.code === 'points.unknown_type') return 0;
      throw err;
    }
  }

  const levels = {
    list: levelsOf,

    async put(ctx: Ctx, appId: string, input: LevelsInput): Promise<LevelRow[]> {
      await shared.assertTypes(
        ctx,
        appId,
        input.levels.flatMap((l, i) => l.benefits.rewards.map((r, j) => ({ type: r.type, field: `body.levels.${i}.benefits.rewards.${j}.type` }))),
      );
      await ctx.db.transaction(async (tx) => {
        const before = await store.listLevels(tx, appId);
        await store.replaceLevels(tx, appId, input.levels);
        if (shared.audited(ctx)) await deps.audit.record({ ...ctx, db: tx }, { appId, action: 'gamification.levels.update', targetType: 'gamification_levels', targetId: appId, before, after: input.levels });
      });
      cache.delete(appId);
      return levelsOf(ctx, appId);
    },

    /** The points multiplier of the user's level (1 without levels). */
    async multiplier(ctx: Ctx, appId: string, userId: string): Promise<number> {
      const defs = await levelsOf(ctx, appId);
      if (!defs.some((l) => l.benefits.points_multiplier !== 1)) return 1;
      const row = await store.findUserLevel(ctx.db, appId, userId);
      // A user never levelled is at the level a growth of 0 reaches (level 1 when its threshold is 0).
      const level = Math.max(row?.level ?? 0, levelFor(defs, 0)?.level ?? 0);
      return defs.find((l) => l.level === level)?.benefits.points_multiplier ?? 1;
    },

    /**
     * Raises the user's level to what `growth` reaches (never lowers it), granting each new
     * level's rewards once. Safe to call with stale or out-of-order growth figures.
     */
    async onGrowth(ctx: Ctx, appId: string, userId: string, growth: number): Promise<number | null> {
      const defs = await levelsOf(ctx, appId);
      const target = levelFor(defs, growth)?.level ?? 0;
      if (target === 0) return null;
      const known = await store.findUserLevel(ctx.db, appId, userId);
      if (known && known.level >= target) return null;
      return inTransaction(ctx, async (tx) => {
        const now = deps.clock.now();
        const row = await store.lockUserLevel(tx.db, appId, userId, now);
        if (row.level >= target) return null;
        await store.setUserLevel(tx.db, appId, userId, target, now, false);
        for (const l of defs) {
          if (l.level > row.level && l.level <= target && l.benefits.rewards.length > 0) {
            await shared.grant(tx, appId, userId, l.benefits.rewards, `levelup:${userId}:${l.level}`, `Reached level ${l.level} (${l.name})`, { type: 'level', id: String(l.level) });
          }
        }
        await deps.bus.emit(tx.db, 'level.up', { appId, userId, id: `${userId}:${row.level}->${target}:${now.getTime()}`, from: row.level, to: target });
        return target;
      });
    },

    /** The periodic review: re-reads growth of users not reviewed for `review_days` and sets their level. */
    async review(ctx: Ctx): Promise<{ reviewed: number; down: number }> {
      let reviewed = 0;
      let down = 0;
      for (const appId of await appsWithPeriodicLevels(ctx.db)) {
        const cfg = await shared.config(ctx, appId);
        const defs = await levelsOf(ctx, appId);
        const before = new Date(deps.clock.now().getTime() - cfg.levels.review_days * 86_400_000);
        for (;;) {
          const users = await store.dueForReview(ctx.db, appId, before, 200);
          if (users.length === 0) break;
          for (const userId of users) {
            const growth = await growthOf(ctx, appId, userId);
            const target = levelFor(defs, growth)?.level ?? 0;
            const changed = await inTransaction(ctx, async (tx) => {
              const now = deps.clock.now();
              const row = await store.lockUserLevel(tx.db, appId, userId, now);
              if (target >= row.level) {
                await store.markReviewed(tx.db, appId, userId, now);
                return false;
              }
              await store.setUserLevel(tx.db, appId, userId, target, now, true);
              await deps.bus.emit(tx.db, 'level.down', { appId, userId, id: `${userId}:${row.level}->${target}:${now.getTime()}`, from: row.level, to: target });
              return true;
            });
            reviewed++;
            if (changed) down++;
          }
        }
      }
      return { reviewed, down };
    },

    /**
     * The level of each of these users, as their level card reads it without growth: the stored
     * level, or the level a growth of 0 reaches for a user never levelled (0 without levels).
     * Segments' `level` rule reads it, a page of users at a time.
     */
    async ofUsers(ctx: Ctx, appId: string, userIds: string[]): Promise<Map<string, number>> {
      const defs = await levelsOf(ctx, appId);
      const floor = levelFor(defs, 0)?.level ?? 0;
      const out = new Map(userIds.map((u) => [u, floor]));
      for (const r of await store.userLevelsOf(ctx.db, appId, userIds)) out.set(r.userId, Math.max(r.level, floor));
      return out;
    },

    /** The user's level card: current level, growth, the next level and what it takes. */
    async ofUser(ctx: Ctx, appId: string, userId: string) {
      const [defs, growth, row] = await Promise.all([levelsOf(ctx, appId), growthOf(ctx, appId, userId), store.findUserLevel(ctx.db, appId, userId)]);
      // The stored level (never lowered without a periodic review) or what the growth reaches now,
      // whichever is higher: a user with no growth is at level 1 when level 1's threshold is 0.
      const level = Math.max(row?.level ?? 0, levelFor(defs, growth)?.level ?? 0);
      const current = defs.find((l) => l.level === level) ?? null;
      const next = nextLevel(defs, level, growth);
      return { level, current, growth, next, changedAt: row?.changedAt ?? null };
    },
  };
  return levels;
}

export type Levels = ReturnType<typeof createLevels>;
