// Crowdfunding (众筹): backers pledge to tiers (with limits) until the campaign's end; at the end
// the project is funded if the goal (amount or backers) is reached and every pledge succeeds (the
// host captures it), or it fails and every pledge is released (the host voids it) — settled in
// the same transaction as the campaign's end, so exactly once.
import type { Ctx } from '../../../context.ts';
import type { Db } from '../../../db/index.ts';
import { AppError, validationError } from '../../../http/errors.ts';
import { toFieldIssues } from '../../../http/validation.ts';
import type { Clock } from '../../../lib/clock.ts';
import { newId } from '../../../lib/ids.ts';
import type { Effects, InTx } from '../../webhooks/index.ts';
import { assertLive, mustCampaign, returnParticipation, takeParticipation, type KindHooks, type Report, type CampaignAudit } from '../core.ts';
import type { Admit } from '../core.ts';
import * as campaignStore from '../store.ts';
import type { CampaignRow } from '../store.ts';
import * as store from './store.ts';
import type { PledgeRow } from './store.ts';
import { CrowdfundingSettings } from './types.ts';

declare module '../../../events.ts' {
  interface DomainEvents {
    'crowdfunding.pledged': { appId: string; campaignId: string; pledgeId: string; userId: string; tierId: string; amount: number };
    'crowdfunding.ended': { appId: string; campaignId: string; result: 'succeeded' | 'failed'; reason: 'deadline' | 'cancelled'; pledgedAmount: number; backers: number };
    'crowdfunding.pledge_released': { appId: string; campaignId: string; pledgeId: string; userId: string; orderRef: string; amount: number };
  }
}

export type CrowdfundingDeps = { admit: Admit; db: Db; clock: Clock; inTx: InTx; audit: CampaignAudit };

const settingsOf = (c: CampaignRow) => CrowdfundingSettings.parse(c.settings);

