// Gamification tables (gm_*). Points move only through the points module (its index.ts); these
// tables hold check-ins, levels, badges, tasks, lotteries, the mall, daily rewards and abuse data.
// Every "exactly once" in this module is a primary key or unique index, and every stock or
// budget is a guarded UPDATE (… where stock > 0), so races resolve in PostgreSQL.
import { sql } from 'drizzle-orm';
import type { Conditions } from '../../lib/conditions.ts';
import { bigint, bigserial, boolean, check, date, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

export type Reward = { type: string; amount: number };

export const config = pgTable('gm_config', {
  appId: text('app_id').primaryKey(),
  config: jsonb('config').$type<Record<string, unknown>>().notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

// ---- check-in -----------------------------------------------------------------------------------

/** One row per user per local day: the primary key is what makes a check-in happen once. */
export const checkins = pgTable(
  'gm_checkins',
  {
    appId: text('app_id').notNull(),
    userId: text('user_id').notNull(),
    localDate: date('local_date', { mode: 'string' }).notNull(),
    kind: text('kind', { enum: ['normal', 'makeup'] }).notNull(),
    streak: integer('streak').notNull(),
    /** Base points of the streak day (a level multiplier may have scaled what was granted). */
    reward: integer('reward').notNull().default(0),
    paidWith: text('paid_with'),
    timezone: text('timezone').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.userId, t.localDate] })],
);

/** Per-user check-in summary; its row lock serialises a user's check-ins and make-ups. */
export const checkinState = pgTable(
  'gm_checkin_state',
  {
    appId: text('app_id').notNull(),
    userId: text('user_id').notNull(),
    lastDate: date('last_date', { mode: 'string' }),
    streak: integer('streak').notNull().default(0),
    longest: integer('longest').notNull().default(0),
    total: integer('total').notNull().default(0),
    makeupMonth: text('makeup_month'),
    makeups: integer('makeups').notNull().default(0),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.userId] })],
);

// ---- levels -------------------------------------------------------------------------------------

export type LevelBenefits = { points_multiplier: number; rewards: Reward[]; perks: string[] };

export const levels = pgTable(
  'gm_levels',
  {
    appId: text('app_id').notNull(),
    level: integer('level').notNull(),
    name: text('name').notNull(),
    threshold: bigint('threshold', { mode: 'number' }).notNull(),
    benefits: jsonb('benefits').$type<LevelBenefits>().notNull(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.level] })],
);

export const userLevels = pgTable(
  'gm_user_levels',
  {
    appId: text('app_id').notNull(),
    userId: text('user_id').notNull(),
    level: integer('level').notNull(),
    changedAt: timestamp('changed_at', { withTimezone: true }).notNull(),
    reviewedAt: timestamp('reviewed_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.userId] }), index('gm_user_levels_review').on(t.appId, t.reviewedAt)],
);

// ---- badges and counters ------------------------------------------------------------------------

export type BadgeCriteria =
  | { kind: 'event_count'; event: string; count: number; /** Whose count: absent = the actor; else a property path of user id(s). */ user?: string }
  | { kind: 'checkin_streak'; days: number }
  | { kind: 'checkin_total'; days: number }
  | { kind: 'level'; level: number }
  | { kind: 'points_earned'; type: string; amount: number }
  | { kind: 'manual' };

export const badges = pgTable(
  'gm_badges',
  {
    id: text('id').primaryKey(),
    appId: text('app_id').notNull(),
    key: text('key').notNull(),
    name: text('name').notNull(),
    description: text('description'),
    iconUrl: text('icon_url'),
    criteria: jsonb('criteria').$type<BadgeCriteria>().notNull(),
    rewards: jsonb('rewards').$type<Reward[]>().notNull().default(sql`'[]'::jsonb`),
    active: boolean('active').notNull().default(true),
    sort: integer('sort').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('gm_badges_key').on(t.appId, t.key)],
);

export const userBadges = pgTable(
  'gm_user_badges',
  {
    appId: text('app_id').notNull(),
    userId: text('user_id').notNull(),
    badgeId: text('badge_id').notNull(),
    awardedAt: timestamp('awarded_at', { withTimezone: true }).notNull(),
    /** What earned it: 'criteria' or 'operator'. */
    via: text('via').notNull(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.userId, t.badgeId] })],
);

/** Per-user counts of the activities badges count ('event:<name>'). */
export const counters = pgTable(
  'gm_counters',
  {
    appId: text('app_id').notNull(),
    userId: text('user_id').notNull(),
    name: text('name').notNull(),
    value: bigint('value', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.userId, t.name] })],
);

