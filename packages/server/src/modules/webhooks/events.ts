// Every domain event reaches the host's backend: one consumer of the event log enqueues a webhook
// delivery for each endpoint subscribed to the event's type, in the consumer's transaction (so a
// delivery is enqueued once per event and endpoint, also after a crash). Payload keys are
// snake_case like the rest of the API.
import type { EventBus } from '../../events.ts';
import type { Webhooks } from './service.ts';

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

export function wireWebhooks(webhooks: Webhooks, bus: EventBus): void {
  bus.consume({
    name: 'webhooks.domain',
    wants: (r) => r.kind === 'domain' && !DIRECT_TYPES.has(r.name),
    handle: async (ctx, r) => {
      const { appId: _appId, ...data } = r.payload;
      const ids = await webhooks.enqueue(ctx.db, r.appId, { type: r.name, key: `domain:${r.name}:${r.key}`, data: snakeKeys(data) as Record<string, unknown>, occurredAt: r.createdAt });
      if (ids.length) ctx.afterCommit(() => void webhooks.dispatch(ids).catch(() => undefined));
    },
  });
}
