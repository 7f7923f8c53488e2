// SQL of the flash sale: sessions, items, bucketed stock, per-user counts and reservations.
// Purchases are calls of cm_fs_reserve_batch() (see the migration 0009_flash_sale_batch): one
// round trip and one short transaction for a whole batch of attempts, no row every buyer queues
// behind.
import { and, asc, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type pg from 'pg';
import type { Db } from '../../../db/index.ts';
import { retryOnDeadlock } from '../../../lib/tx.ts';
import { campaigns, fsItems, fsReservations, fsSessions, fsStock, FS_RESERVATION_STATUSES } from '../schema.ts';
import type { CampaignRow } from '../store.ts';

export type SessionRow = typeof fsSessions.$inferSelect;
export type ItemRow = typeof fsItems.$inferSelect;
export type ReservationRow = typeof fsReservations.$inferSelect;
export type ReservationStatus = (typeof FS_RESERVATION_STATUSES)[number];
export type Queryable = Pick<pg.Pool, 'query'>;

export async function insertSession(db: Db, row: typeof fsSessions.$inferInsert): Promise<SessionRow> {
  const [r] = await db.insert(fsSessions).values(row).returning();
  return r!;
}

export async function findSession(db: Db, appId: string, id: string): Promise<SessionRow | undefined> {
  const [r] = await db
    .select()
    .from(fsSessions)
    .where(and(eq(fsSessions.appId, appId), eq(fsSessions.id, id)));
  return r;
}

export async function sessionsOf(db: Db, campaignId: string): Promise<SessionRow[]> {
  return db.select().from(fsSessions).where(eq(fsSessions.campaignId, campaignId)).orderBy(asc(fsSessions.startsAt), asc(fsSessions.id));
}

export async function insertItem(db: Db, row: typeof fsItems.$inferInsert, split: number[]): Promise<ItemRow> {
  const [r] = await db.insert(fsItems).values(row).returning();
  await db.insert(fsStock).values(split.map((remaining, bucket) => ({ itemId: r!.id, bucket, remaining })));
  return r!;
}

/** The item, locked: stock changes to one item run one at a time. */
export async function lockItem(db: Db, appId: string, itemId: string): Promise<ItemRow | undefined> {
  const [r] = await db
    .select()
    .from(fsItems)
    .where(and(eq(fsItems.appId, appId), eq(fsItems.id, itemId)))
    .for('update');
  return r;
}

export async function setItemStock(db: Db, itemId: string, stock: number): Promise<ItemRow> {
  const [r] = await db.update(fsItems).set({ stock }).where(eq(fsItems.id, itemId)).returning();
  return r!;
}

/** Adds units to the buckets (split[i] to bucket i): one row update each, like a released unit. */
export async function addStock(db: Db, itemId: string, split: number[]): Promise<void> {
  await db.execute(sql`
    update cm_fs_stock s set remaining = s.remaining + t.n
      from unnest(${sql.param(split.map((_, i) => i))}::int[], ${sql.param(split)}::int[]) as t(b, n)
     where s.item_id = ${itemId} and s.bucket = t.b and t.n > 0`);
}

/**
 * Takes back `n` units not held by anyone, under the locks of every bucket (in bucket order, as the
 * multi-unit purchase path takes them); null, taking nothing, when fewer than n remain.
 */
export async function takeBackStock(db: Db, itemId: string, n: number): Promise<number | null> {
  const rows = (await db.execute<{ bucket: number; remaining: number }>(sql`select bucket, remaining from cm_fs_stock where item_id = ${itemId} order by bucket for update`)).rows;
  if (rows.reduce((a, r) => a + r.remaining, 0) < n) return null;
  let left = n;
  for (const r of rows) {
    if (left === 0) break;
    const take = Math.min(left, r.remaining);
    if (take === 0) continue;
    await db.execute(sql`update cm_fs_stock set remaining = remaining - ${take} where item_id = ${itemId} and bucket = ${r.bucket}`);
    left -= take;
  }
  return n;
}

export async function itemsOf(db: Db, sessionIds: string[]): Promise<ItemRow[]> {
  if (sessionIds.length === 0) return [];
  return db.select().from(fsItems).where(inArray(fsItems.sessionId, sessionIds)).orderBy(asc(fsItems.id));
}

export async function itemsOfCampaign(db: Db, campaignId: string): Promise<ItemRow[]> {
  return db.select().from(fsItems).where(eq(fsItems.campaignId, campaignId));
}

export type ItemMeta = { item: ItemRow; session: SessionRow; campaign: Pick<CampaignRow, 'id' | 'appId' | 'status' | 'startsAt' | 'endsAt' | 'perUserLimit' | 'experimentId' | 'segmentId'> };

/** An item with its session and campaign: what a purchase attempt checks before touching stock. */
export async function findItemMeta(db: Db, appId: string, itemId: string): Promise<ItemMeta | undefined> {
  const [r] = await db
    .select({ item: fsItems, session: fsSessions, campaign: { id: campaigns.id, appId: campaigns.appId, status: campaigns.status, startsAt: campaigns.startsAt, endsAt: campaigns.endsAt, perUserLimit: campaigns.perUserLimit, experimentId: campaigns.experimentId, segmentId: campaigns.segmentId } })
    .from(fsItems)
    .innerJoin(fsSessions, eq(fsSessions.id, fsItems.sessionId))
    .innerJoin(campaigns, eq(campaigns.id, fsItems.campaignId))
    .where(and(eq(fsItems.appId, appId), eq(fsItems.id, itemId)));
  return r;
}

export async function remainingOf(db: Db, itemIds: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (itemIds.length === 0) return out;
  const rows = await db
    .select({ itemId: fsStock.itemId, remaining: sql<number>`sum(${fsStock.remaining})::int` })
    .from(fsStock)
    .where(inArray(fsStock.itemId, itemIds))
    .groupBy(fsStock.itemId);
  for (const r of rows) out.set(r.itemId, r.remaining);
  return out;
}

/** Units held or sold per user, for seeding the Redis gate. */
export async function userCounts(db: Db, itemId: string): Promise<[string, number][]> {
  const res = await db.execute<{ user_id: string; qty: number }>(sql`select user_id, qty from cm_fs_user_counts where item_id = ${itemId} and qty > 0`);
  return res.rows.map((r) => [r.user_id, r.qty]);
}

export type BatchArgs = {
  appId: string;
  campaignId: string;
  itemId: string;
  attempts: { userId: string; qty: number; id: string }[];
  userLimit: number;
  campaignLimit: number | null;
  buckets: number;
  startBucket: number;
  now: Date;
  expiresAt: Date;
};
/** 'busy': units are left but other batches hold them right now; send the attempt again (see migration 0048). */
export type ReserveOutcome = 'reserved' | 'sold_out' | 'limit_reached' | 'campaign_limit_reached' | 'not_active' | 'busy';

const RESERVE_BATCH = 'select idx, outcome, bucket from cm_fs_reserve_batch($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)';

/**
 * Attempts in one call and one transaction, in order; an outcome per attempt. Retried on a
 * deadlock (PostgreSQL aborts one side whole: nothing of it was taken).
 */
export async function reserveBatch(pool: Queryable, a: BatchArgs): Promise<{ outcome: ReserveOutcome; bucket: number | null }[]> {
  const values = [a.appId, a.campaignId, a.itemId, a.attempts.map((x) => x.userId), a.attempts.map((x) => x.qty), a.attempts.map((x) => x.id), a.userLimit, a.campaignLimit, a.buckets, a.startBucket, a.now, a.expiresAt];
  return retryOnDeadlock(async () => {
    const res = await pool.query<{ idx: number; outcome: ReserveOutcome; bucket: number | null }>({ name: 'cm_fs_reserve_batch', text: RESERVE_BATCH, values });
    const out = new Array<{ outcome: ReserveOutcome; bucket: number | null }>(a.attempts.length);
    for (const r of res.rows) out[r.idx - 1] = { outcome: r.outcome, bucket: r.bucket };
    return out;
  });
}

export async function findReservation(db: Db, appId: string, id: string): Promise<ReservationRow | undefined> {
  const [r] = await db
    .select()
    .from(fsReservations)
    .where(and(eq(fsReservations.appId, appId), eq(fsReservations.id, id)));
  return r;
}

export type ReservationQuery = { limit: number; before?: { t: string; id: string } | undefined; campaignId?: string | undefined; itemId?: string | undefined; userId?: string | undefined; status?: ReservationStatus | undefined };

export async function listReservations(db: Db, appId: string, q: ReservationQuery): Promise<ReservationRow[]> {
  const conds: SQL[] = [eq(fsReservations.appId, appId)];
  if (q.campaignId) conds.push(eq(fsReservations.campaignId, q.campaignId));
  if (q.itemId) conds.push(eq(fsReservations.itemId, q.itemId));
  if (q.userId) conds.push(eq(fsReservations.userId, q.userId));
  if (q.status) conds.push(eq(fsReservations.status, q.status));
  if (q.before) conds.push(sql`(${fsReservations.createdAt}, ${fsReservations.id}) < (${q.before.t}::timestamptz, ${q.before.id})`);
  return db
    .select()
    .from(fsReservations)
    .where(and(...conds))
    .orderBy(desc(fsReservations.createdAt), desc(fsReservations.id))
    .limit(q.limit);
}

/** held → confirmed, only while the hold lasts. Undefined when it is not held or has run out. */
export async function confirm(db: Db, appId: string, id: string, orderRef: string, now: Date): Promise<ReservationRow | undefined> {
  const [r] = await db
    .update(fsReservations)
    .set({ status: 'confirmed', orderRef, confirmedAt: now })
    .where(and(eq(fsReservations.appId, appId), eq(fsReservations.id, id), eq(fsReservations.status, 'held'), sql`${fsReservations.expiresAt} > ${now}`))
    .returning();
  return r;
}

export type Which =
  | { kind: 'one'; appId: string; id: string; from: ReservationStatus[] }
  | { kind: 'due'; now: Date; limit: number }
  | { kind: 'campaign'; campaignId: string }
  | { kind: 'cancelled'; limit: number }
  | { kind: 'user'; appId: string; userId: string };

/**
 * Ends reservations and returns their units to stock and to the users' limits, in the caller's
 * transaction. Stock and count rows are locked in a fixed order (as the purchase function
 * locks them: stock, then the user's count) so that releases and purchases cannot deadlock.
 */
export async function release(db: Db, which: Which, to: 'released' | 'expired', now: Date): Promise<ReservationRow[]> {
  let pick: SQL;
  switch (which.kind) {
    case 'one':
      pick = sql`select id from cm_fs_reservations where app_id = ${which.appId} and id = ${which.id} and status = any(${sql.param(which.from)}::text[]) for update`;
      break;
    case 'due':
      pick = sql`select id from cm_fs_reservations where status = 'held' and expires_at <= ${which.now} order by expires_at limit ${which.limit} for update skip locked`;
      break;
    case 'campaign':
      pick = sql`select id from cm_fs_reservations where campaign_id = ${which.campaignId} and status = 'held' for update`;
      break;
    case 'user':
      pick = sql`select id from cm_fs_reservations where app_id = ${which.appId} and user_id = ${which.userId} and status = 'held' for update`;
      break;
    case 'cancelled':
      pick = sql`select r.id from cm_fs_reservations r join cm_campaigns c on c.id = r.campaign_id where r.status = 'held' and c.status = 'cancelled' limit ${which.limit} for update of r skip locked`;
      break;
  }
  const res = await db.execute<Record<string, unknown>>(sql`
    update cm_fs_reservations r set status = ${to}, released_at = ${now}
      from (${pick}) p
     where r.id = p.id
    returning r.*`);
  const rows: ReservationRow[] = res.rows.map((r) => ({
    id: r.id as string,
    appId: r.app_id as string,
    campaignId: r.campaign_id as string,
    itemId: r.item_id as string,
    userId: r.user_id as string,
    qty: r.qty as number,
    bucket: r.bucket as number,
    status: r.status as ReservationStatus,
    expiresAt: new Date(r.expires_at as string),
    orderRef: r.order_ref as string | null,
    createdAt: new Date(r.created_at as string),
    confirmedAt: r.confirmed_at ? new Date(r.confirmed_at as string) : null,
    releasedAt: r.released_at ? new Date(r.released_at as string) : null,
  }));
  if (rows.length === 0) return rows;

  const stock = new Map<string, { item: string; bucket: number; q: number }>();
  const users = new Map<string, { item: string; user: string; q: number }>();
  const quota = new Map<string, { campaign: string; user: string; q: number }>();
  for (const r of rows) {
    const s = stock.get(`${r.itemId}\u0000${r.bucket}`) ?? { item: r.itemId, bucket: r.bucket, q: 0 };
    s.q += r.qty;
    stock.set(`${r.itemId}\u0000${r.bucket}`, s);
    const u = users.get(`${r.itemId}\u0000${r.userId}`) ?? { item: r.itemId, user: r.userId, q: 0 };
    u.q += r.qty;
    users.set(`${r.itemId}\u0000${r.userId}`, u);
    const c = quota.get(`${r.campaignId}\u0000${r.userId}`) ?? { campaign: r.campaignId, user: r.userId, q: 0 };
    c.q += r.qty;
    quota.set(`${r.campaignId}\u0000${r.userId}`, c);
  }
  const s = [...stock.values()];
  const sv = sql`unnest(${sql.param(s.map((x) => x.item))}::text[], ${sql.param(s.map((x) => x.bucket))}::smallint[], ${sql.param(s.map((x) => x.q))}::int[]) as v(item_id, bucket, q)`;
  await db.execute(sql`select 1 from cm_fs_stock st join ${sv} using (item_id, bucket) order by st.item_id, st.bucket for update of st`);
  await db.execute(sql`update cm_fs_stock st set remaining = st.remaining + v.q from ${sv} where st.item_id = v.item_id and st.bucket = v.bucket`);
  const u = [...users.values()];
  const uv = sql`unnest(${sql.param(u.map((x) => x.item))}::text[], ${sql.param(u.map((x) => x.user))}::text[], ${sql.param(u.map((x) => x.q))}::int[]) as v(item_id, user_id, q)`;
  await db.execute(sql`select 1 from cm_fs_user_counts uc join ${uv} using (item_id, user_id) order by uc.item_id, uc.user_id for update of uc`);
  await db.execute(sql`update cm_fs_user_counts uc set qty = greatest(0, uc.qty - v.q) from ${uv} where uc.item_id = v.item_id and uc.user_id = v.user_id`);
  const c = [...quota.values()];
  await db.execute(sql`
    with v as (select * from unnest(${sql.param(c.map((x) => x.campaign))}::text[], ${sql.param(c.map((x) => x.user))}::text[], ${sql.param(c.map((x) => x.q))}::int[]) as v(campaign_id, user_id, q))
    update cm_user_quota uq set used = greatest(0, uq.used - v.q) from v where uq.campaign_id = v.campaign_id and uq.user_id = v.user_id`);
  return rows;
}

export async function report(db: Db, campaignId: string): Promise<{ participants: number; reservations: number; heldUnits: number; confirmedUnits: number; releasedUnits: number; expiredUnits: number; buyers: number; cost: number; revenue: number }> {
  const res = await db.execute<Record<string, number>>(sql`
    select count(distinct r.user_id)::int as participants,
           count(*)::int as reservations,
           coalesce(sum(r.qty) filter (where r.status = 'held'), 0)::int as held_units,
           coalesce(sum(r.qty) filter (where r.status = 'confirmed'), 0)::int as confirmed_units,
           coalesce(sum(r.qty) filter (where r.status = 'released'), 0)::int as released_units,
           coalesce(sum(r.qty) filter (where r.status = 'expired'), 0)::int as expired_units,
           count(distinct r.user_id) filter (where r.status = 'confirmed')::int as buyers,
           coalesce(sum(r.qty * (i.original_price - i.sale_price)) filter (where r.status = 'confirmed'), 0)::bigint as cost,
           coalesce(sum(r.qty * i.sale_price) filter (where r.status = 'confirmed'), 0)::bigint as revenue
      from cm_fs_reservations r join cm_fs_items i on i.id = r.item_id
     where r.campaign_id = ${campaignId}`);
  const r = res.rows[0]!;
  return { participants: r.participants!, reservations: r.reservations!, heldUnits: r.held_units!, confirmedUnits: r.confirmed_units!, releasedUnits: r.released_units!, expiredUnits: r.expired_units!, buyers: r.buyers!, cost: Number(r.cost), revenue: Number(r.revenue) };
}

/** Items of sessions open now or soon (or just ended), whose Redis counters are worth keeping true. */
export async function activeItemIds(db: Db, now: Date, marginMs: number): Promise<string[]> {
  const from = new Date(now.getTime() + marginMs);
  const to = new Date(now.getTime() - marginMs);
  const rows = await db
    .select({ id: fsItems.id })
    .from(fsItems)
    .innerJoin(fsSessions, eq(fsSessions.id, fsItems.sessionId))
    .innerJoin(campaigns, eq(campaigns.id, fsItems.campaignId))
    .where(and(sql`${campaigns.status} in ('scheduled', 'running')`, sql`${fsSessions.startsAt} <= ${from}`, sql`${fsSessions.endsAt} >= ${to}`));
  return rows.map((r) => r.id);
}

/** Adds counted refusals (a campaign deleted meanwhile is skipped). */
export async function addRejections(db: Db, rows: { campaignId: string; reason: string; n: number }[], now: Date): Promise<void> {
  if (rows.length === 0) return;
  await db.execute(sql`
    insert into cm_fs_rejections (campaign_id, reason, n, updated_at)
    select v.campaign_id, v.reason, v.n, ${now}
      from unnest(${sql.param(rows.map((r) => r.campaignId))}::text[], ${sql.param(rows.map((r) => r.reason))}::text[], ${sql.param(rows.map((r) => r.n))}::bigint[]) as v(campaign_id, reason, n)
      join cm_campaigns c on c.id = v.campaign_id
     order by v.campaign_id, v.reason
    on conflict (campaign_id, reason) do update set n = cm_fs_rejections.n + excluded.n, updated_at = excluded.updated_at`);
}

/** Refusals of the campaign's purchase attempts so far, by reason. */
export async function rejections(db: Db, campaignId: string): Promise<Record<string, number>> {
  const res = await db.execute<{ reason: string; n: string | number }>(sql`select reason, n from cm_fs_rejections where campaign_id = ${campaignId} order by reason`);
  return Object.fromEntries(res.rows.map((r) => [r.reason, Number(r.n)]));
}
