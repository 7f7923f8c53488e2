import { and, asc, eq, gt, inArray, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../../db/index.ts';
import { num } from '../../../db/raw.ts';
import { badges, counters, seen, userBadges } from '../schema.ts';

export type BadgeRow = typeof badges.$inferSelect;
export type UserBadgeRow = typeof userBadges.$inferSelect;
export type NewBadge = Omit<typeof badges.$inferInsert, 'createdAt' | 'updatedAt'>;

export async function insertBadge(db: Db, b: NewBadge): Promise<BadgeRow | null> {
  const [r] = await db.insert(badges).values(b).onConflictDoNothing().returning();
  return r ?? null;
}

export async function updateBadge(db: Db, appId: string, id: string, patch: Partial<NewBadge>): Promise<BadgeRow | undefined> {
  const [r] = await db
    .update(badges)
    .set({ ...patch, updatedAt: sql`now()` })
    .where(and(eq(badges.appId, appId), eq(badges.id, id)))
    .returning();
  return r;
}

export async function findBadge(db: Db, appId: string, id: string): Promise<BadgeRow | undefined> {
  const [r] = await db
    .select()
    .from(badges)
    .where(and(eq(badges.appId, appId), eq(badges.id, id)));
  return r;
}

/** Every badge of the app in display order (sort, then key). */
export async function listBadges(db: Db, appId: string, q: { limit?: number; afterKey?: string | undefined; active?: boolean | undefined } = {}): Promise<BadgeRow[]> {
  const conds: SQL[] = [eq(badges.appId, appId)];
  if (q.afterKey !== undefined) conds.push(gt(badges.key, q.afterKey));
  if (q.active !== undefined) conds.push(eq(badges.active, q.active));
  const base = db
    .select()
    .from(badges)
    .where(and(...conds))
    .orderBy(q.limit !== undefined ? asc(badges.key) : asc(badges.sort), asc(badges.key));
  return q.limit !== undefined ? base.limit(q.limit) : base;
}

/** Awards a badge once: true the first time, false when the user already has it. */
export async function award(db: Db, appId: string, userId: string, badgeId: string, via: string, now: Date): Promise<boolean> {
  const rows = await db.insert(userBadges).values({ appId, userId, badgeId, via, awardedAt: now }).onConflictDoNothing().returning({ b: userBadges.badgeId });
  return rows.length > 0;
}

export async function findBadgeByKey(db: Db, appId: string, key: string): Promise<BadgeRow | undefined> {
  const [r] = await db
    .select()
    .from(badges)
    .where(and(eq(badges.appId, appId), eq(badges.key, key)));
  return r;
}

/** The badges these users hold, with each badge's key. */
export async function badgesOfUsers(db: Db, appId: string, userIds: string[]): Promise<{ userId: string; badgeId: string; key: string }[]> {
  if (userIds.length === 0) return [];
  return db
    .select({ userId: userBadges.userId, badgeId: userBadges.badgeId, key: badges.key })
    .from(userBadges)
    .innerJoin(badges, eq(badges.id, userBadges.badgeId))
    .where(and(eq(userBadges.appId, appId), inArray(userBadges.userId, userIds)));
}

export async function userBadgesOf(db: Db, appId: string, userId: string): Promise<UserBadgeRow[]> {
  return db
    .select()
    .from(userBadges)
    .where(and(eq(userBadges.appId, appId), eq(userBadges.userId, userId)));
}

/** Marks an activity as counted; false when it already was (a redelivery). */
export async function markSeen(db: Db, appId: string, sourceId: string): Promise<boolean> {
  const rows = await db.insert(seen).values({ appId, sourceId }).onConflictDoNothing().returning({ s: seen.sourceId });
  return rows.length > 0;
}

export async function bumpCounter(db: Db, appId: string, userId: string, name: string): Promise<number> {
  const res = await db.execute<{ value: number }>(sql`
    insert into gm_counters (app_id, user_id, name, value) values (${appId}, ${userId}, ${name}, 1)
    on conflict (app_id, user_id, name) do update set value = gm_counters.value + 1
    returning value`);
  return num(res.rows[0]!.value);
}

export async function countersOf(db: Db, appId: string, userId: string): Promise<Record<string, number>> {
  const rows = await db
    .select({ name: counters.name, value: counters.value })
    .from(counters)
    .where(and(eq(counters.appId, appId), eq(counters.userId, userId)));
  return Object.fromEntries(rows.map((r) => [r.name, r.value]));
}
