import { and, asc, eq, inArray, lt, sql } from 'drizzle-orm';
import type { Db } from '../../../db/index.ts';
import { levels, userLevels, type LevelBenefits } from '../schema.ts';

export type LevelRow = typeof levels.$inferSelect;
export type UserLevelRow = typeof userLevels.$inferSelect;

export async function replaceLevels(db: Db, appId: string, rows: { level: number; name: string; threshold: number; benefits: LevelBenefits }[]): Promise<void> {
  await db.delete(levels).where(eq(levels.appId, appId));
  if (rows.length > 0) await db.insert(levels).values(rows.map((r) => ({ ...r, appId })));
}

export async function listLevels(db: Db, appId: string): Promise<LevelRow[]> {
  return db.select().from(levels).where(eq(levels.appId, appId)).orderBy(asc(levels.level));
}

export async function findUserLevel(db: Db, appId: string, userId: string): Promise<UserLevelRow | undefined> {
  const [r] = await db
    .select()
    .from(userLevels)
    .where(and(eq(userLevels.appId, appId), eq(userLevels.userId, userId)));
  return r;
}

/** The stored levels of these users (those never levelled are absent). */
export async function userLevelsOf(db: Db, appId: string, userIds: string[]): Promise<{ userId: string; level: number }[]> {
  if (userIds.length === 0) return [];
  return db
    .select({ userId: userLevels.userId, level: userLevels.level })
    .from(userLevels)
    .where(and(eq(userLevels.appId, appId), inArray(userLevels.userId, userIds)));
}

/** Locks the user's level row (level 0 if new) for a change. */
export async function lockUserLevel(db: Db, appId: string, userId: string, now: Date): Promise<UserLevelRow> {
  await db.insert(userLevels).values({ appId, userId, level: 0, changedAt: now, reviewedAt: now }).onConflictDoNothing();
  const [r] = await db
    .select()
    .from(userLevels)
    .where(and(eq(userLevels.appId, appId), eq(userLevels.userId, userId)))
    .for('update');
  return r!;
}

export async function setUserLevel(db: Db, appId: string, userId: string, level: number, now: Date, reviewed: boolean): Promise<void> {
  await db
    .update(userLevels)
    .set({ level, changedAt: now, ...(reviewed ? { reviewedAt: now } : {}) })
    .where(and(eq(userLevels.appId, appId), eq(userLevels.userId, userId)));
}

export async function markReviewed(db: Db, appId: string, userId: string, now: Date): Promise<void> {
  await db
    .update(userLevels)
    .set({ reviewedAt: now })
    .where(and(eq(userLevels.appId, appId), eq(userLevels.userId, userId)));
}

/** Users last reviewed before `before`, oldest first. */
export async function dueForReview(db: Db, appId: string, before: Date, limit: number): Promise<string[]> {
  const rows = await db
    .select({ u: userLevels.userId })
    .from(userLevels)
    .where(and(eq(userLevels.appId, appId), lt(userLevels.reviewedAt, before), sql`${userLevels.level} > 0`))
    .orderBy(asc(userLevels.reviewedAt))
    .limit(limit);
  return rows.map((r) => r.u);
}
