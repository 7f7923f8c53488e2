// SQL of bargains (砍价) and their cuts.
import { and, asc, desc, eq, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../../db/index.ts';
import { bgBargains, bgCuts, BG_STATUSES } from '../schema.ts';

export type BargainRow = typeof bgBargains.$inferSelect;
export type CutRow = typeof bgCuts.$inferSelect;

export async function insertBargain(db: Db, row: typeof bgBargains.$inferInsert): Promise<BargainRow> {
  const [r] = await db.insert(bgBargains).values(row).returning();
  return r!;
}

export async function findBargain(db: Db, appId: string, id: string, forUpdate = false): Promise<BargainRow | undefined> {
  const q = db
    .select()
    .from(bgBargains)
    .where(and(eq(bgBargains.appId, appId), eq(bgBargains.id, id)));
  const [r] = forUpdate ? await q.for('update') : await q;
  return r;
}

export async function hasActive(db: Db, campaignId: string, userId: string): Promise<boolean> {
  const r = await db
    .select({ id: bgBargains.id })
    .from(bgBargains)
    .where(and(eq(bgBargains.campaignId, campaignId), eq(bgBargains.userId, userId), eq(bgBargains.status, 'active')))
    .limit(1);
  return r.length > 0;
}

export async function lockStarter(db: Db, campaignId: string, userId: string): Promise<void> {
  await db.execute(sql`select pg_advisory_xact_lock(hashtext(${`cm_bg:${campaignId}:${userId}`}))`);
}

export async function hasCut(db: Db, bargainId: string, userId: string): Promise<boolean> {
  const r = await db
    .select({ u: bgCuts.helperUserId })
    .from(bgCuts)
    .where(and(eq(bgCuts.bargainId, bargainId), eq(bgCuts.helperUserId, userId)));
  return r.length > 0;
}

export async function insertCut(db: Db, row: typeof bgCuts.$inferInsert): Promise<CutRow> {
  const [r] = await db.insert(bgCuts).values(row).returning();
  return r!;
}

export async function setBargain(db: Db, id: string, patch: Partial<typeof bgBargains.$inferInsert>): Promise<BargainRow> {
  const [r] = await db.update(bgBargains).set(patch).where(eq(bgBargains.id, id)).returning();
  return r!;
}

export async function cutsOf(db: Db, bargainIds: string[]): Promise<CutRow[]> {
  if (bargainIds.length === 0) return [];
  return db
    .select()
    .from(bgCuts)
    .where(sql`${bgCuts.bargainId} = any(${sql.param(bargainIds)}::text[])`)
    .orderBy(asc(bgCuts.createdAt), asc(bgCuts.helperUserId));
}

/** Active bargains past their deadline (or of a cancelled campaign), locked; others skip them. */
export async function due(db: Db, now: Date, limit: number, campaignId?: string): Promise<BargainRow[]> {
  const q = db
    .select()
    .from(bgBargains)
    .where(and(eq(bgBargains.status, 'active'), campaignId ? eq(bgBargains.campaignId, campaignId) : sql`${bgBargains.expiresAt} <= ${now}`))
    .orderBy(asc(bgBargains.expiresAt))
    .limit(limit);
  return campaignId ? q.for('update') : q.for('update', { skipLocked: true });
}

export async function list(db: Db, campaignId: string, q: { limit: number; before?: { t: string; id: string } | undefined; userId?: string | undefined; status?: (typeof BG_STATUSES)[number] | undefined }): Promise<BargainRow[]> {
  const conds: SQL[] = [eq(bgBargains.campaignId, campaignId)];
  if (q.userId) conds.push(eq(bgBargains.userId, q.userId));
  if (q.status) conds.push(eq(bgBargains.status, q.status));
  if (q.before) conds.push(sql`(${bgBargains.createdAt}, ${bgBargains.id}) < (${q.before.t}::timestamptz, ${q.before.id})`);
  return db
    .select()
    .from(bgBargains)
    .where(and(...conds))
    .orderBy(desc(bgBargains.createdAt), desc(bgBargains.id))
    .limit(q.limit);
}

export async function report(db: Db, campaignId: string): Promise<Record<string, number>> {
  const res = await db.execute<Record<string, number>>(sql`
    select (select count(distinct u)::int from (select user_id as u from cm_bg_bargains where campaign_id = ${campaignId}
                                                union select c.helper_user_id from cm_bg_cuts c join cm_bg_bargains b on b.id = c.bargain_id where b.campaign_id = ${campaignId}) x) as participants,
           count(*)::int as bargains,
           count(*) filter (where status = 'bought')::int as bought,
           count(*) filter (where status = 'expired')::int as expired,
           count(*) filter (where status = 'active')::int as active,
           coalesce(sum(original_price - current_price) filter (where status = 'bought'), 0)::bigint as cost,
           coalesce(sum(cuts), 0)::int as cuts
      from cm_bg_bargains where campaign_id = ${campaignId}`);
  return res.rows[0]!;
}
