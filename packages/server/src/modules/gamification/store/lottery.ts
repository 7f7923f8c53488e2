import { and, asc, desc, eq, isNotNull, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../../db/index.ts';
import { prepared } from '../../../db/prepared.ts';
import { drawCounts, draws, lotteries, prizes } from '../schema.ts';

export type LotteryRow = typeof lotteries.$inferSelect;
export type PrizeRow = typeof prizes.$inferSelect;
export type DrawRow = typeof draws.$inferSelect;
export type NewLottery = Omit<typeof lotteries.$inferInsert, 'createdAt' | 'updatedAt' | 'budgetUsed'>;
export type NewPrize = Omit<typeof prizes.$inferInsert, 'createdAt' | 'awarded'>;

export async function insertLottery(db: Db, l: NewLottery, ps: NewPrize[]): Promise<void> {
  await db.insert(lotteries).values(l);
  await db.insert(prizes).values(ps);
}

// Read on every draw: built once (db/prepared.ts).
const findLotteryQuery = prepared<LotteryRow[], { appId: string; id: string }>('gm_find_lottery', (db) =>
  db
    .select()
    .from(lotteries)
    .where(and(eq(lotteries.appId, sql.placeholder('appId')), eq(lotteries.id, sql.placeholder('id')))),
);
const prizesOfQuery = prepared<PrizeRow[], { lotteryId: string }>('gm_prizes_of', (db) =>
  db
    .select()
    .from(prizes)
    .where(eq(prizes.lotteryId, sql.placeholder('lotteryId')))
    .orderBy(asc(prizes.sort), asc(prizes.createdAt), asc(prizes.id)),
);

export async function findLottery(db: Db, appId: string, id: string): Promise<LotteryRow | undefined> {
  const [r] = await findLotteryQuery(db, { appId, id });
  return r;
}

/** Prizes in draw order (sort, then creation): the order the roll's ranges are laid out in. */
export async function prizesOf(db: Db, lotteryId: string): Promise<PrizeRow[]> {
  return prizesOfQuery(db, { lotteryId });
}

export async function listLotteries(db: Db, appId: string, q: { limit: number; beforeId?: string | undefined; status?: LotteryRow['status'] | undefined }): Promise<LotteryRow[]> {
  const conds: SQL[] = [eq(lotteries.appId, appId)];
  if (q.beforeId !== undefined) conds.push(lt(lotteries.id, q.beforeId));
  if (q.status) conds.push(eq(lotteries.status, q.status));
  return db
    .select()
    .from(lotteries)
    .where(and(...conds))
    .orderBy(desc(lotteries.id))
    .limit(q.limit);
}

export async function updateLottery(db: Db, appId: string, id: string, patch: Partial<NewLottery>): Promise<LotteryRow | undefined> {
  const [r] = await db
    .update(lotteries)
    .set({ ...patch, updatedAt: sql`now()` })
    .where(and(eq(lotteries.appId, appId), eq(lotteries.id, id)))
    .returning();
  return r;
}

export async function insertPrize(db: Db, p: NewPrize): Promise<PrizeRow> {
  const [r] = await db.insert(prizes).values(p).returning();
  return r!;
}

export async function updatePrize(db: Db, appId: string, lotteryId: string, id: string, patch: Partial<NewPrize>): Promise<PrizeRow | undefined> {
  const [r] = await db
    .update(prizes)
    .set(patch)
    .where(and(eq(prizes.appId, appId), eq(prizes.lotteryId, lotteryId), eq(prizes.id, id)))
    .returning();
  return r;
}

/** Counts a draw against the user's daily limit; false when the limit is reached. */
export async function countDraw(db: Db, k: { appId: string; lotteryId: string; userId: string; date: string; limit: number }): Promise<boolean> {
  const rows = await db
    .insert(drawCounts)
    .values({ appId: k.appId, lotteryId: k.lotteryId, userId: k.userId, localDate: k.date, n: 1 })
    .onConflictDoUpdate({
      target: [drawCounts.appId, drawCounts.lotteryId, drawCounts.userId, drawCounts.localDate],
      set: { n: sql`${drawCounts.n} + 1` },
      setWhere: sql`${drawCounts.n} < ${k.limit}`,
    })
    .returning({ n: drawCounts.n });
  return rows.length > 0;
}

export async function drawsToday(db: Db, appId: string, lotteryId: string, userId: string, date: string): Promise<number> {
  const [r] = await db
    .select({ n: drawCounts.n })
    .from(drawCounts)
    .where(and(eq(drawCounts.appId, appId), eq(drawCounts.lotteryId, lotteryId), eq(drawCounts.userId, userId), eq(drawCounts.localDate, date)));
  return r?.n ?? 0;
}

/** Takes one unit of a prize; false when its stock is gone (never below zero). */
const takePrizeQuery = prepared<{ id: string }[], { prizeId: string }>('gm_take_prize', (db) =>
  db
    .update(prizes)
    .set({ stock: sql`case when ${prizes.stock} is null then null else ${prizes.stock} - 1 end`, awarded: sql`${prizes.awarded} + 1` })
    .where(and(eq(prizes.id, sql.placeholder('prizeId')), or(isNull(prizes.stock), sql`${prizes.stock} > 0`)))
    .returning({ id: prizes.id }),
);

export async function takePrize(db: Db, prizeId: string): Promise<boolean> {
  return (await takePrizeQuery(db, { prizeId })).length > 0;
}

export async function returnPrize(db: Db, prizeId: string): Promise<void> {
  await db
    .update(prizes)
    .set({ stock: sql`case when ${prizes.stock} is null then null else ${prizes.stock} + 1 end`, awarded: sql`${prizes.awarded} - 1` })
    .where(eq(prizes.id, prizeId));
}

/** Charges a prize's value to the lottery budget; false when it would exceed it. */
export async function takeBudget(db: Db, lotteryId: string, value: number): Promise<boolean> {
  const rows = await db
    .update(lotteries)
    .set({ budgetUsed: sql`${lotteries.budgetUsed} + ${value}` })
    .where(and(eq(lotteries.id, lotteryId), or(isNull(lotteries.budget), sql`${lotteries.budgetUsed} + ${value} <= ${lotteries.budget}`)))
    .returning({ id: lotteries.id });
  return rows.length > 0;
}

export async function insertDraw(db: Db, d: typeof draws.$inferInsert): Promise<DrawRow> {
  const [r] = await db.insert(draws).values(d).returning();
  return r!;
}

export async function findDrawByRequest(db: Db, appId: string, userId: string, lotteryId: string, requestKey: string): Promise<DrawRow | undefined> {
  const [r] = await db
    .select()
    .from(draws)
    .where(and(eq(draws.appId, appId), eq(draws.userId, userId), eq(draws.lotteryId, lotteryId), eq(draws.requestKey, requestKey)));
  return r;
}

export type DrawQuery = { limit: number; before?: { at: Date; id: string } | undefined; lotteryId?: string | undefined; userId?: string | undefined; outcome?: 'prize' | 'none' | undefined };

/** Newest first; the cursor is (created_at, id). */
export async function listDraws(db: Db, appId: string, q: DrawQuery): Promise<DrawRow[]> {
  const conds: SQL[] = [eq(draws.appId, appId)];
  if (q.lotteryId) conds.push(eq(draws.lotteryId, q.lotteryId));
  if (q.userId) conds.push(eq(draws.userId, q.userId));
  if (q.outcome === 'prize') conds.push(isNotNull(draws.prizeId));
  if (q.outcome === 'none') conds.push(isNull(draws.prizeId));
  if (q.before) conds.push(sql`(${draws.createdAt}, ${draws.id}) < (${q.before.at.toISOString()}::timestamptz, ${q.before.id})`);
  return db
    .select()
    .from(draws)
    .where(and(...conds))
    .orderBy(desc(draws.createdAt), desc(draws.id))
    .limit(q.limit);
}
