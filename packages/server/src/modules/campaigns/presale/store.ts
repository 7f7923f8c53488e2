// SQL of presale orders.
import { and, desc, eq, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../../db/index.ts';
import { psOrders, PS_STATUSES } from '../schema.ts';

export type OrderRow = typeof psOrders.$inferSelect;

export async function insertOrder(db: Db, row: typeof psOrders.$inferInsert): Promise<OrderRow | undefined> {
  const [r] = await db.insert(psOrders).values(row).onConflictDoNothing({ target: [psOrders.campaignId, psOrders.depositOrderRef] }).returning();
  return r;
}

export async function findByDepositRef(db: Db, campaignId: string, ref: string): Promise<OrderRow | undefined> {
  const [r] = await db
    .select()
    .from(psOrders)
    .where(and(eq(psOrders.campaignId, campaignId), eq(psOrders.depositOrderRef, ref)));
  return r;
}

export async function findOrder(db: Db, appId: string, id: string, forUpdate = false): Promise<OrderRow | undefined> {
  const q = db
    .select()
    .from(psOrders)
    .where(and(eq(psOrders.appId, appId), eq(psOrders.id, id)));
  const [r] = forUpdate ? await q.for('update') : await q;
  return r;
}

export async function setOrder(db: Db, id: string, patch: Partial<typeof psOrders.$inferInsert>): Promise<OrderRow> {
  const [r] = await db.update(psOrders).set(patch).where(eq(psOrders.id, id)).returning();
  return r!;
}

/** Orders whose reminder is due, marked reminded in the same statement (so each is reminded once). */
export async function remindDue(db: Db, now: Date, limit: number): Promise<OrderRow[]> {
  const res = await db.execute<{ id: string }>(sql`
    update cm_ps_orders o set reminded_at = ${now}
      from (select id from cm_ps_orders where status = 'deposit_paid' and reminded_at is null and remind_at <= ${now} order by remind_at limit ${limit} for update skip locked) due
     where o.id = due.id returning o.id`);
  return byIds(db, res.rows.map((r) => r.id));
}

/** deposit_paid → forfeited for orders whose final-payment window has closed. */
export async function forfeitDue(db: Db, now: Date, limit: number, campaignId?: string): Promise<OrderRow[]> {
  const res = await db.execute<{ id: string }>(sql`
    update cm_ps_orders o set status = ${campaignId ? 'cancelled' : 'forfeited'}, closed_at = ${now}
      from (select id from cm_ps_orders where status = 'deposit_paid' and ${campaignId ? sql`campaign_id = ${campaignId}` : sql`final_ends_at <= ${now}`} order by id limit ${limit} ${campaignId ? sql`for update` : sql`for update skip locked`}) due
     where o.id = due.id returning o.id`);
  return byIds(db, res.rows.map((r) => r.id));
}

async function byIds(db: Db, ids: string[]): Promise<OrderRow[]> {
  if (ids.length === 0) return [];
  return db
    .select()
    .from(psOrders)
    .where(sql`${psOrders.id} = any(${sql.param(ids)}::text[])`);
}

export async function list(db: Db, campaignId: string, q: { limit: number; before?: { t: string; id: string } | undefined; userId?: string | undefined; status?: (typeof PS_STATUSES)[number] | undefined }): Promise<OrderRow[]> {
  const conds: SQL[] = [eq(psOrders.campaignId, campaignId)];
  if (q.userId) conds.push(eq(psOrders.userId, q.userId));
  if (q.status) conds.push(eq(psOrders.status, q.status));
  if (q.before) conds.push(sql`(${psOrders.createdAt}, ${psOrders.id}) < (${q.before.t}::timestamptz, ${q.before.id})`);
  return db
    .select()
    .from(psOrders)
    .where(and(...conds))
    .orderBy(desc(psOrders.createdAt), desc(psOrders.id))
    .limit(q.limit);
}

export async function report(db: Db, campaignId: string): Promise<Record<string, number>> {
  const res = await db.execute<Record<string, number>>(sql`
    select count(distinct user_id)::int as participants, count(*)::int as orders,
           count(*) filter (where status = 'completed')::int as completed,
           count(*) filter (where status = 'deposit_paid')::int as awaiting_final,
           count(*) filter (where status = 'forfeited')::int as forfeited,
           count(*) filter (where status = 'cancelled')::int as cancelled,
           count(*) filter (where reminded_at is not null)::int as reminded,
           coalesce(sum(deposit_value - deposit) filter (where status = 'completed'), 0)::bigint as cost,
           coalesce(sum(deposit) filter (where status = 'forfeited'), 0)::bigint as forfeited_deposits
      from cm_ps_orders where campaign_id = ${campaignId}`);
  return res.rows[0]!;
}
