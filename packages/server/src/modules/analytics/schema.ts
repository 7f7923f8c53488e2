import { bigint, index, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Per-app analytics settings. `timezone` is the app's reporting time zone: every day, week and
 * month of every metric is a calendar day there. `activeEvents` null means "any event".
 */
export const settings = pgTable('an_settings', {
  appId: text('app_id').primaryKey(),
  timezone: text('timezone').notNull(),
  activeEvents: text('active_events').array(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});

/**
 * Engagement: one row per domain event of a measured capability (likes, comments, check-ins…) and
 * the user who did it, copied from the event log by the `analytics.engagement` consumer. The log is
 * pruned after its retention; this copy is not, so a daily series stays exact for any range.
 * Keyed by the log position: a redelivered event is stored once. Erased with the user and the app.
 */
export const engagement = pgTable(
  'an_engagement',
  {
    appId: text('app_id').notNull(),
    logId: bigint('log_id', { mode: 'number' }).notNull(),
    family: text('family').notNull(),
    name: text('name').notNull(),
    userId: text('user_id').notNull(),
    ts: timestamp('ts', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.logId] }), index('an_engagement_day').on(t.appId, t.family, t.ts), index('an_engagement_user').on(t.appId, t.userId)],
);
