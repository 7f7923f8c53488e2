import { and, eq, lt } from 'drizzle-orm';
import type { Db } from '../../../db/index.ts';
import { badges, blocks, checkins, checkinState, config, counters, dailyBudget, dailyRewards, devices, drawCounts, draws, flags, levels, limitCounters, lotteries, mallItems, orders, prizes, purchases, seen, taskProgress, tasks, userBadges, userLevels } from '../schema.ts';

/** Erases everything gamification holds about one user (abuse flags keep their ids as evidence). */
export async function eraseUser(db: Db, appId: string, userId: string): Promise<void> {
  for (const t of [checkins, checkinState, userLevels, userBadges, counters, taskProgress, draws, drawCounts, orders, purchases, dailyRewards, devices, blocks]) {
    await db.delete(t).where(and(eq(t.appId, appId), eq(t.userId, userId)));
  }
}

/** Everything gamification holds for a deleted app. */
export async function eraseApp(db: Db, appId: string): Promise<void> {
  const all = [checkins, checkinState, userLevels, userBadges, counters, taskProgress, draws, drawCounts, orders, purchases, dailyRewards, devices, blocks, flags, limitCounters, dailyBudget, seen];
  for (const t of [...all, prizes, lotteries, mallItems, tasks, badges, levels, config]) await db.delete(t).where(eq(t.appId, appId));
}

/** Activity ids older than this can no longer be replayed by the bus. */
export async function purgeSeen(db: Db, before: Date): Promise<void> {
  await db.delete(seen).where(lt(seen.createdAt, before));
}
