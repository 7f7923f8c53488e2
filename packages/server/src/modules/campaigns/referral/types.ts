import { z } from 'zod';
import { jsonObject } from '../../../http/json.ts';
import { externalId } from '../../../http/route.ts';
import { RF_STATUSES } from '../schema.ts';
import { money } from '../types.ts';

/** campaign.settings of a referral campaign. */
export const ReferralSettings = z.strictObject({
  qualifying_event: z.string().min(1).max(200).describe('The event (as tracked through POST /v1/events) an invitee must do for both sides to be rewarded, e.g. order.paid'),
  attribution_window_days: z.number().int().min(1).max(365).default(30).describe('The qualifying event must come within this many days of the attribution'),
  inviter_reward: jsonObject({ maxBytes: 4096, what: 'inviter_reward' }).default({}).describe('What the inviter gets, as your app understands it (e.g. {"points":100}); carried in the referral.rewarded event and webhook'),
  invitee_reward: jsonObject({ maxBytes: 4096, what: 'invitee_reward' }).default({}),
  max_rewards_per_inviter: z.number().int().min(1).max(1_000_000).optional().describe('An inviter is rewarded for at most this many invitees (invitees are still rewarded)'),
  reward_cost: money.default(0).describe('Cost of one rewarded referral, committed against the campaign budget'),
});
export type ReferralSettings = z.infer<typeof ReferralSettings>;

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
    event_id: z.string().nullable(),
  })
  .meta({ id: 'Referral' });
