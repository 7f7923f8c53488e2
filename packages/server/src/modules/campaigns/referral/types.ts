import { z } from 'zod';
import { jsonObject } from '../../../http/json.ts';
import { externalId } from '../../../http/route.ts';
import { RF_STATUSES } from '../schema.ts';
import { money } from '../types.ts';

const PointTypeKey = z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'must be a point type key (lowercase letters, digits, _)');

/** What one side of a referral gets: credited by Canyu (points, coupons) and/or fulfilled by the host. */
export const ReferralReward = z.strictObject({
  points: z
    .array(z.strictObject({ type: PointTypeKey, amount: z.number().int().min(1).max(1_000_000_000) }))
    .max(10)
    .default([])
    .describe('Credited to the user’s points ledger (a type defined with PUT /v1/points/types/{key}), once per referral and side'),
  coupons: z
    .array(z.string().min(1).max(64))
    .max(10)
    .refine((a) => new Set(a).size === a.length, 'each coupon template once')
    .default([])
    .describe('Coupon template ids: one coupon of each is issued to the user, once per referral and side (the template’s stock and per-user limit apply)'),
  host: jsonObject({ maxBytes: 4096, what: 'host' }).optional().describe('Anything your app fulfils itself (e.g. {"vip_days":7}); carried as-is in the referral.rewarded event and webhook'),
});
export type ReferralReward = z.infer<typeof ReferralReward>;

/**
 * Who counts as a new user (only new users can be invited). Defaults: first seen within the last
 * 7 days, and never invited in another referral campaign of the app.
 */
export const NewUserRule = z.strictObject({
  first_seen_within_days: z
    .number()
    .int()
    .min(0)
    .max(3650)
    .nullable()
    .default(7)
    .describe('The invitee was first seen by Canyu (first POST /v1/users/{id}) at most this many days before the attribution; a user never identified is new. null: no age check'),
  no_prior_referral: z.boolean().default(true).describe('The invitee was never attributed in another referral campaign of this app'),
  not_if_traits: z
    .record(z.string().min(1).max(100), z.union([z.string().max(500), z.number(), z.boolean()]))
    .refine((o) => Object.keys(o).length <= 20, 'at most 20 traits')
    .optional()
    .describe('The invitee is not new when any of these traits (as your app sets them with POST /v1/users/{id}) has this value, e.g. {"has_ordered":true}'),
});
export type NewUserRule = z.infer<typeof NewUserRule>;

/** campaign.settings of a referral campaign. */
export const ReferralSettings = z.strictObject({
  qualifying_event: z.string().min(1).max(200).describe('The event (as tracked through POST /v1/events) an invitee must do for both sides to be rewarded, e.g. order.paid'),
  attribution_window_days: z.number().int().min(1).max(365).default(30).describe('The qualifying event must come within this many days of the attribution'),
  inviter_reward: ReferralReward.prefault({}).describe('What the inviter gets: points and coupons are credited by Canyu, host is for your app; all carried in the referral.rewarded event and webhook'),
  invitee_reward: ReferralReward.prefault({}),
  new_user: NewUserRule.prefault({}).describe('Who may be invited (attribution answers 409 referral.invitee_not_new otherwise)'),
  max_rewards_per_inviter: z.number().int().min(1).max(1_000_000).optional().describe('An inviter is rewarded for at most this many invitees (invitees are still rewarded)'),
  reward_cost: money.default(0).describe('Cost of one rewarded referral, committed against the campaign budget'),
});
export type ReferralSettings = z.infer<typeof ReferralSettings>;

const CreditedSide = z.object({
  user_id: z.string(),
  points: z.array(z.object({ type: z.string(), amount: z.number(), entry_id: z.string().nullable(), error: z.string().nullable() })),
  coupons: z.array(z.object({ template_id: z.string(), coupon_id: z.string().nullable(), error: z.string().nullable() })),
  host: z.record(z.string(), z.unknown()).nullable(),
});
export const Credited = z.object({ inviter: CreditedSide.nullable(), invitee: CreditedSide }).meta({ id: 'ReferralCredited' });

export const CodeBody = z.strictObject({ user_id: externalId('user_id').optional() });
export const AttributeBody = z.strictObject({ user_id: externalId('user_id').describe('The new user (invitee)'), code: z.string().min(1).max(32).describe('The invite code they came with') });

export const CodeOut = z.object({ campaign_id: z.string(), user_id: z.string(), code: z.string() }).meta({ id: 'ReferralCode' });
export const ReferralOut = z
  .object({
    campaign_id: z.string(),
    inviter_user_id: z.string(),
    invitee_user_id: z.string(),
    code: z.string(),
    status: z.enum(RF_STATUSES),
    attributed_at: z.string(),
    qualify_by: z.string(),
    rewarded_at: z.string().nullable(),
    inviter_rewarded: z.boolean().nullable(),
    credited: Credited.nullable().describe('What Canyu credited to each side when the referral was rewarded (inviter null when capped)'),
    event_id: z.string().nullable(),
  })
  .meta({ id: 'Referral' });
