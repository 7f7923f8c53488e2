// Referrals (邀请有礼): each user gets an invite code per campaign; the host attributes a new user
// to the code they came with (never to themselves, never closing a loop); when the invitee does
// the qualifying event (tracked through POST /v1/events) both sides are rewarded once: their
// configured points and coupons are credited (through the points and coupons modules) in the same
// transaction as the referral's change to `rewarded`, each under a key unique to the referral and
// side, and the referral.rewarded event and webhook say who got what. Only new users (the
// campaign's new_user rule) can be invited.
import type { Ctx } from '../../../context.ts';
import type { Db } from '../../../db/index.ts';
import { AppError, isAppError, validationError } from '../../../http/errors.ts';
import { toFieldIssues } from '../../../http/validation.ts';
import type { Clock } from '../../../lib/clock.ts';
import { loadCache } from '../../../lib/cache.ts';
import { randomBase62 } from '../../../lib/ids.ts';
import type { Coupons } from '../../coupons/index.ts';
import type { Points } from '../../points/index.ts';
import type { Users } from '../../users/index.ts';
import type { Effects, InTx } from '../../webhooks/index.ts';
import { assertLive, mustCampaign, type KindHooks, type Report, type CampaignAudit } from '../core.ts';
import type { Admit } from '../core.ts';
import * as campaignStore from '../store.ts';
import type { CampaignRow } from '../store.ts';
import type { RfCredited, RfCreditedSide } from '../schema.ts';
import * as store from './store.ts';
import type { CodeRow, ReferralRow } from './store.ts';
import { ReferralSettings, type NewUserRule, type ReferralReward } from './types.ts';

declare module '../../../events.ts' {
  interface DomainEvents {
    'referral.attributed': { appId: string; campaignId: string; inviterUserId: string; inviteeUserId: string };
    /**
     * Both sides earned their reward; inviterReward (and credited.inviter) is null when the inviter
     * reached their cap. `userId` is the inviter (points rules on this event grant the inviter).
     */
    'referral.rewarded': {
      appId: string;
      campaignId: string;
      userId: string;
      inviterUserId: string;
      inviteeUserId: string;
      inviterReward: ReferralReward | null;
      inviteeReward: ReferralReward;
      credited: RfCredited;
      eventId: string;
    };
  }
}

export type ReferralDeps = { admit: Admit;
  db: Db;
  clock: Clock;
  inTx: InTx;
  audit: CampaignAudit;
  /** Rewards are credited through these modules' public services, inside the referral's transaction. */
  points: Pick<Points, 'earn' | 'getType'>;
  coupons: Pick<Coupons, 'issue' | 'getTemplate'>;
  /** Who is new: when the invitee was first seen, their traits. */
  users: Pick<Users, 'get'>;
};

const settingsOf = (c: Pick<CampaignRow, 'settings'>) => ReferralSettings.parse(c.settings);
const DAY = 86_400_000;
const NAMES_TTL_MS = 5000;
const SYSTEM = { type: 'system', id: null } as const;

const notNew = (campaignId: string, userId: string, reason: 'first_seen' | 'previously_referred' | 'traits', why: string, details: Record<string, unknown> = {}) =>
  new AppError('referral.invitee_not_new', `User ${userId} is not a new user (${why}); only new users can be invited`, { campaign_id: campaignId, user_id: userId, reason, ...details });

