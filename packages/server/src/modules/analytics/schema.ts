import { bigint, date, index, integer, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

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

/**
 * DAU, WAU, MAU and new users of closed days (ended at least half an hour ago), for the unfiltered
 * series under the app's settings (`an_active_state.settings_key`), so a 90-day series reads 90
 * rows. Valid days are `valid_from..valid_to` as of `snapshot`: a later change of the roll-up (a
 * late event, an erasure: ev_slot_changes rows whose transaction that snapshot did not see)
 * invalidates the days from its own on, found exactly at the next read.
 */
export const activeCache = pgTable(
  'an_active_cache',
  {
    appId: text('app_id').notNull(),
    day: date('day', { mode: 'string' }).notNull(),
    dau: integer('dau').notNull(),
    wau: integer('wau').notNull(),
    mau: integer('mau').notNull(),
    newUsers: integer('new_users').notNull(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.day] })],
);

export const activeState = pgTable('an_active_state', {
  appId: text('app_id').primaryKey(),
  settingsKey: text('settings_key').notNull(),
  snapshot: text('snapshot').notNull(),
  validFrom: date('valid_from', { mode: 'string' }).notNull(),
  validTo: date('valid_to', { mode: 'string' }).notNull(),
});
