// Blocks, reports and the moderation queue.
import { and, asc, desc, eq, gt, inArray, isNull, lt, sql, type SQL } from 'drizzle-orm';
import { blocks, comments, reports } from '../schema.ts';
import { blockedSql, rows, type Db } from './common.ts';

export type BlockRow = typeof blocks.$inferSelect;
export type ReportRow = typeof reports.$inferSelect;

export async function isBlocked(db: Db, appId: string, userId: string, now: Date): Promise<boolean> {
  const [r] = await rows<{ b: boolean }>(db, sql`select ${blockedSql(appId, userId, now)} as b`);
  return r!.b;
}

export async function findBlock(db: Db, appId: string, userId: string): Promise<BlockRow | undefined> {
  const [r] = await db
    .select()
    .from(blocks)
    .where(and(eq(blocks.appId, appId), eq(blocks.userId, userId)));
  return r;
}

export async function upsertBlock(db: Db, v: { appId: string; userId: string; reason: string | null; until: Date | null; createdBy: string | null; createdAt: Date }): Promise<BlockRow> {
  const [r] = await db
    .insert(blocks)
    .values(v)
    .onConflictDoUpdate({ target: [blocks.appId, blocks.userId], set: { reason: v.reason, until: v.until, createdBy: v.createdBy, createdAt: v.createdAt } })
    .returning();
  return r!;
}

export async function deleteBlock(db: Db, appId: string, userId: string): Promise<BlockRow | undefined> {
  const [r] = await db
    .delete(blocks)
    .where(and(eq(blocks.appId, appId), eq(blocks.userId, userId)))
    .returning();
  return r;
}

export async function listBlocks(db: Db, appId: string, q: { limit: number; afterUserId?: string | undefined }): Promise<BlockRow[]> {
  return db
    .select()
    .from(blocks)
    .where(and(eq(blocks.appId, appId), q.afterUserId !== undefined ? gt(blocks.userId, q.afterUserId) : undefined))
    .orderBy(asc(blocks.userId))
    .limit(q.limit);
}

/** A user's report of a comment; null if they already reported it (one report per user). */
export async function insertReport(db: Db, v: { appId: string; commentId: number; reporterId: string; reason: string; note: string | null; createdAt: Date }): Promise<ReportRow | null> {
  const [r] = await db.insert(reports).values(v).onConflictDoNothing().returning();
  return r ?? null;
}

export async function resolveReports(db: Db, commentId: number, resolution: 'approve' | 'hide' | 'delete', now: Date): Promise<number> {
  const r = await db
    .update(reports)
    .set({ resolvedAt: now, resolution })
    .where(and(eq(reports.commentId, commentId), isNull(reports.resolvedAt)))
    .returning({ id: reports.id });
  return r.length;
}

/** Comments with open reports, most reported first. */
export async function queue(db: Db, appId: string, q: { limit: number; after?: { r: number; id: number } | undefined; status?: 'visible' | 'hidden' | undefined }): Promise<number[]> {
  const conds: (SQL | undefined)[] = [eq(comments.appId, appId), sql`${comments.openReports} > 0`];
  if (q.status) conds.push(eq(comments.status, q.status));
  if (q.after) conds.push(sql`(${comments.openReports}, ${comments.id}) < (${q.after.r}::int, ${q.after.id}::bigint)`);
  const rs = await db
    .select({ id: comments.id })
    .from(comments)
    .where(and(...conds))
    .orderBy(desc(comments.openReports), desc(comments.id))
    .limit(q.limit);
  return rs.map((r) => r.id);
}

/** Open reports per comment, counted by reason. */
export async function openReasons(db: Db, commentIds: number[]): Promise<Map<number, Record<string, number>>> {
  const out = new Map<number, Record<string, number>>();
  if (commentIds.length === 0) return out;
  const rs = await db
    .select({ commentId: reports.commentId, reason: reports.reason, n: sql<number>`count(*)::int` })
    .from(reports)
    .where(and(inArray(reports.commentId, commentIds), isNull(reports.resolvedAt)))
    .groupBy(reports.commentId, reports.reason);
  for (const r of rs) out.set(r.commentId, { ...out.get(r.commentId), [r.reason]: r.n });
  return out;
}

export async function listReports(db: Db, appId: string, q: { limit: number; beforeId?: number | undefined; commentId?: number | undefined; open?: boolean | undefined }): Promise<ReportRow[]> {
  const conds: (SQL | undefined)[] = [eq(reports.appId, appId)];
  if (q.commentId !== undefined) conds.push(eq(reports.commentId, q.commentId));
  if (q.open !== undefined) conds.push(q.open ? isNull(reports.resolvedAt) : sql`${reports.resolvedAt} is not null`);
  if (q.beforeId !== undefined) conds.push(lt(reports.id, q.beforeId));
  return db
    .select()
    .from(reports)
    .where(and(...conds))
    .orderBy(desc(reports.id))
    .limit(q.limit);
}
