import { z } from 'zod';
import { cleanText } from '../../http/json.ts';
import { CAMPAIGN_KINDS, CAMPAIGN_STATUSES } from './schema.ts';
import { dateTime as isoDateTime } from '../../http/fields.ts';

/** An ISO 8601 date-time with an offset, e.g. 2030-11-11T00:00:00+08:00. */
export const dateTime = isoDateTime().describe('ISO 8601 date-time with offset');
/** Money in minor units (分 / cents). */
export const money = z.number().int().min(0).max(1e12);
export const idParam = (name: string) => z.string().min(1).max(64).describe(name);

const Experiment = z
  .string()
  .min(1)
  .max(128)
  .describe('An experiment (id or key) whose holdout may not take part: while it runs, each participant is recorded in their arm and holdout users are refused (campaigns.held_out), so the campaign’s effect is measured against them');

const Segment = z.string().min(1).max(128).describe('Only members of this segment (GET /v1/segments) may take part; others are refused with 403 campaigns.not_eligible');

export const CampaignIdParams = z.strictObject({ campaignId: idParam('campaign id') });

export const CreateCampaignBody = z
  .strictObject({
    kind: z.enum(CAMPAIGN_KINDS),
    name: cleanText(1, 200),
    description: cleanText(0, 5000).optional(),
    starts_at: dateTime,
    ends_at: dateTime,
    budget: money.nullable().optional().describe('Most the campaign may cost (subsidies, rewards) in minor units; null/omitted = unlimited'),
    per_user_limit: z.number().int().min(1).max(1_000_000).nullable().optional().describe('Most participations one user may have in this campaign; null/omitted = unlimited'),
    experiment: Experiment.optional(),
    segment: Segment.optional(),
    settings: z.record(z.string(), z.unknown()).optional().describe('Kind-specific settings (group_buy, bargain, presale, crowdfunding, referral); see each kind'),
  })
  .refine((b) => Date.parse(b.ends_at) > Date.parse(b.starts_at), { message: 'ends_at must be after starts_at', path: ['ends_at'] });
export type CreateCampaignInput = z.infer<typeof CreateCampaignBody>;

export const UpdateCampaignBody = z.strictObject({
  name: cleanText(1, 200).optional(),
  description: cleanText(0, 5000).optional(),
  starts_at: dateTime.optional(),
  ends_at: dateTime.optional(),
  budget: money.nullable().optional(),
  per_user_limit: z.number().int().min(1).max(1_000_000).nullable().optional(),
  experiment: Experiment.nullable().optional(),
  segment: Segment.nullable().optional(),
  settings: z.record(z.string(), z.unknown()).optional().describe('Merged into the current settings: keys sent replace theirs, a null value removes a key, keys not sent keep their values'),
});
export type UpdateCampaignInput = z.infer<typeof UpdateCampaignBody>;

export const CampaignOut = z
  .object({
    id: z.string(),
    kind: z.enum(CAMPAIGN_KINDS),
    name: z.string(),
    description: z.string(),
    status: z.enum(CAMPAIGN_STATUSES),
    starts_at: z.string(),
    ends_at: z.string(),
    budget: z.number().nullable(),
    committed: z.number().describe('Cost committed against the budget so far'),
    per_user_limit: z.number().nullable(),
    experiment: z.string().nullable().describe('The experiment the campaign belongs to (its id)'),
    segment: z.string().nullable().describe('Only members of this segment may take part'),
    settings: z.record(z.string(), z.unknown()),
    created_at: z.string(),
    updated_at: z.string(),
    started_at: z.string().nullable(),
    ended_at: z.string().nullable(),
    cancelled_at: z.string().nullable(),
  })
  .meta({ id: 'Campaign' });

export const ReportOut = z
  .object({
    campaign_id: z.string(),
    kind: z.enum(CAMPAIGN_KINDS),
    status: z.enum(CAMPAIGN_STATUSES),
    participants: z.number().int().describe('Distinct users who took part (reserved, joined, started, pledged, were invited…)'),
    successes: z.number().int().describe('Successful outcomes: units confirmed, members of successful teams, bargains bought, final payments, pledges of a funded project, rewarded referrals'),
    cost: z.number().describe('What the campaign cost in minor units: subsidies on confirmed purchases, rewards'),
    budget: z.number().nullable(),
    committed: z.number(),
    details: z.record(z.string(), z.unknown()).describe('Kind-specific figures'),
    conversions: z
      .object({
        event: z.string(),
        amount_property: z.string(),
        window_days: z.number().int(),
        participants: z.number().int(),
        converted: z.number().int().describe('Participants with at least one conversion event in their window'),
        conversion_rate: z.number().nullable().describe('converted / participants'),
        orders: z.number().int().describe('Conversion events attributed (each event once)'),
        amount: z.number().describe('Sum of the amount property over those events (non-numbers add nothing)'),
        amount_per_order: z.number().nullable(),
      })
      .nullable()
      .describe('With conversion_event: the host events attributed to the campaign — by a participant, from their first participation to window_days after it'),
  })
  .meta({ id: 'CampaignReport' });

export const ReportQuery = z.strictObject({
  conversion_event: z.string().min(1).max(200).regex(/^[^\u0000-\u001f\u007f]+$/, 'no control characters').optional().describe('A host event that is a conversion, e.g. order.paid'),
  amount_property: z.string().min(1).max(200).regex(/^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/, 'a dot path such as amount').default('amount').describe('The amount in the conversion event’s properties'),
  window_days: z.coerce.number().int().min(1).max(90).default(7).describe('Days after a participant’s first participation in which their conversions count'),
});
