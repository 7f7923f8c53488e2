import { sql } from 'drizzle-orm';
import { bigint, customType, index, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

const xid8 = customType<{ data: string; driverData: string }>({ dataType: () => 'xid8' });

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
  (t) => [
    primaryKey({ columns: [t.appId, t.eventId] }),
    index('ev_events_user').on(t.appId, t.userId, t.seq),
    index('ev_events_seq').on(t.appId, t.seq),
    // Time ranges (funnels, session figures) without a B-tree on the hottest insert path: events
    // arrive roughly in time order, so a block-range index skips the pages outside the range.
    index('ev_events_ts').using('brin', t.ts).with({ pages_per_range: 32, autosummarize: true }),
    // Funnels: each step's events of a range read from the index alone. Migration 0047 creates it
    // with INCLUDE (user_id, seq), which drizzle-kit does not model (docs/analytics.md: its cost).
    index('ev_events_name_ts').on(t.appId, t.name, t.ts),
  ],
);

/**
 * The roll-up of ev_events: how many events each user sent per app, name and half-hour slot (UTC,
 * aligned on :00 and :30). Written by the same statement that stores the events (so it is exact by
 * construction: a duplicate is not stored, so not counted), deleted with the user's events. Every
 * reporting zone whose offsets are whole half-hours (all but Nepal, Chatham and Eucla) maps whole
 * slots to local days, so analytics reads days, weeks and months from here instead of the raw
 * events. Storage: one row per user, name and half-hour they were active (≈ 60 bytes + index).
 */
export const slots = pgTable(
  'ev_slots',
  {
    appId: text('app_id').notNull(),
    slot: timestamp('slot', { withTimezone: true }).notNull(),
    userId: text('user_id').notNull(),
    name: text('name').notNull(),
    n: integer('n').notNull(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.slot, t.userId, t.name] }), index('ev_slots_user').on(t.appId, t.userId, t.slot)],
);

/**
 * The same roll-up without the name: the half-hours each user was active at all (one row per user
 * and half-hour, ≈ a tenth of ev_slots when users send several kinds of events). Metrics where any
 * event counts (the default "active") read this one.
 */
export const userSlots = pgTable(
  'ev_user_slots',
  {
    appId: text('app_id').notNull(),
    userId: text('user_id').notNull(),
    slot: timestamp('slot', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.userId, t.slot] }), index('ev_user_slots_slot').on(t.appId, t.slot)],
);

/**
 * Each user's first active half-hour in the app (the earliest slot of ev_user_slots), kept by the
 * same statement that stores events (only when a user-slot is new, so about once per user and
 * half-hour, not per event) and deleted with it. Retention cohorts by first-seen day read it
 * instead of grouping the whole roll-up by user.
 */
export const userFirsts = pgTable(
  'ev_user_firsts',
  {
    appId: text('app_id').notNull(),
    userId: text('user_id').notNull(),
    slot: timestamp('slot', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.userId] }), index('ev_user_firsts_slot').on(t.appId, t.slot)],
);

/**
 * Past slots whose roll-up changed after the fact: an event stored after its half-hour was over
 * (late) or a user's events erased. `txid` is the changing transaction: a reader that cached
 * figures under a snapshot finds exactly the changes it did not see (`pg_visible_in_snapshot`).
 */
export const slotChanges = pgTable(
  'ev_slot_changes',
  {
    appId: text('app_id').notNull(),
    slot: timestamp('slot', { withTimezone: true }).notNull(),
    txid: xid8('txid').notNull().default(sql`pg_current_xact_id()`),
  },
  (t) => [primaryKey({ columns: [t.appId, t.slot] })],
);
