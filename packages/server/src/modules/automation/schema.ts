// Automation workflows: definitions (versioned), runs (one per user and trigger event) and the
// history of each run's steps. Prefix au_.
import { sql } from 'drizzle-orm';
import { bigserial, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import type { Definition } from './rules/definition.ts';

export const auWorkflows = pgTable(
  'au_workflows',
  {
    id: text('id').primaryKey(),
    appId: text('app_id').notNull(),
    name: text('name').notNull(),
    description: text('description'),
    /** 'draft' | 'active' | 'paused' | 'archived' */
    status: text('status').notNull(),
    /** The version new runs start on; runs keep the version they started with. */
    version: integer('version').notNull(),
    /** Entries refused by the workflow's rate (max entries per hour). */
    throttled: integer('throttled').notNull().default(0),
    /** A scheduled trigger: when its audience enters next (null: no schedule, or not active). */
    nextFireAt: timestamp('next_fire_at', { withTimezone: true }),
    /** While an occurrence's audience is entering, page by page: the last user id entered. */
    fireCursor: text('fire_cursor'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    index('au_workflows_app').on(t.appId, t.createdAt, t.id),
    index('au_workflows_fire')
      .on(t.nextFireAt)
      .where(sql`${t.status} = 'active'`),
  ],
);

export const auVersions = pgTable(
  'au_versions',
  {
    workflowId: text('workflow_id').notNull(),
    appId: text('app_id').notNull(),
    version: integer('version').notNull(),
    definition: jsonb('definition').$type<Definition>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.workflowId, t.version] }), index('au_versions_app').on(t.appId)],
);

export const auRuns = pgTable(
  'au_runs',
  {
    id: text('id').primaryKey(),
    appId: text('app_id').notNull(),
    workflowId: text('workflow_id').notNull(),
    version: integer('version').notNull(),
    userId: text('user_id').notNull(),
    /** The event that started the run: a run per workflow and event, never two. */
    triggerKey: text('trigger_key').notNull(),
    trigger: jsonb('trigger').$type<Record<string, unknown>>().notNull(),
    /** 'active' | 'completed' | 'exited' */
    status: text('status').notNull(),
    exitReason: text('exit_reason'),
    /** The step the run is at (null once it ended) and since when. */
    step: text('step'),
    stepAt: timestamp('step_at', { withTimezone: true }).notNull(),
    /** When the executor looks at the run next (null once it ended). */
    wakeAt: timestamp('wake_at', { withTimezone: true }),
    /** Events the run's steps watch for, seen since it entered: watch key → event key. */
    seen: jsonb('seen').$type<Record<string, string>>().notNull().default(sql`'{}'::jsonb`),
    convertedAt: timestamp('converted_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    endedAt: timestamp('ended_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('au_runs_trigger').on(t.workflowId, t.triggerKey),
    index('au_runs_due')
      .on(t.wakeAt)
      .where(sql`${t.status} = 'active'`),
    index('au_runs_user').on(t.appId, t.userId, t.status),
    index('au_runs_workflow').on(t.workflowId, t.createdAt, t.id),
  ],
);

export const auRunSteps = pgTable(
  'au_run_steps',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    appId: text('app_id').notNull(),
    runId: text('run_id').notNull(),
    workflowId: text('workflow_id').notNull(),
    version: integer('version').notNull(),
    stepId: text('step_id').notNull(),
    /** What happened: done, failed, then, else, path_1…, holdout, event, timeout, waited. */
    outcome: text('outcome').notNull(),
    detail: jsonb('detail').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    at: timestamp('at', { withTimezone: true }).notNull(),
  },
  (t) => [index('au_run_steps_run').on(t.runId, t.id), index('au_run_steps_workflow').on(t.workflowId, t.version, t.stepId), index('au_run_steps_app').on(t.appId)],
);

/** Entries per workflow and hour, for the workflow's rate. */
export const auRate = pgTable(
  'au_rate',
  {
    workflowId: text('workflow_id').notNull(),
    appId: text('app_id').notNull(),
    hour: timestamp('hour', { withTimezone: true }).notNull(),
    entries: integer('entries').notNull(),
  },
  (t) => [primaryKey({ columns: [t.workflowId, t.hour] })],
);
