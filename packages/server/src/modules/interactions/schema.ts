// Tables of the interactions module (prefix ix_). Subjects get an internal bigint id that every
// other table refers to; deleting a subject erases its interactions. Counters are sharded (ix_counters, ix_subject_days, ix_user_counters): a like adds
// 1 to one of N rows chosen at random and readers sum the N rows, so a viral subject never queues
// every writer behind one row lock.
import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, date, doublePrecision, index, integer, jsonb, pgTable, primaryKey, smallint, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true });

export const settings = pgTable('ix_settings', {
  appId: text('app_id').primaryKey(),
  settings: jsonb('settings').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

export const subjects = pgTable(
  'ix_subjects',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    appId: text('app_id').notNull(),
    kind: text('kind').notNull(),
    externalId: text('external_id').notNull(),
    title: text('title'),
    authorId: text('author_id'),
    tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    /** The host's creation time (defaults to first sight); the hot score decays from it. */
    createdAt: ts('created_at').notNull(),
    firstSeenAt: ts('first_seen_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
    /** Time-invariant hot score (rules/hot.ts); null until the first interaction. */
    hotScore: doublePrecision('hot_score'),
  },
  (t) => [
    uniqueIndex('ix_subjects_ref').on(t.appId, t.kind, t.externalId),
    index('ix_subjects_hot').on(t.appId, t.kind, t.hotScore.desc(), t.id.desc()).where(sql`${t.hotScore} is not null`),
    index('ix_subjects_author').on(t.appId, t.authorId, t.createdAt.desc()),
    index('ix_subjects_list').on(t.appId, t.kind, t.id.desc()),
    index('ix_subjects_tags').using('gin', t.tags),
  ],
);

/**
 * No foreign key to ix_subjects on purpose: every insert under a foreign key takes FOR KEY SHARE
 * on the subject's row, so each like on a viral subject would rewrite that one row's lock state —
 * exactly the hot row the sharded counters avoid. Deleting a subject deletes its rows explicitly
 * (store/subjects.ts deleteSubject).
 */
const subjectId = () => bigint('subject_id', { mode: 'number' }).notNull();

/** The counted metrics, shared by the totals and the day buckets (store/common.ts Metric). */
const metrics = () => ({
  likes: bigint('likes', { mode: 'number' }).notNull().default(0),
  favourites: bigint('favourites', { mode: 'number' }).notNull().default(0),
  shares: bigint('shares', { mode: 'number' }).notNull().default(0),
  comments: bigint('comments', { mode: 'number' }).notNull().default(0),
  follows: bigint('follows', { mode: 'number' }).notNull().default(0),
});

/** Totals per subject, in `slot` shards; the total is the sum over slots. */
export const counters = pgTable(
  'ix_counters',
  {
    subjectId: subjectId(),
    slot: smallint('slot').notNull(),
    ...metrics(),
  },
  (t) => [primaryKey({ columns: [t.subjectId, t.slot] })],
);

/** Per-subject per-day counts (the app's timezone), sharded like ix_counters; rankings sum a window. */
export const subjectDays = pgTable(
  'ix_subject_days',
  {
    subjectId: subjectId(),
    day: date('day', { mode: 'string' }).notNull(),
    slot: smallint('slot').notNull(),
    ...metrics(),
  },
  (t) => [primaryKey({ columns: [t.subjectId, t.day, t.slot] })],
);

/**
 * Subjects (and the day touched) whose hot score and rankings need recomputing. A writer upserts
 * the mark of its own counter shard (`slot`) and holds it until it commits (see takeDirty), so
 * writers on one subject wait for each other only within a shard, as on the counters.
 */
export const dirty = pgTable(
  'ix_dirty',
  {
    subjectId: subjectId(),
    day: date('day', { mode: 'string' }).notNull(),
    slot: smallint('slot').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.subjectId, t.day, t.slot] })],
);

/** Materialised rankings: one row per subject and period it had interactions in. */
export const rankings = pgTable(
  'ix_rankings',
  {
    subjectId: subjectId(),
    appId: text('app_id').notNull(),
    kind: text('kind').notNull(),
    period: text('period', { enum: ['day', 'week', 'month', 'all'] }).notNull(),
    periodStart: date('period_start', { mode: 'string' }).notNull(),
    score: doublePrecision('score').notNull(),
  },
  (t) => [primaryKey({ columns: [t.subjectId, t.period, t.periodStart] }), index('ix_rankings_read').on(t.appId, t.kind, t.period, t.periodStart, t.score.desc(), t.subjectId.desc())],
);

