import { z } from 'zod';
import { appIdOf } from '../../http/auth.ts';
import { cursorTime, decodeCursor, page, pageQuery, pageSchema } from '../../http/pagination.ts';
import { errors, iso, type Api, type RequestCtx } from '../../http/route.ts';
import { flashSaleRoutes } from './flash-sale/routes.ts';
import { groupBuyRoutes } from './group-buy/routes.ts';
import { bargainRoutes } from './bargain/routes.ts';
import { crowdfundingRoutes } from './crowdfunding/routes.ts';
import { presaleRoutes } from './presale/routes.ts';
import { referralRoutes } from './referral/routes.ts';
import { CAMPAIGN_KINDS, CAMPAIGN_STATUSES } from './schema.ts';
import type { Campaigns } from './service.ts';
import type { CampaignRow } from './store.ts';
import { CampaignIdParams, CampaignOut, CreateCampaignBody, ReportOut, ReportQuery, UpdateCampaignBody } from './types.ts';

const tags = ['Campaigns'];

export const presentCampaign = (c: CampaignRow): z.infer<typeof CampaignOut> => ({
  id: c.id,
  kind: c.kind,
  name: c.name,
  description: c.description,
  status: c.status,
  starts_at: c.startsAt.toISOString(),
  ends_at: c.endsAt.toISOString(),
  budget: c.budget,
  committed: c.committed,
  per_user_limit: c.perUserLimit,
  experiment: c.experimentId,
  segment: c.segmentId,
  settings: c.settings,
  created_at: c.createdAt.toISOString(),
  updated_at: c.updatedAt.toISOString(),
  started_at: iso(c.startedAt),
  ended_at: iso(c.endedAt),
  cancelled_at: iso(c.cancelledAt),
});

export const manage = { secret: true, operator: 'campaigns.manage' } as const;
const read = { secret: true, operator: 'app.read' } as const;

export function campaignsRoutes(api: Api, deps: { campaigns: Campaigns; ctx: RequestCtx }): void {
  const { campaigns, ctx } = deps;

  api.post(
    '/v1/campaigns',
    {
      config: { auth: manage, audit: 'recorded' },
      schema: {
        tags,
        summary: 'Create a campaign (a draft)',
        description: `Kinds: ${CAMPAIGN_KINDS.join(', ')}; kind-specific settings for group_buy, bargain, presale, crowdfunding and referral. A draft does nothing until it is scheduled; it then runs from starts_at to ends_at, driven by jobs.`,
        body: CreateCampaignBody,
        response: { 201: CampaignOut, ...errors(400, 401, 403, 409, 429) },
      },
    },
    async (req, reply) => reply.code(201).send(presentCampaign(await campaigns.create(ctx(req), appIdOf(req), req.body))),
  );

  api.get(
    '/v1/campaigns',
    {
      config: { auth: read },
      schema: {
        tags,
        summary: 'List campaigns, newest first',
        querystring: z.strictObject({ ...pageQuery, kind: z.enum(CAMPAIGN_KINDS).optional(), status: z.enum(CAMPAIGN_STATUSES).optional(), q: z.string().min(1).max(100).optional().describe('Part of the name (case-insensitive)') }),
        response: { 200: pageSchema(CampaignOut), ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      const q = req.query;
      const cur = decodeCursor(q.cursor, z.object({ t: cursorTime(), i: z.string() }));
      const rows = await campaigns.list(ctx(req), appIdOf(req), { limit: q.limit + 1, before: cur ? { t: cur.t, id: cur.i } : undefined, kind: q.kind, status: q.status, q: q.q });
      const p = page(rows, q.limit, (r) => ({ t: r.createdAt.toISOString(), i: r.id }));
      return { data: p.data.map(presentCampaign), next_cursor: p.next_cursor };
    },
  );

  api.get(
    '/v1/campaigns/:campaignId',
    {
      config: { auth: { ...read, user: true } },
      schema: { tags, summary: 'Get a campaign', params: CampaignIdParams, response: { 200: CampaignOut, ...errors(400, 401, 403, 404) } },
    },
    async (req) => presentCampaign(await campaigns.get(ctx(req), appIdOf(req), req.params.campaignId)),
  );

  api.patch(
    '/v1/campaigns/:campaignId',
    {
      config: { auth: manage, audit: 'recorded' },
      schema: { tags, summary: 'Change a draft or scheduled campaign', params: CampaignIdParams, body: UpdateCampaignBody, response: { 200: CampaignOut, ...errors(400, 401, 403, 404, 409) } },
    },
    async (req) => presentCampaign(await campaigns.update(ctx(req), appIdOf(req), req.params.campaignId, req.body)),
  );

  api.post(
    '/v1/campaigns/:campaignId/schedule',
    {
      config: { auth: manage, audit: 'recorded' },
      schema: {
        tags,
        summary: 'Schedule a draft: it starts at starts_at and ends at ends_at by itself',
        description: 'Refused (409 campaigns.not_ready) while the kind’s configuration is incomplete, e.g. a flash sale without items. A campaign whose start has passed starts at once.',
        params: CampaignIdParams,
        response: { 200: CampaignOut, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req) => presentCampaign(await campaigns.schedule(ctx(req), appIdOf(req), req.params.campaignId)),
  );

  api.post(
    '/v1/campaigns/:campaignId/cancel',
    {
      config: { auth: manage, audit: 'recorded' },
      schema: {
        tags,
        summary: 'Cancel a campaign; what it holds is released (reservations, open teams, pledges)',
        params: CampaignIdParams,
        response: { 200: CampaignOut, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req) => presentCampaign(await campaigns.cancel(ctx(req), appIdOf(req), req.params.campaignId)),
  );

  api.get(
    '/v1/campaigns/:campaignId/report',
    {
      config: { auth: { secret: true, operator: 'analytics.read' } },
      schema: { tags, summary: 'Participants, successes, cost and attributed conversions of a campaign', params: CampaignIdParams, querystring: ReportQuery, response: { 200: ReportOut, ...errors(400, 401, 403, 404) } },
    },
    async (req) => {
      const q = req.query;
      const r = await campaigns.report(ctx(req), appIdOf(req), req.params.campaignId, q.conversion_event === undefined ? undefined : { event: q.conversion_event, property: q.amount_property, windowDays: q.window_days });
      const x = r.conversions;
      const conversions = x && {
        event: x.event,
        amount_property: x.property,
        window_days: x.windowDays,
        participants: x.participants,
        converted: x.converted,
        conversion_rate: x.participants === 0 ? null : x.converted / x.participants,
        orders: x.orders,
        amount: x.amount,
        amount_per_order: x.orders === 0 ? null : x.amount / x.orders,
      };
      return { campaign_id: r.campaign.id, kind: r.campaign.kind, status: r.campaign.status, participants: r.participants, successes: r.successes, cost: r.cost, budget: r.campaign.budget, committed: r.campaign.committed, details: r.details, conversions };
    },
  );

  flashSaleRoutes(api, { flashSale: campaigns.flashSale, ctx });
  groupBuyRoutes(api, { groupBuy: campaigns.groupBuy, ctx });
  bargainRoutes(api, { bargain: campaigns.bargain, ctx });
  presaleRoutes(api, { presale: campaigns.presale, ctx });
  crowdfundingRoutes(api, { crowdfunding: campaigns.crowdfunding, ctx });
  referralRoutes(api, { referral: campaigns.referral, ctx });
}
