// Tables of the campaigns module (cm_*): the campaign lifecycle shared by every kind, and each
// kind's own tables below it.
import { sql } from 'drizzle-orm';
import { bigint, boolean, check, index, integer, jsonb, pgTable, primaryKey, smallint, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

export const CAMPAIGN_KINDS = ['flash_sale', 'group_buy', 'bargain', 'presale', 'crowdfunding', 'referral'] as const;
export type CampaignKind = (typeof CAMPAIGN_KINDS)[number];
export const CAMPAIGN_STATUSES = ['draft', 'scheduled', 'running', 'ended', 'cancelled'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

const ts = (name: string) => timestamp(name, { withTimezone: true });

export const campaigns = pgTable(
  'cm_campaigns',
  {
    id: text('id').primaryKey(),
    appId: text('app_id').notNull(),
    kind: text('kind', { enum: CAMPAIGN_KINDS }).notNull(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    status: text('status', { enum: CAMPAIGN_STATUSES }).notNull().default('draft'),
    startsAt: ts('starts_at').notNull(),
    endsAt: ts('ends_at').notNull(),
    /** Most the campaign may cost (subsidies, rewards), in minor units; null = unlimited. */
    budget: bigint('budget', { mode: 'number' }),
    /** Cost committed so far against the budget (released again when a commitment fails). */
    committed: bigint('committed', { mode: 'number' }).notNull().default(0),
    /** Most participations (units, teams, bargains, pledges…) one user may have; null = unlimited. */
    perUserLimit: integer('per_user_limit'),
    /** An A/B test the campaign belongs to: its holdout may not take part (campaigns → experiments). */
    experimentId: text('experiment_id'),
    /** Only members of this segment may take part (null: everyone). */
    segmentId: text('segment_id'),
    /** Kind-specific configuration, validated by the kind's zod schema. */
    settings: jsonb('settings').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
    startedAt: ts('started_at'),
    endedAt: ts('ended_at'),
    cancelledAt: ts('cancelled_at'),
  },
  (t) => [
    index('cm_campaigns_app').on(t.appId, t.createdAt, t.id),
    index('cm_campaigns_due_start').on(t.startsAt).where(sql`status = 'scheduled'`),
    index('cm_campaigns_due_end').on(t.endsAt).where(sql`status in ('scheduled', 'running')`),
    check('cm_campaigns_budget', sql`budget is null or committed <= budget`),
  ],
);

/** Participations per user per campaign, for the campaign-wide per-user limit. */
export const userQuota = pgTable(
  'cm_user_quota',
  {
    campaignId: text('campaign_id').notNull(),
    userId: text('user_id').notNull(),
    used: integer('used').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.userId] })],
);

// ---- flash sale (秒杀) -------------------------------------------------------------------------

