import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

export const boards = pgTable(
  'fb_boards',
  {
    id: text('id').primaryKey(),
    appId: text('app_id').notNull(),
    name: text('name').notNull(),
    description: text('description'),
    /** 'public': everyone sees the posts; 'private': only operators (and each author, their own). */
    visibility: text('visibility').notNull(),
    /** New posts are assigned to this operator (workload view: "feedback received"). */
    defaultAssignee: text('default_assignee'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('fb_boards_app').on(t.appId, t.createdAt, t.id)],
);

export type BugReport = { steps?: string; app_version?: string; device?: Record<string, unknown>; attachment_urls?: string[] };

export const posts = pgTable(
  'fb_posts',
  {
    id: text('id').primaryKey(),
    appId: text('app_id').notNull(),
    boardId: text('board_id')
      .notNull()
      .references(() => boards.id, { onDelete: 'cascade' }),
    /** 'idea' | 'bug' | 'question' */
    type: text('type').notNull(),
    title: text('title').notNull(),
    body: text('body'),
    tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
    category: text('category'),
    bug: jsonb('bug').$type<BugReport>(),
    authorUserId: text('author_user_id').notNull(),
    status: text('status').notNull(),
    statusChangedAt: timestamp('status_changed_at', { withTimezone: true }),
    /** Counters move in the same transaction as the rows they count (votes under a post lock). */
    voteCount: integer('vote_count').notNull().default(0),
    voteWeight: integer('vote_weight').notNull().default(0),
    followerCount: integer('follower_count').notNull().default(0),
    commentCount: integer('comment_count').notNull().default(0),
    mergedInto: text('merged_into'),
    mergedAt: timestamp('merged_at', { withTimezone: true }),
    responseCommentId: text('response_comment_id'),
    firstResponseAt: timestamp('first_response_at', { withTimezone: true }),
    firstResponderId: text('first_responder_id'),
    assignee: text('assignee'),
    assignedAt: timestamp('assigned_at', { withTimezone: true }),
    /** Distinct similarity grams of the title (see rules/grams.ts). */
    gramCount: integer('gram_count').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    index('fb_posts_board_new').on(t.boardId, t.createdAt, t.id),
    index('fb_posts_board_top').on(t.boardId, t.voteCount, t.id),
    index('fb_posts_app_status').on(t.appId, t.status, t.voteCount),
    index('fb_posts_author').on(t.appId, t.authorUserId),
    index('fb_posts_assignee').on(t.appId, t.assignee, t.assignedAt),
    index('fb_posts_merged').on(t.mergedInto),
  ],
);

/** One vote per user and post (the key makes a double vote impossible). */
export const votes = pgTable(
  'fb_votes',
  {
    postId: text('post_id')
      .notNull()
      .references(() => posts.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull(),
    appId: text('app_id').notNull(),
    weight: integer('weight').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.postId, t.userId] }), index('fb_votes_user').on(t.appId, t.userId)],
);

export const followers = pgTable(
  'fb_followers',
  {
    postId: text('post_id')
      .notNull()
      .references(() => posts.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull(),
    appId: text('app_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.postId, t.userId] }), index('fb_followers_user').on(t.appId, t.userId)],
);

export const comments = pgTable(
  'fb_comments',
  {
    id: text('id').primaryKey(),
    postId: text('post_id')
      .notNull()
      .references(() => posts.id, { onDelete: 'cascade' }),
    appId: text('app_id').notNull(),
    /** 'user' | 'operator' | 'secret_key' */
    authorType: text('author_type').notNull(),
    authorId: text('author_id').notNull(),
    body: text('body').notNull(),
    /** Written by the app's team (operator or secret key); an official response is also pinned on the post. */
    official: boolean('official').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('fb_comments_post').on(t.postId, t.createdAt, t.id), index('fb_comments_author').on(t.appId, t.authorType, t.authorId, t.createdAt)],
);

export const statusChanges = pgTable(
  'fb_status_changes',
  {
    seq: bigint('seq', { mode: 'number' }).generatedAlwaysAsIdentity().primaryKey(),
    postId: text('post_id')
      .notNull()
      .references(() => posts.id, { onDelete: 'cascade' }),
    appId: text('app_id').notNull(),
    boardId: text('board_id').notNull(),
    fromStatus: text('from_status').notNull(),
    toStatus: text('to_status').notNull(),
    note: text('note').notNull(),
    actorType: text('actor_type').notNull(),
    actorId: text('actor_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('fb_status_changes_post').on(t.postId, t.seq), index('fb_status_changes_app').on(t.appId, t.toStatus, t.seq)],
);

/** First time each operator opened each post (workload view: "feedback read"). */
export const reads = pgTable(
  'fb_reads',
  {
    postId: text('post_id')
      .notNull()
      .references(() => posts.id, { onDelete: 'cascade' }),
    operatorId: text('operator_id').notNull(),
    appId: text('app_id').notNull(),
    readAt: timestamp('read_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.postId, t.operatorId] }), index('fb_reads_operator').on(t.appId, t.operatorId, t.readAt)],
);

/** Inverted index of title grams for similar-post suggestions (Chinese bigrams and English words). */
export const grams = pgTable(
  'fb_grams',
  {
    postId: text('post_id')
      .notNull()
      .references(() => posts.id, { onDelete: 'cascade' }),
    appId: text('app_id').notNull(),
    boardId: text('board_id').notNull(),
    gram: text('gram').notNull(),
  },
  (t) => [primaryKey({ columns: [t.postId, t.gram] }), index('fb_grams_lookup').on(t.appId, t.gram, t.boardId)],
);
