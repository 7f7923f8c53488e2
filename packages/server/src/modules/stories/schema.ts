import { boolean, index, integer, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

export const campaigns = pgTable(
  'st_campaigns',
  {
    id: text('id').primaryKey(),
    appId: text('app_id').notNull(),
    /** 'story': users submit stories; 'hashtag': posts carrying the hashtag are collected. */
    kind: text('kind').notNull(),
    title: text('title').notNull(),
    description: text('description'),
    /** Normalised (see rules/hashtags.ts), without '#'. */
    hashtag: text('hashtag'),
    /** Hashtag campaigns: the ingested event that carries a host post (properties.text, …). */
    sourceEvent: text('source_event'),
    /** 'pre': entries wait for approval before the gallery shows them; 'post': shown at once. */
    moderation: text('moderation').notNull(),
    /** 'open' | 'closed' */
    status: text('status').notNull(),
    endsAt: timestamp('ends_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('st_campaigns_app').on(t.appId, t.createdAt, t.id), index('st_campaigns_tag').on(t.appId, t.status, t.sourceEvent)],
);

export const entries = pgTable(
  'st_entries',
  {
    id: text('id').primaryKey(),
    campaignId: text('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    appId: text('app_id').notNull(),
    userId: text('user_id').notNull(),
    text: text('text').notNull(),
    imageUrls: text('image_urls').array().notNull(),
    /** 'submission' | 'hashtag' */
    source: text('source').notNull(),
    /** The host's post id (or event id): collecting the same post twice keeps one entry. */
    sourceRef: text('source_ref'),
    /** 'pending' | 'approved' | 'rejected' */
    status: text('status').notNull(),
    featured: boolean('featured').notNull().default(false),
    likeCount: integer('like_count').notNull().default(0),
    moderatedAt: timestamp('moderated_at', { withTimezone: true }),
    moderatedBy: text('moderated_by'),
    rejectReason: text('reject_reason'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    uniqueIndex('st_entries_source').on(t.campaignId, t.sourceRef),
    index('st_entries_likes').on(t.campaignId, t.status, t.likeCount, t.id),
    index('st_entries_recent').on(t.campaignId, t.status, t.createdAt, t.id),
    index('st_entries_user').on(t.appId, t.userId),
  ],
);

export const likes = pgTable(
  'st_likes',
  {
    entryId: text('entry_id')
      .notNull()
      .references(() => entries.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull(),
    appId: text('app_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.entryId, t.userId] }), index('st_likes_user').on(t.appId, t.userId)],
);

export const winners = pgTable(
  'st_winners',
  {
    campaignId: text('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    entryId: text('entry_id')
      .notNull()
      .references(() => entries.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull(),
    rank: integer('rank').notNull(),
    prize: text('prize').notNull(),
    /** 'operator' | 'top_likes' */
    pickedBy: text('picked_by').notNull(),
    awardedAt: timestamp('awarded_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.entryId] })],
);
