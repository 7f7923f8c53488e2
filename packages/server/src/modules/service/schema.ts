import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, jsonb, pgTable, primaryKey, real, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/** Per-app customer-service settings: the bot's confidence threshold and hand-over words, the SLA. */
export const settings = pgTable('cs_settings', {
  appId: text('app_id').primaryKey(),
  botEnabled: boolean('bot_enabled').notNull().default(true),
  /** The FAQ confidence (0..1) at or above which the bot answers by itself. */
  threshold: real('threshold').notNull().default(0.6),
  handoverKeywords: text('handover_keywords').array().notNull(),
  /** Minutes from waiting for an agent to the first agent reply; null: no SLA. */
  firstResponseMinutes: integer('first_response_minutes'),
  /** Minutes from opening to resolution; null: no SLA. */
  resolutionMinutes: integer('resolution_minutes'),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});

/** An operator working as an agent in an app: status, skills and how many conversations at once. */
export const agents = pgTable(
  'cs_agents',
  {
    appId: text('app_id').notNull(),
    operatorId: text('operator_id').notNull(),
    /** 'online' | 'away' | 'offline' */
    status: text('status').notNull(),
    skills: text('skills').array().notNull().default([]),
    capacity: integer('capacity').notNull().default(5),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.operatorId] })],
);

/**
 * A conversation between one user and the app. Status: bot (the FAQ bot answers), waiting (for an
 * agent, in the queue since `waiting_since`), assigned (to `agent_id`), resolved. `channel` says
 * where it was opened: in_app, by an operator, or a host bridge name (wecom, wechat…) with the
 * bridge's conversation id in `external_id`.
 */
export const conversations = pgTable(
  'cs_conversations',
  {
    id: text('id').primaryKey(),
    appId: text('app_id').notNull(),
    userId: text('user_id').notNull(),
    channel: text('channel').notNull(),
    externalId: text('external_id'),
    status: text('status').notNull(),
    skill: text('skill'),
    agentId: text('agent_id'),
    locale: text('locale').notNull(),
    /** Low-confidence bot answers in a row (two hand over). */
    lowConfidence: integer('low_confidence').notNull().default(0),
    waitingSince: timestamp('waiting_since', { withTimezone: true }),
    firstResponseAt: timestamp('first_response_at', { withTimezone: true }),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
    firstResponseBreachedAt: timestamp('first_response_breached_at', { withTimezone: true }),
    resolutionBreachedAt: timestamp('resolution_breached_at', { withTimezone: true }),
    rating: integer('rating'),
    ratingComment: text('rating_comment'),
    ratedAt: timestamp('rated_at', { withTimezone: true }),
    lastMessageAt: timestamp('last_message_at', { withTimezone: true }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    index('cs_conversations_app').on(t.appId, t.lastMessageAt, t.id),
    index('cs_conversations_user').on(t.appId, t.userId, t.lastMessageAt),
    index('cs_conversations_queue').on(t.appId, t.status, t.waitingSince),
    index('cs_conversations_agent').on(t.appId, t.agentId, t.status),
    uniqueIndex('cs_conversations_external').on(t.appId, t.channel, t.externalId).where(sql`external_id is not null`),
  ],
);

/** Messages of a conversation in order (`seq`). Internal notes are for agents only. */
export const messages = pgTable(
  'cs_messages',
  {
    seq: bigint('seq', { mode: 'number' }).generatedAlwaysAsIdentity().primaryKey(),
    id: text('id').notNull(),
    appId: text('app_id').notNull(),
    conversationId: text('conversation_id').notNull(),
    /** 'user' | 'bot' | 'agent' | 'system' */
    authorKind: text('author_kind').notNull(),
    authorId: text('author_id'),
    body: text('body').notNull(),
    attachments: jsonb('attachments').$type<string[]>().notNull().default([]),
    internal: boolean('internal').notNull().default(false),
    /** The bot's FAQ entries (answer sources or suggestions). */
    sources: jsonb('sources').$type<{ entry_id: string; question: string; score: number }[] | null>(),
    /** A host bridge's message id: the same inbound message is stored once. */
    externalId: text('external_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    uniqueIndex('cs_messages_id').on(t.id),
    index('cs_messages_conversation').on(t.conversationId, t.seq),
    uniqueIndex('cs_messages_external').on(t.conversationId, t.externalId).where(sql`external_id is not null`),
  ],
);

/** Canned replies agents insert with one click. */
export const canned = pgTable(
  'cs_canned',
  {
    id: text('id').primaryKey(),
    appId: text('app_id').notNull(),
    title: text('title').notNull(),
    body: text('body').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('cs_canned_app').on(t.appId, t.createdAt, t.id)],
);
