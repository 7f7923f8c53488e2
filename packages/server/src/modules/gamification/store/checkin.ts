import { and, asc, eq, gt, gte, lte, sql } from 'drizzle-orm';
import type { Db } from '../../../db/index.ts';
import { preparedSql } from '../../../db/prepared.ts';
import { num, pgArray } from '../../../db/raw.ts';
import { checkins, checkinState } from '../schema.ts';

export type CheckinRow = typeof checkins.$inferSelect;
export type CheckinStateRow = typeof checkinState.$inferSelect;

const p = sql.placeholder;
const checkInStatement = preparedSql<{ streak: number; reward: number; longest: number; total: number }>('gm_check_in', sql`
    with st as (
      insert into gm_checkin_state as s (app_id, user_id, last_date, streak, longest, total, updated_at)
      values (${p('appId')}, ${p('userId')}, ${p('date')}::date, 1, 1, 1, ${p('now')}::timestamptz)
      on conflict (app_id, user_id) do update set
        streak = case when s.last_date = ${p('date')}::date - 1 then s.streak + 1 else 1 end,
        longest = greatest(s.longest, case when s.last_date = ${p('date')}::date - 1 then s.streak + 1 else 1 end),
        total = s.total + 1,
        last_date = ${p('date')}::date,
        updated_at = excluded.updated_at
      where s.last_date is null or s.last_date < ${p('date')}::date
      returning streak, longest, total
    ), ins as (
      insert into gm_checkins (app_id, user_id, local_date, kind, streak, reward, timezone, created_at)
      select ${p('appId')}, ${p('userId')}, ${p('date')}::date, 'normal', st.streak,
             (${p('rewards')}::int[])[((st.streak - 1) % ${p('cycle')}::int) + 1], ${p('timezone')}, ${p('now')}::timestamptz
      from st
      returning streak, reward
    )
    select ins.streak, ins.reward, st.longest, st.total from ins, st`);

/**
 * Today's check-in in one statement: the state row's lock serialises the user, its `last_date <
 * today` guard lets only the first caller through, and the (app, user, date) primary key of
 * gm_checkins backs it. Returns null when the user already checked in on this local day.
 */
export async function checkIn(
  db: Db,
  c: { appId: string; userId: string; date: string; timezone: string; rewards: number[]; now: Date },
): Promise<{ streak: number; reward: number; longest: number; total: number } | null> {
  const res = await checkInStatement(db, { ...c, rewards: pgArray(c.rewards), cycle: c.rewards.length });
  const r = res.rows[0];
  return r ? { streak: num(r.streak), reward: num(r.reward), longest: num(r.longest), total: num(r.total) } : null;
}

/** Locks (creating if needed) the user's check-in state for a make-up. */
export async function lockState(db: Db, appId: string, userId: string): Promise<CheckinStateRow> {
  await db.insert(checkinState).values({ appId, userId }).onConflictDoNothing();
  const [r] = await db
    .select()
    .from(checkinState)
    .where(and(eq(checkinState.appId, appId), eq(checkinState.userId, userId)))
    .for('update');
  return r!;
}

export async function findState(db: Db, appId: string, userId: string): Promise<CheckinStateRow | undefined> {
  const [r] = await db
    .select()
    .from(checkinState)
    .where(and(eq(checkinState.appId, appId), eq(checkinState.userId, userId)));
  return r;
}

export async function findCheckin(db: Db, appId: string, userId: string, date: string): Promise<CheckinRow | undefined> {
  const [r] = await db
    .select()
    .from(checkins)
    .where(and(eq(checkins.appId, appId), eq(checkins.userId, userId), eq(checkins.localDate, date)));
  return r;
}

/** Inserts a make-up day; null if the day already has a check-in. */
export async function insertMakeup(db: Db, r: { appId: string; userId: string; date: string; streak: number; paidWith: string; timezone: string; now: Date }): Promise<CheckinRow | null> {
  const [row] = await db
    .insert(checkins)
    .values({ appId: r.appId, userId: r.userId, localDate: r.date, kind: 'makeup', streak: r.streak, reward: 0, paidWith: r.paidWith, timezone: r.timezone, createdAt: r.now })
    .onConflictDoNothing()
    .returning();
  return row ?? null;
}

export async function datesAfter(db: Db, appId: string, userId: string, date: string, limit: number): Promise<string[]> {
  const rows = await db
    .select({ d: checkins.localDate })
    .from(checkins)
    .where(and(eq(checkins.appId, appId), eq(checkins.userId, userId), gt(checkins.localDate, date)))
    .orderBy(asc(checkins.localDate))
    .limit(limit);
  return rows.map((r) => r.d);
}

export async function setStreaks(db: Db, appId: string, userId: string, updates: { date: string; streak: number }[]): Promise<void> {
  if (updates.length === 0) return;
  await db.execute(sql`
    update gm_checkins c set streak = u.streak
    from unnest(${pgArray(updates.map((u) => u.date))}::date[], ${pgArray(updates.map((u) => u.streak))}::int[]) as u(d, streak)
    where c.app_id = ${appId} and c.user_id = ${userId} and c.local_date = u.d`);
}

export async function updateState(db: Db, appId: string, userId: string, s: Pick<CheckinStateRow, 'lastDate' | 'streak' | 'longest' | 'total' | 'makeupMonth' | 'makeups'>): Promise<void> {
  await db
    .update(checkinState)
    .set({ ...s, updatedAt: sql`now()` })
    .where(and(eq(checkinState.appId, appId), eq(checkinState.userId, userId)));
}

export async function monthCheckins(db: Db, appId: string, userId: string, from: string, to: string): Promise<CheckinRow[]> {
  return db
    .select()
    .from(checkins)
    .where(and(eq(checkins.appId, appId), eq(checkins.userId, userId), gte(checkins.localDate, from), lte(checkins.localDate, to)))
    .orderBy(asc(checkins.localDate));
}

export async function countCheckins(db: Db, appId: string, userId: string, date: string): Promise<number> {
  const [r] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(checkins)
    .where(and(eq(checkins.appId, appId), eq(checkins.userId, userId), eq(checkins.localDate, date)));
  return r?.n ?? 0;
}
