import { boolean, date, index, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/** A community group (社群). `member_count` is kept in the join/leave transactions, so capacity holds. */
export const groups = pgTable(
  'co_groups',
  {
    id: text('id').primaryKey(),
    appId: text('app_id').notNull(),
    name: text('name').notNull(),
    description: text('description'),
    /** 'open' | 'apply' | 'invite_only' */
    type: text('type').notNull(),
    capacity: integer('capacity'),
    ownerId: text('owner_id').notNull(),
    adminIds: text('admin_ids').array().notNull().default([]),
    rules: text('rules'),
    tags: text('tags').array().notNull().default([]),
    timeZone: text('time_zone').notNull(),
    /** Questions an applicant answers (type 'apply'). */
    questions: text('questions').array().notNull().default([]),
    /** Welcome template `{ 'zh-CN'?: {title, body}, en?: {title, body} }` or null (no welcome). */
    welcome: jsonb('welcome').$type<Record<string, { title: string; body: string }> | null>(),
    /** Leave follow-up: `{ delay_minutes, period_days, message: { 'zh-CN'?, en? } }` or null. */
    leaveFollowup: jsonb('leave_followup').$type<{ delay_minutes: number; period_days: number; message: Record<string, { title: string; body: string }> } | null>(),
    /** Minutes a question may wait for a reply before the admins are alerted (again at 2N); null: no alert. */
    unansweredMinutes: integer('unanswered_minutes'),
    /** Working hours in the group's zone: only these minutes count toward an unanswered alert; null: all. */
    /** Members silent this many days after joining are lurkers: `community.member_lurking` once per join (and the nudge, if any). */
    lurkerDays: integer('lurker_days'),
    lurkerNudge: jsonb('lurker_nudge').$type<Record<string, { title: string; body: string }> | null>(),
    workingHours: jsonb('working_hours').$type<{ days: number[]; from: string; to: string } | null>(),
    memberCount: integer('member_count').notNull().default(0),
    /** A segment that feeds the group (core users, an RFM class…): its members are invited or added. */
    feedSegmentId: text('feed_segment_id'),
    /** 'invite' | 'add' */
    feedMode: text('feed_mode'),
    /** The invite code sent to the segment's members (mode invite). */
    feedInvite: text('feed_invite'),
    /** The segment's members as of the feed's start are fed page by page; then entries feed it. */
    feedBackfilled: boolean('feed_backfilled').notNull().default(false),
    feedCursor: text('feed_cursor'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('co_groups_app').on(t.appId, t.createdAt, t.id)],
);

/**
 * One row per group and user, whatever its state: the primary key makes a double join impossible.
 * `join_seq` counts the user's joins of this group, so each join's welcome has its own key.
 */
export const members = pgTable(
  'co_members',
  {
    groupId: text('group_id')
      .notNull()
      .references(() => groups.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull(),
    appId: text('app_id').notNull(),
    /** 'owner' | 'admin' | 'member' */
    role: text('role').notNull(),
    /** 'active' | 'pending' | 'rejected' | 'left' | 'removed' | 'banned' */
    status: text('status').notNull(),
    answers: jsonb('answers').$type<string[] | null>(),
    joinSeq: integer('join_seq').notNull().default(0),
    joinedAt: timestamp('joined_at', { withTimezone: true }),
    lastActiveAt: timestamp('last_active_at', { withTimezone: true }),
    mutedUntil: timestamp('muted_until', { withTimezone: true }),
    /** Group check-ins: how many, the current run of consecutive local days, and the last day. */
    checkins: integer('checkins').notNull().default(0),
    /** The join (join_seq) whose lurking was announced: once per join. */
    lurkNotifiedSeq: integer('lurk_notified_seq').notNull().default(0),
    streak: integer('streak').notNull().default(0),
    lastCheckinDay: date('last_checkin_day', { mode: 'string' }),
    leftAt: timestamp('left_at', { withTimezone: true }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.groupId, t.userId] }), index('co_members_list').on(t.groupId, t.status, t.joinedAt), index('co_members_user').on(t.appId, t.userId)],
);

/** Invite links: `uses` only grows by a conditional update, so it never passes `max_uses`. */
export const invites = pgTable(
  'co_invites',
  {
    id: text('id').primaryKey(),
    appId: text('app_id').notNull(),
    groupId: text('group_id')
      .notNull()
      .references(() => groups.id, { onDelete: 'cascade' }),
    maxUses: integer('max_uses'),
    uses: integer('uses').notNull().default(0),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('co_invites_group').on(t.groupId)],
);

/**
 * Leave follow-ups due later, polled by the minute tick. One row per group and user: a new leave
 * re-arms it only when the last follow-up is older than the group's period.
 */
export const followups = pgTable(
  'co_followups',
  {
    appId: text('app_id').notNull(),
    groupId: text('group_id')
      .notNull()
      .references(() => groups.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull(),
    dueAt: timestamp('due_at', { withTimezone: true }),
    lastSentAt: timestamp('last_sent_at', { withTimezone: true }),
    sends: integer('sends').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.groupId, t.userId] }), index('co_followups_due').on(t.dueAt)],
);