/** Likes, favourites and subject follows: one row per (subject, type, user). */
export const reactions = pgTable(
  'ix_reactions',
  {
    subjectId: subjectId(),
    type: text('type', { enum: ['like', 'favourite', 'follow'] }).notNull(),
    userId: text('user_id').notNull(),
    appId: text('app_id').notNull(),
    /** The day bucket the reaction was counted in, so undoing it decrements the same bucket. */
    day: date('day', { mode: 'string' }).notNull(),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.subjectId, t.type, t.userId] }), index('ix_reactions_user').on(t.appId, t.userId, t.type, t.createdAt.desc()), index('ix_reactions_subject').on(t.subjectId, t.type, t.createdAt.desc())],
);

/**
 * 投币: coins each user gave each subject (at most settings.coins.max_per_user). The coins
 * themselves are points of settings.coins.point_type, spent in the same transaction.
 */
export const coins = pgTable(
  'ix_coins',
  {
    subjectId: subjectId(),
    userId: text('user_id').notNull(),
    appId: text('app_id').notNull(),
    coins: integer('coins').notNull(),
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.subjectId, t.userId] }), index('ix_coins_user').on(t.appId, t.userId)],
);

export const triples = pgTable(
  'ix_triples',
  {
    subjectId: subjectId(),
    userId: text('user_id').notNull(),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.subjectId, t.userId] })],
);

export const shares = pgTable(
  'ix_shares',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    appId: text('app_id').notNull(),
    subjectId: subjectId(),
    userId: text('user_id').notNull(),
    channel: text('channel').notNull(),
    day: date('day', { mode: 'string' }).notNull(),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [index('ix_shares_subject').on(t.subjectId, t.channel), index('ix_shares_user').on(t.appId, t.userId)],
);

export const folders = pgTable(
  'ix_folders',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    appId: text('app_id').notNull(),
    userId: text('user_id').notNull(),
    name: text('name').notNull(),
    isDefault: boolean('is_default').notNull().default(false),
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('ix_folders_name').on(t.appId, t.userId, t.name),
    uniqueIndex('ix_folders_default').on(t.appId, t.userId).where(sql`${t.isDefault}`),
  ],
);

export const folderItems = pgTable(
  'ix_folder_items',
  {
    folderId: bigint('folder_id', { mode: 'number' })
      .notNull()
      .references(() => folders.id, { onDelete: 'cascade' }),
    subjectId: subjectId(),
    appId: text('app_id').notNull(),
    userId: text('user_id').notNull(),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.folderId, t.subjectId] }), index('ix_folder_items_user').on(t.appId, t.userId, t.subjectId), index('ix_folder_items_list').on(t.folderId, t.createdAt.desc(), t.subjectId.desc())],
);

export const userFollows = pgTable(
  'ix_user_follows',
  {
    appId: text('app_id').notNull(),
    followerId: text('follower_id').notNull(),
    followeeId: text('followee_id').notNull(),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.followerId, t.followeeId] }), index('ix_user_follows_followee').on(t.appId, t.followeeId, t.createdAt.desc()), index('ix_user_follows_follower').on(t.appId, t.followerId, t.createdAt.desc())],
);

/** Follower/following totals per user, sharded (a celebrity gains followers fast). */
export const userCounters = pgTable(
  'ix_user_counters',
  {
    appId: text('app_id').notNull(),
    userId: text('user_id').notNull(),
    slot: smallint('slot').notNull(),
    followers: bigint('followers', { mode: 'number' }).notNull().default(0),
    following: bigint('following', { mode: 'number' }).notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.appId, t.userId, t.slot] })],
);

