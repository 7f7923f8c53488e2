import { sql } from 'drizzle-orm';
import { boolean, index, integer, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/** A knowledge-base entry: a question, its paraphrases and the answer, in one locale. */
export const entries = pgTable(
  'faq_entries',
  {
    id: text('id').primaryKey(),
    appId: text('app_id').notNull(),
    /** The host's own id of the entry: bulk imports upsert by it. */
    externalKey: text('external_key'),
    question: text('question').notNull(),
    variants: text('variants').array().notNull().default([]),
    answer: text('answer').notNull(),
    category: text('category'),
    /** 'zh-CN' | 'en' */
    locale: text('locale').notNull(),
    enabled: boolean('enabled').notNull().default(true),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    index('faq_entries_app').on(t.appId, t.createdAt, t.id),
    uniqueIndex('faq_entries_key').on(t.appId, t.externalKey).where(sql`${t.externalKey} IS NOT NULL`),
  ],
);

/**
 * What retrieval searches: one row per phrase of an entry (seq 0 its question, 1… its variants,
 * -1 the whole entry with its answer) with the phrase's terms (rules/tokens.ts), rewritten with
 * the entry. Servers load an app's rows into memory (rules/search.ts) and search there.
 */
export const phrases = pgTable(
  'faq_phrases',
  {
    entryId: text('entry_id')
      .notNull()
      .references(() => entries.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    appId: text('app_id').notNull(),
    terms: text('terms').array().notNull(),
  },
  (t) => [primaryKey({ columns: [t.entryId, t.seq] }), index('faq_phrases_app').on(t.appId)],
);

/**
 * A new random stamp per write to an app's knowledge base, set first in the writing transaction
 * (its row lock also queues the app's writers). A server's in-memory index of the app is current
 * while it was loaded at the stamp the database holds; a search reads the stamp first.
 */
export const versions = pgTable('faq_versions', {
  appId: text('app_id').primaryKey(),
  stamp: text('stamp').notNull(),
});

/** Per-app settings: optional generative answers through an OpenAI-compatible chat endpoint. */
export const settings = pgTable('faq_settings', {
  appId: text('app_id').primaryKey(),
  generative: boolean('generative').notNull().default(false),
  endpointUrl: text('endpoint_url'),
  model: text('model'),
  /** Sealed with the server master key (lib/secrets.ts); never returned. */
  apiKey: text('api_key'),
  timeoutMs: integer('timeout_ms').notNull().default(5000),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});
