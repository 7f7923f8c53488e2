// 砍价: a user starts a bargain on the campaign's item; friends each cut a random amount (one cut
// per friend; new users may cut more); the price reaches the floor after at most max_cuts cuts;
// the user buys at the current price before the deadline, or the bargain expires. Cuts lock the
// bargain row, so concurrent friends cut one after another from the true current price.
import type { Ctx } from '../../../context.ts';
import type { Db } from '../../../db/index.ts';
import { AppError, validationError } from '../../../http/errors.ts';
import { toFieldIssues } from '../../../http/validation.ts';
import type { Clock } from '../../../lib/clock.ts';
import { newId } from '../../../lib/ids.ts';
import type { Effects, InTx } from '../../webhooks/index.ts';
import { assertLive, commitBudget, mustCampaign, returnParticipation, takeParticipation, type KindHooks, type Report, type CampaignAudit } from '../core.ts';
import type { Admit } from '../core.ts';
import { nextCut } from '../rules/bargain.ts';
import * as campaignStore from '../store.ts';
import type { CampaignRow } from '../store.ts';
import * as store from './store.ts';
import type { BargainRow, CutRow } from './store.ts';
import { BargainSettings } from './types.ts';

type BargainEvent = { appId: string; campaignId: string; bargainId: string; userId: string };
declare module '../../../events.ts' {
  interface DomainEvents {
    'bargain.started': BargainEvent;
    'bargain.cut': BargainEvent & { helperUserId: string; amount: number; priceAfter: number; newUser: boolean };
    'bargain.floor_reached': BargainEvent;
    'bargain.bought': BargainEvent & { orderRef: string; price: number };
    'bargain.expired': BargainEvent & { reason: 'deadline' | 'cancelled' };
  }
}

export type BargainDeps = { admit: Admit; db: Db; clock: Clock; inTx: InTx; audit: CampaignAudit; wake(at: Date): void; random?: () => number };
export type BargainView = { bargain: BargainRow; cuts: CutRow[] };

const settingsOf = (c: CampaignRow) => BargainSettings.parse(c.settings);

