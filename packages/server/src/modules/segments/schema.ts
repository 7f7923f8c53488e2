// Segments: rule-based groups of users, their members and their size per day. Prefix sg_.
import { date, index, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
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
