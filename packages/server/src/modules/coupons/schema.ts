import { sql } from 'drizzle-orm';
import { bigint, boolean, check, index, integer, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

export const COUPON_KINDS = ['fixed', 'percentage', 'threshold', 'free_shipping'] as const;
export const COUPON_STATUSES = ['available', 'redeemed', 'expired', 'revoked'] as const;

const ts = (name: string) => timestamp(name, { withTimezone: true });

/** What a coupon is worth and to whom: issued coupons refer to their template. */
export const templates = pgTable(
  'cp_templates',
  {
    id: text('id').primaryKey(),
    appId: text('app_id').notNull(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    kind: text('kind', { enum: COUPON_KINDS }).notNull(),
    /** fixed and threshold: the amount off, in minor units. */
    amount: bigint('amount', { mode: 'number' }).notNull().default(0),
    /** percentage: percent off (1-99). */
    percentOff: integer('percent_off'),
    /** percentage: the most it takes off. */
    maxDiscount: bigint('max_discount', { mode: 'number' }),
    /** The eligible subtotal an order must reach (满减 threshold; optional for other kinds). */
    minSpend: bigint('min_spend', { mode: 'number' }).notNull().default(0),
    validFrom: ts('valid_from'),
    validUntil: ts('valid_until'),
    /** Valid for this many days after it reaches the user (with validUntil, whichever ends first). */
    validDays: integer('valid_days'),
    productIds: text('product_ids').array().notNull().default(sql`'{}'::text[]`),
    categoryIds: text('category_ids').array().notNull().default(sql`'{}'::text[]`),
    perUserLimit: integer('per_user_limit').notNull().default(1),
    /** null = unlimited */
    totalQuantity: integer('total_quantity'),
    issued: integer('issued').notNull().default(0),
    /** Users may claim it themselves (领券); otherwise only issued by the host or operators. */
    claimable: boolean('claimable').notNull().default(true),
    /** Only members of this segment may receive it (null: anyone). */
    segmentId: text('segment_id'),
    status: text('status', { enum: ['active', 'paused'] }).notNull().default('active'),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [index('cp_templates_app').on(t.appId, t.createdAt, t.id), check('cp_templates_quantity', sql`total_quantity is null or issued <= total_quantity`)],
);

export const coupons = pgTable(
  'cp_coupons',
  {
    id: text('id').primaryKey(),
    appId: text('app_id').notNull(),
    templateId: text('template_id')
      .notNull()
      .references(() => templates.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull(),
    status: text('status', { enum: COUPON_STATUSES }).notNull().default('available'),
    validFrom: ts('valid_from').notNull(),
    validUntil: ts('valid_until'),
    source: text('source', { enum: ['claim', 'issue'] }).notNull(),
    /** Makes issuing retry-safe: one coupon per (template, issue key). */
    issueKey: text('issue_key'),
    orderRef: text('order_ref'),
    discount: bigint('discount', { mode: 'number' }),
    redeemedAt: ts('redeemed_at'),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [
    index('cp_coupons_user').on(t.appId, t.userId, t.createdAt, t.id),
    index('cp_coupons_template').on(t.templateId, t.status),
    uniqueIndex('cp_coupons_issue_key').on(t.templateId, t.issueKey),
    index('cp_coupons_due').on(t.validUntil).where(sql`status = 'available'`),
  ],
);

/** Coupons of a template a user has received, for the per-user limit. */
export const userCounts = pgTable(
  'cp_user_counts',
  {
    templateId: text('template_id').notNull(),
    userId: text('user_id').notNull(),
    n: integer('n').notNull(),
  },
  (t) => [primaryKey({ columns: [t.templateId, t.userId] })],
);
