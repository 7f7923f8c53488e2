import { z } from 'zod';
import { appIdOf, actingUserId } from '../../../http/auth.ts';
import { cursorTime, decodeCursor, page, pageQuery, pageSchema } from '../../../http/pagination.ts';
import { errors, externalId, iso, type Api, type RequestCtx } from '../../../http/route.ts';
import { RF_STATUSES } from '../schema.ts';
import { CampaignIdParams } from '../types.ts';
import type { Referral } from './service.ts';
import type { ReferralRow } from './store.ts';
import { AttributeBody, CodeBody, CodeOut, ReferralOut } from './types.ts';
import { userActivity } from '../../../http/audit.ts';

const tags = ['Referrals'];

const present = (r: ReferralRow): z.infer<typeof ReferralOut> => ({
  campaign_id: r.campaignId,
  inviter_user_id: r.inviterUserId,
  invitee_user_id: r.inviteeUserId,
  code: r.code,
  status: r.status,
  attributed_at: r.attributedAt.toISOString(),
  qualify_by: r.qualifyBy.toISOString(),
  rewarded_at: iso(r.rewardedAt),
  inviter_rewarded: r.inviterRewarded,
  credited: r.credited ?? null,
  event_id: r.eventId,
});

export function referralRoutes(api: Api, deps: { referral: Referral; ctx: RequestCtx }): void {
  const { referral, ctx } = deps;

  api.post(
    '/v1/campaigns/:campaignId/referral/codes',
    {
      config: { auth: { secret: true, user: true }, audit: userActivity },
      schema: { tags, summary: "The user's invite code in the campaign (created on first ask)", params: CampaignIdParams, body: CodeBody.nullish(), response: { 200: CodeOut, ...errors(400, 401, 403, 404, 429) } },
    },
    async (req) => {
      const r = await referral.code(ctx(req), appIdOf(req), req.params.campaignId, actingUserId(req, req.body?.user_id));
      return { campaign_id: r.campaignId, user_id: r.userId, code: r.code };
    },
  );

  api.post(
    '/v1/campaigns/:campaignId/referral/attributions',
    {
      config: { auth: { secret: true, operator: 'campaigns.manage' }, audit: 'recorded' },
      schema: {
        tags,
        summary: 'Attribute a new user to the invite code they came with',
        description: 'When the invitee later does the campaign’s qualifying_event (tracked through POST /v1/events) within attribution_window_days, both sides are rewarded once: their points and coupons are credited and the event and webhook referral.rewarded say who got what. Only new users (the campaign’s new_user rule: first seen within N days, never invited in another campaign, none of the listed traits) can be invited: 409 referral.invitee_not_new with details.reason first_seen, previously_referred or traits. 409 referral.self_referral, referral.loop, referral.already_attributed.',
        params: CampaignIdParams,
        body: AttributeBody,
        response: { 201: ReferralOut, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => reply.code(201).send(present(await referral.attribute(ctx(req), appIdOf(req), req.params.campaignId, req.body.user_id, req.body.code))),
  );

  api.get(
    '/v1/campaigns/:campaignId/referrals',
    {
      config: { auth: { secret: true, user: true, operator: 'app.read' } },
      schema: {
        tags,
        summary: 'Referrals of a campaign, newest first (a user token sees the users it invited)',
        params: CampaignIdParams,
        querystring: z.strictObject({ ...pageQuery, inviter_user_id: externalId('inviter_user_id').optional(), status: z.enum(RF_STATUSES).optional() }),
        response: { 200: pageSchema(ReferralOut), ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const q = req.query;
      const inviter = req.principal.kind === 'user' ? actingUserId(req, q.inviter_user_id, 'query.inviter_user_id') : q.inviter_user_id;
      const cur = decodeCursor(q.cursor, z.object({ t: cursorTime(), i: z.string() }));
      const rows = await referral.list(ctx(req), appIdOf(req), req.params.campaignId, { limit: q.limit + 1, before: cur ? { t: cur.t, id: cur.i } : undefined, inviterUserId: inviter, status: q.status });
      const p = page(rows, q.limit, (r) => ({ t: r.attributedAt.toISOString(), i: r.inviteeUserId }));
      return { data: p.data.map(present), next_cursor: p.next_cursor };
    },
  );
}
