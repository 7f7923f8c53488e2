// All SQL over cp_templates, cp_coupons and cp_user_counts.
import { and, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import { coupons, templates, userCounts, COUPON_STATUSES } from './schema.ts';

export type TemplateRow = typeof templates.$inferSelect;
export type CouponRow = typeof coupons.$inferSelect;
export type CouponStatus = (typeof COUPON_STATUSES)[number];

export async function insertTemplate(db: Db, row: typeof templates.$inferInsert): Promise<TemplateRow> {
  const [r] = await db.insert(templates).values(row).returning();
  return r!;
}

export async function findTemplate(db: Db, appId: string, id: string): Promise<TemplateRow | undefined> {
  const [r] = await db
    .select()
    .from(templates)
    .where(and(eq(templates.appId, appId), eq(templates.id, id)));
  return r;
}

export async function listTemplates(db: Db, appId: string, q: { limit: number; before?: { t: string; id: string } | undefined; status?: 'active' | 'paused' | undefined }): Promise<TemplateRow[]> {
  const conds: SQL[] = [eq(templates.appId, appId)];
  if (q.status) conds.push(eq(templates.status, q.status));
  if (q.before) conds.push(sql`(${templates.createdAt}, ${templates.id}) < (${q.before.t}::timestamptz, ${q.before.id})`);
  return db
    .select()
    .from(templates)
    .where(and(...conds))
    .orderBy(desc(templates.createdAt), desc(templates.id))
    .limit(q.limit);
}

export async function updateTemplate(db: Db, appId: string, id: string, patch: Partial<typeof templates.$inferInsert>): Promise<TemplateRow | undefined> {
  const [r] = await db
    .update(templates)
    .set({ ...patch, updatedAt: sql`now()` })
    .where(and(eq(templates.appId, appId), eq(templates.id, id), patch.totalQuantity != null ? sql`${templates.issued} <= ${patch.totalQuantity}` : sql`true`))
    .returning();
  return r;
}

/** One more coupon of the template for the user, within their limit; false when over it. */
export async function takeUserSlot(db: Db, templateId: string, userId: string, limit: number): Promise<boolean> {
  const r = await db
    .insert(userCounts)
    .values({ templateId, userId, n: 1 })
    .onConflictDoUpdate({ target: [userCounts.templateId, userCounts.userId], set: { n: sql`${userCounts.n} + 1` }, setWhere: sql`${userCounts.n} + 1 <= ${limit}` })
    .returning({ n: userCounts.n });
  return r.length > 0;
}

/** One more coupon out of the total; false when none is left or the template is paused. */
export async function takeQuantity(db: Db, templateId: string): Promise<boolean> {
  const r = await db
    .update(templates)
    .set({ issued: sql`${templates.issued} + 1` })
    .where(and(eq(templates.id, templateId), eq(templates.status, 'active'), sql`(${templates.totalQuantity} is null or ${templates.issued} < ${templates.totalQuantity})`))
    .returning({ issued: templates.issued });
  return r.length > 0;
}

export async function insertCoupon(db: Db, row: typeof coupons.$inferInsert): Promise<CouponRow> {
  const [r] = await db.insert(coupons).values(row).returning();
  return r!;
}

export async function findCouponByIssueKey(db: Db, templateId: string, issueKey: string): Promise<CouponRow | undefined> {
  const [r] = await db
    .select()
    .from(coupons)
    .where(and(eq(coupons.templateId, templateId), eq(coupons.issueKey, issueKey)));
  return r;
}

export async function findCoupon(db: Db, appId: string, id: string, forUpdate = false): Promise<CouponRow | undefined> {
  const q = db
    .select()
    .from(coupons)
    .where(and(eq(coupons.appId, appId), eq(coupons.id, id)));
  const [r] = forUpdate ? await q.for('update') : await q;
  return r;
}

export async function setCoupon(db: Db, id: string, patch: Partial<typeof coupons.$inferInsert>): Promise<CouponRow> {
  const [r] = await db.update(coupons).set(patch).where(eq(coupons.id, id)).returning();
  return r!;
}

/** A user's coupons, newest first. `expired` includes available ones whose time has passed. */
export async function userCoupons(db: Db, appId: string, userId: string, now: Date, q: { limit: number; before?: { t: string; id: string } | undefined; status?: CouponStatus | undefined }): Promise<CouponRow[]> {
  const conds: SQL[] = [eq(coupons.appId, appId), eq(coupons.userId, userId)];
  if (q.status === 'available') conds.push(eq(coupons.status, 'available'), sql`(${coupons.validUntil} is null or ${coupons.validUntil} > ${now})`);
  else if (q.status === 'expired') conds.push(sql`(${coupons.status} = 'expired' or (${coupons.status} = 'available' and ${coupons.validUntil} <= ${now}))`);
  else if (q.status) conds.push(eq(coupons.status, q.status));
  if (q.before) conds.push(sql`(${coupons.createdAt}, ${coupons.id}) < (${q.before.t}::timestamptz, ${q.before.id})`);
  return db
    .select()
    .from(coupons)
    .where(and(...conds))
    .orderBy(desc(coupons.createdAt), desc(coupons.id))
    .limit(q.limit);
}

/** available → expired for coupons past their time, skipping rows another server holds. */
/**
 * Each (user, template, status) these users' coupons of these templates are in at `now`: an
 * available coupon past its time counts as expired (as `get` shows it) before the expiry job marks it.
 */
export async function statusesOf(db: Db, appId: string, userIds: string[], templateIds: string[], now: Date): Promise<{ userId: string; templateId: string; status: CouponStatus }[]> {
  if (userIds.length === 0 || templateIds.length === 0) return [];
  const status = sql<CouponStatus>`case when ${coupons.status} = 'available' and ${coupons.validUntil} <= ${now.toISOString()}::timestamptz then 'expired' else ${coupons.status} end`;
  return db
    .selectDistinct({ userId: coupons.userId, templateId: coupons.templateId, status })
    .from(coupons)
    .where(and(eq(coupons.appId, appId), inArray(coupons.templateId, templateIds), inArray(coupons.userId, userIds)));
}

export async function expireDue(db: Db, now: Date, limit: number): Promise<CouponRow[]> {
  const res = await db.execute<{ id: string }>(sql`
    update cp_coupons c set status = 'expired'
      from (select id from cp_coupons where status = 'available' and valid_until <= ${now} order by valid_until limit ${limit} for update skip locked) due
     where c.id = due.id
    returning c.id`);
  if (res.rows.length === 0) return [];
  return db
    .select()
    .from(coupons)
    .where(sql`${coupons.id} = any(${sql.param(res.rows.map((r) => r.id))}::text[])`);
}

export async function templateReport(db: Db, templateId: string, now: Date): Promise<{ available: number; redeemed: number; expired: number; revoked: number; users: number; discountTotal: number }> {
  const res = await db.execute<Record<string, number>>(sql`
    select count(*) filter (where status = 'available' and (valid_until is null or valid_until > ${now}))::int as available,
           count(*) filter (where status = 'redeemed')::int as redeemed,
           count(*) filter (where status = 'expired' or (status = 'available' and valid_until <= ${now}))::int as expired,
           count(*) filter (where status = 'revoked')::int as revoked,
           count(distinct user_id)::int as users,
           coalesce(sum(discount) filter (where status = 'redeemed'), 0)::bigint as discount_total
      from cp_coupons where template_id = ${templateId}`);
  const r = res.rows[0]!;
  return { available: r.available!, redeemed: r.redeemed!, expired: r.expired!, revoked: r.revoked!, users: r.users!, discountTotal: Number(r.discount_total) };
}

/** Erasure: the user's coupons and counts keep their place (quantities stay exact) under a pseudonym. */
/** Everything of a deleted app. */
export async function eraseApp(db: Db, appId: string): Promise<void> {
  await db.execute(sql`delete from cp_user_counts where template_id in (select id from cp_templates where app_id = ${appId})`);
  await db.execute(sql`delete from cp_coupons where app_id = ${appId}`);
  await db.execute(sql`delete from cp_templates where app_id = ${appId}`);
}

export async function pseudonymise(db: Db, appId: string, userId: string, pseudonym: string): Promise<void> {
  await db.execute(sql`update cp_coupons set user_id = ${pseudonym} where app_id = ${appId} and user_id = ${userId}`);
  await db.execute(sql`update cp_user_counts set user_id = ${pseudonym} where user_id = ${userId} and template_id in (select id from cp_templates where app_id = ${appId})`);
}
