// Segments: rule-based groups of users, their members and their size per day. Prefix sg_.
import { boolean, date, doublePrecision, index, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import type { Tree } from './rules/evaluate.ts';

export const sgSegments = pgTable(
  'sg_segments',
  {
    id: text('id').primaryKey(),
    appId: text('app_id').notNull(),
    name: text('name').notNull(),
    description: text('description'),
    rules: jsonb('rules').$type<Tree>().notNull(),
    /** Members at the last full computation, kept current by entries and exits since. */
    size: integer('size').notNull().default(0),
    computedAt: timestamp('computed_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('sg_segments_app').on(t.appId, t.createdAt, t.id)],
);

export const sgMembers = pgTable(
  'sg_members',
  {
    segmentId: text('segment_id').notNull(),
    appId: text('app_id').notNull(),
    userId: text('user_id').notNull(),
    enteredAt: timestamp('entered_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.segmentId, t.userId] }), index('sg_members_user').on(t.appId, t.userId)],
);

/** The size of each segment at the end of each day (UTC), for the size history. */
export const sgSizes = pgTable(
  'sg_sizes',
  {
    segmentId: text('segment_id').notNull(),
    appId: text('app_id').notNull(),
    day: date('day', { mode: 'string' }).notNull(),
    size: integer('size').notNull(),
  },
  (t) => [primaryKey({ columns: [t.segmentId, t.day] }), index('sg_sizes_app').on(t.appId)],
);

/**
 * RFM settings per app: the purchase event, the amount's property path, the window, and how R, F
 * and M are split into high and low (by a quantile of the app's buyers, or fixed values).
 */
export const sgRfmSettings = pgTable('sg_rfm_settings', {
  appId: text('app_id').primaryKey(),
  event: text('event').notNull(),
  amountPath: text('amount_path').notNull(),
  windowDays: integer('window_days').notNull(),
  method: text('method').$type<'quantile' | 'fixed'>().notNull(),
  quantile: doublePrecision('quantile'),
  recencyDays: doublePrecision('recency_days'),
  frequency: doublePrecision('frequency'),
  monetary: doublePrecision('monetary'),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});

/** Each buyer's RFM at the last computation: raw figures, 1-5 scores (quintiles) and the class. */
export const sgRfm = pgTable(
  'sg_rfm',
  {
    appId: text('app_id').notNull(),
    userId: text('user_id').notNull(),
    recencyDays: doublePrecision('recency_days').notNull(),
    frequency: integer('frequency').notNull(),
    monetary: doublePrecision('monetary').notNull(),
    rScore: integer('r_score').notNull(),
    fScore: integer('f_score').notNull(),
    mScore: integer('m_score').notNull(),
    class: text('class').notNull(),
    computedAt: timestamp('computed_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.userId] }), index('sg_rfm_class').on(t.appId, t.class, t.userId)],
);

/** The thresholds the last RFM computation used, and when it ran. */
export const sgRfmRuns = pgTable('sg_rfm_runs', {
  appId: text('app_id').primaryKey(),
  recencyDays: doublePrecision('recency_days'),
  frequency: doublePrecision('frequency'),
  monetary: doublePrecision('monetary'),
  users: integer('users').notNull(),
  computedAt: timestamp('computed_at', { withTimezone: true }).notNull(),
});

/** Core users (the 2/8 rule): weights of frequency, duration and spend, the window and the top share flagged. */
export const sgCoreSettings = pgTable('sg_core_settings', {
  appId: text('app_id').primaryKey(),
  windowDays: integer('window_days').notNull(),
  topPercent: doublePrecision('top_percent').notNull(),
  wFrequency: doublePrecision('w_frequency').notNull(),
  wDuration: doublePrecision('w_duration').notNull(),
  wSpend: doublePrecision('w_spend').notNull(),
  spendEvent: text('spend_event').notNull(),
  amountPath: text('amount_path').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});

/** Every active user's composite at the last computation, ranked; `core` for the top share. */
export const sgCore = pgTable(
  'sg_core',
  {
    appId: text('app_id').notNull(),
    userId: text('user_id').notNull(),
    activeDays: integer('active_days').notNull(),
    activeSeconds: integer('active_seconds').notNull(),
    spend: doublePrecision('spend').notNull(),
    score: doublePrecision('score').notNull(),
    rank: integer('rank').notNull(),
    core: boolean('core').notNull(),
    computedAt: timestamp('computed_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.userId] }), index('sg_core_rank').on(t.appId, t.rank)],
);
