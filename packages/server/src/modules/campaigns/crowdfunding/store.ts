// SQL of crowdfunding pledges and tier counters.
import { and, desc, eq, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../../db/index.ts';
import { cfPledges, cfTiers, CF_STATUSES } from '../schema.ts';

export type PledgeRow = typeof cfPledges.$inferSelect;

/** One more pledge in the tier, within its limit (null = no limit). */
export async function takeTier(db: Db, campaignId: string, tierId: string, limit: number | null): Promise<boolean> {
  const r = await db
    .insert(cfTiers)
    .values({ campaignId, tierId, taken: 1 })
    .onConflictDoUpdate({ target: [cfTiers.campaignId, cfTiers.tierId], set: { taken: sql`${cfTiers.taken} + 1` }, ...(limit !== null ? { setWhere: sql`${cfTiers.taken} + 1 <= ${limit}` } : {}) })
    .returning({ taken: cfTiers.taken });
  return r.length > 0 && (limit === null || r[0]!.taken <= limit);
}

export async function returnTier(db: Db, campaignId: string, tierId: string): Promise<void> {
  await db
    .update(cfTiers)
    .set({ taken: sql`greatest(0, ${cfTiers.taken} - 1)` })
    .where(and(eq(cfTiers.campaignId, campaignId), eq(cfTiers.tierId, tierId)));
}

export async function tierCounts(db: Db, campaignId: string): Promise<Map<string, number>> {
  const rows = await db.select().from(cfTiers).where(eq(cfTiers.campaignId, campaignId));
  return new Map(rows.map((r) => [r.tierId, r.taken]));
}

export async function insertPledge(db: Db, row: typeof cfPledges.$inferInsert): Promise<PledgeRow> {
  const [r] = await db.insert(cfPledges).values(row).returning();
  return r!;
}

export async function findByRef(db: Db, campaignId: string, orderRef: string): Promise<PledgeRow | undefined> {
  const [r] = await db
    .select()
    .from(cfPledges)
    .where(and(eq(cfPledges.campaignId, campaignId), eq(cfPledges.orderRef, orderRef)));
  return r;
}

export async function findPledge(db: Db, appId: string, id: string, forUpdate = false): Promise<PledgeRow | undefined> {
  const q = db
    .select()
    .from(cfPledges)
    .where(and(eq(cfPledges.appId, appId), eq(cfPledges.id, id)));
  const [r] = forUpdate ? await q.for('update') : await q;
  return r;
}

export async function setPledge(db: Db, id: string, patch: Partial<typeof cfPledges.$inferInsert>): Promise<PledgeRow> {
  const [r] = await db.update(cfPledges).set(patch).where(eq(cfPledges.id, id)).returning();
  return r!;
}

export async function totals(db: Db, campaignId: string, status: (typeof CF_STATUSES)[number] = 'pledged'): Promise<{ amount: number; backers: number }> {
  const res = await db.execute<{ amount: number; backers: number }>(sql`
    select coalesce(sum(amount), 0)::bigint as amount, count(distinct user_id)::int as backers from cm_cf_pledges where campaign_id = ${campaignId} and status = ${status}`);
  const r = res.rows[0]!;
  return { amount: Number(r.amount), backers: r.backers };
}

/** Settles every open pledge of the campaign at once: succeeded (captured) or released. */
export async function settle(db: Db, campaignId: string, to: 'succeeded' | 'released', now: Date): Promise<PledgeRow[]> {
  return db
    .update(cfPledges)
    .set({ status: to, closedAt: now })
    .where(and(eq(cfPledges.campaignId, campaignId), eq(cfPledges.status, 'pledged')))
    .returning();
}

export async function list(db: Db, campaignId: string, q: { limit: number; before?: { t: string; id: string } | undefined; userId?: string | undefined; status?: (typeof CF_STATUSES)[number] | undefined }): Promise<PledgeRow[]> {
  const conds: SQL[] = [eq(cfPledges.campaignId, campaignId)];
  if (q.userId) conds.push(eq(cfPledges.userId, q.userId));
  if (q.status) conds.push(eq(cfPledges.status, q.status));
  if (q.before) conds.push(sql`(${cfPledges.createdAt}, ${cfPledges.id}) < (${q.before.t}::timestamptz, ${q.before.id})`);
  return db
    .select()
    .from(cfPledges)
    .where(and(...conds))
    .orderBy(desc(cfPledges.createdAt), desc(cfPledges.id))
    .limit(q.limit);
}

export async function participants(db: Db, campaignId: string): Promise<number> {
  const res = await db.execute<{ n: number }>(sql`select count(distinct user_id)::int as n from cm_cf_pledges where campaign_id = ${campaignId}`);
  return res.rows[0]!.n;
}
