import { z } from 'zod';
import { cleanText } from '../../../http/json.ts';
import { externalId } from '../../../http/route.ts';
import { FS_RESERVATION_STATUSES } from '../schema.ts';
import { dateTime, idParam, money } from '../types.ts';

export const SessionIdParams = z.strictObject({ sessionId: idParam('flash-sale session id') });
export const ItemIdParams = z.strictObject({ itemId: idParam('flash-sale item id') });
export const ReservationIdParams = z.strictObject({ reservationId: idParam('reservation id') });

export const CreateSessionBody = z
  .strictObject({
    name: cleanText(0, 200).optional(),
    starts_at: dateTime,
    ends_at: dateTime,
    token_required: z.boolean().optional().describe('Anti-bot gate: buyers need a token issued before the start (POST …/tokens)'),
    token_opens_minutes: z.number().int().min(1).max(7 * 24 * 60).optional().describe('How long before the start tokens are issued (default 30 minutes)'),
  })
  .refine((b) => Date.parse(b.ends_at) > Date.parse(b.starts_at), { message: 'ends_at must be after starts_at', path: ['ends_at'] });
export type CreateSessionInput = z.infer<typeof CreateSessionBody>;

export const CreateItemBody = z
  .strictObject({
    product_id: externalId('product_id').describe("The host app's product (SKU) id"),
    name: cleanText(0, 200).optional(),
    original_price: money,
    sale_price: money,
    stock: z.number().int().min(1).max(10_000_000),
    per_user_limit: z.number().int().min(1).max(1000).optional().describe('Units one user may hold (held or paid); default 1'),
    reservation_ttl_seconds: z.number().int().min(10).max(86_400).optional().describe('How long a reservation waits for payment before its units return to stock (default 900)'),
    buckets: z.number().int().min(1).max(64).optional().describe('Stock rows the units are spread over (default min(stock, 32)); more rows = less lock contention'),
  })
  .refine((b) => b.sale_price <= b.original_price, { message: 'sale_price must not exceed original_price', path: ['sale_price'] });
export const StockBody = z.strictObject({
  stock: z.number().int().min(0).max(10_000_000).describe('The item’s new total stock (units held or sold included)'),
});

export type CreateItemInput = z.infer<typeof CreateItemBody>;

export const AttemptBody = z.strictObject({
  user_id: externalId('user_id').optional().describe('Required with a secret key; a user token buys for its own user'),
  quantity: z.number().int().min(1).max(1000).optional().describe('Units (default 1)'),
  token: z.string().max(200).optional().describe('The purchase token, when the session requires one'),
});
export type AttemptInput = z.infer<typeof AttemptBody>;

export const TokenBody = z.strictObject({ user_id: externalId('user_id').optional() });

export const ConfirmBody = z.strictObject({ order_ref: externalId('order_ref').describe("The host app's order id (paid)") });
export const ReleaseBody = z.strictObject({ reason: cleanText(0, 200).optional() });

export const ItemOut = z
  .object({
    id: z.string(),
    session_id: z.string(),
    campaign_id: z.string(),
    product_id: z.string(),
    name: z.string(),
    original_price: z.number(),
    sale_price: z.number(),
    stock: z.number().int(),
    remaining: z.number().int().describe('Units not held or sold right now'),
    per_user_limit: z.number().int(),
    reservation_ttl_seconds: z.number().int(),
    buckets: z.number().int(),
  })
  .meta({ id: 'FlashSaleItem' });

export const SessionOut = z
  .object({
    id: z.string(),
    campaign_id: z.string(),
    name: z.string(),
    starts_at: z.string(),
    ends_at: z.string(),
    token_required: z.boolean(),
    token_opens_at: z.string().nullable(),
    items: z.array(ItemOut),
  })
  .meta({ id: 'FlashSaleSession' });

export const ReservationOut = z
  .object({
    id: z.string(),
    campaign_id: z.string(),
    item_id: z.string(),
    user_id: z.string(),
    quantity: z.number().int(),
    status: z.enum(FS_RESERVATION_STATUSES),
    expires_at: z.string(),
    order_ref: z.string().nullable(),
    created_at: z.string(),
    confirmed_at: z.string().nullable(),
    released_at: z.string().nullable(),
  })
  .meta({ id: 'FlashSaleReservation' });

export const TokenOut = z.object({ token: z.string(), expires_at: z.string() });
