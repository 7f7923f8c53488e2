import { z } from 'zod';
import { appIdOf, actingUserId } from '../../../http/auth.ts';
import { cursorTime, decodeCursor, page, pageQuery, pageSchema } from '../../../http/pagination.ts';
import { errors, externalId, type Api, type RequestCtx } from '../../../http/route.ts';
import { BG_STATUSES } from '../schema.ts';
import { CampaignIdParams } from '../types.ts';
import type { Bargain, BargainView } from './service.ts';
import { BargainIdParams, BargainOut, BuyBody, CutBody, StartBody } from './types.ts';
import { userActivity } from '../../../http/audit.ts';

const tags = ['Bargains (砍价)'];

const present = ({ bargain: b, cuts }: BargainView): z.infer<typeof BargainOut> => ({
  id: b.id,
  campaign_id: b.campaignId,
  user_id: b.userId,
  original_price: b.originalPrice,
  floor_price: b.floorPrice,
  current_price: b.currentPrice,
  cuts: b.cuts,
  max_cuts: b.maxCuts,
  status: b.status,
  expires_at: b.expiresAt.toISOString(),
  order_ref: b.orderRef,
  created_at: b.createdAt.toISOString(),
  cut_log: cuts.map((c) => ({ user_id: c.helperUserId, amount: c.amount, new_user: c.newUser, price_after: c.priceAfter, created_at: c.createdAt.toISOString() })),
});

export function bargainRoutes(api: Api, deps: { bargain: Bargain; ctx: RequestCtx }): void {
  const { bargain, ctx } = deps;

  api.post(
    '/v1/campaigns/:campaignId/bargains',
    {
      config: { auth: { secret: true, user: true }, audit: userActivity },
      schema: { tags, summary: 'Start a bargain on the campaign’s item', description: '409 bargain.active_exists when the user already has one running in the campaign.', params: CampaignIdParams, body: StartBody.nullish(), response: { 201: BargainOut, ...errors(400, 401, 403, 404, 409, 429) } },
    },
    async (req, reply) => reply.code(201).send(present(await bargain.start(ctx(req), appIdOf(req), req.params.campaignId, actingUserId(req, req.body?.user_id)))),
  );

  api.post(
    '/v1/bargains/:bargainId/cuts',
    {
      config: { auth: { secret: true, user: true }, audit: userActivity },
      schema: {
        tags,
        summary: 'A friend cuts the price (帮砍一刀)',
        description: 'A random amount within the campaign’s bounds; once per friend (409 bargain.already_cut); not by the starter (409 bargain.self_cut); 409 bargain.floor_reached at the floor. is_new_user is honoured only with the secret key.',
        params: BargainIdParams,
        body: CutBody.nullish(),
        response: { 201: BargainOut.extend({ amount: z.number().describe('What this cut took off') }), ...errors(400, 401, 403, 404, 409, 429) },
      },
    },
    async (req, reply) => {
      const body = req.body ?? {};
      const newUser = req.principal.kind === 'user' ? false : (body.is_new_user ?? false);
      const r = await bargain.cut(ctx(req), appIdOf(req), req.params.bargainId, actingUserId(req, body.user_id), newUser);
      return reply.code(201).send({ ...present(r), amount: r.amount });
    },
  );

  api.post(
    '/v1/bargains/:bargainId/buy',
    {
      config: { auth: { secret: true, operator: 'campaigns.manage' }, audit: 'recorded' },
      schema: { tags, summary: 'The user bought at the current price (the host’s paid order)', params: BargainIdParams, body: BuyBody, response: { 200: BargainOut, ...errors(400, 401, 403, 404, 409) } },
    },
    async (req) => present(await bargain.buy(ctx(req), appIdOf(req), req.params.bargainId, req.body.order_ref)),
  );

  api.get(
    '/v1/bargains/:bargainId',
    { config: { auth: { secret: true, user: true, operator: 'app.read' } }, schema: { tags, summary: 'A bargain with every cut', params: BargainIdParams, response: { 200: BargainOut, ...errors(400, 401, 403, 404) } } },
    async (req) => present(await bargain.get(ctx(req), appIdOf(req), req.params.bargainId)),
  );

  api.get(
    '/v1/campaigns/:campaignId/bargains',
    {
      config: { auth: { secret: true, operator: 'app.read' } },
      schema: {
        tags,
        summary: 'Bargains of a campaign, newest first',
        params: CampaignIdParams,
        querystring: z.strictObject({ ...pageQuery, user_id: externalId('user_id').optional(), status: z.enum(BG_STATUSES).optional() }),
        response: { 200: pageSchema(BargainOut), ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const q = req.query;
      const cur = decodeCursor(q.cursor, z.object({ t: cursorTime(), i: z.string() }));
      const rows = await bargain.list(ctx(req), appIdOf(req), req.params.campaignId, { limit: q.limit + 1, before: cur ? { t: cur.t, id: cur.i } : undefined, userId: q.user_id, status: q.status });
      const p = page(rows, q.limit, (r) => ({ t: r.bargain.createdAt.toISOString(), i: r.bargain.id }));
      return { data: p.data.map(present), next_cursor: p.next_cursor };
    },
  );
}