export const comments = pgTable(
  'ix_comments',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    appId: text('app_id').notNull(),
    subjectId: subjectId(),
    /** Null for a root comment; replies of any depth point at their root. */
    rootId: bigint('root_id', { mode: 'number' }),
    parentId: bigint('parent_id', { mode: 'number' }),
    userId: text('user_id').notNull(),
    replyToUserId: text('reply_to_user_id'),
    /** Stored as the user wrote it (after masking); HTML-escaped only on output. */
    body: text('body').notNull(),
    mentions: text('mentions').array().notNull().default(sql`'{}'::text[]`),
    status: text('status', { enum: ['visible', 'hidden', 'deleted'] }).notNull().default('visible'),
    /** 'author' (the subject's author) or 'operator': shown as a badge. */
    official: text('official', { enum: ['author', 'operator'] }),
    operatorId: text('operator_id'),
    likes: integer('likes').notNull().default(0),
    /** Replies not deleted, on root comments. */
    replies: integer('replies').notNull().default(0),
    hot: doublePrecision('hot').notNull(),
    pinnedAt: ts('pinned_at'),
    featuredAt: ts('featured_at'),
    featuredBy: text('featured_by', { enum: ['operator', 'rule'] }),
    /** Reports not yet decided by a moderator. */
    openReports: integer('open_reports').notNull().default(0),
    moderation: text('moderation', { enum: ['none', 'pending', 'approved', 'hidden', 'deleted'] }).notNull().default('none'),
    /** The day bucket the comment was counted in (the app's timezone). */
    day: date('day', { mode: 'string' }).notNull(),
    createdAt: ts('created_at').notNull(),
    editedAt: ts('edited_at'),
    deletedAt: ts('deleted_at'),
  },
  (t) => [
    index('ix_comments_new').on(t.subjectId, t.id.desc()).where(sql`${t.rootId} is null`),
    index('ix_comments_top').on(t.subjectId, t.likes.desc(), t.id.desc()).where(sql`${t.rootId} is null`),
    index('ix_comments_hot').on(t.subjectId, t.hot.desc(), t.id.desc()).where(sql`${t.rootId} is null`),
    index('ix_comments_replies').on(t.rootId, t.id),
    index('ix_comments_user').on(t.appId, t.userId, t.createdAt),
    index('ix_comments_queue').on(t.appId, t.openReports.desc(), t.id.desc()).where(sql`${t.openReports} > 0`),
  ],
);

export const commentLikes = pgTable(
  'ix_comment_likes',
  {
    commentId: bigint('comment_id', { mode: 'number' })
      .notNull()
      .references(() => comments.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull(),
    appId: text('app_id').notNull(),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.commentId, t.userId] }), index('ix_comment_likes_user').on(t.appId, t.userId)],
);

export const reports = pgTable(
  'ix_reports',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    appId: text('app_id').notNull(),
    commentId: bigint('comment_id', { mode: 'number' })
      .notNull()
      .references(() => comments.id, { onDelete: 'cascade' }),
    reporterId: text('reporter_id').notNull(),
    reason: text('reason').notNull(),
    note: text('note'),
    createdAt: ts('created_at').notNull(),
    resolvedAt: ts('resolved_at'),
    resolution: text('resolution', { enum: ['approve', 'hide', 'delete'] }),
  },
  (t) => [uniqueIndex('ix_reports_once').on(t.commentId, t.reporterId), index('ix_reports_app').on(t.appId, t.id.desc())],
);

export const blocks = pgTable(
  'ix_blocks',
  {
    appId: text('app_id').notNull(),
    userId: text('user_id').notNull(),
    reason: text('reason'),
    until: ts('until'),
    createdBy: text('created_by'),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.userId] })],
);

export const slots = pgTable(
  'ix_slots',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    appId: text('app_id').notNull(),
    key: text('key').notNull(),
    title: text('title').notNull(),
    description: text('description'),
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [uniqueIndex('ix_slots_key').on(t.appId, t.key)],
);

export const slotItems = pgTable(
  'ix_slot_items',
  {
    slotId: bigint('slot_id', { mode: 'number' })
      .notNull()
      .references(() => slots.id, { onDelete: 'cascade' }),
    subjectId: subjectId(),
    position: integer('position').notNull(),
    startsAt: ts('starts_at'),
    endsAt: ts('ends_at'),
    note: text('note'),
  },
  (t) => [primaryKey({ columns: [t.slotId, t.subjectId] }), index('ix_slot_items_order').on(t.slotId, t.position)],
);
