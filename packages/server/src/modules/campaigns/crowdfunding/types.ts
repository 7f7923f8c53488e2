import { z } from 'zod';
import { cleanText } from '../../../http/json.ts';
import { externalId } from '../../../http/route.ts';
import { CF_STATUSES } from '../schema.ts';
import { idParam, money } from '../types.ts';

/** campaign.settings of a crowdfunding campaign; its deadline is the campaign's ends_at. */
export const CrowdfundingSettings = z
  .strictObject({
    goal_type: z.enum(['amount', 'backers']).describe('Funded when the pledged amount, or the number of backers, reaches goal'),
    goal: z.number().int().min(1).max(1e12),
    tiers: z
      .array(
        z.strictObject({
          id: z.string().min(1).max(40).regex(/^[a-z0-9_-]+$/, 'lowercase letters, digits, _ or -'),
          name: cleanText(1, 200),
          amount: money.min(1),
          limit: z.number().int().min(1).max(10_000_000).optional().describe('Most pledges this tier takes'),
        }),
      )
      .min(1)
      .max(50),
  })
  .superRefine((s, ctx) => {
    const seen = new Set<string>();
    s.tiers.forEach((t, i) => {
      if (seen.has(t.id)) ctx.addIssue({ code: 'custom', path: ['tiers', i, 'id'], message: `tier id ${t.id} is used twice` });
      seen.add(t.id);
    });
  });
export type CrowdfundingSettings = z.infer<typeof CrowdfundingSettings>;

export const PledgeIdParams = z.strictObject({ pledgeId: idParam('pledge id') });
export const PledgeBody = z.strictObject({
  user_id: externalId('user_id'),
  tier_id: z.string().min(1).max(40),
  order_ref: externalId('order_ref').describe("The host's payment authorisation: captured if the project is funded, voided if not. Repeating it returns the same pledge"),
});

export const PledgeOut = z
  .object({ id: z.string(), campaign_id: z.string(), user_id: z.string(), tier_id: z.string(), amount: z.number(), status: z.enum(CF_STATUSES), order_ref: z.string(), created_at: z.string(), closed_at: z.string().nullable() })
  .meta({ id: 'CrowdfundingPledge' });

export const ProgressOut = z
  .object({
    campaign_id: z.string(),
    goal_type: z.enum(['amount', 'backers']),
    goal: z.number(),
    pledged_amount: z.number(),
    backers: z.number().int(),
    funded: z.boolean().describe('The goal is reached (final at the deadline)'),
    result: z.enum(['open', 'succeeded', 'failed']),
    tiers: z.array(z.object({ id: z.string(), name: z.string(), amount: z.number(), limit: z.number().nullable(), taken: z.number().int() })),
  })
  .meta({ id: 'CrowdfundingProgress' });
