// The durable domain event log (transactional outbox) and its consumers' checkpoints.
//
// Every domain event, and every host event some rule listens to, is one row of ev_log, inserted in
// the same transaction as the change that caused it. `txid` is the inserting transaction's id:
// consumers read rows in (txid, id) order and only rows whose transaction is older than every
// transaction still running (`pg_snapshot_xmin`), so a row that commits late can never be skipped
// (ids alone are not commit-ordered). Each consumer keeps one checkpoint per shard; its effects
// and the checkpoint advance commit together, so an event's effect happens once per consumer.
import { sql } from 'drizzle-orm';
import { bigint, customType, index, integer, jsonb, pgTable, primaryKey, smallint, text, timestamp } from 'drizzle-orm/pg-core';

const xid8 = customType<{ data: string; driverData: string }>({ dataType: () => 'xid8' });

export const log = pgTable(
  'ev_log',
  {
    /** The position: increases with every append (per app too), unique, never reused. */
    id: bigint('id', { mode: 'number' }).generatedAlwaysAsIdentity().primaryKey(),
    txid: xid8('txid').notNull().default(sql`pg_current_xact_id()`),
    appId: text('app_id').notNull(),
    /** Consumers split the log by shard; an app and user always map to the same shard (order per user holds). */
    shard: smallint('shard').notNull(),
    /** 'domain' (recorded by Canyu) or 'host' (ingested through POST /v1/events). */
    kind: text('kind').$type<'domain' | 'host'>().notNull(),
    name: text('name').notNull(),
    version: smallint('version').notNull().default(1),
    /** The acting user, if any. */
    actorId: text('actor_id'),
    /** Every user the event concerns (actor, subject author, recipients…), for erasure and per-user views. */
    userIds: text('user_ids').array().notNull().default(sql`'{}'::text[]`),
    /** The domain event's id (idempotency key for effects), e.g. the host event_id. */
    key: text('key').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('ev_log_read').on(t.shard, t.txid, t.id), index('ev_log_app').on(t.appId, t.id), index('ev_log_created').on(t.createdAt)],
);

export const consumers = pgTable(
  'ev_consumers',
  {
    consumer: text('consumer').notNull(),
    shard: smallint('shard').notNull(),
    /** Everything at or before (txid, lastId) is handled. */
    txid: xid8('txid').notNull().default(sql`'0'::xid8`),
    lastId: bigint('last_id', { mode: 'number' }).notNull().default(0),
    handled: bigint('handled', { mode: 'number' }).notNull().default(0),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.consumer, t.shard] })],
);

/** Events a consumer could not handle after retries: listed for operators, retried on request. */
export const failures = pgTable(
  'ev_failures',
  {
    consumer: text('consumer').notNull(),
    eventId: bigint('event_id', { mode: 'number' }).notNull(),
    appId: text('app_id').notNull(),
    name: text('name').notNull(),
    error: text('error').notNull(),
    attempts: integer('attempts').notNull().default(1),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.consumer, t.eventId] }), index('ev_failures_app').on(t.appId, t.createdAt)],
);

/**
 * Host event names some rule, workflow or webhook listens to, per app. Ingestion copies a host
 * event into ev_log only when a row here matches it (in the same statement, so no cache can be
 * stale). `pattern` is an exact name, `prefix.*`, or `*`.
 */
export const interest = pgTable(
  'ev_interest',
  {
    appId: text('app_id').notNull(),
    owner: text('owner').notNull(),
    ref: text('ref').notNull(),
    pattern: text('pattern').notNull(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.owner, t.ref, t.pattern] }), index('ev_interest_pattern').on(t.appId, t.pattern)],
);
