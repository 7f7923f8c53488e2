import type { Ctx } from '../../../context.ts';
import type { Db } from '../../../db/index.ts';
import type { Erasure } from '../../../erasure.ts';
import { createAbuse } from './abuse.ts';
import { createAchievements } from './achievements.ts';
import { createCheckin } from './checkin.ts';
import { createShared, type GamificationDeps } from './deps.ts';
import { createLevels } from './levels.ts';
import { createLottery } from './lottery.ts';
import { createMall } from './mall.ts';
import { eraseApp, eraseUser, purgeSeen } from '../store/erase.ts';
import type { GamificationConfig } from '../types.ts';
import { ConfigBody } from '../types.ts';

export type { GamificationDeps, ClientMeta } from './deps.ts';

export function createGamification(deps: GamificationDeps) {
  const shared = createShared(deps);
  const abuse = createAbuse(shared);
  const levels = createLevels(shared);
  const checkin = createCheckin(shared, abuse, levels);
  const lottery = createLottery(shared, abuse);
  const mall = createMall(shared, abuse);
  const achievements = createAchievements(shared);

  return {
    config: {
      get: (ctx: Ctx, appId: string) => shared.config(ctx, appId),
      /** Replaces the configuration; omitted sections take their defaults. */
      async put(ctx: Ctx, appId: string, input: unknown): Promise<GamificationConfig> {
        const cfg = ConfigBody.parse(input);
        // Types the configuration will credit must exist; make-up cards are checked when used.
        await shared.assertTypes(ctx, appId, [
          { type: cfg.points_type, field: 'body.points_type' },
          { type: cfg.checkin.growth > 0 ? cfg.growth_type : null, field: 'body.growth_type' },
        ]);
        return shared.saveConfig(ctx, appId, cfg);
      },
    },
    abuse,
    levels,
    checkin,
    lottery,
    mall,
    achievements,

    /** Erases a user's gamification data, or a deleted app's (wired in app.ts). */
    erasure: {
      eraseUser: (db: Db, appId: string, userId: string) => db.transaction((tx) => eraseUser(tx, appId, userId)),
      eraseApp: (db: Db, appId: string) => db.transaction((tx) => eraseApp(tx, appId)),
    } satisfies Erasure,

    /** Daily housekeeping: old limit windows and activity ids. */
    async purge(ctx: Ctx): Promise<void> {
      await abuse.purge(ctx);
      await purgeSeen(ctx.db, new Date(deps.clock.now().getTime() - 30 * 86_400_000));
    },
  };
}

export type Gamification = ReturnType<typeof createGamification>;
