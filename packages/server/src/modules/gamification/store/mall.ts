import { and, desc, eq, inArray, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../../db/index.ts';
import { dailyBudget, dailyRewards, mallItems, orders, purchases } from '../schema.ts';

export type ItemRow = typeof mallItems.$inferSelect;
export type OrderRow = typeof orders.$inferSelect;
export type OrderStatus = OrderRow['status'];
export type NewItem = Omit<typeof mallItems.$inferInsert, 'createdAt' | 'updatedAt' | 'sold'>;
export type DailyRow = typeof dailyRewards.$inferSelect;

// ---- catalogue ----------------------------------------------------------------------------------

export async function insertItem(db: Db, i: NewItem): Promise<ItemRow> {
  const [r] = await db.insert(mallItems).values(i).returning();
  return r!;
}

export async function findItem(db: Db, appId: string, id: string): Promise<ItemRow | undefined> {
  const [r] = await db
    .select()
    .from(mallItems)
    .where(and(eq(mallItems.appId, appId), eq(mallItems.id, id)));
  return r;
}

export async function updateItem(db: Db, appId: string, id: string, patch: Partial<NewItem>): Promise<ItemRow | undefined> {
  const [r] = await db
    .update(mallItems)
    .set({ ...patch, updatedAt: sql`now()` })
    .where(and(eq(mallItems.appId, appId), eq(mallItems.id, id)))
    .returning();
  return r;
}

export async function listItems(db: Db, appId: string, q: { limit: number; beforeId?: string | undefined; active?: boolean | undefined; kind?: ItemRow['kind'] | undefined }): Promise<ItemRow[]> {
  const conds: SQL[] = [eq(mallItems.appId, appId)];
  if (q.beforeId !== undefined) conds.push(lt(mallItems.id, q.beforeId));
  if (q.active !== undefined) conds.push(eq(mallItems.active, q.active));
  if (q.kind) conds.push(eq(mallItems.kind, q.kind));
  return db
    .select()
    .from(mallItems)
    .where(and(...conds))
    .orderBy(desc(mallItems.id))
    .limit(q.limit);
}

// ---- redemption ---------------------------------------------------------------------------------

/** Adds units to what the user holds of an item; false when that would pass the per-user limit. */
export async function addPurchase(db: Db, k: { appId: string; itemId: string; userId: string; quantity: number; limit: number | null }): Promise<boolean> {
  const rows = await db
    .insert(purchases)
    .values({ appId: k.appId, itemId: k.itemId, userId: k.userId, count: k.quantity })
    .onConflictDoUpdate({
      target: [purchases.appId, purchases.itemId, purchases.userId],
      set: { count: sql`${purchases.count} + ${k.quantity}` },
      ...(k.limit === null ? {} : { setWhere: sql`${purchases.count} + ${k.quantity} <= ${k.limit}` }),
    })
    .returning({ count: purchases.count });
  // A first purchase above the limit inserts; the limit check then refuses it.
  return rows.length > 0 && (k.limit === null || rows[0]!.count <= k.limit);
}

export async function removePurchase(db: Db, appId: string, itemId: string, userId: string, quantity: number): Promise<void> {
  await db
    .update(purchases)
    .set({ count: sql`greatest(0, ${purchases.count} - ${quantity})` })
    .where(and(eq(purchases.appId, appId), eq(purchases.itemId, itemId), eq(purchases.userId, userId)));
}

/** Takes units from stock; false when there are not enough (never below zero) or the item is off sale. */
export async function takeStock(db: Db, itemId: string, quantity: number): Promise<boolean> {
  const rows = await db
    .update(mallItems)
    .set({ stock: sql`case when ${mallItems.stock} is null then null else ${mallItems.stock} - ${quantity} end`, sold: sql`${mallItems.sold} + ${quantity}` })
    .where(and(eq(mallItems.id, itemId), eq(mallItems.active, true), or(isNull(mallItems.stock), sql`${mallItems.stock} >= ${quantity}`)))
    .returning({ id: mallItems.id });
  return rows.length > 0;
}

export async function returnStock(db: Db, itemId: string, quantity: number): Promise<void> {
  await db
    .update(mallItems)
    .set({ stock: sql`case when ${mallItems.stock} is null then null else ${mallItems.stock} + ${quantity} end`, sold: sql`${mallItems.sold} - ${quantity}` })
    .where(eq(mallItems.id, itemId));
}

export async function insertOrder(db: Db, o: typeof orders.$inferInsert): Promise<OrderRow> {
  const [r] = await db.insert(orders).values(o).returning();
  return r!;
}

export async function findOrder(db: Db, appId: string, id: string): Promise<OrderRow | undefined> {
  const [r] = await db
    .select()
    .from(orders)
    .where(and(eq(orders.appId, appId), eq(orders.id, id)));
  return r;
}

export async function findOrderByRequest(db: Db, appId: string, userId: string, requestKey: string): Promise<OrderRow | undefined> {
  const [r] = await db
    .select()
    .from(orders)
    .where(and(eq(orders.appId, appId), eq(orders.userId, userId), eq(orders.requestKey, requestKey)));
  return r;
}

/** Moves an order from one of `from` to `to`; undefined when it is in none of them. */
export async function moveOrder(db: Db, appId: string, id: string, from: OrderStatus[], to: OrderStatus, patch: { tracking?: string | undefined; now: Date }): Promise<OrderRow | undefined> {
  const [r] = await db
    .update(orders)
    .set({ status: to, updatedAt: patch.now, ...(patch.tracking !== undefined ? { tracking: patch.tracking } : {}) })
    .where(and(eq(orders.appId, appId), eq(orders.id, id), inArray(orders.status, from)))
    .returning();
  return r;
}

export type OrderQuery = { limit: number; before?: { at: Date; id: string } | undefined; userId?: string | undefined; status?: OrderStatus | undefined; itemId?: string | undefined };

export async function listOrders(db: Db, appId: string, q: OrderQuery): Promise<OrderRow[]> {
  const conds: SQL[] = [eq(orders.appId, appId)];
  if (q.userId) conds.push(eq(orders.userId, q.userId));
  if (q.status) conds.push(eq(orders.status, q.status));
  if (q.itemId) conds.push(eq(orders.itemId, q.itemId));
  if (q.before) conds.push(sql`(${orders.createdAt}, ${orders.id}) < (${q.before.at.toISOString()}::timestamptz, ${q.before.id})`);
  return db
    .select()
    .from(orders)
    .where(and(...conds))
    .orderBy(desc(orders.createdAt), desc(orders.id))
    .limit(q.limit);
}

// ---- daily login reward -------------------------------------------------------------------------

/** The user's claim for a local day: inserted now (returned) or already there (null). */
export async function claimDaily(db: Db, r: Omit<DailyRow, 'createdAt'> & { now: Date }): Promise<DailyRow | null> {
  const [row] = await db
    .insert(dailyRewards)
    .values({ appId: r.appId, userId: r.userId, localDate: r.localDate, amount: r.amount, budgetDay: r.budgetDay, createdAt: r.now })
    .onConflictDoNothing()
    .returning();
  return row ?? null;
}

export async function findDaily(db: Db, appId: string, userId: string, date: string): Promise<DailyRow | undefined> {
  const [r] = await db
    .select()
    .from(dailyRewards)
    .where(and(eq(dailyRewards.appId, appId), eq(dailyRewards.userId, userId), eq(dailyRewards.localDate, date)));
  return r;
}

export async function setDailyAmount(db: Db, appId: string, userId: string, date: string, amount: number): Promise<void> {
  await db
    .update(dailyRewards)
    .set({ amount })
    .where(and(eq(dailyRewards.appId, appId), eq(dailyRewards.userId, userId), eq(dailyRewards.localDate, date)));
}

/**
 * Locks the app's budget row of a day and returns what was spent. The row is created by the first
 * claim that finds a budget in force, counting the claims made earlier that day without one (all
 * but the caller's own claim, which it is about to count).
 */
export async function lockBudget(db: Db, appId: string, day: string, own: { userId: string; localDate: string }): Promise<number> {
  await db.execute(sql`
    insert into gm_daily_budget (app_id, day, spent)
    select ${appId}, ${day}, coalesce(sum(amount), 0) from gm_daily_rewards
     where app_id = ${appId} and budget_day = ${day} and not (user_id = ${own.userId} and local_date = ${own.localDate})
    on conflict do nothing`);
  const [r] = await db
    .select({ spent: dailyBudget.spent })
    .from(dailyBudget)
    .where(and(eq(dailyBudget.appId, appId), eq(dailyBudget.day, day)))
    .for('update');
  return r!.spent;
}

export async function spendBudget(db: Db, appId: string, day: string, amount: number): Promise<void> {
  await db
    .update(dailyBudget)
    .set({ spent: sql`${dailyBudget.spent} + ${amount}` })
    .where(and(eq(dailyBudget.appId, appId), eq(dailyBudget.day, day)));
}

export async function budgetSpent(db: Db, appId: string, day: string): Promise<number> {
  const [r] = await db
    .select({ spent: dailyBudget.spent })
    .from(dailyBudget)
    .where(and(eq(dailyBudget.appId, appId), eq(dailyBudget.day, day)));
  return r?.spent ?? 0;
}