export function createBargain(deps: BargainDeps) {
  const { clock } = deps;
  const random = deps.random ?? Math.random;

  async function mustBargain(db: Db, appId: string, id: string, forUpdate = false): Promise<BargainRow> {
    const b = await store.findBargain(db, appId, id, forUpdate);
    if (!b) throw new AppError('bargain.not_found', `No bargain ${id} in this app`, { bargain_id: id });
    return b;
  }
  const view = async (db: Db, b: BargainRow): Promise<BargainView> => ({ bargain: b, cuts: await store.cutsOf(db, [b.id]) });
  const closed = (b: BargainRow) => new AppError('bargain.closed', `Bargain ${b.id} is ${b.status === 'active' ? 'past its deadline' : b.status}`, { bargain_id: b.id, status: b.status, expires_at: b.expiresAt.toISOString() });

  async function expire(tx: Db, fx: Effects, b: BargainRow, now: Date, reason: 'deadline' | 'cancelled'): Promise<void> {
    await store.setBargain(tx, b.id, { status: reason === 'deadline' ? 'expired' : 'cancelled', closedAt: now });
    const c = (await campaignStore.findCampaign(tx, b.appId, b.campaignId))!;
    await campaignStore.releaseBudget(tx, c.id, b.originalPrice - b.floorPrice);
    await returnParticipation(tx, c, b.userId);
    await fx.event('bargain.expired', { appId: b.appId, campaignId: b.campaignId, bargainId: b.id, userId: b.userId, reason });
    await fx.webhook(b.appId, { type: 'bargain.expired', key: `${b.id}:expired`, data: { bargain_id: b.id, campaign_id: b.campaignId, user_id: b.userId, current_price: b.currentPrice, reason } });
  }

  const hooks: KindHooks = {
    parseSettings(settings) {
      const r = BargainSettings.safeParse(settings);
      if (!r.success) throw validationError(toFieldIssues(r.error.issues, 'body.settings'));
      return r.data;
    },
    async onCancel(tx, fx, c, now) {
      for (const b of await store.due(tx, now, 10_000, c.id)) await expire(tx, fx, b, now, 'cancelled');
    },
    async tick(now) {
      let n = 0;
      for (;;) {
        const k = await deps.inTx(deps.db, async (tx, fx) => {
          const rows = await store.due(tx, now, 200);
          for (const b of rows) await expire(tx, fx, b, now, 'deadline');
          return rows.length;
        });
        n += k;
        if (k < 200) return n;
      }
    },
    async report(db, c): Promise<Report> {
      const r = await store.report(db, c.id);
      return { participants: r.participants!, successes: r.bought!, cost: Number(r.cost), details: { bargains: r.bargains, bought: r.bought, expired: r.expired, active: r.active, cuts: r.cuts } };
    },
  };

  return {
    hooks,

    async start(ctx: Ctx, appId: string, campaignId: string, userId: string): Promise<BargainView> {
      const now = clock.now();
      const v = await deps.inTx(ctx.db, async (tx, fx) => {
        const c = await mustCampaign(tx, appId, campaignId, 'bargain');
        assertLive(c, now);
        const s = settingsOf(c);
        await store.lockStarter(tx, c.id, userId);
        if (await store.hasActive(tx, c.id, userId)) throw new AppError('bargain.active_exists', `User ${userId} already has an active bargain in campaign ${c.id}`, { campaign_id: c.id });
        await deps.admit(tx, c, userId);
        await takeParticipation(tx, c, userId);
        await commitBudget(tx, c, s.original_price - s.floor_price);
        const b = await store.insertBargain(tx, { id: newId('bgn'), appId, campaignId: c.id, userId, originalPrice: s.original_price, floorPrice: s.floor_price, currentPrice: s.original_price, maxCuts: s.max_cuts, expiresAt: new Date(now.getTime() + s.bargain_ttl_seconds * 1000), createdAt: now });
        await fx.event('bargain.started', { appId, campaignId: c.id, bargainId: b.id, userId });
        return { bargain: b, cuts: [] };
      });
      deps.wake(v.bargain.expiresAt);
      return v;
    },

    /** A friend cuts: a random amount within the campaign's bounds, once per friend. */
    async cut(ctx: Ctx, appId: string, bargainId: string, helperUserId: string, newUser: boolean): Promise<BargainView & { amount: number }> {
      const now = clock.now();
      return deps.inTx(ctx.db, async (tx, fx) => {
        const b = await mustBargain(tx, appId, bargainId, true);
        if (b.status !== 'active' || now >= b.expiresAt) throw closed(b);
        if (helperUserId === b.userId) throw new AppError('bargain.self_cut', `User ${helperUserId} started bargain ${b.id} and cannot cut it; friends do`, { bargain_id: b.id });
        if (await store.hasCut(tx, b.id, helperUserId)) throw new AppError('bargain.already_cut', `User ${helperUserId} has already cut bargain ${b.id}`, { bargain_id: b.id });
        if (b.currentPrice <= b.floorPrice || b.cuts >= b.maxCuts) throw new AppError('bargain.floor_reached', `Bargain ${b.id} is at its floor price ${b.floorPrice}`, { bargain_id: b.id, floor_price: b.floorPrice });
        const s = settingsOf((await campaignStore.findCampaign(tx, appId, b.campaignId))!);
        const amount = nextCut({ minCut: s.min_cut, maxCut: s.max_cut, newUserMultiplier: s.new_user_multiplier }, b.currentPrice - b.floorPrice, b.maxCuts - b.cuts, newUser, random());
        const priceAfter = b.currentPrice - amount;
        await store.insertCut(tx, { bargainId: b.id, helperUserId, amount, newUser, priceAfter, createdAt: now });
        const after = await store.setBargain(tx, b.id, { currentPrice: priceAfter, cuts: b.cuts + 1 });
        const base = { appId, campaignId: b.campaignId, bargainId: b.id, userId: b.userId };
        await fx.event('bargain.cut', { ...base, helperUserId, amount, priceAfter, newUser });
        if (priceAfter === b.floorPrice) await fx.event('bargain.floor_reached', base);
        return { ...(await view(tx, after)), amount };
      });
    },

    /** The user bought at the current price (the host's paid order). Idempotent per order_ref. */
    async buy(ctx: Ctx, appId: string, bargainId: string, orderRef: string): Promise<BargainView> {
      const now = clock.now();
      return deps.inTx(ctx.db, async (tx, fx) => {
        const b = await mustBargain(tx, appId, bargainId, true);
        if (b.status === 'bought' && b.orderRef === orderRef) {
          deps.audit.replayed(ctx);
          return view(tx, b);
        }
        if (b.status !== 'active' || now >= b.expiresAt) throw closed(b);
        const after = await store.setBargain(tx, b.id, { status: 'bought', orderRef, closedAt: now });
        await deps.audit.record(ctx, tx, { appId, action: 'bargain.buy', targetType: 'bargain', targetId: b.id, before: b, after });
        // The subsidy not used (the price did not reach the floor) goes back to the budget.
        await campaignStore.releaseBudget(tx, b.campaignId, b.currentPrice - b.floorPrice);
        await fx.event('bargain.bought', { appId, campaignId: b.campaignId, bargainId: b.id, userId: b.userId, orderRef, price: b.currentPrice });
        await fx.webhook(appId, { type: 'bargain.bought', key: `${b.id}:bought`, data: { bargain_id: b.id, campaign_id: b.campaignId, user_id: b.userId, order_ref: orderRef, price: b.currentPrice } });
        return view(tx, after);
      });
    },

    async get(ctx: Ctx, appId: string, id: string): Promise<BargainView> {
      return view(ctx.db, await mustBargain(ctx.db, appId, id));
    },

    async list(ctx: Ctx, appId: string, campaignId: string, q: Parameters<typeof store.list>[2]): Promise<BargainView[]> {
      await mustCampaign(ctx.db, appId, campaignId, 'bargain');
      const rows = await store.list(ctx.db, campaignId, q);
      const cuts = await store.cutsOf(
        ctx.db,
        rows.map((r) => r.id),
      );
      return rows.map((bargain) => ({ bargain, cuts: cuts.filter((c) => c.bargainId === bargain.id) }));
    },
  };
}

export type Bargain = ReturnType<typeof createBargain>;
