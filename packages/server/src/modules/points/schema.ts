// The points ledger. Invariants, per (app, user, type), enforced by the statements in store.ts:
//   balance = sum(entries.amount) = sum(lots.remaining) >= 0
// entries are never updated or deleted (except when a user is erased), and every entry has a
// unique idempotency key, so a replayed earn or spend finds the original instead of writing twice.
import { sql } from 'drizzle-orm';
import type { Conditions } from '../../lib/conditions.ts';
import { bigint, bigserial, boolean, check, foreignKey, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

export type ExpiryPolicy = { kind: 'never' } | { kind: 'days'; days: number } | { kind: 'end_of_year'; years_after: number; timezone: string };

/** Point types an app defines (e.g. `points`, `growth`, `makeup_card`), with their default expiry. */
export const pointTypes = pgTable(
  'pt_types',
  {
    appId: text('app_id').notNull(),
    key: text('key').notNull(),
    name: text('name').notNull(),
    description: text('description'),
    expiry: jsonb('expiry').$type<ExpiryPolicy>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.key] })],
);

export const balances = pgTable(
  'pt_balances',
  {
    appId: text('app_id').notNull(),
    userId: text('user_id').notNull(),
    type: text('type').notNull(),
    balance: bigint('balance', { mode: 'number' }).notNull(),
    /** Lifetime totals, for levels, badges and reports. */
    earned: bigint('earned', { mode: 'number' }).notNull().default(0),
    spent: bigint('spent', { mode: 'number' }).notNull().default(0),
    expired: bigint('expired', { mode: 'number' }).notNull().default(0),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.appId, t.userId, t.type] }),
    check('pt_balances_non_negative', sql`${t.balance} >= 0`),
    foreignKey({ columns: [t.appId, t.type], foreignColumns: [pointTypes.appId, pointTypes.key], name: 'pt_balances_type_fk' }),
  ],
);

export const entries = pgTable(
  'pt_entries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    appId: text('app_id').notNull(),
    userId: text('user_id').notNull(),
    type: text('type').notNull(),
    kind: text('kind', { enum: ['earn', 'spend', 'adjust', 'expire', 'refund'] }).notNull(),
    /** Signed: credits positive, debits negative; never zero. */
    amount: bigint('amount', { mode: 'number' }).notNull(),
    balanceAfter: bigint('balance_after', { mode: 'number' }).notNull(),
    idemKey: text('idem_key').notNull(),
    /** What the key was first used for; a replay of the key for anything else is refused. */
    fingerprint: text('fingerprint').notNull(),
    reason: text('reason'),
    sourceType: text('source_type'),
    sourceId: text('source_id'),
    ruleId: text('rule_id'),
    actorType: text('actor_type').notNull(),
    actorId: text('actor_id'),
    /** Credits: when the lot they created expires. */
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    /** Debits: the lots consumed, as [lot id, amount, lot expiry] triples (audit, refunds). */
    lots: jsonb('lots').$type<[number, number, string | null][]>(),
    /** Refunds: the debit entry they give back. At most one refund per debit (unique index below). */
    refundOf: bigint('refund_of', { mode: 'number' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('pt_entries_idem').on(t.appId, t.idemKey),
    index('pt_entries_user').on(t.appId, t.userId, t.type, t.id),
    index('pt_entries_app').on(t.appId, t.id),
    // Leaderboards over a period sum the credits that count as earned, by type and time.
    index('pt_entries_earned').on(t.appId, t.type, t.createdAt).where(sql`${t.amount} > 0 and ${t.kind} in ('earn', 'adjust')`),
    check('pt_entries_amount_nonzero', sql`${t.amount} <> 0`),
    // A debit is given back once, whichever path refunds it (the API, a cancelled mall order…).
    uniqueIndex('pt_entries_refund_of').on(t.appId, t.refundOf).where(sql`${t.refundOf} is not null`),
  ],
);

/** What each credit left to spend, and when it expires. Debits consume the soonest-expiring first. */
export const lots = pgTable(
  'pt_lots',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    appId: text('app_id').notNull(),
    userId: text('user_id').notNull(),
    type: text('type').notNull(),
    entryId: bigint('entry_id', { mode: 'number' }).notNull(),
    amount: bigint('amount', { mode: 'number' }).notNull(),
    remaining: bigint('remaining', { mode: 'number' }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('pt_lots_open').on(t.appId, t.userId, t.type, t.expiresAt, t.id).where(sql`${t.remaining} > 0`),
    index('pt_lots_due').on(t.expiresAt).where(sql`${t.remaining} > 0 and ${t.expiresAt} is not null`),
    check('pt_lots_remaining', sql`${t.remaining} >= 0 and ${t.remaining} <= ${t.amount}`),
  ],
);

/** The experiment an earn rule belongs to: its id and the amount per arm (arms not named earn the rule's amount). */
export type RuleExperiment = { id: string; amounts: Record<string, number> };

/** "Event X gives N points", with caps per user per day/week and a total for the rule. */
export const rules = pgTable(
  'pt_rules',
  {
    id: text('id').primaryKey(),
    appId: text('app_id').notNull(),
    name: text('name').notNull(),
    /** `event`: ingested host events by name; `domain`: Canyu domain events by name. */
    source: text('source', { enum: ['event', 'domain'] }).notNull(),
    event: text('event').notNull(),
    /** Property equality filters: every key must equal the event property (dot paths allowed). */
    conditions: jsonb('conditions').$type<Conditions>().notNull().default(sql`'{}'::jsonb`),
    /** Who earns: null = the acting user; else the property path of a user id or a list of user ids. */
    userPath: text('user_path'),
    type: text('type').notNull(),
    amount: bigint('amount', { mode: 'number' }).notNull(),
    dailyCap: bigint('daily_cap', { mode: 'number' }),
    weeklyCap: bigint('weekly_cap', { mode: 'number' }),
    totalCap: bigint('total_cap', { mode: 'number' }),
    /** The days and weeks of the caps are counted in this time zone. */
    timezone: text('timezone').notNull().default('UTC'),
    expiresInDays: integer('expires_in_days'),
    active: boolean('active').notNull().default(true),
    /** Inside an A/B test: grants only while it runs, never to its holdout, each arm its own amount. */
    experiment: jsonb('experiment').$type<RuleExperiment>(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('pt_rules_app').on(t.appId, t.source, t.event), foreignKey({ columns: [t.appId, t.type], foreignColumns: [pointTypes.appId, pointTypes.key], name: 'pt_rules_type_fk' })],
);

/** Points a rule granted per user per period ('d:2025-01-31', 'w:2025-W05', 'all'); user '' = the rule's total. */
export const ruleUsage = pgTable(
  'pt_rule_usage',
  {
    appId: text('app_id').notNull(),
    ruleId: text('rule_id').notNull(),
    userId: text('user_id').notNull(),
    period: text('period').notNull(),
    amount: bigint('amount', { mode: 'number' }).notNull().default(0),
    /** Day and week rows are purged a few weeks after they were created. */
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.ruleId, t.userId, t.period] })],
);
