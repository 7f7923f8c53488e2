import { z } from 'zod';
import { externalId } from '../../../http/route.ts';
import { PS_STATUSES } from '../schema.ts';
import { dateTime, idParam, money } from '../types.ts';

/** campaign.settings of a presale campaign. */
export const PresaleSettings = z
  .strictObject({
    product_id: externalId('product_id'),
    price: money.describe('Full price'),
    deposit: money.min(1).describe('The deposit the user pays (定金)'),
    deposit_value: money.describe('What the deposit counts for at the final payment (定金膨胀: deposit X counts as Y)'),
    deposit_starts_at: dateTime,
    deposit_ends_at: dateTime,
    final_starts_at: dateTime,
    final_ends_at: dateTime,
    reminder_minutes: z.number().int().min(0).max(7 * 24 * 60).default(60).describe('The reminder event fires this long before the final-payment window opens'),
  })
  .superRefine((s, ctx) => {
    const t = (k: 'deposit_starts_at' | 'deposit_ends_at' | 'final_starts_at' | 'final_ends_at') => Date.parse(s[k]);
    if (s.deposit_value < s.deposit) ctx.addIssue({ code: 'custom', path: ['deposit_value'], message: 'deposit_value must be at least the deposit' });
    if (s.deposit_value > s.price) ctx.addIssue({ code: 'custom', path: ['deposit_value'], message: 'deposit_value must not exceed the price' });
    if (t('deposit_ends_at') <= t('deposit_starts_at')) ctx.addIssue({ code: 'custom', path: ['deposit_ends_at'], message: 'must be after deposit_starts_at' });
    if (t('final_starts_at') < t('deposit_ends_at')) ctx.addIssue({ code: 'custom', path: ['final_starts_at'], message: 'must not be before deposit_ends_at' });
    if (t('final_ends_at') <= t('final_starts_at')) ctx.addIssue({ code: 'custom', path: ['final_ends_at'], message: 'must be after final_starts_at' });
  });
export type PresaleSettings = z.infer<typeof PresaleSettings>;

export const OrderIdParams = z.strictObject({ orderId: idParam('presale order id') });
export const DepositBody = z.strictObject({ user_id: externalId('user_id'), deposit_order_ref: externalId('deposit_order_ref').describe("The host's paid deposit order; repeating it returns the same presale order") });
export const FinalBody = z.strictObject({ order_ref: externalId('order_ref').describe("The host's paid final-payment order") });

export const PresaleOrderOut = z
  .object({
    id: z.string(),
    campaign_id: z.string(),
    user_id: z.string(),
    status: z.enum(PS_STATUSES),
    deposit: z.number(),
    deposit_value: z.number(),
    final_amount: z.number().describe('price − deposit_value: what the final payment must be'),
    deposit_order_ref: z.string(),
    final_order_ref: z.string().nullable(),
    final_starts_at: z.string(),
    final_ends_at: z.string(),
    reminded_at: z.string().nullable(),
    created_at: z.string(),
    closed_at: z.string().nullable(),
  })
  .meta({ id: 'PresaleOrder' });
