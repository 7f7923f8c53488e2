// Experiments (A/B tests with a holdout): definitions and each user's assignment. Prefix ex_.
import { date, doublePrecision, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

export type Variant = { key: string; weight: number };
export type Goal =
  | { kind: 'conversion'; event: string; conditions: Record<string, unknown>; within_days: number }
  | { kind: 'mean'; event: string; property: string; conditions: Record<string, unknown>; within_days: number };

export const exExperiments = pgTable(
  'ex_experiments',
  {
    id: text('id').primaryKey(),
    appId: text('app_id').notNull(),
    key: text('key').notNull(),
    name: text('name').notNull(),
    description: text('description'),
    status: text('status').$type<'draft' | 'running' | 'stopped'>().notNull(),
    variants: jsonb('variants').$type<Variant[]>().notNull(),
    holdoutPercent: integer('holdout_percent').notNull(),
    salt: text('salt').notNull(),
    targetKind: text('target_kind').$type<'campaign' | 'earn_rule' | 'message' | 'workflow' | 'other'>().notNull(),
    targetId: text('target_id'),
    goal: jsonb('goal').$type<Goal>().notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    stoppedAt: timestamp('stopped_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [uniqueIndex('ex_experiments_key').on(t.appId, t.key), index('ex_experiments_app').on(t.appId, t.createdAt, t.id)],
);

/** A user's arm, recorded once at their first exposure (holdout users too, never shown the treatment). */
export const exAssignments = pgTable(
  'ex_assignments',
  {
    experimentId: text('experiment_id').notNull(),
    appId: text('app_id').notNull(),
    userId: text('user_id').notNull(),
    variant: text('variant').notNull(),
    assignedAt: timestamp('assigned_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.experimentId, t.userId] }), index('ex_assignments_user').on(t.appId, t.userId)],
);

/** What a goal measures, per day in the app's reporting time zone. */
export type GoalMetric =
  | { kind: 'event_count'; event: string }
  | { kind: 'retention'; day_n: number; cohort_event?: string | undefined; return_event?: string | undefined }
  | { kind: 'active_users'; window: 'dau' | 'wau' | 'mau' };

export const exGoals = pgTable(
  'ex_goals',
  {
    id: text('id').primaryKey(),
    appId: text('app_id').notNull(),
    name: text('name').notNull(),
    metric: jsonb('metric').$type<GoalMetric>().notNull(),
    baseline: doublePrecision('baseline').notNull(),
    target: doublePrecision('target').notNull(),
    startDay: date('start_day', { mode: 'string' }).notNull(),
    dueDay: date('due_day', { mode: 'string' }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('ex_goals_app').on(t.appId, t.createdAt, t.id)],
);

/** One row per goal per day, written once whatever number of servers run the daily job. */
export const exGoalProgress = pgTable(
  'ex_goal_progress',
  {
    goalId: text('goal_id').notNull(),
    appId: text('app_id').notNull(),
    day: date('day', { mode: 'string' }).notNull(),
    value: doublePrecision('value'),
    recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.goalId, t.day] }), index('ex_goal_progress_app').on(t.appId)],
);
