import { z } from 'zod';
import { cleanText } from '../../http/json.ts';
import { externalId } from '../../http/route.ts';
import { COUPON_KINDS, COUPON_STATUSES } from './schema.ts';
import { dateTime as isoDateTime } from '../../http/fields.ts';

const money = z.number().int().min(0).max(1e12);
const dateTime = isoDateTime();
const id = (what: string) => z.string().min(1).max(64).describe(what);

export const TemplateIdParams = z.strictObject({ templateId: id('coupon template id') });
export const CouponIdParams = z.strictObject({ couponId: id('coupon id') });
export const UserIdParams = z.strictObject({ userId: externalId('userId') });

const Segment = z.string().min(1).max(128).describe('Only members of this segment (GET /v1/segments) may claim or be issued it; others are refused with 403 coupons.not_eligible');

export const CreateTemplateBody = z
  .strictObject({
    name: cleanText(1, 200),
    description: cleanText(0, 2000).optional(),
    kind: z.enum(COUPON_KINDS).describe('fixed: amount off; percentage: percent_off with an optional max_discount; threshold (满减): amount off from min_spend; free_shipping: the shipping fee'),
    amount: money.optional().describe('fixed / threshold: amount off, minor units'),
    percent_off: z.number().int().min(1).max(99).optional(),
    max_discount: money.optional(),
    min_spend: money.optional().describe('Eligible subtotal the order must reach (required for threshold)'),
    valid_from: dateTime.optional(),
    valid_until: dateTime.optional(),
    valid_days: z.number().int().min(1).max(3650).optional().describe('Valid for N days after the user receives it'),
    product_ids: z.array(externalId('product id')).max(1000).optional().describe('Scope: these products…'),
    category_ids: z.array(externalId('category id')).max(1000).optional().describe('…or these categories; neither = every product'),
    per_user_limit: z.number().int().min(1).max(1000).optional().describe('Coupons of this template one user may receive (default 1)'),
    total_quantity: z.number().int().min(1).max(100_000_000).optional().describe('Coupons that may ever be issued; omitted = unlimited'),
    claimable: z.boolean().optional().describe('Users may claim it themselves (default true); otherwise it is only issued'),
    segment: Segment.optional(),
  })
  .superRefine((b, ctx) => {
    const need = (field: keyof typeof b, why: string) => b[field] === undefined && ctx.addIssue({ code: 'custom', path: [field], message: why });
    if (b.kind === 'fixed') need('amount', 'amount is required for a fixed coupon');
    if (b.kind === 'threshold') {
      need('amount', 'amount is required for a threshold coupon');
      need('min_spend', 'min_spend is required for a threshold coupon');
    }
    if (b.kind === 'percentage') need('percent_off', 'percent_off is required for a percentage coupon');
    if (b.kind !== 'percentage' && b.percent_off !== undefined) ctx.addIssue({ code: 'custom', path: ['percent_off'], message: 'percent_off is only for percentage coupons' });
    if (b.valid_until === undefined && b.valid_days === undefined) ctx.addIssue({ code: 'custom', path: ['valid_until'], message: 'give valid_until, valid_days or both' });
    if (b.valid_from && b.valid_until && Date.parse(b.valid_until) <= Date.parse(b.valid_from)) ctx.addIssue({ code: 'custom', path: ['valid_until'], message: 'valid_until must be after valid_from' });
  });
export type CreateTemplateInput = z.infer<typeof CreateTemplateBody>;

export const UpdateTemplateBody = z.strictObject({
  name: cleanText(1, 200).optional(),
  description: cleanText(0, 2000).optional(),
  status: z.enum(['active', 'paused']).optional().describe('A paused template can be neither claimed nor issued'),
  claimable: z.boolean().optional(),
  segment: Segment.nullable().optional(),
  per_user_limit: z.number().int().min(1).max(1000).optional(),
  total_quantity: z.number().int().min(1).max(100_000_000).nullable().optional().describe('Not below the number already issued; null = unlimited'),
});
export type UpdateTemplateInput = z.infer<typeof UpdateTemplateBody>;

export const ClaimBody = z.strictObject({ user_id: externalId('user_id').optional() });

export const IssueBody = z.strictObject({
  user_ids: z.array(externalId('user id')).min(1).max(1000),
  key: z.string().min(1).max(200).optional().describe('Makes the issue retry-safe: the same key never gives a user a second coupon'),
});

export const OrderBody = z.strictObject({
  items: z
    .array(
      z.strictObject({
        product_id: externalId('product_id'),
        category_ids: z.array(externalId('category id')).max(50).optional(),
        unit_price: money,
        quantity: z.number().int().min(1).max(100_000),
      }),
    )
    .min(1)
    .max(500),
  shipping_fee: money.optional(),
});

export const QuoteBody = z.strictObject({ order: OrderBody });
export const RedeemBody = z.strictObject({ order_ref: externalId('order_ref'), order: OrderBody });
export const ReleaseBody = z.strictObject({ order_ref: externalId('order_ref') });
export const RevokeBody = z.strictObject({ reason: cleanText(1, 500).optional().describe('Kept in the audit log and sent with the coupon.revoked webhook') });

export const TemplateOut = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    kind: z.enum(COUPON_KINDS),
    amount: z.number(),
    percent_off: z.number().nullable(),
    max_discount: z.number().nullable(),
    min_spend: z.number(),
    valid_from: z.string().nullable(),
    valid_until: z.string().nullable(),
    valid_days: z.number().nullable(),
    product_ids: z.array(z.string()),
    category_ids: z.array(z.string()),
    per_user_limit: z.number(),
    total_quantity: z.number().nullable(),
    issued: z.number(),
    claimable: z.boolean(),
    segment: z.string().nullable().describe('Only members of this segment may receive it'),
    status: z.enum(['active', 'paused']),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'CouponTemplate' });

export const CouponOut = z
  .object({
    id: z.string(),
    template_id: z.string(),
    user_id: z.string(),
    status: z.enum(COUPON_STATUSES).describe('An available coupon past valid_until reads as expired'),
    valid_from: z.string(),
    valid_until: z.string().nullable(),
    source: z.enum(['claim', 'issue']),
    order_ref: z.string().nullable(),
    discount: z.number().nullable(),
    redeemed_at: z.string().nullable(),
    created_at: z.string(),
  })
  .meta({ id: 'Coupon' });

export const QuoteOut = z
  .object({
    coupon_id: z.string(),
    discount: z.number(),
    subtotal: z.number(),
    eligible_subtotal: z.number(),
    shipping_fee: z.number(),
    free_shipping: z.boolean(),
    payable: z.number().describe('subtotal + shipping_fee − discount'),
  })
  .meta({ id: 'CouponQuote' });

export const IssueOut = z.object({
  results: z.array(z.object({ user_id: z.string(), coupon_id: z.string().nullable(), error: z.string().nullable().describe('Why this user got no coupon, e.g. coupons.limit_reached') })),
});

export const TemplateReportOut = z.object({ template_id: z.string(), issued: z.number(), available: z.number(), redeemed: z.number(), expired: z.number(), revoked: z.number(), users: z.number(), discount_total: z.number() });
