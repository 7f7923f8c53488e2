// Experiments (A/B tests with a holdout): definitions and each user's assignment. Prefix ex_.
import { index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

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