export function createReferral(deps: ReferralDeps) {
  const { clock } = deps;
  const names = loadCache<Set<string>>(NAMES_TTL_MS);

  // Concurrent misses share one load: a burst of ingested events is one query, not thousands.
  function qualifyingNames(appId: string): Promise<Set<string>> {
    return names.get(appId, async () => new Set(await store.qualifyingEvents(deps.db, appId)));
  }

  /** Refuses an invitee who is not new by the campaign's rule (see NewUserRule). */
  async function assertNew(tx: Db, appId: string, campaignId: string, userId: string, rule: NewUserRule, now: Date): Promise<void> {
    if (rule.first_seen_within_days !== null || rule.not_if_traits) {
      let user: Awaited<ReturnType<Users['get']>> | null = null;
      try {
        user = await deps.users.get({ db: tx, actor: SYSTEM }, appId, userId);
      } catch (err) {
        if (!(isAppError(err) && err.code === 'users.not_found')) throw err;
      }
      // A user Canyu has never seen is first seen now: new.
      if (user && rule.first_seen_within_days !== null && now.getTime() - user.createdAt.getTime() > rule.first_seen_within_days * DAY) {
        throw notNew(campaignId, userId, 'first_seen', `first seen ${user.createdAt.toISOString()}, more than ${rule.first_seen_within_days} days ago`, { first_seen_at: user.createdAt.toISOString(), first_seen_within_days: rule.first_seen_within_days });
      }
      const hit = user && rule.not_if_traits ? Object.entries(rule.not_if_traits).find(([k, v]) => Object.hasOwn(user.traits, k) && user.traits[k] === v) : undefined;
      if (hit) throw notNew(campaignId, userId, 'traits', `trait ${hit[0]} is ${JSON.stringify(hit[1])}`, { trait: hit[0] });
    }
    if (rule.no_prior_referral) {
      const other = await store.otherReferral(tx, appId, userId, campaignId);
      if (other) throw notNew(campaignId, userId, 'previously_referred', `already invited in campaign ${other}`, { other_campaign_id: other });
    }
  }

  /**
   * Credits one side's reward inside the referral's transaction. Each credit has a key unique to
   * (campaign, invitee, side, what): points ledger keys and coupon issue keys are unique, so however
   * the reward is retried it is credited once. A credit that cannot be made (a point type or a
   * template removed, coupons sold out) is rolled back alone (savepoint) and recorded with its code.
   */
  async function credit(tx: Db, fx: Effects, appId: string, r: ReferralRow, side: 'inviter' | 'invitee', reward: ReferralReward): Promise<RfCreditedSide> {
    const userId = side === 'inviter' ? r.inviterUserId : r.inviteeUserId;
    const base = `referral:${r.campaignId}:${r.inviteeUserId}:${side}`;
    const out: RfCreditedSide = { user_id: userId, points: [], coupons: [], host: reward.host ?? null };
    const attempt = async <T>(fn: (sp: Db) => Promise<T>): Promise<{ ok: T } | { error: string }> => {
      try {
        return { ok: await tx.transaction(fn) };
      } catch (err) {
        if (isAppError(err)) return { error: err.code };
        throw err;
      }
    };
    for (const p of reward.points) {
      const res = await attempt((sp) =>
        deps.points.earn({ db: sp, actor: SYSTEM, afterCommit: (f) => fx.after(f) }, appId, { userId, type: p.type, amount: p.amount, key: `${base}:points:${p.type}`, reason: `referral ${side} reward`, source: { type: 'referral', id: r.campaignId } }),
      );
      out.points.push({ type: p.type, amount: p.amount, entry_id: 'ok' in res ? String(res.ok.entry.id) : null, error: 'error' in res ? res.error : null });
    }
    for (const templateId of reward.coupons) {
      const res = await attempt(async (sp) => {
        const [one] = await deps.coupons.issue({ db: sp, actor: SYSTEM }, appId, templateId, [userId], `${base}:coupon`);
        return one!;
      });
      const one = 'ok' in res ? res.ok : null;
      out.coupons.push({ template_id: templateId, coupon_id: one?.coupon?.id ?? null, error: 'error' in res ? res.error : (one?.error ?? null) });
    }
    return out;
  }

  const hooks: KindHooks = {
    parseSettings(settings) {
      const r = ReferralSettings.safeParse(settings);
      if (!r.success) throw validationError(toFieldIssues(r.error.issues, 'body.settings'));
      return r.data;
    },
    /** Every point type and coupon template the rewards name must exist before the campaign is scheduled. */
    async notReady(db, c) {
      const s = settingsOf(c);
      for (const [side, reward] of [['inviter_reward', s.inviter_reward], ['invitee_reward', s.invitee_reward]] as const) {
        for (const p of reward.points) {
          try {
            await deps.points.getType({ db, actor: SYSTEM }, c.appId, p.type);
          } catch (err) {
            if (isAppError(err)) return `settings.${side}: point type ${p.type} is not defined (PUT /v1/points/types/${p.type})`;
            throw err;
          }
        }
        for (const id of reward.coupons) {
          try {
            await deps.coupons.getTemplate({ db, actor: SYSTEM }, c.appId, id);
          } catch (err) {
            if (isAppError(err)) return `settings.${side}: coupon template ${id} does not exist in this app`;
            throw err;
          }
        }
      }
      return null;
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
        await deps.admit(tx, c, inviteeUserId);
        const owner = await store.findCode(tx, appId, c.id, code);
        if (!owner) throw new AppError('referral.code_not_found', `No invite code ${code} in campaign ${c.id}`, { campaign_id: c.id, code });
        if (owner.userId === inviteeUserId) throw new AppError('referral.self_referral', `User ${inviteeUserId} cannot use their own invite code`, { campaign_id: c.id });
        await store.lockAttributions(tx, c.id);
        const prior = await store.findReferral(tx, c.id, inviteeUserId);
        if (prior) throw new AppError('referral.already_attributed', `User ${inviteeUserId} was already invited by ${prior.inviterUserId}`, { campaign_id: c.id, inviter_user_id: prior.inviterUserId });
        // Serialises this invitee's attributions across the app's campaigns (no_prior_referral).
        await store.lockInvitee(tx, appId, inviteeUserId);
        await assertNew(tx, appId, c.id, inviteeUserId, settingsOf(c).new_user, now);
        if (await store.isAncestor(tx, c.id, owner.userId, inviteeUserId)) throw new AppError('referral.loop', `User ${inviteeUserId} is already up the invitation chain of ${owner.userId}`, { campaign_id: c.id, inviter_user_id: owner.userId });
        const r = await store.insertReferral(tx, { campaignId: c.id, inviteeUserId, appId, inviterUserId: owner.userId, code, attributedAt: now, qualifyBy: new Date(now.getTime() + settingsOf(c).attribution_window_days * DAY) });
        await fx.event('referral.attributed', { appId, campaignId: c.id, inviterUserId: owner.userId, inviteeUserId });
        await deps.audit.record(ctx, tx, { appId, action: 'referral.attribute', targetType: 'referral', targetId: `${c.id}:${inviteeUserId}`, after: r });
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
          // The state change first: it is conditional on the referral still being attributed, so a
          // second qualifier (another server, a replayed event) that got this far credits nothing.
          if (!(await store.markRewarded(tx, r.campaignId, r.inviteeUserId, { rewardedAt: now, inviterRewarded: !capped, eventId }))) continue;
          const credited: RfCredited = {
            inviter: capped ? null : await credit(tx, fx, appId, r, 'inviter', s.inviter_reward),
            invitee: await credit(tx, fx, appId, r, 'invitee', s.invitee_reward),
          };
          await store.setReferral(tx, r.campaignId, r.inviteeUserId, { credited });
          const inviterReward = capped ? null : s.inviter_reward;
          await fx.event('referral.rewarded', { appId, campaignId: r.campaignId, userId: r.inviterUserId, inviterUserId: r.inviterUserId, inviteeUserId: r.inviteeUserId, inviterReward, inviteeReward: s.invitee_reward, credited, eventId });
          await fx.webhook(appId, {
            type: 'referral.rewarded',
            key: `${r.campaignId}:${r.inviteeUserId}:rewarded`,
            data: { campaign_id: r.campaignId, inviter_user_id: r.inviterUserId, invitee_user_id: r.inviteeUserId, inviter_reward: inviterReward, invitee_reward: s.invitee_reward, credited, event_id: eventId },
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
