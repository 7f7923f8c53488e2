// All SQL of the automation module's tables (au_*).
import { and, asc, desc, eq, inArray, lte, or, sql, gte, isNull, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import type { Definition } from './rules/definition.ts';
import { auRate, auRuns, auRunSteps, auVersions, auWorkflows } from './schema.ts';

export type WorkflowRow = typeof auWorkflows.$inferSelect;
export type RunRow = typeof auRuns.$inferSelect;
export type RunStepRow = typeof auRunSteps.$inferSelect;
export type NewRun = typeof auRuns.$inferInsert;
export type NewRunStep = typeof auRunSteps.$inferInsert;

export async function insertWorkflow(db: Db, w: typeof auWorkflows.$inferInsert, definition: Definition): Promise<WorkflowRow> {
  const [row] = await db.insert(auWorkflows).values(w).returning();
  await db.insert(auVersions).values({ workflowId: w.id, appId: w.appId, version: w.version, definition, createdAt: w.createdAt });
  return row!;
}

export async function findWorkflow(db: Db, appId: string, id: string, lock = false): Promise<WorkflowRow | undefined> {
  const q = db
    .select()
    .from(auWorkflows)
    .where(and(eq(auWorkflows.appId, appId), eq(auWorkflows.id, id)));
  const [r] = lock ? await q.for('update') : await q;
  return r;
}

export async function updateWorkflow(db: Db, id: string, set: Partial<Pick<WorkflowRow, 'name' | 'description' | 'status' | 'version' | 'updatedAt'>>): Promise<WorkflowRow> {
  const [r] = await db.update(auWorkflows).set(set).where(eq(auWorkflows.id, id)).returning();
  return r!;
}

export async function insertVersion(db: Db, v: typeof auVersions.$inferInsert): Promise<void> {
  await db.insert(auVersions).values(v);
}

export async function findVersion(db: Db, workflowId: string, version: number): Promise<Definition | undefined> {
  const [r] = await db
    .select({ d: auVersions.definition })
    .from(auVersions)
    .where(and(eq(auVersions.workflowId, workflowId), eq(auVersions.version, version)));
  return r?.d;
}

export async function versionsOf(db: Db, workflowId: string): Promise<{ version: number; createdAt: Date }[]> {
  return db.select({ version: auVersions.version, createdAt: auVersions.createdAt }).from(auVersions).where(eq(auVersions.workflowId, workflowId)).orderBy(desc(auVersions.version));
}

export async function listWorkflows(db: Db, appId: string, q: { limit: number; before?: { t: string; id: string } | undefined; status?: string | undefined }): Promise<WorkflowRow[]> {
  const conds: SQL[] = [eq(auWorkflows.appId, appId)];
  if (q.status) conds.push(eq(auWorkflows.status, q.status));
  if (q.before) conds.push(sql`(${auWorkflows.createdAt}, ${auWorkflows.id}) < (${q.before.t}::timestamptz, ${q.before.id})`);
  return db
    .select()
    .from(auWorkflows)
    .where(and(...conds))
    .orderBy(desc(auWorkflows.createdAt), desc(auWorkflows.id))
    .limit(q.limit);
}

/** Workflows that take entries or still have runs to watch for (active and paused), with their current definitions. */
export async function liveWorkflows(db: Db, appId: string): Promise<{ workflow: WorkflowRow; definition: Definition }[]> {
  const rows = await db
    .select({ workflow: auWorkflows, definition: auVersions.definition })
    .from(auWorkflows)
    .innerJoin(auVersions, and(eq(auVersions.workflowId, auWorkflows.id), eq(auVersions.version, auWorkflows.version)))
    .where(and(eq(auWorkflows.appId, appId), inArray(auWorkflows.status, ['active', 'paused'])));
  return rows;
}

/** Host event names (with the app) that live workflows listen to, for the event log's interest. */
export async function hostInterest(db: Db): Promise<{ appId: string; pattern: string }[]> {
  const r = await db.execute<{ app_id: string; name: string }>(sql`
    select distinct w.app_id, n.name
      from au_workflows w
      join au_versions v on v.workflow_id = w.id and v.version = w.version
      cross join lateral (
        select v.definition->'trigger'->>'event' as name, v.definition->'trigger'->>'source' as source
        union all select v.definition->'goal'->>'event', v.definition->'goal'->>'source' where jsonb_typeof(v.definition->'goal') = 'object'
        union all select s->>'event', s->>'source' from jsonb_array_elements(v.definition->'steps') s where s->>'type' = 'wait_for_event'
        union all select s->'condition'->'did_event'->>'event', s->'condition'->'did_event'->>'source' from jsonb_array_elements(v.definition->'steps') s where s->'condition' ? 'did_event'
      ) n
     where w.status in ('active', 'paused') and n.source = 'event' and n.name is not null`);
  return r.rows.map((x) => ({ appId: x.app_id, pattern: x.name }));
}

/** An active workflow whose schedule is due, locked for this transaction (one server fires it). */
export async function claimFiring(db: Db, now: Date): Promise<WorkflowRow | undefined> {
  const [w] = await db
    .select()
    .from(auWorkflows)
    .where(and(eq(auWorkflows.status, 'active'), lte(auWorkflows.nextFireAt, now)))
    .orderBy(asc(auWorkflows.nextFireAt))
    .limit(1)
    .for('update', { skipLocked: true });
  return w;
}

/** The schedule's next time and the paging cursor of the occurrence under way. */
export async function setFiring(db: Db, id: string, nextFireAt: Date | null, cursor: string | null): Promise<void> {
  await db.update(auWorkflows).set({ nextFireAt, fireCursor: cursor }).where(eq(auWorkflows.id, id));
}

/** Serialises entries of one user into one workflow (other servers, other shards). */
export async function lockEntry(db: Db, workflowId: string, userId: string): Promise<void> {
  await db.execute(sql`select pg_advisory_xact_lock(hashtextextended(${workflowId} || chr(31) || ${userId}, 0))`);
}

export async function hasRun(db: Db, workflowId: string, userId: string, activeOnly: boolean): Promise<boolean> {
  const [r] = await db
    .select({ id: auRuns.id })
    .from(auRuns)
    .where(and(eq(auRuns.workflowId, workflowId), eq(auRuns.userId, userId), activeOnly ? eq(auRuns.status, 'active') : undefined))
    .limit(1);
  return r !== undefined;
}

/** Takes one entry from this hour's allowance; false when the hour is used up. */
export async function takeRate(db: Db, workflowId: string, appId: string, hour: Date, max: number): Promise<boolean> {
  const r = await db.execute(sql`
    insert into au_rate as r (workflow_id, app_id, hour, entries) values (${workflowId}, ${appId}, ${hour.toISOString()}::timestamptz, 1)
    on conflict (workflow_id, hour) do update set entries = r.entries + 1 where r.entries < ${max}
    returning entries`);
  return r.rows.length > 0;
}

export async function countThrottled(db: Db, workflowId: string): Promise<void> {
  await db
    .update(auWorkflows)
    .set({ throttled: sql`${auWorkflows.throttled} + 1` })
    .where(eq(auWorkflows.id, workflowId));
}

/** A run per workflow and trigger event: a repeat inserts nothing (undefined). */
export async function insertRun(db: Db, run: NewRun): Promise<RunRow | undefined> {
  const [r] = await db.insert(auRuns).values(run).onConflictDoNothing({ target: [auRuns.workflowId, auRuns.triggerKey] }).returning();
  return r;
}

/** The user's runs that may care about a new event: active ones, and ended ones still in their goal window. */
export async function watchingRuns(db: Db, appId: string, userId: string, since: Date): Promise<RunRow[]> {
  return db
    .select()
    .from(auRuns)
    .where(and(eq(auRuns.appId, appId), eq(auRuns.userId, userId), or(eq(auRuns.status, 'active'), and(isNull(auRuns.convertedAt), gte(auRuns.createdAt, since)))))
    .limit(500);
}

/** Records a watched event on a run (the first one counts), and wakes it at `wake` if earlier. */
export async function markSeen(db: Db, runId: string, key: string, eventKey: string, wake: Date | null): Promise<void> {
  await db
    .update(auRuns)
    .set({
      seen: sql`${auRuns.seen} || jsonb_build_object(${key}::text, ${eventKey}::text)`,
      ...(wake ? { wakeAt: sql`least(${auRuns.wakeAt}, ${wake.toISOString()}::timestamptz)` } : {}),
    })
    .where(and(eq(auRuns.id, runId), sql`not ${auRuns.seen} ? ${key}`));
}

export async function markConverted(db: Db, runId: string, at: Date): Promise<void> {
  await db
    .update(auRuns)
    .set({ convertedAt: at })
    .where(and(eq(auRuns.id, runId), isNull(auRuns.convertedAt)));
}

/** Up to `limit` due runs, locked for this transaction; runs other servers hold are skipped. */
export async function claimDue(db: Db, now: Date, limit: number): Promise<RunRow[]> {
  return db
    .select()
    .from(auRuns)
    .where(and(eq(auRuns.status, 'active'), lte(auRuns.wakeAt, now)))
    .orderBy(asc(auRuns.wakeAt))
    .limit(limit)
    .for('update', { skipLocked: true });
}

export async function saveRun(db: Db, id: string, set: Partial<Pick<RunRow, 'step' | 'stepAt' | 'wakeAt' | 'status' | 'exitReason' | 'endedAt'>>): Promise<void> {
  await db.update(auRuns).set(set).where(eq(auRuns.id, id));
}

export async function insertSteps(db: Db, rows: NewRunStep[]): Promise<void> {
  if (rows.length > 0) await db.insert(auRunSteps).values(rows);
}

export async function findRun(db: Db, appId: string, id: string): Promise<RunRow | undefined> {
  const [r] = await db
    .select()
    .from(auRuns)
    .where(and(eq(auRuns.appId, appId), eq(auRuns.id, id)));
  return r;
}

export async function stepsOf(db: Db, runId: string): Promise<RunStepRow[]> {
  return db.select().from(auRunSteps).where(eq(auRunSteps.runId, runId)).orderBy(asc(auRunSteps.id));
}

export async function listRuns(db: Db, appId: string, q: { limit: number; workflowId?: string | undefined; userId?: string | undefined; status?: string | undefined; before?: { t: string; id: string } | undefined }): Promise<RunRow[]> {
  const conds: SQL[] = [eq(auRuns.appId, appId)];
  if (q.workflowId) conds.push(eq(auRuns.workflowId, q.workflowId));
  if (q.userId) conds.push(eq(auRuns.userId, q.userId));
  if (q.status) conds.push(eq(auRuns.status, q.status));
  if (q.before) conds.push(sql`(${auRuns.createdAt}, ${auRuns.id}) < (${q.before.t}::timestamptz, ${q.before.id})`);
  return db
    .select()
    .from(auRuns)
    .where(and(...conds))
    .orderBy(desc(auRuns.createdAt), desc(auRuns.id))
    .limit(q.limit);
}

export type RunTotals = { version: number; status: string; exitReason: string | null; runs: number; converted: number };
export type StepTotals = { version: number; stepId: string; outcome: string; runs: number; converted: number };

/** Counts per version and status, and per step and outcome (with the runs of each that converted). */
export async function stats(db: Db, workflowId: string): Promise<{ runs: RunTotals[]; steps: StepTotals[]; waiting: { version: number; stepId: string; runs: number }[] }> {
  const runs = await db.execute<{ version: number; status: string; exit_reason: string | null; runs: number; converted: number }>(sql`
    select version, status, exit_reason, count(*)::int as runs, count(converted_at)::int as converted
      from au_runs where workflow_id = ${workflowId} group by 1, 2, 3`);
  const steps = await db.execute<{ version: number; step_id: string; outcome: string; runs: number; converted: number }>(sql`
    select s.version, s.step_id, s.outcome, count(*)::int as runs, count(r.converted_at)::int as converted
      from au_run_steps s join au_runs r on r.id = s.run_id
     where s.workflow_id = ${workflowId} group by 1, 2, 3`);
  const waiting = await db.execute<{ version: number; step: string; runs: number }>(sql`
    select version, step, count(*)::int as runs from au_runs where workflow_id = ${workflowId} and status = 'active' group by 1, 2`);
  return {
    runs: runs.rows.map((r) => ({ version: r.version, status: r.status, exitReason: r.exit_reason, runs: r.runs, converted: r.converted })),
    steps: steps.rows.map((r) => ({ version: r.version, stepId: r.step_id, outcome: r.outcome, runs: r.runs, converted: r.converted })),
    waiting: waiting.rows.map((r) => ({ version: r.version, stepId: r.step, runs: r.runs })),
  };
}

/** Ends every active run of a workflow (it was archived). */
export async function exitRuns(db: Db, workflowId: string, reason: string, now: Date): Promise<number> {
  const r = await db
    .update(auRuns)
    .set({ status: 'exited', exitReason: reason, step: null, wakeAt: null, endedAt: now })
    .where(and(eq(auRuns.workflowId, workflowId), eq(auRuns.status, 'active')))
    .returning({ id: auRuns.id });
  return r.length;
}

export async function eraseUser(db: Db, appId: string, userId: string): Promise<void> {
  const ids = db.select({ id: auRuns.id }).from(auRuns).where(and(eq(auRuns.appId, appId), eq(auRuns.userId, userId)));
  await db.delete(auRunSteps).where(and(eq(auRunSteps.appId, appId), inArray(auRunSteps.runId, ids)));
  await db.delete(auRuns).where(and(eq(auRuns.appId, appId), eq(auRuns.userId, userId)));
}

export async function eraseApp(db: Db, appId: string): Promise<void> {
  await db.delete(auRunSteps).where(eq(auRunSteps.appId, appId));
  await db.delete(auRuns).where(eq(auRuns.appId, appId));
  await db.delete(auRate).where(eq(auRate.appId, appId));
  await db.delete(auVersions).where(eq(auVersions.appId, appId));
  await db.delete(auWorkflows).where(eq(auWorkflows.appId, appId));
}
