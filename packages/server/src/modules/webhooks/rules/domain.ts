// Which domain events become generic webhooks, and how: pure rules shared by the consumer and replay.
import type { LogRow } from '../../../events/index.ts';

/**
 * Domain events whose webhook a module already sends itself, in the same transaction, with a
 * payload made for the host (campaign lifecycles, team results, coupon redemption…), or under a
 * more precise type name (flash_sale.reservation.*, crowdfunding.succeeded|failed, presale.order.*).
 */
export const DIRECT_TYPES = new Set([
  'bargain.bought',
  'bargain.expired',
  'campaign.scheduled',
  'campaign.started',
  'campaign.ended',
  'campaign.cancelled',
  'coupon.redeemed',
  'coupon.revoked',
  'crowdfunding.ended',
  'crowdfunding.pledge_released',
  'flash_sale.released',
  'group_buy.team.failed',
  'group_buy.team.succeeded',
  'presale.deposit_forfeited',
  'presale.final_payment_reminder',
  'referral.rewarded',
]);

const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** camelCase keys → snake_case, deeply (values untouched). */
export function snakeKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(snakeKeys);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [snake(k), snakeKeys(x)]));
}

/** The webhook of a domain event from the log: its type, its idempotency key, its snake_case data. */
export function domainWebhook(r: Pick<LogRow, 'name' | 'key' | 'payload'>): { type: string; key: string; data: Record<string, unknown> } {
  const { appId: _appId, ...data } = r.payload;
  return { type: r.name, key: `domain:${r.name}:${r.key}`, data: snakeKeys(data) as Record<string, unknown> };
}
