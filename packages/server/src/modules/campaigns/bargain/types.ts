import { z } from 'zod';
import { externalId } from '../../../http/route.ts';
import { BG_STATUSES } from '../schema.ts';
import { idParam, money } from '../types.ts';

/** campaign.settings of a bargain campaign. */
export const BargainSettings = z
  .strictObject({
    product_id: externalId('product_id'),
    original_price: money,
    floor_price: money.describe('The lowest the price can be cut to'),
    max_cuts: z.number().int().min(1).max(1000).describe('The floor is reached after at most this many cuts'),
    min_cut: money.min(1).default(1).describe('Smallest amount one friend cuts'),
    max_cut: money.min(1).describe('Largest amount one friend cuts'),
    new_user_multiplier: z.number().min(1).max(10).default(2).describe('A new user (as the host says) may cut up to max_cut × this'),
    bargain_ttl_seconds: z.number().int().min(60).max(30 * 86_400).default(86_400).describe('Deadline of each bargain from its start (default 24 h)'),
  })
  .superRefine((s, ctx) => {
    if (s.floor_price >= s.original_price) ctx.addIssue({ code: 'custom', path: ['floor_price'], message: 'floor_price must be below original_price' });
    if (s.min_cut > s.max_cut) ctx.addIssue({ code: 'custom', path: ['min_cut'], message: 'min_cut must not exceed max_cut' });
    if (s.max_cut * s.max_cuts < s.original_price - s.floor_price) ctx.addIssue({ code: 'custom', path: ['max_cut'], message: `max_cut × max_cuts must reach original_price − floor_price (${s.original_price - s.floor_price})` });
  });
export type BargainSettings = z.infer<typeof BargainSettings>;

export const BargainIdParams = z.strictObject({ bargainId: idParam('bargain id') });
export const StartBody = z.strictObject({ user_id: externalId('user_id').optional() });
export const CutBody = z.strictObject({
  user_id: externalId('user_id').optional().describe('The friend who cuts'),
  is_new_user: z.boolean().optional().describe('Only honoured with a secret key: the host says this friend is a new user (may cut more)'),
});
export const BuyBody = z.strictObject({ order_ref: externalId('order_ref').describe("The host's paid order, at current_price") });

export const CutOut = z.object({ user_id: z.string(), amount: z.number(), new_user: z.boolean(), price_after: z.number(), created_at: z.string() }).meta({ id: 'BargainCut' });
export const BargainOut = z
  .object({
    id: z.string(),
    campaign_id: z.string(),
    user_id: z.string(),
    original_price: z.number(),
    floor_price: z.number(),
    current_price: z.number(),
    cuts: z.number().int(),
    max_cuts: z.number().int(),
    status: z.enum(BG_STATUSES),
    expires_at: z.string(),
    order_ref: z.string().nullable(),
    created_at: z.string(),
    cut_log: z.array(CutOut),
  })
  .meta({ id: 'Bargain' });
