import { z } from 'zod';
import { appIdOf } from '../../../http/auth.ts';
import { cursorTime, decodeCursor, page, pageQuery, pageSchema } from '../../../http/pagination.ts';
import { errors, externalId, iso, type Api, type RequestCtx } from '../../../http/route.ts';
import { CF_STATUSES } from '../schema.ts';
import { CampaignIdParams } from '../types.ts';
import type { Crowdfunding } from './service.ts';
import type { PledgeRow } from './store.ts';
import { PledgeBody, PledgeIdParams, PledgeOut, ProgressOut } from './types.ts';

const tags = ['Crowdfunding'];
const manage = { secret: true, operator: 'campaigns.manage' } as const;

const present = (p: PledgeRow): z.infer<typeof PledgeOut> => ({ id: p.id, campaign_id: p.campaignId, user_id: p.userId, tier_id: p.tierId, amount: p.amount, status: p.status, order_ref: p.orderRef, created_at: p.createdAt.toISOString(), closed_at: iso(p.closedAt) });

export function crowdfundingRoutes(api: Api, deps: { crowdfunding: Crowdfunding; ctx: RequestCtx }): void {
  const { crowdfunding, ctx } = deps;

  api.post(
    '/v1/campaigns/:campaignId/crowdfunding/pledges',
    {
      config: { auth: manage, audit: 'recorded' },
      schema: {
        tags,
        summary: 'Record a pledge (the host authorised the payment)',
        description: 'At the campaign’s end: funded → every pledge succeeds (webhook crowdfunding.succeeded; capture the payments); not funded → every pledge is released (webhooks crowdfunding.failed and crowdfunding.pledge.released per pledge; void them).',
        params: CampaignIdParams,
        body: PledgeBody,
        response: { 201: PledgeOut, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => reply.code(201).send(present(await crowdfunding.pledge(ctx(req), appIdOf(req), req.params.campaignId, req.body.user_id, req.body.tier_id, req.body.order_ref))),
  );

  api.post(
    '/v1/crowdfunding/pledges/:pledgeId/cancel',
    { config: { auth: manage, audit: 'recorded' }, schema: { tags, summary: 'Withdraw a pledge before the deadline', params: PledgeIdParams, response: { 200: PledgeOut, ...errors(400, 401, 403, 404, 409) } } },
    async (req) => present(await crowdfunding.cancel(ctx(req), appIdOf(req), req.params.pledgeId)),
  );

  api.get(
    '/v1/crowdfunding/pledges/:pledgeId',
    { config: { auth: { secret: true, operator: 'app.read' } }, schema: { tags, summary: 'A pledge', params: PledgeIdParams, response: { 200: PledgeOut, ...errors(400, 401, 403, 404) } } },
    async (req) => present(await crowdfunding.get(ctx(req), appIdOf(req), req.params.pledgeId)),
  );

  api.get(
    '/v1/campaigns/:campaignId/crowdfunding',
    {
      config: { auth: { secret: true, user: true, operator: 'app.read' } },
      schema: { tags, summary: 'Progress towards the goal, per tier', params: CampaignIdParams, response: { 200: ProgressOut, ...errors(400, 401, 403, 404) } },
    },
    async (req) => {
      const p = await crowdfunding.progress(ctx(req), appIdOf(req), req.params.campaignId);
      return { campaign_id: p.campaign.id, goal_type: p.goalType, goal: p.goal, pledged_amount: p.amount, backers: p.backers, funded: p.funded, result: p.result, tiers: p.tiers };
    },
  );

  api.get(
    '/v1/campaigns/:campaignId/crowdfunding/pledges',
    {
      config: { auth: { secret: true, operator: 'app.read' } },
      schema: {
        tags,
        summary: 'Pledges of a campaign, newest first',
        params: CampaignIdParams,
        querystring: z.strictObject({ ...pageQuery, user_id: externalId('user_id').optional(), status: z.enum(CF_STATUSES).optional() }),
        response: { 200: pageSchema(PledgeOut), ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const q = req.query;
      const cur = decodeCursor(q.cursor, z.object({ t: cursorTime(), i: z.string() }));
      const rows = await crowdfunding.list(ctx(req), appIdOf(req), req.params.campaignId, { limit: q.limit + 1, before: cur ? { t: cur.t, id: cur.i } : undefined, userId: q.user_id, status: q.status });
      const p = page(rows, q.limit, (r) => ({ t: r.createdAt.toISOString(), i: r.id }));
      return { data: p.data.map(present), next_cursor: p.next_cursor };
    },
  );
}
