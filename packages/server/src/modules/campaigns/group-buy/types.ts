import { z } from 'zod';
import { externalId } from '../../../http/route.ts';
import { GB_MEMBER_STATUSES, GB_TEAM_STATUSES } from '../schema.ts';
import { idParam, money } from '../types.ts';

/** campaign.settings of a group_buy campaign. */
export const GroupBuySettings = z
  .strictObject({
    product_id: externalId('product_id'),
    original_price: money,
    group_price: money,
    team_size: z.number().int().min(2).max(100).describe('Members a team needs (the leader included)'),
    team_ttl_seconds: z.number().int().min(60).max(30 * 86_400).default(86_400).describe('Deadline of each team from its opening (default 24 h)'),
    one_open_team_per_user: z.boolean().default(true).describe('A user may lead only one open team in the campaign at a time'),
    auto_fill: z.boolean().default(false).describe('模拟成团: at the deadline a team with at least one paid member succeeds, the system filling the empty seats'),
  })
  .refine((s) => s.group_price <= s.original_price, { message: 'group_price must not exceed original_price', path: ['group_price'] });
export type GroupBuySettings = z.infer<typeof GroupBuySettings>;

export const TeamIdParams = z.strictObject({ teamId: idParam('team id') });
export const ShareCodeParams = z.strictObject({ code: z.string().min(1).max(32).describe('share code') });
export const MemberParams = z.strictObject({ teamId: idParam('team id'), userId: externalId('userId') });

export const OpenTeamBody = z.strictObject({ user_id: externalId('user_id').optional() });
export const JoinBody = z.strictObject({ share_code: z.string().min(1).max(32), user_id: externalId('user_id').optional() });
export const ConfirmMemberBody = z.strictObject({ order_ref: externalId('order_ref').describe("The host's paid order for this member") });

export const MemberOut = z
  .object({ user_id: z.string(), status: z.enum(GB_MEMBER_STATUSES), order_ref: z.string().nullable(), joined_at: z.string(), confirmed_at: z.string().nullable() })
  .meta({ id: 'GroupBuyMember' });

export const TeamOut = z
  .object({
    id: z.string(),
    campaign_id: z.string(),
    leader_user_id: z.string(),
    share_code: z.string(),
    size: z.number().int(),
    member_count: z.number().int(),
    confirmed_count: z.number().int(),
    auto_filled: z.number().int(),
    status: z.enum(GB_TEAM_STATUSES),
    expires_at: z.string(),
    created_at: z.string(),
    closed_at: z.string().nullable(),
    members: z.array(MemberOut),
  })
  .meta({ id: 'GroupBuyTeam' });