export function createCrowdfunding(deps: CrowdfundingDeps) {
  const { clock } = deps;

  async function mustPledge(db: Db, appId: string, id: string, forUpdate = false): Promise<PledgeRow> {
    const p = await store.findPledge(db, appId, id, forUpdate);
    if (!p) throw new AppError('crowdfunding.pledge_not_found', `No pledge ${id} in this app`, { pledge_id: id });
    return p;
  }

  async function settle(tx: Db, fx: Effects, c: CampaignRow, now: Date, reason: 'deadline' | 'cancelled'): Promise<void> {
    const s = settingsOf(c);
    const t = await store.totals(tx, c.id);
    const funded = reason === 'deadline' && (s.goal_type === 'amount' ? t.amount >= s.goal : t.backers >= s.goal);
    const rows = await store.settle(tx, c.id, funded ? 'succeeded' : 'released', now);
    const result = funded ? 'succeeded' : 'failed';
    await fx.event('crowdfunding.ended', { appId: c.appId, campaignId: c.id, result, reason, pledgedAmount: t.amount, backers: t.backers });
    await fx.webhook(c.appId, { type: `crowdfunding.${result}`, key: `${c.id}:crowdfunding:${result}`, data: { campaign_id: c.id, result, reason, goal_type: s.goal_type, goal: s.goal, pledged_amount: t.amount, backers: t.backers, pledges: rows.length } });
    if (!funded) {
      for (const p of rows) {
        await returnParticipation(tx, c, p.userId);
        await fx.event('crowdfunding.pledge_released', { appId: c.appId, campaignId: c.id, pledgeId: p.id, userId: p.userId, orderRef: p.orderRef, amount: p.amount });
        await fx.webhook(c.appId, { type: 'crowdfunding.pledge.released', key: `${p.id}:released`, data: { pledge_id: p.id, campaign_id: c.id, user_id: p.userId, tier_id: p.tierId, amount: p.amount, order_ref: p.orderRef, reason } });
      }
    }
  }

  const hooks: KindHooks = {
    parseSettings(settings) {
      const r = CrowdfundingSettings.safeParse(settings);
      if (!r.success) throw validationError(toFieldIssues(r.error.issues, 'body.settings'));
      return r.data;
    },
    onEnd: (tx, fx, c, now) => settle(tx, fx, c, now, 'deadline'),
    onCancel: (tx, fx, c, now) => settle(tx, fx, c, now, 'cancelled'),
    async report(db, c): Promise<Report> {
      const open = await store.totals(db, c.id, 'pledged');
      const won = await store.totals(db, c.id, 'succeeded');
      const s = settingsOf(c);
      return { participants: await store.participants(db, c.id), successes: won.backers, cost: 0, details: { goal_type: s.goal_type, goal: s.goal, pledged_amount: open.amount + won.amount, backers: open.backers + won.backers, funded_amount: won.amount } };
    },
  };

  return {
    hooks,

    /** The host authorised a payment: the user backs a tier. Idempotent per order_ref. */
    async pledge(ctx: Ctx, appId: string, campaignId: string, userId: string, tierId: string, orderRef: string): Promise<PledgeRow> {
      const now = clock.now();
      return deps.inTx(ctx.db, async (tx, fx) => {
        const c = await mustCampaign(tx, appId, campaignId, 'crowdfunding');
        const prior = await store.findByRef(tx, c.id, orderRef);
        if (prior) {
          deps.audit.replayed(ctx);
          return prior;
        }
        assertLive(c, now);
        const tier = settingsOf(c).tiers.find((t) => t.id === tierId);
        if (!tier) throw new AppError('crowdfunding.tier_not_found', `Campaign ${c.id} has no tier ${tierId}`, { campaign_id: c.id, tier_id: tierId });
        await deps.admit(tx, c, userId);
        await takeParticipation(tx, c, userId);
        if (!(await store.takeTier(tx, c.id, tier.id, tier.limit ?? null))) throw new AppError('crowdfunding.tier_sold_out', `Tier ${tier.id} has taken all of its ${tier.limit} pledges`, { campaign_id: c.id, tier_id: tier.id, limit: tier.limit });
        const p = await store.insertPledge(tx, { id: newId('cfp'), appId, campaignId: c.id, userId, tierId: tier.id, amount: tier.amount, orderRef, createdAt: now });
        await fx.event('crowdfunding.pledged', { appId, campaignId: c.id, pledgeId: p.id, userId, tierId: tier.id, amount: tier.amount });
        await deps.audit.record(ctx, tx, { appId, action: 'crowdfunding.pledge.create', targetType: 'crowdfunding_pledge', targetId: p.id, after: p });
        return p;
      });
    },

    /** The backer withdrew before the deadline. */
    async cancel(ctx: Ctx, appId: string, pledgeId: string): Promise<PledgeRow> {
      const now = clock.now();
      return deps.inTx(ctx.db, async (tx) => {
        const p = await mustPledge(tx, appId, pledgeId, true);
        if (p.status !== 'pledged') throw new AppError('crowdfunding.pledge_closed', `Pledge ${p.id} is ${p.status}`, { pledge_id: p.id, status: p.status });
        const c = (await campaignStore.findCampaign(tx, appId, p.campaignId))!;
        await store.returnTier(tx, c.id, p.tierId);
        await returnParticipation(tx, c, p.userId);
        const after = await store.setPledge(tx, p.id, { status: 'cancelled', closedAt: now });
        await deps.audit.record(ctx, tx, { appId, action: 'crowdfunding.pledge.cancel', targetType: 'crowdfunding_pledge', targetId: p.id, before: p, after });
        return after;
      });
    },

    get: (ctx: Ctx, appId: string, id: string) => mustPledge(ctx.db, appId, id),

    async list(ctx: Ctx, appId: string, campaignId: string, q: Parameters<typeof store.list>[2]): Promise<PledgeRow[]> {
      await mustCampaign(ctx.db, appId, campaignId, 'crowdfunding');
      return store.list(ctx.db, campaignId, q);
    },

    async progress(ctx: Ctx, appId: string, campaignId: string) {
      const c = await mustCampaign(ctx.db, appId, campaignId, 'crowdfunding');
      const s = settingsOf(c);
      const open = await store.totals(ctx.db, c.id, 'pledged');
      const won = await store.totals(ctx.db, c.id, 'succeeded');
      const amount = open.amount + won.amount;
      const backers = open.backers + won.backers;
      const counts = await store.tierCounts(ctx.db, c.id);
      const closed = c.status === 'ended' || c.status === 'cancelled';
      return {
        campaign: c,
        goalType: s.goal_type,
        goal: s.goal,
        amount,
        backers,
        funded: s.goal_type === 'amount' ? amount >= s.goal : backers >= s.goal,
        result: (closed ? (won.backers > 0 ? 'succeeded' : 'failed') : 'open') as 'open' | 'succeeded' | 'failed',
        tiers: s.tiers.map((t) => ({ id: t.id, name: t.name, amount: t.amount, limit: t.limit ?? null, taken: counts.get(t.id) ?? 0 })),
      };
    },
  };
}

export type Crowdfunding = ReturnType<typeof createCrowdfunding>;
