import { and, eq, lt } from 'drizzle-orm';
import type { Db } from '../../../db/index.ts';
import { blocks, checkins, checkinState, counters, dailyRewards, devices, drawCounts, draws, orders, purchases, seen, taskProgress, userBadges, userLevels } from '../schema.ts';

/** Erases everything gamification holds about one user (abuse flags keep their ids as evidence). */
export async function eraseUser(db: Db, appId: string, userId: string): Promise<void> {
  for (const t of [checkins, checkinState, userLevels, userBadges, counters, taskProgress, draws, drawCounts, orders, purchases, dailyRewards, devices, blocks]) {
    await db.delete(t).where(and(eq(t.appId, appId), eq(t.userId, userId)));
  }
}

/** Activity ids older than this can no longer be replayed by the bus. */
export async function purgeSeen(db: Db, before: Date): Promise<void> {
  await db.delete(seen).where(lt(seen.createdAt, before));
}
