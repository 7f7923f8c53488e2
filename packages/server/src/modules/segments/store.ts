// All SQL of segments: definitions, members (entries and exits race-free: an insert or delete that
// did nothing reports nothing) and the size history.
import { and, asc, desc, eq, gt, inArray, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import { sgMembers, sgSegments, sgSizes } from './schema.ts';

export type SegmentRow = typeof sgSegments.$inferSelect;

export async function insertSegment(db: Db, row: typeof sgSegments.$inferInsert): Promise<SegmentRow> {
  const [r] = await db.insert(sgSegments).values(row).returning();
  return r!;
}

export async function findSegment(db: Db, appId: string, id: string, lock = false): Promise<SegmentRow | undefined> {
  const q = db.select().from(sgSegments).where(and(eq(sgSegments.appId, appId), eq(sgSegments.id, id)));
  const [r] = lock ? await q.for('update') : await q;
  return r;
}

export async function updateSegment(db: Db, id: string, set: Partial<Pick<SegmentRow, 'name' | 'description' | 'rules' | 'updatedAt'>>): Promise<SegmentRow> {
  const [r] = await db.update(sgSegments).set(set).where(eq(sgSegments.id, id)).returning();
  return r!;
}

export async function deleteSegment(db: Db, appId: string, id: string): Promise<boolean> {
  const r = await db.delete(sgSegments).where(and(eq(sgSegments.appId, appId), eq(sgSegments.id, id))).returning({ id: sgSegments.id });
  await db.delete(sgMembers).where(eq(sgMembers.segmentId, id));
  await db.delete(sgSizes).where(eq(sgSizes.segmentId, id));
  return r.length > 0;
}

export async function listSegments(db: Db, appId: string, q: { limit: number; before?: { t: string; id: string } | undefined }): Promise<SegmentRow[]> {
  const conds = [eq(sgSegments.appId, appId)];
  if (q.before) conds.push(or(lt(sgSegments.createdAt, new Date(q.before.t)), and(eq(sgSegments.createdAt, new Date(q.before.t)), lt(sgSegments.id, q.before.id)))!);
  return db
    .select()
    .from(sgSegments)
    .where(and(...conds))
    .orderBy(desc(sgSegments.createdAt), desc(sgSegments.id))
    .limit(q.limit);
}

export async function allSegments(db: Db, appId?: string): Promise<SegmentRow[]> {
  return db
    .select()
    .from(sgSegments)
    .where(appId === undefined ? undefined : eq(sgSegments.appId, appId))
    .orderBy(asc(sgSegments.appId), asc(sgSegments.id));
}

/** Locks these segments' rows in id order (for membership changes) and returns them as they are now. */
export async function lockSegments(db: Db, ids: string[]): Promise<SegmentRow[]> {
  if (ids.length === 0) return [];
  return db
    .select()
    .from(sgSegments)
    .where(inArray(sgSegments.id, [...ids].sort()))
    .orderBy(asc(sgSegments.id))
    .for('update');
}

/** Which of these users are members. */
/** The user ids of a segment's members, as a subquery other statements embed (analytics filters by segment with it). */
export const memberIdsSql = (segmentId: string): SQL => sql`select ${sgMembers.userId} from ${sgMembers} where ${sgMembers.segmentId} = ${segmentId}`;

export async function membersAmong(db: Db, segmentId: string, userIds: string[]): Promise<Set<string>> {
  if (userIds.length === 0) return new Set();
  const rows = await db
    .select({ userId: sgMembers.userId })
    .from(sgMembers)
    .where(and(eq(sgMembers.segmentId, segmentId), inArray(sgMembers.userId, userIds)));
  return new Set(rows.map((r) => r.userId));
}

/** The segments each of these users is in (of one app). */
export async function segmentsOfUsers(db: Db, appId: string, userIds: string[]): Promise<{ userId: string; segmentId: string; enteredAt: Date }[]> {
  if (userIds.length === 0) return [];
  return db
    .select({ userId: sgMembers.userId, segmentId: sgMembers.segmentId, enteredAt: sgMembers.enteredAt })
    .from(sgMembers)
    .where(and(eq(sgMembers.appId, appId), inArray(sgMembers.userId, userIds)))
    .orderBy(asc(sgMembers.segmentId));
}

/** Adds members; returns those that were not members before (their entry is theirs to announce). */
export async function addMembers(db: Db, appId: string, segmentId: string, userIds: string[], at: Date): Promise<string[]> {
  if (userIds.length === 0) return [];
  const r = await db
    .insert(sgMembers)
    .values(userIds.map((userId) => ({ segmentId, appId, userId, enteredAt: at })))
    .onConflictDoNothing()
    .returning({ userId: sgMembers.userId });
  if (r.length) await db.update(sgSegments).set({ size: sql`${sgSegments.size} + ${r.length}` }).where(eq(sgSegments.id, segmentId));
  return r.map((x) => x.userId);
}

/** Removes members; returns those that were members (their exit is theirs to announce). */
export async function removeMembers(db: Db, segmentId: string, userIds: string[]): Promise<string[]> {
  if (userIds.length === 0) return [];
  const r = await db
    .delete(sgMembers)
    .where(and(eq(sgMembers.segmentId, segmentId), inArray(sgMembers.userId, userIds)))
    .returning({ userId: sgMembers.userId });
  if (r.length) await db.update(sgSegments).set({ size: sql`${sgSegments.size} - ${r.length}` }).where(eq(sgSegments.id, segmentId));
  return r.map((x) => x.userId);
}

/** Members whose user id is after `after`, in user order (a full computation walks them to find those who left the app's users). */
export async function membersPage(db: Db, segmentId: string, q: { limit: number; afterUserId?: string | undefined }): Promise<{ userId: string; enteredAt: Date }[]> {
  return db
    .select({ userId: sgMembers.userId, enteredAt: sgMembers.enteredAt })
    .from(sgMembers)
    .where(and(eq(sgMembers.segmentId, segmentId), q.afterUserId === undefined ? undefined : gt(sgMembers.userId, q.afterUserId)))
    .orderBy(asc(sgMembers.userId))
    .limit(q.limit);
}

/** After a full computation: the exact size, when, and today's point of the size history. */
export async function recordSize(db: Db, appId: string, segmentId: string, at: Date): Promise<number> {
  const [c] = await db.select({ n: sql<number>`count(*)::int` }).from(sgMembers).where(eq(sgMembers.segmentId, segmentId));
  const size = Number(c?.n ?? 0);
  await db.update(sgSegments).set({ size, computedAt: at }).where(eq(sgSegments.id, segmentId));
  await db
    .insert(sgSizes)
    .values({ segmentId, appId, day: at.toISOString().slice(0, 10), size })
    .onConflictDoUpdate({ target: [sgSizes.segmentId, sgSizes.day], set: { size } });
  return size;
}

export async function sizes(db: Db, segmentId: string, since: string): Promise<{ day: string; size: number }[]> {
  return db
    .select({ day: sgSizes.day, size: sgSizes.size })
    .from(sgSizes)
    .where(and(eq(sgSizes.segmentId, segmentId), sql`${sgSizes.day} >= ${since}`))
    .orderBy(asc(sgSizes.day));
}

/** Host event names (with the app) some segment counts or sums, or counts as ending lurking, for the event log's interest. */
export async function hostInterest(db: Db): Promise<{ appId: string; pattern: string }[]> {
  const r = await db.execute<{ app_id: string; name: string }>(sql`
    with recursive n(app_id, node) as (
      select app_id, rules from sg_segments
      union all
      select n.app_id, c from n cross join lateral jsonb_array_elements(coalesce(n.node->'all', n.node->'any', '[]'::jsonb)) c
    )
    select distinct app_id, node->>'event' as name from n where node->>'kind' in ('event_count', 'event_sum')
    union
    select distinct app_id, e as name from n cross join lateral jsonb_array_elements_text(node->'interaction_events') e where node->>'kind' = 'lurker'`);
  return r.rows.map((x) => ({ appId: x.app_id, pattern: x.name }));
}

export async function eraseUser(db: Db, appId: string, userId: string): Promise<void> {
  // The segments' locks first, in order, as every membership change takes them (see lockSegments).
  const of = await db
    .select({ segmentId: sgMembers.segmentId })
    .from(sgMembers)
    .where(and(eq(sgMembers.appId, appId), eq(sgMembers.userId, userId)));
  await lockSegments(db, of.map((r) => r.segmentId));
  const gone = await db.delete(sgMembers).where(and(eq(sgMembers.appId, appId), eq(sgMembers.userId, userId))).returning({ segmentId: sgMembers.segmentId });
  for (const g of gone) await db.update(sgSegments).set({ size: sql`greatest(${sgSegments.size} - 1, 0)` }).where(eq(sgSegments.id, g.segmentId));
}

export async function eraseApp(db: Db, appId: string): Promise<void> {
  await db.delete(sgMembers).where(eq(sgMembers.appId, appId));
  await db.delete(sgSizes).where(eq(sgSizes.appId, appId));
  await db.delete(sgSegments).where(eq(sgSegments.appId, appId));
}
