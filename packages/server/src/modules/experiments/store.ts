// All SQL of experiments: definitions, first assignments (an insert that did nothing reports
// nothing, so an exposure is announced once under any race), and the report's per-arm figures.
import { and, desc, eq, lt, or, sql } from 'drizzle-orm';
import { conditionsSql } from '../../db/conditions.ts';
import type { Db } from '../../db/index.ts';
import { num } from '../../db/raw.ts';
import type { Conditions } from '../../lib/conditions.ts';
import { exAssignments, exExperiments, type Goal } from './schema.ts';

export type ExperimentRow = typeof exExperiments.$inferSelect;

export async function insertExperiment(db: Db, row: ExperimentRow): Promise<ExperimentRow | null> {
  const [r] = await db.insert(exExperiments).values(row).onConflictDoNothing().returning();
  return r ?? null;
}

export async function findExperiment(db: Db, appId: string, id: string, lock = false): Promise<ExperimentRow | undefined> {
  const q = db.select().from(exExperiments).where(and(eq(exExperiments.appId, appId), or(eq(exExperiments.id, id), eq(exExperiments.key, id))));
  const [r] = lock ? await q.for('update') : await q;
  return r;
}

export async function updateExperiment(db: Db, id: string, set: Partial<ExperimentRow>): Promise<ExperimentRow> {
  const [r] = await db.update(exExperiments).set(set).where(eq(exExperiments.id, id)).returning();
  return r!;
}

export async function listExperiments(db: Db, appId: string, q: { limit: number; status?: string | undefined; before?: { t: string; id: string } | undefined }): Promise<ExperimentRow[]> {
  const conds = [eq(exExperiments.appId, appId)];
  if (q.status) conds.push(eq(exExperiments.status, q.status as ExperimentRow['status']));
  if (q.before) conds.push(or(lt(exExperiments.createdAt, new Date(q.before.t)), and(eq(exExperiments.createdAt, new Date(q.before.t)), lt(exExperiments.id, q.before.id)))!);
  return db
    .select()
    .from(exExperiments)
    .where(and(...conds))
    .orderBy(desc(exExperiments.createdAt), desc(exExperiments.id))
    .limit(q.limit);
}

/** Records the user's arm if this is their first exposure; returns the stored row and whether it is new. */
export async function recordAssignment(db: Db, row: typeof exAssignments.$inferInsert): Promise<{ variant: string; assignedAt: Date; first: boolean }> {
  const [ins] = await db.insert(exAssignments).values(row).onConflictDoNothing().returning();
  if (ins) return { variant: ins.variant, assignedAt: ins.assignedAt, first: true };
  const [r] = await db.select().from(exAssignments).where(and(eq(exAssignments.experimentId, row.experimentId), eq(exAssignments.userId, row.userId)));
  return { variant: r!.variant, assignedAt: r!.assignedAt, first: false };
}

/**
 * Records the arms of many users at once (their first exposure); returns the users whose row is
 * new. The stored arm never changes, so it equals the computed one.
 */
export async function recordAssignments(db: Db, rows: (typeof exAssignments.$inferInsert)[]): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const ins = await db.insert(exAssignments).values(rows).onConflictDoNothing().returning({ userId: exAssignments.userId });
  return new Set(ins.map((r) => r.userId));
}

export type ArmFigures = { variant: string; users: number; converted: number; mean: number; variance: number };

/**
 * Per arm: assigned users; for a conversion goal, those who did the goal event within the window
 * after their assignment; for a mean goal, the mean and sample variance over users of the sum of
 * the property in that window (0 for users without the event).
 */
export async function armFigures(db: Db, e: ExperimentRow): Promise<ArmFigures[]> {
  const g: Goal = e.goal;
  const cond = conditionsSql(g.conditions as Conditions, sql.raw('ev.properties'));
  let value;
  if (g.kind === 'conversion') value = sql`(exists (select 1 from ev_events ev where ev.app_id = a.app_id and ev.user_id = a.user_id and ev.name = ${g.event}
      and ev.ts >= a.assigned_at and ev.ts <= a.assigned_at + make_interval(days => ${g.within_days}) and ${cond}))::int::float8`;
  else {
    let x = sql`ev.properties`;
    for (const k of g.property.split('.')) x = sql`(case when jsonb_typeof(${x}) = 'object' then ${x} -> ${k}::text end)`;
    value = sql`coalesce((select sum(case when jsonb_typeof(${x}) = 'number' then (${x})::float8 end) from ev_events ev where ev.app_id = a.app_id and ev.user_id = a.user_id and ev.name = ${g.event}
      and ev.ts >= a.assigned_at and ev.ts <= a.assigned_at + make_interval(days => ${g.within_days}) and ${cond}), 0)`;
  }
  const r = await db.execute<{ variant: string; users: number; converted: number; mean: number | null; variance: number | null }>(sql`
    with v as (select a.variant, ${value} as x from ex_assignments a where a.experiment_id = ${e.id})
    select variant, count(*)::int as users, coalesce(sum(x), 0)::float8 as converted, avg(x)::float8 as mean, coalesce(var_samp(x), 0)::float8 as variance
    from v group by variant`);
  return r.rows.map((x) => ({ variant: x.variant, users: num(x.users), converted: Number(x.converted), mean: Number(x.mean ?? 0), variance: Number(x.variance ?? 0) }));
}

export async function eraseUser(db: Db, appId: string, userId: string): Promise<void> {
  await db.delete(exAssignments).where(and(eq(exAssignments.appId, appId), eq(exAssignments.userId, userId)));
}

export async function eraseApp(db: Db, appId: string): Promise<void> {
  await db.delete(exAssignments).where(eq(exAssignments.appId, appId));
  await db.delete(exExperiments).where(eq(exExperiments.appId, appId));
}