/** Group posts; a question is a post of kind 'question' that may get an accepted reply. */
export const posts = pgTable(
  'co_posts',
  {
    id: text('id').primaryKey(),
    appId: text('app_id').notNull(),
    groupId: text('group_id')
      .notNull()
      .references(() => groups.id, { onDelete: 'cascade' }),
    authorId: text('author_id').notNull(),
    /** 'post' | 'question' */
    kind: text('kind').notNull(),
    title: text('title'),
    body: text('body').notNull(),
    replyCount: integer('reply_count').notNull().default(0),
    firstReplyAt: timestamp('first_reply_at', { withTimezone: true }),
    acceptedReplyId: text('accepted_reply_id'),
    /** Unanswered-question alerts sent so far (0, 1 at N minutes, 2 at 2N). */
    alertLevel: integer('alert_level').notNull().default(0),
    /** When the next alert may be due, once a tick found it not yet due in working hours. */
    alertDueAt: timestamp('alert_due_at', { withTimezone: true }),
    /** Pinned as a group announcement (listed with `pinned=true`). */
    pinnedAt: timestamp('pinned_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('co_posts_group').on(t.groupId, t.createdAt, t.id), index('co_posts_waiting').on(t.kind, t.replyCount, t.alertLevel, t.createdAt), index('co_posts_author').on(t.groupId, t.authorId)],
);

/**
 * The ledger of replies to group posts: who replied where and when, one row per reply. The reply
 * itself (its text, its moderation) is an interactions comment on the post's reserved subject
 * (`canyu.community_post`, id = post id); `id` is that comment's id. The group's figures (reply
 * counts, lurkers, answered questions, time to first answer, contribution) are read from here.
 */
export const replies = pgTable(
  'co_replies',
  {
    id: text('id').primaryKey(),
    appId: text('app_id').notNull(),
    groupId: text('group_id').notNull(),
    postId: text('post_id')
      .notNull()
      .references(() => posts.id, { onDelete: 'cascade' }),
    authorId: text('author_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('co_replies_post').on(t.postId, t.createdAt, t.id), index('co_replies_author').on(t.groupId, t.authorId)],
);

/** Group check-ins: one per member and local day in the group's time zone (the key makes a second impossible). */
export const checkins = pgTable(
  'co_checkins',
  {
    groupId: text('group_id')
      .notNull()
      .references(() => groups.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull(),
    appId: text('app_id').notNull(),
    day: date('day', { mode: 'string' }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.groupId, t.userId, t.day] })],
);

/** Who a segment-fed group reached: 'invited' (then 'accepted' when they join) or 'added'. Once per user and group. */
export const feed = pgTable(
  'co_feed',
  {
    groupId: text('group_id')
      .notNull()
      .references(() => groups.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull(),
    appId: text('app_id').notNull(),
    status: text('status').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    acceptedAt: timestamp('accepted_at', { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.groupId, t.userId] }), index('co_feed_status').on(t.groupId, t.status)],
);

/** Group chat history (messages also go live to members subscribed to the group's realtime topic). */
export const chat = pgTable(
  'co_chat',
  {
    id: text('id').primaryKey(),
    appId: text('app_id').notNull(),
    groupId: text('group_id')
      .notNull()
      .references(() => groups.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull(),
    text: text('text').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('co_chat_group').on(t.groupId, t.createdAt, t.id), index('co_chat_user').on(t.appId, t.userId)],
);