export const fsSessions = pgTable(
  'cm_fs_sessions',
  {
    id: text('id').primaryKey(),
    appId: text('app_id').notNull(),
    campaignId: text('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    name: text('name').notNull().default(''),
    startsAt: ts('starts_at').notNull(),
    endsAt: ts('ends_at').notNull(),
    /** Anti-bot gate: buying needs a token issued to the user before the start. */
    tokenRequired: boolean('token_required').notNull().default(false),
    tokenOpensAt: ts('token_opens_at'),
    tokenSecret: text('token_secret').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [index('cm_fs_sessions_campaign').on(t.campaignId, t.startsAt)],
);

export const fsItems = pgTable(
  'cm_fs_items',
  {
    id: text('id').primaryKey(),
    appId: text('app_id').notNull(),
    campaignId: text('campaign_id').notNull(),
    sessionId: text('session_id')
      .notNull()
      .references(() => fsSessions.id, { onDelete: 'cascade' }),
    productId: text('product_id').notNull(),
    name: text('name').notNull().default(''),
    originalPrice: bigint('original_price', { mode: 'number' }).notNull(),
    salePrice: bigint('sale_price', { mode: 'number' }).notNull(),
    stock: integer('stock').notNull(),
    perUserLimit: integer('per_user_limit').notNull(),
    reservationTtlSeconds: integer('reservation_ttl_seconds').notNull(),
    /** Stock rows the units are spread over, so that buyers do not queue behind one row. */
    buckets: smallint('buckets').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [index('cm_fs_items_session').on(t.sessionId, t.id), index('cm_fs_items_campaign').on(t.campaignId)],
);

export const fsStock = pgTable(
  'cm_fs_stock',
  {
    itemId: text('item_id')
      .notNull()
      .references(() => fsItems.id, { onDelete: 'cascade' }),
    bucket: smallint('bucket').notNull(),
    remaining: integer('remaining').notNull(),
  },
  (t) => [primaryKey({ columns: [t.itemId, t.bucket] }), check('cm_fs_stock_nonnegative', sql`remaining >= 0`)],
);

/** Units a user holds (held or confirmed) per item: the per-user limit. */
export const fsUserCounts = pgTable(
  'cm_fs_user_counts',
  {
    itemId: text('item_id').notNull(),
    userId: text('user_id').notNull(),
    qty: integer('qty').notNull(),
  },
  (t) => [primaryKey({ columns: [t.itemId, t.userId] }), check('cm_fs_user_counts_nonnegative', sql`qty >= 0`)],
);

/**
 * Purchase attempts refused, per campaign and reason (the error code: flash_sale.sold_out, …).
 * Counted in memory by each server and added here about every second, so the monitor can show
 * rejections per second without a write per refusal.
 */
export const fsRejections = pgTable(
  'cm_fs_rejections',
  {
    campaignId: text('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    reason: text('reason').notNull(),
    n: bigint('n', { mode: 'number' }).notNull(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.reason] })],
);

export const FS_RESERVATION_STATUSES = ['held', 'confirmed', 'released', 'expired'] as const;

export const fsReservations = pgTable(
  'cm_fs_reservations',
  {
    id: text('id').primaryKey(),
    appId: text('app_id').notNull(),
    campaignId: text('campaign_id').notNull(),
    itemId: text('item_id').notNull(),
    userId: text('user_id').notNull(),
    qty: integer('qty').notNull(),
    bucket: smallint('bucket').notNull(),
    status: text('status', { enum: FS_RESERVATION_STATUSES }).notNull(),
    expiresAt: ts('expires_at').notNull(),
    orderRef: text('order_ref'),
    createdAt: ts('created_at').notNull(),
    confirmedAt: ts('confirmed_at'),
    releasedAt: ts('released_at'),
  },
  (t) => [
    index('cm_fs_reservations_app').on(t.appId, t.createdAt, t.id),
    index('cm_fs_reservations_item').on(t.itemId, t.status),
    index('cm_fs_reservations_campaign').on(t.campaignId, t.status),
    index('cm_fs_reservations_user').on(t.appId, t.userId),
    index('cm_fs_reservations_due').on(t.expiresAt).where(sql`status = 'held'`),
  ],
);

// ---- group buy (拼团) --------------------------------------------------------------------------

export const GB_TEAM_STATUSES = ['open', 'succeeded', 'failed'] as const;
export const GB_MEMBER_STATUSES = ['joined', 'confirmed', 'left', 'released'] as const;

export const gbTeams = pgTable(
  'cm_gb_teams',
  {
    id: text('id').primaryKey(),
    appId: text('app_id').notNull(),
    campaignId: text('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    leaderUserId: text('leader_user_id').notNull(),
    shareCode: text('share_code').notNull(),
    size: integer('size').notNull(),
    /** Seats taken (joined or confirmed); never above size. */
    memberCount: integer('member_count').notNull(),
    confirmedCount: integer('confirmed_count').notNull().default(0),
    /** Seats filled by the system at the deadline (模拟成团), when the campaign allows it. */
    autoFilled: integer('auto_filled').notNull().default(0),
    status: text('status', { enum: GB_TEAM_STATUSES }).notNull().default('open'),
    /** The subsidy committed against the campaign budget when the team opened. */
    committed: bigint('committed', { mode: 'number' }).notNull().default(0),
    expiresAt: ts('expires_at').notNull(),
    createdAt: ts('created_at').notNull(),
    closedAt: ts('closed_at'),
  },
  (t) => [
    uniqueIndex('cm_gb_teams_code').on(t.appId, t.shareCode),
    index('cm_gb_teams_campaign').on(t.campaignId, t.status, t.createdAt),
    index('cm_gb_teams_due').on(t.expiresAt).where(sql`status = 'open'`),
    check('cm_gb_teams_seats', sql`member_count >= 0 and member_count <= size and confirmed_count <= member_count`),
  ],
);

export const gbMembers = pgTable(
  'cm_gb_members',
  {
    teamId: text('team_id')
      .notNull()
      .references(() => gbTeams.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull(),
    appId: text('app_id').notNull(),
    campaignId: text('campaign_id').notNull(),
    status: text('status', { enum: GB_MEMBER_STATUSES }).notNull().default('joined'),
    orderRef: text('order_ref'),
    joinedAt: ts('joined_at').notNull(),
    confirmedAt: ts('confirmed_at'),
    leftAt: ts('left_at'),
  },
  (t) => [primaryKey({ columns: [t.teamId, t.userId] }), index('cm_gb_members_user').on(t.appId, t.userId)],
);

// ---- bargain (砍价) ----------------------------------------------------------------------------

export const BG_STATUSES = ['active', 'bought', 'expired', 'cancelled'] as const;

export const bgBargains = pgTable(
  'cm_bg_bargains',
  {
    id: text('id').primaryKey(),
    appId: text('app_id').notNull(),
    campaignId: text('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull(),
    originalPrice: bigint('original_price', { mode: 'number' }).notNull(),
    floorPrice: bigint('floor_price', { mode: 'number' }).notNull(),
    currentPrice: bigint('current_price', { mode: 'number' }).notNull(),
    cuts: integer('cuts').notNull().default(0),
    maxCuts: integer('max_cuts').notNull(),
    status: text('status', { enum: BG_STATUSES }).notNull().default('active'),
    expiresAt: ts('expires_at').notNull(),
    orderRef: text('order_ref'),
    createdAt: ts('created_at').notNull(),
    closedAt: ts('closed_at'),
  },
  (t) => [
    index('cm_bg_bargains_campaign').on(t.campaignId, t.status, t.createdAt),
    index('cm_bg_bargains_user').on(t.appId, t.userId),
    index('cm_bg_bargains_due').on(t.expiresAt).where(sql`status = 'active'`),
    check('cm_bg_bargains_price', sql`current_price >= floor_price and current_price <= original_price and cuts <= max_cuts`),
  ],
);

/** One cut per friend per bargain (the primary key). */
export const bgCuts = pgTable(
  'cm_bg_cuts',
  {
    bargainId: text('bargain_id')
      .notNull()
      .references(() => bgBargains.id, { onDelete: 'cascade' }),
    helperUserId: text('helper_user_id').notNull(),
    amount: bigint('amount', { mode: 'number' }).notNull(),
    newUser: boolean('new_user').notNull(),
    priceAfter: bigint('price_after', { mode: 'number' }).notNull(),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.bargainId, t.helperUserId] })],
);

// ---- presale (预售) ----------------------------------------------------------------------------

export const PS_STATUSES = ['deposit_paid', 'completed', 'forfeited', 'cancelled'] as const;

export const psOrders = pgTable(
  'cm_ps_orders',
  {
    id: text('id').primaryKey(),
    appId: text('app_id').notNull(),
    campaignId: text('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull(),
    status: text('status', { enum: PS_STATUSES }).notNull().default('deposit_paid'),
    deposit: bigint('deposit', { mode: 'number' }).notNull(),
    /** What the deposit counts for at the final payment (定金膨胀). */
    depositValue: bigint('deposit_value', { mode: 'number' }).notNull(),
    finalAmount: bigint('final_amount', { mode: 'number' }).notNull(),
    depositOrderRef: text('deposit_order_ref').notNull(),
    finalOrderRef: text('final_order_ref'),
    // The windows of the campaign when the deposit was paid (settings cannot change once it runs).
    finalStartsAt: ts('final_starts_at').notNull(),
    finalEndsAt: ts('final_ends_at').notNull(),
    remindAt: ts('remind_at').notNull(),
    remindedAt: ts('reminded_at'),
    createdAt: ts('created_at').notNull(),
    closedAt: ts('closed_at'),
  },
  (t) => [
    uniqueIndex('cm_ps_orders_deposit_ref').on(t.campaignId, t.depositOrderRef),
    index('cm_ps_orders_campaign').on(t.campaignId, t.status, t.createdAt),
    index('cm_ps_orders_remind').on(t.remindAt).where(sql`status = 'deposit_paid' and reminded_at is null`),
    index('cm_ps_orders_forfeit').on(t.finalEndsAt).where(sql`status = 'deposit_paid'`),
  ],
);

// ---- crowdfunding (众筹) -----------------------------------------------------------------------

export const CF_STATUSES = ['pledged', 'succeeded', 'released', 'cancelled'] as const;

/** Pledges taken per tier, for tier limits. */
export const cfTiers = pgTable(
  'cm_cf_tiers',
  {
    campaignId: text('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    tierId: text('tier_id').notNull(),
    taken: integer('taken').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.tierId] })],
);

export const cfPledges = pgTable(
  'cm_cf_pledges',
  {
    id: text('id').primaryKey(),
    appId: text('app_id').notNull(),
    campaignId: text('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull(),
    tierId: text('tier_id').notNull(),
    amount: bigint('amount', { mode: 'number' }).notNull(),
    status: text('status', { enum: CF_STATUSES }).notNull().default('pledged'),
    /** The host's payment authorisation, captured on success and voided on release. */
    orderRef: text('order_ref').notNull(),
    createdAt: ts('created_at').notNull(),
    closedAt: ts('closed_at'),
  },
  (t) => [uniqueIndex('cm_cf_pledges_ref').on(t.campaignId, t.orderRef), index('cm_cf_pledges_campaign').on(t.campaignId, t.status, t.createdAt)],
);

// ---- referral (邀请) ---------------------------------------------------------------------------

export const RF_STATUSES = ['attributed', 'rewarded', 'budget_exhausted'] as const;

export const rfCodes = pgTable(
  'cm_rf_codes',
  {
    campaignId: text('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull(),
    appId: text('app_id').notNull(),
    code: text('code').notNull(),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.userId] }), uniqueIndex('cm_rf_codes_code').on(t.appId, t.code)],
);

