import { bigint, index, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

export const events = pgTable(
  'ev_events',
  {
    appId: text('app_id').notNull(),
    eventId: text('event_id').notNull(),
    // Arrival order, for cursor pagination and for consumers that tail the stream.
    seq: bigint('seq', { mode: 'number' }).generatedAlwaysAsIdentity({ cache: 1000 }).notNull(),
    userId: text('user_id').notNull(),
    name: text('name').notNull(),
    properties: jsonb('properties').$type<Record<string, unknown>>().notNull(),
    ts: timestamp('ts', { withTimezone: true }).notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.eventId] }), index('ev_events_user').on(t.appId, t.userId, t.seq), index('ev_events_seq').on(t.appId, t.seq)],
);
