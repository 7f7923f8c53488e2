// SQL of goals: definitions and their daily progress.
import { and, asc, desc, eq, gte, lt, lte, or } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import { exGoalProgress, exGoals } from './schema.ts';

export type GoalRow = typeof exGoals.$inferSelect;
export type ProgressRow = typeof exGoalProgress.$inferSelect;

export async function insertGoal(db: Db, g: typeof exGoals.$inferInsert): Promise<void> {
  await db.insert(exGoals).values(g);
}

export async function findGoal(db: Db, appId: string, id: string): Promise<GoalRow | undefined> {
  const [r] = await db.select().from(exGoals).where(and(eq(exGoals.appId, appId), eq(exGoals.id, id)));
  return r;
}

/** Goals still to measure on `day` (set by then, not past their due day). */
export async function goalsDueOn(db: Db, appId: string, day: string): Promise<GoalRow[]> {
  return db.select().from(exGoals).where(and(eq(exGoals.appId, appId), lte(exGoals.startDay, day), gte(exGoals.dueDay, day))).orderBy(asc(exGoals.id));
}

export async function listGoals(db: Db, appId: string, q: { limit: number; before?: { t: string; id: string } | undefined }): Promise<GoalRow[]> {
  const conds = [eq(exGoals.appId, appId)];
  if (q.before) conds.push(or(lt(exGoals.createdAt, new Date(q.before.t)), and(eq(exGoals.createdAt, new Date(q.before.t)), lt(exGoals.id, q.before.id)))!);
  return db.select().from(exGoals).where(and(...conds)).orderBy(desc(exGoals.createdAt), desc(exGoals.id)).limit(q.limit);
}

/** Apps with a goal to measure on `day`. */
export async function appsWithGoalsOn(db: Db, day: string): Promise<string[]> {
  const r = await db.selectDistinct({ appId: exGoals.appId }).from(exGoals).where(and(lte(exGoals.startDay, day), gte(exGoals.dueDay, day))).orderBy(asc(exGoals.appId));
  return r.map((x) => x.appId);
}

/** Records a day's value once: a second writer (another server, a retry) changes nothing. True when this call wrote it. */
export async function recordProgress(db: Db, row: typeof exGoalProgress.$inferInsert): Promise<boolean> {
  const r = await db.insert(exGoalProgress).values(row).onConflictDoNothing().returning({ goalId: exGoalProgress.goalId });
  return r.length === 1;
}

export async function progressOf(db: Db, goalId: string): Promise<ProgressRow[]> {
  return db.select().from(exGoalProgress).where(eq(exGoalProgress.goalId, goalId)).orderBy(asc(exGoalProgress.day));
}

export async function eraseGoals(db: Db, appId: string): Promise<void> {
  await db.delete(exGoalProgress).where(eq(exGoalProgress.appId, appId));
  await db.delete(exGoals).where(eq(exGoals.appId, appId));
}