/** Who invited whom: one inviter per invitee per campaign (the primary key). */
/** One side's credits; `error` is the stable code when a credit could not be made (e.g. coupons.sold_out). */
export type RfCreditedSide = {
  user_id: string;
  points: { type: string; amount: number; entry_id: string | null; error: string | null }[];
  coupons: { template_id: string; coupon_id: string | null; error: string | null }[];
  host: Record<string, unknown> | null;
};
export type RfCredited = { inviter: RfCreditedSide | null; invitee: RfCreditedSide };

export const rfReferrals = pgTable(
  'cm_rf_referrals',
  {
    campaignId: text('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    inviteeUserId: text('invitee_user_id').notNull(),
    appId: text('app_id').notNull(),
    inviterUserId: text('inviter_user_id').notNull(),
    code: text('code').notNull(),
    status: text('status', { enum: RF_STATUSES }).notNull().default('attributed'),
    attributedAt: ts('attributed_at').notNull(),
    /** The qualifying event must come before this. */
    qualifyBy: ts('qualify_by').notNull(),
    rewardedAt: ts('rewarded_at'),
    /** Whether the inviter got a reward (false once they reached max_rewards_per_inviter). */
    inviterRewarded: boolean('inviter_rewarded'),
    /** What was credited to each side (points entries, coupons), recorded with the state change. */
    credited: jsonb('credited').$type<RfCredited>(),
    eventId: text('event_id'),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.inviteeUserId] }), index('cm_rf_referrals_inviter').on(t.campaignId, t.inviterUserId), index('cm_rf_referrals_invitee_app').on(t.appId, t.inviteeUserId)],
);
