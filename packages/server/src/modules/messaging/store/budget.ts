// SQL of the contact budget: per-user counters of each cap rule in each window, and the log of
// contacts reserved through the public budget API.
import { and, desc, eq, lt, sql } from 'drizzle-orm';
import type { Db } from '../../../db/index.ts';
import { budgetCounters, contactLog } from '../schema.ts';

export type Pair = { userId: string; window: string };
export const pairKey = (userId: string, window: string) => `${userId}\u0000${window}`;

/**
 * Takes one unit of rule `ruleId` for each (user, window) whose counter is below `max`, in one
 * statement; returns the pairs refused (usually none, so little comes back over the wire). The
 * upsert locks each counter row, and a concurrent transaction waiting on that row re-checks
 * `used < max` against the committed value, so a cap can never be exceeded however many sends
 * race. Callers pass pairs sorted by user id so that concurrent batches lock rows in one order
 * (no deadlocks), and each pair at most once.
 */
export async function consume(db: Db, appId: string, ruleId: string, max: number, pairs: Pair[], now: Date): Promise<Set<string>> {
  if (pairs.length === 0) return new Set();
  if (max < 1) return new Set(pairs.map((p) => pairKey(p.userId, p.window)));
  const res = await db.execute<{ u: string; w: string }>(sql`
    with t as (select * from unnest(${sql.param(pairs.map((p) => p.userId))}::text[], ${sql.param(pairs.map((p) => p.window))}::text[]) as t(u, w)),
    taken as (
      insert into ms_budget_counters as c (app_id, user_id, rule_id, win, used, updated_at)
      select ${appId}, t.u, ${ruleId}, t.w, 1, ${now}::timestamptz from t
      on conflict (app_id, user_id, rule_id, win) do update set used = c.used + 1, updated_at = excluded.updated_at where c.used < ${max}
      returning user_id, win)
    select t.u, t.w from t where not exists (select 1 from taken where taken.user_id = t.u and taken.win = t.w)`);
  return new Set(res.rows.map((r) => pairKey(r.u, r.w)));
}

/** Gives back units taken in this transaction (a message whose other caps refused it). */
export async function release(db: Db, appId: string, ruleId: string, pairs: Pair[]): Promise<void> {
  if (pairs.length === 0) return;
  await db.execute(sql`
    update ms_budget_counters c set used = c.used - 1
    from unnest(${sql.param(pairs.map((p) => p.userId))}::text[], ${sql.param(pairs.map((p) => p.window))}::text[]) as t(u, w)
    where c.app_id = ${appId} and c.rule_id = ${ruleId} and c.user_id = t.u and c.win = t.w`);
}

export async function usage(db: Db, appId: string, userId: string, windows: { ruleId: string; window: string }[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (windows.length === 0) return out;
  const res = await db.execute<{ rule_id: string; win: string; used: number }>(sql`
    select c.rule_id, c.win, c.used from ms_budget_counters c
    join unnest(${sql.param(windows.map((w) => w.ruleId))}::text[], ${sql.param(windows.map((w) => w.window))}::text[]) as t(r, w) on c.rule_id = t.r and c.win = t.w
    where c.app_id = ${appId} and c.user_id = ${userId}`);
  for (const r of res.rows) out.set(`${r.rule_id}\u0000${r.win}`, r.used);
  return out;
}

/** Counters of windows that ended long ago are of no further use. */
export async function purgeCounters(db: Db, before: Date): Promise<number> {
  const r = await db.delete(budgetCounters).where(lt(budgetCounters.updatedAt, before)).returning({ u: budgetCounters.userId });
  return r.length;
}

export type ContactLogRow = typeof contactLog.$inferSelect;

/** Records a reservation once per (source, ref); a repeat returns the first record. */
export async function recordContact(db: Db, row: typeof contactLog.$inferInsert): Promise<{ row: ContactLogRow; created: boolean }> {
  const [ins] = await db.insert(contactLog).values(row).onConflictDoNothing().returning();
  if (ins) return { row: ins, created: true };
  const [found] = await db
    .select()
    .from(contactLog)
    .where(and(eq(contactLog.appId, row.appId), eq(contactLog.source, row.source), eq(contactLog.ref, row.ref)));
  return { row: found!, created: false };
}

export async function findContact(db: Db, appId: string, source: string, ref: string): Promise<ContactLogRow | undefined> {
  const [found] = await db
    .select()
    .from(contactLog)
    .where(and(eq(contactLog.appId, appId), eq(contactLog.source, source), eq(contactLog.ref, ref)));
  return found;
}

export async function listContacts(db: Db, appId: string, userId: string, limit: number, beforeId?: number): Promise<ContactLogRow[]> {
  const conds = [eq(contactLog.appId, appId), eq(contactLog.userId, userId)];
  if (beforeId !== undefined) conds.push(lt(contactLog.id, beforeId));
  return db
    .select()
    .from(contactLog)
    .where(and(...conds))
    .orderBy(desc(contactLog.id))
    .limit(limit);
}

export async function deleteUserBudget(db: Db, appId: string, userId: string): Promise<void> {
  await db.delete(budgetCounters).where(and(eq(budgetCounters.appId, appId), eq(budgetCounters.userId, userId)));
  await db.delete(contactLog).where(and(eq(contactLog.appId, appId), eq(contactLog.userId, userId)));
}

export async function setContactOutcome(db: Db, id: number, outcome: string, retryAt: Date | null): Promise<ContactLogRow> {
  const [r] = await db.update(contactLog).set({ outcome, retryAt }).where(eq(contactLog.id, id)).returning();
  return r!;
}