/** Activity ids already counted: counters and task progress move once per activity. */
export const seen = pgTable(
  'gm_seen',
  {
    appId: text('app_id').notNull(),
    sourceId: text('source_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.sourceId] }), index('gm_seen_created').on(t.createdAt)],
);

// ---- tasks --------------------------------------------------------------------------------------

export const tasks = pgTable(
  'gm_tasks',
  {
    id: text('id').primaryKey(),
    appId: text('app_id').notNull(),
    key: text('key').notNull(),
    name: text('name').notNull(),
    description: text('description'),
    period: text('period', { enum: ['once', 'daily', 'weekly'] }).notNull(),
    event: text('event').notNull(),
    conditions: jsonb('conditions').$type<Conditions>().notNull().default(sql`'{}'::jsonb`),
    /** Whose progress: null = the acting user; else the property path of a user id or a list of ids. */
    userPath: text('user_path'),
    target: integer('target').notNull(),
    rewards: jsonb('rewards').$type<Reward[]>().notNull(),
    /** Tasks of one group in `sort` order form a growth path (e.g. 'newcomer'). */
    group: text('group'),
    sort: integer('sort').notNull().default(0),
    active: boolean('active').notNull().default(true),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('gm_tasks_key').on(t.appId, t.key)],
);

export const taskProgress = pgTable(
  'gm_task_progress',
  {
    appId: text('app_id').notNull(),
    userId: text('user_id').notNull(),
    taskId: text('task_id').notNull(),
    /** 'once', a local date (daily) or an ISO week (weekly), in the user's time zone. */
    periodKey: text('period_key').notNull(),
    progress: integer('progress').notNull(),
    completedAt: timestamp('completed_at', { withTimezone: true }),
    claimedAt: timestamp('claimed_at', { withTimezone: true }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.userId, t.taskId, t.periodKey] })],
);

// ---- lottery ------------------------------------------------------------------------------------

