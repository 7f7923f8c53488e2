import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/** Where an app wants its webhooks: a URL, a signing secret and the event types it takes. */
export const endpoints = pgTable(
  'wh_endpoints',
  {
    id: text('id').primaryKey(),
    appId: text('app_id').notNull(),
    url: text('url').notNull(),
    description: text('description').notNull().default(''),
    /** Empty = every event type; entries may end in `.*` (a prefix) or be `*`. */
    eventTypes: text('event_types').array().notNull().default(sql`'{}'::text[]`),
    enabled: boolean('enabled').notNull().default(true),
    // HMAC signing needs the secret itself, so it is sealed with the server master key
    // (lib/secrets.ts, `enc:v1:…`), not hashed; '' once the endpoint is deleted.
    secret: text('secret').notNull(),
    /** After a rotation the old secret (sealed too) also signs until this time, so receivers can switch over. */
    previousSecret: text('previous_secret'),
    previousSecretUntil: timestamp('previous_secret_until', { withTimezone: true }),
    /** Failed attempts in a row (any delivery); a success resets it. */
    failureStreak: integer('failure_streak').notNull().default(0),
    /**
     * Circuit breaker: null = closed. Set when the streak reaches the threshold: until this time no
     * delivery is attempted (open); after it one probe is (half-open), and its outcome closes or
     * reopens the circuit for longer.
     */
    circuitOpenUntil: timestamp('circuit_open_until', { withTimezone: true }),
    /** Deleted endpoints stay (with their delivery log) but are never shown or called again. */
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('wh_endpoints_app').on(t.appId, t.id), index('wh_endpoints_circuit').on(t.circuitOpenUntil).where(sql`circuit_open_until is not null`)],
);

/** One event for one endpoint: the unit that is attempted, retried and redelivered. */
export const deliveries = pgTable(
  'wh_deliveries',
  {
    id: text('id').primaryKey(),
    appId: text('app_id').notNull(),
    endpointId: text('endpoint_id')
      .notNull()
      .references(() => endpoints.id, { onDelete: 'cascade' }),
    /** Same for every endpoint the event went to; receivers de-duplicate on it. */
    eventId: text('event_id').notNull(),
    eventType: text('event_type').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    status: text('status', { enum: ['pending', 'sending', 'retrying', 'succeeded', 'failed'] }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull(),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull(),
    /** While `sending`: when another worker may assume this one died and take the delivery over. */
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
    lastStatusCode: integer('last_status_code'),
    lastError: text('last_error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('wh_deliveries_event').on(t.endpointId, t.eventId),
    index('wh_deliveries_app').on(t.appId, t.createdAt, t.id),
    // While `sending`, next_attempt_at is the end of the lease: one index finds both due and abandoned work.
    index('wh_deliveries_due').on(t.nextAttemptAt).where(sql`status in ('pending', 'retrying', 'sending')`),
    index('wh_deliveries_endpoint_open').on(t.endpointId).where(sql`status in ('pending', 'retrying', 'sending')`),
  ],
);

/** Every HTTP attempt of a delivery, with what the receiver answered. */
export const attempts = pgTable(
  'wh_attempts',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    deliveryId: text('delivery_id')
      .notNull()
      .references(() => deliveries.id, { onDelete: 'cascade' }),
    attempt: integer('attempt').notNull(),
    statusCode: integer('status_code'),
    error: text('error'),
    responseBody: text('response_body'),
    durationMs: integer('duration_ms').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('wh_attempts_delivery').on(t.deliveryId, t.id)],
);
