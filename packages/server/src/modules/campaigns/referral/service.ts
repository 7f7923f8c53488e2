// Referrals (邀请有礼): each user gets an invite code per campaign; the host attributes a new user
// to the code they came with (never to themselves, never closing a loop); when the invitee does
// the qualifying event (tracked through POST /v1/events) both sides are rewarded once: the
// referral.rewarded event (gamification may grant points on it) and webhook.
import type { Ctx } from '../../../context.ts';
import type { Db } from '../../../db/index.ts';
import { AppError, validationError } from '../../../http/errors.ts';
import { toFieldIssues } from '../../../http/validation.ts';
import type { Clock } from '../../../lib/clock.ts';
import { loadCache } from '../../../lib/cache.ts';
import { randomBase62 } from '../../../lib/ids.ts';
import type { InTx } from '../../webhooks/index.ts';
import { assertLive, mustCampaign, type KindHooks, type Report } from '../core.ts';
import * as campaignStore from '../store.ts';
import type { CampaignRow } from '../store.ts';
import * as store from './store.ts';
import type { CodeRow, ReferralRow } from './store.ts';
import { ReferralSettings } from './types.ts';

declare module '../../../events.ts' {
  interface DomainEvents {
    'referral.attributed': { appId: string; campaignId: string; inviterUserId: string; inviteeUserId: string };
    /** Both sides earned their reward; inviterReward is null when the inviter reached their cap. */
    'referral.rewarded': { appId: string; campaignId: string; inviterUserId: string; inviteeUserId: string; inviterReward: Record<string, unknown> | null; inviteeReward: Record<string, unknown>; eventId: string };
  }
}

export type ReferralDeps = { db: Db; clock: Clock; inTx: InTx };

const settingsOf = (c: Pick<CampaignRow, 'settings'>) => ReferralSettings.parse(c.settings);
const DAY = 86_400_000;
const NAMES_TTL_MS = 5000;

export function createReferral(deps: ReferralDeps) {
  const { clock } = deps;
  const names = loadCache<Set<string>>(NAMES_TTL_MS);

  // Concurrent misses share one load: a burst of ingested events is one query, not thousands.
  function qualifyingNames(appId: string): Promise<Set<string>> {
    return names.get(appId, async () => new Set(await store.qualifyingEvents(deps.db, appId)));
  }

  const hooks: KindHooks = {
    parseSettings(settings) {
      const r = ReferralSettings.safeParse(settings);
      if (!r.success) throw validationError(toFieldIssues(r.error.issues, 'body.settings'));
      return r.data;
    },
    async report(db, c): Promise<Report> {
      const r = await store.report(db, c.id);
      return { participants: r.participants!, successes: r.rewarded!, cost: r.rewarded! * settingsOf(c).reward_cost, details: { referrals: r.referrals, rewarded: r.rewarded, budget_exhausted: r.budget_exhausted, codes: r.codes } };
    },
  };

  return {
    hooks,

    /** Forgets which events qualify (after campaigns change state on this server). */
    forget(): void {
      names.clear();
    },

    async code(ctx: Ctx, appId: string, campaignId: string, userId: string): Promise<CodeRow> {
      const c = await mustCampaign(ctx.db, appId, campaignId, 'referral');
      for (let i = 0; ; i++) {
        try {
          return await store.codeFor(ctx.db, { campaignId: c.id, userId, appId, code: randomBase62(8), createdAt: clock.now() });
        } catch (err) {
          // Another user's code is the same eight characters: draw again.
          if ((err as { code?: string }).code !== '23505' || i >= 3) throw err;
        }
      }
    },

    /** The host: this new user signed up with this code. */
    async attribute(ctx: Ctx, appId: string, campaignId: string, inviteeUserId: string, code: string): Promise<ReferralRow> {
      const now = clock.now();
      return deps.inTx(ctx.db, async (tx, fx) => {
        const c = await mustCampaign(tx, appId, campaignId, 'referral');
        assertLive(c, now);
        const owner = await store.findCode(tx, appId, c.id, code);
        if (!owner) throw new AppError('referral.code_not_found', `No invite code ${code} in campaign ${c.id}`, { campaign_id: c.id, code });
        if (owner.userId === inviteeUserId) throw new AppError('referral.self_referral', `User ${inviteeUserId} cannot use their own invite code`, { campaign_id: c.id });
        await store.lockAttributions(tx, c.id);
        const prior = await store.findReferral(tx, c.id, inviteeUserId);
        if (prior) throw new AppError('referral.already_attributed', `User ${inviteeUserId} was already invited by ${prior.inviterUserId}`, { campaign_id: c.id, inviter_user_id: prior.inviterUserId });
        if (await store.isAncestor(tx, c.id, owner.userId, inviteeUserId)) throw new AppError('referral.loop', `User ${inviteeUserId} is already up the invitation chain of ${owner.userId}`, { campaign_id: c.id, inviter_user_id: owner.userId });
        const r = await store.insertReferral(tx, { campaignId: c.id, inviteeUserId, appId, inviterUserId: owner.userId, code, attributedAt: now, qualifyBy: new Date(now.getTime() + settingsOf(c).attribution_window_days * DAY) });
        await fx.event('referral.attributed', { appId, campaignId: c.id, inviterUserId: owner.userId, inviteeUserId });
        return r;
      });
    },

    /**
     * An ingested event: rewards the referrals it qualifies, each once. Returns how many. The window
     * is checked against the time Canyu receives the event, not the timestamp the sender claims.
     */
    async qualify(appId: string, userId: string, eventName: string, eventId: string): Promise<number> {
      if (!(await qualifyingNames(appId)).has(eventName)) return 0;
      const now = clock.now();
      return deps.inTx(deps.db, async (tx, fx) => {
        const rows = await store.pendingFor(tx, appId, userId, eventName, now);
        for (const r of rows) {
          const s = settingsOf(r);
          if (!(await campaignStore.commitBudget(tx, r.campaignId, s.reward_cost))) {
            await store.setReferral(tx, r.campaignId, r.inviteeUserId, { status: 'budget_exhausted', eventId });
            continue;
          }
          await store.lockInviter(tx, r.campaignId, r.inviterUserId);
          const capped = s.max_rewards_per_inviter !== undefined && (await store.countRewarded(tx, r.campaignId, r.inviterUserId)) >= s.max_rewards_per_inviter;
          await store.setReferral(tx, r.campaignId, r.inviteeUserId, { status: 'rewarded', rewardedAt: now, inviterRewarded: !capped, eventId });
          const inviterReward = capped ? null : s.inviter_reward;
          await fx.event('referral.rewarded', { appId, campaignId: r.campaignId, inviterUserId: r.inviterUserId, inviteeUserId: r.inviteeUserId, inviterReward, inviteeReward: s.invitee_reward, eventId });
          await fx.webhook(appId, {
            type: 'referral.rewarded',
            key: `${r.campaignId}:${r.inviteeUserId}:rewarded`,
            data: { campaign_id: r.campaignId, inviter_user_id: r.inviterUserId, invitee_user_id: r.inviteeUserId, inviter_reward: inviterReward, invitee_reward: s.invitee_reward, event_id: eventId },
          });
        }
        return rows.length;
      });
    },

    async list(ctx: Ctx, appId: string, campaignId: string, q: Parameters<typeof store.list>[2]): Promise<ReferralRow[]> {
      await mustCampaign(ctx.db, appId, campaignId, 'referral');
      return store.list(ctx.db, campaignId, q);
    },
  };
}

export type Referral = ReturnType<typeof createReferral>;