export const lotteries = pgTable(
  'gm_lotteries',
  {
    id: text('id').primaryKey(),
    appId: text('app_id').notNull(),
    name: text('name').notNull(),
    description: text('description'),
    status: text('status', { enum: ['active', 'paused', 'ended'] }).notNull(),
    costType: text('cost_type'),
    costAmount: integer('cost_amount').notNull().default(0),
    dailyLimit: integer('daily_limit'),
    /** Only members of this segment may draw (null: anyone). */
    segmentId: text('segment_id'),
    /** Total value of prizes the lottery may give (null = unlimited). */
    budget: bigint('budget', { mode: 'number' }),
    budgetUsed: bigint('budget_used', { mode: 'number' }).notNull().default(0),
    startsAt: timestamp('starts_at', { withTimezone: true }),
    endsAt: timestamp('ends_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('gm_lotteries_app').on(t.appId, t.id), check('gm_lotteries_budget', sql`${t.budget} is null or ${t.budgetUsed} <= ${t.budget}`)],
);

export const prizes = pgTable(
  'gm_prizes',
  {
    id: text('id').primaryKey(),
    appId: text('app_id').notNull(),
    lotteryId: text('lottery_id').notNull(),
    name: text('name').notNull(),
    /** points: credits reward_amount of reward_type; item: fulfilled by the host; none: "thanks for playing". */
    kind: text('kind', { enum: ['points', 'item', 'none'] }).notNull(),
    rewardType: text('reward_type'),
    rewardAmount: integer('reward_amount'),
    weight: integer('weight').notNull(),
    /** null = unlimited. */
    stock: integer('stock'),
    /** Counted against the lottery budget when awarded. */
    value: bigint('value', { mode: 'number' }).notNull().default(0),
    awarded: integer('awarded').notNull().default(0),
    sort: integer('sort').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('gm_prizes_lottery').on(t.lotteryId, t.sort), check('gm_prizes_stock', sql`${t.stock} is null or ${t.stock} >= 0`), check('gm_prizes_weight', sql`${t.weight} >= 0`)],
);

export const draws = pgTable(
  'gm_draws',
  {
    id: text('id').primaryKey(),
    appId: text('app_id').notNull(),
    lotteryId: text('lottery_id').notNull(),
    userId: text('user_id').notNull(),
    requestKey: text('request_key'),
    cost: integer('cost').notNull(),
    /** The audit trail: the random roll in [0, total_weight), the weights it was read against,
     *  the prize the roll landed on, and what was awarded (null = no prize) and why not. */
    roll: integer('roll').notNull(),
    totalWeight: integer('total_weight').notNull(),
    weights: jsonb('weights').$type<[string, number][]>().notNull(),
    pickedPrizeId: text('picked_prize_id').notNull(),
    prizeId: text('prize_id'),
    fallback: text('fallback', { enum: ['out_of_stock', 'over_budget'] }),
    localDate: date('local_date', { mode: 'string' }).notNull(),
    ip: text('ip'),
    deviceId: text('device_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    uniqueIndex('gm_draws_request').on(t.appId, t.userId, t.lotteryId, t.requestKey),
    index('gm_draws_lottery').on(t.lotteryId, t.id),
    index('gm_draws_user').on(t.appId, t.userId, t.createdAt),
  ],
);

export const drawCounts = pgTable(
  'gm_draw_counts',
  {
    appId: text('app_id').notNull(),
    lotteryId: text('lottery_id').notNull(),
    userId: text('user_id').notNull(),
    localDate: date('local_date', { mode: 'string' }).notNull(),
    n: integer('n').notNull(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.lotteryId, t.userId, t.localDate] })],
);

// ---- mall ---------------------------------------------------------------------------------------

export const mallItems = pgTable(
  'gm_mall_items',
  {
    id: text('id').primaryKey(),
    appId: text('app_id').notNull(),
    name: text('name').notNull(),
    description: text('description'),
    imageUrl: text('image_url'),
    kind: text('kind', { enum: ['virtual', 'physical'] }).notNull(),
    priceType: text('price_type').notNull(),
    price: integer('price').notNull(),
    stock: integer('stock'),
    perUserLimit: integer('per_user_limit'),
    /** Virtual items may credit a point type on redemption (e.g. make-up cards). */
    grant: jsonb('grant').$type<Reward | null>(),
    active: boolean('active').notNull().default(true),
    sold: integer('sold').notNull().default(0),
    sort: integer('sort').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('gm_mall_items_app').on(t.appId, t.id), check('gm_mall_items_stock', sql`${t.stock} is null or ${t.stock} >= 0`)],
);

export const orders = pgTable(
  'gm_orders',
  {
    id: text('id').primaryKey(),
    appId: text('app_id').notNull(),
    userId: text('user_id').notNull(),
    itemId: text('item_id').notNull(),
    itemName: text('item_name').notNull(),
    quantity: integer('quantity').notNull(),
    priceType: text('price_type').notNull(),
    total: integer('total').notNull(),
    status: text('status', { enum: ['pending', 'fulfilled', 'shipped', 'completed', 'cancelled'] }).notNull(),
    shipping: jsonb('shipping').$type<Record<string, string> | null>(),
    tracking: text('tracking'),
    requestKey: text('request_key'),
    ip: text('ip'),
    deviceId: text('device_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [uniqueIndex('gm_orders_request').on(t.appId, t.userId, t.requestKey), index('gm_orders_user').on(t.appId, t.userId, t.id), index('gm_orders_app').on(t.appId, t.id)],
);

/** Units of an item a user holds (not cancelled), for per-user limits. */
export const purchases = pgTable(
  'gm_purchases',
  {
    appId: text('app_id').notNull(),
    itemId: text('item_id').notNull(),
    userId: text('user_id').notNull(),
    count: integer('count').notNull(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.itemId, t.userId] }), check('gm_purchases_count', sql`${t.count} >= 0`)],
);

// ---- daily login reward -------------------------------------------------------------------------

export const dailyRewards = pgTable(
  'gm_daily_rewards',
  {
    appId: text('app_id').notNull(),
    userId: text('user_id').notNull(),
    localDate: date('local_date', { mode: 'string' }).notNull(),
    amount: integer('amount').notNull(),
    budgetDay: date('budget_day', { mode: 'string' }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  // budget_day: a budget set during the day counts the claims made before it.
  (t) => [primaryKey({ columns: [t.appId, t.userId, t.localDate] }), index('gm_daily_rewards_budget_day').on(t.appId, t.budgetDay)],
);

export const dailyBudget = pgTable(
  'gm_daily_budget',
  {
    appId: text('app_id').notNull(),
    day: date('day', { mode: 'string' }).notNull(),
    spent: bigint('spent', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.day] })],
);

// ---- abuse defence ------------------------------------------------------------------------------

/** Fixed-window attempt counters per action and user, IP or device. */
export const limitCounters = pgTable(
  'gm_limit_counters',
  {
    appId: text('app_id').notNull(),
    action: text('action').notNull(),
    dim: text('dim').notNull(),
    key: text('key').notNull(),
    windowStart: timestamp('window_start', { withTimezone: true }).notNull(),
    n: integer('n').notNull(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.action, t.dim, t.key, t.windowStart] }), index('gm_limit_counters_window').on(t.windowStart)],
);

export const devices = pgTable(
  'gm_devices',
  {
    appId: text('app_id').notNull(),
    deviceId: text('device_id').notNull(),
    userId: text('user_id').notNull(),
    firstSeen: timestamp('first_seen', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.deviceId, t.userId] })],
);

export const flags = pgTable(
  'gm_flags',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    appId: text('app_id').notNull(),
    kind: text('kind', { enum: ['device_many_accounts', 'rapid_draws', 'limit_exceeded'] }).notNull(),
    /** What the flag is about: 'device:<id>', 'user:<id>', 'ip:<addr>'. */
    subject: text('subject').notNull(),
    userIds: jsonb('user_ids').$type<string[]>().notNull(),
    details: jsonb('details').$type<Record<string, unknown>>().notNull(),
    hits: integer('hits').notNull().default(1),
    status: text('status', { enum: ['open', 'dismissed', 'blocked'] }).notNull().default('open'),
    note: text('note'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [uniqueIndex('gm_flags_open').on(t.appId, t.kind, t.subject).where(sql`${t.status} = 'open'`), index('gm_flags_app').on(t.appId, t.id)],
);

export const blocks = pgTable(
  'gm_blocks',
  {
    appId: text('app_id').notNull(),
    userId: text('user_id').notNull(),
    reason: text('reason').notNull(),
    flagId: bigint('flag_id', { mode: 'number' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.userId] })],
);
