import { and, asc, eq, gt, inArray, isNotNull, isNull, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../../db/index.ts';
import { dateOrNull, num } from '../../../db/raw.ts';
import { taskProgress, tasks } from '../schema.ts';

export type TaskRow = typeof tasks.$inferSelect;
export type ProgressRow = typeof taskProgress.$inferSelect;
export type NewTask = Omit<typeof tasks.$inferInsert, 'createdAt' | 'updatedAt'>;

export async function insertTask(db: Db, t: NewTask): Promise<TaskRow | null> {
  const [r] = await db.insert(tasks).values(t).onConflictDoNothing().returning();
  return r ?? null;
}

export async function updateTask(db: Db, appId: string, id: string, patch: Partial<NewTask>): Promise<TaskRow | undefined> {
  const [r] = await db
    .update(tasks)
    .set({ ...patch, updatedAt: sql`now()` })
    .where(and(eq(tasks.appId, appId), eq(tasks.id, id)))
    .returning();
  return r;
}

export async function findTask(db: Db, appId: string, id: string): Promise<TaskRow | undefined> {
  const [r] = await db
    .select()
    .from(tasks)
    .where(and(eq(tasks.appId, appId), eq(tasks.id, id)));
  return r;
}

/** Tasks in display order: group, sort, key; with `afterKey`, paged by key. */
export async function listTasks(db: Db, appId: string, q: { limit?: number; afterKey?: string | undefined; active?: boolean | undefined; group?: string | undefined; period?: TaskRow['period'] | undefined } = {}): Promise<TaskRow[]> {
  const conds: SQL[] = [eq(tasks.appId, appId)];
  if (q.afterKey !== undefined) conds.push(gt(tasks.key, q.afterKey));
  if (q.active !== undefined) conds.push(eq(tasks.active, q.active));
  if (q.group !== undefined) conds.push(eq(tasks.group, q.group));
  if (q.period !== undefined) conds.push(eq(tasks.period, q.period));
  const base = db
    .select()
    .from(tasks)
    .where(and(...conds))
    .orderBy(...(q.limit !== undefined ? [asc(tasks.key)] : [asc(tasks.group), asc(tasks.sort), asc(tasks.key)]));
  return q.limit !== undefined ? base.limit(q.limit) : base;
}

/** One step of progress, capped at the target; says whether this step completed the task. */
export async function advance(db: Db, k: { appId: string; userId: string; taskId: string; periodKey: string; target: number; now: Date }): Promise<{ progress: number; completedNow: boolean }> {
  const res = await db.execute<{ progress: number; completed_at: Date | string | null }>(sql`
    insert into gm_task_progress as p (app_id, user_id, task_id, period_key, progress, completed_at, updated_at)
    values (${k.appId}, ${k.userId}, ${k.taskId}, ${k.periodKey}, 1, case when 1 >= ${k.target}::int then ${k.now}::timestamptz end, ${k.now}::timestamptz)
    on conflict (app_id, user_id, task_id, period_key) do update set
      progress = least(${k.target}::int, p.progress + 1),
      completed_at = coalesce(p.completed_at, case when p.progress + 1 >= ${k.target}::int then ${k.now}::timestamptz end),
      updated_at = excluded.updated_at
    where p.completed_at is null
    returning progress, completed_at`);
  const r = res.rows[0];
  if (!r) return { progress: k.target, completedNow: false }; // already complete
  const completedAt = dateOrNull(r.completed_at);
  return { progress: num(r.progress), completedNow: completedAt !== null && completedAt.getTime() === k.now.getTime() };
}

/** Marks a completed, unclaimed task claimed; undefined when it is not completed or already claimed. */
export async function claim(db: Db, k: { appId: string; userId: string; taskId: string; periodKey: string; now: Date }): Promise<ProgressRow | undefined> {
  const [r] = await db
    .update(taskProgress)
    .set({ claimedAt: k.now, updatedAt: k.now })
    .where(and(eq(taskProgress.appId, k.appId), eq(taskProgress.userId, k.userId), eq(taskProgress.taskId, k.taskId), eq(taskProgress.periodKey, k.periodKey), isNotNull(taskProgress.completedAt), isNull(taskProgress.claimedAt)))
    .returning();
  return r;
}

export async function findProgress(db: Db, appId: string, userId: string, taskId: string, periodKey: string): Promise<ProgressRow | undefined> {
  const [r] = await db
    .select()
    .from(taskProgress)
    .where(and(eq(taskProgress.appId, appId), eq(taskProgress.userId, userId), eq(taskProgress.taskId, taskId), eq(taskProgress.periodKey, periodKey)));
  return r;
}

/** The user's progress rows in the given periods ('once', today, this week). */
export async function progressIn(db: Db, appId: string, userId: string, periodKeys: string[]): Promise<ProgressRow[]> {
  return db
    .select()
    .from(taskProgress)
    .where(and(eq(taskProgress.appId, appId), eq(taskProgress.userId, userId), inArray(taskProgress.periodKey, periodKeys)));
}

/** Host event names this module's configuration listens to, per app (the event log's interest). */
export async function hostInterest(db: Db): Promise<{ appId: string; pattern: string }[]> {
  const r = await db.execute<{ app_id: string; pattern: string }>(sql`select app_id, event as pattern from gm_tasks where active
    union select app_id, criteria->>'event' from gm_badges where active and criteria->>'kind' = 'event_count' and criteria->>'event' is not null`);
  return r.rows.map((x) => ({ appId: x.app_id, pattern: x.pattern }));
}
