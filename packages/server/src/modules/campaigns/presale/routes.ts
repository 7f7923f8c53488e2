import { z } from 'zod';
import { appIdOf } from '../../../http/auth.ts';
import { cursorTime, decodeCursor, page, pageQuery, pageSchema } from '../../../http/pagination.ts';
import { errors, externalId, iso, type Api, type RequestCtx } from '../../../http/route.ts';
import { PS_STATUSES } from '../schema.ts';
import { CampaignIdParams } from '../types.ts';
import type { Presale } from './service.ts';
import type { OrderRow } from './store.ts';
import { DepositBody, FinalBody, OrderIdParams, PresaleOrderOut } from './types.ts';

const tags = ['Presale'];
const manage = { secret: true, operator: 'campaigns.manage' } as const;

const present = (o: OrderRow): z.infer<typeof PresaleOrderOut> => ({
  id: o.id,
  campaign_id: o.campaignId,
  user_id: o.userId,
  status: o.status,
  deposit: o.deposit,
  deposit_value: o.depositValue,
  final_amount: o.finalAmount,
  deposit_order_ref: o.depositOrderRef,
  final_order_ref: o.finalOrderRef,
  final_starts_at: o.finalStartsAt.toISOString(),
  final_ends_at: o.finalEndsAt.toISOString(),
  reminded_at: iso(o.remindedAt),
  created_at: o.createdAt.toISOString(),
  closed_at: iso(o.closedAt),
});

export function presaleRoutes(api: Api, deps: { presale: Presale; ctx: RequestCtx }): void {
  const { presale, ctx } = deps;

  api.post(
    '/v1/campaigns/:campaignId/presale/orders',
    {
      config: { auth: manage, audit: 'recorded' },
      schema: {
        tags,
        summary: 'Record a paid deposit (定金) inside the deposit window',
        description: 'The order then waits for its final payment; a reminder event and webhook (presale.final_payment.reminder) come reminder_minutes before the final window opens; missing the window forfeits the deposit (webhook presale.deposit.forfeited).',
        params: CampaignIdParams,
        body: DepositBody,
        response: { 201: PresaleOrderOut, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => reply.code(201).send(present(await presale.deposit(ctx(req), appIdOf(req), req.params.campaignId, req.body.user_id, req.body.deposit_order_ref))),
  );

  api.post(
    '/v1/presale/orders/:orderId/final',
    {
      config: { auth: manage, audit: 'recorded' },
      schema: { tags, summary: 'Record the final payment (尾款) inside the final-payment window', params: OrderIdParams, body: FinalBody, response: { 200: PresaleOrderOut, ...errors(400, 401, 403, 404, 409) } },
    },
    async (req) => present(await presale.final(ctx(req), appIdOf(req), req.params.orderId, req.body.order_ref)),
  );

  api.post(
    '/v1/presale/orders/:orderId/cancel',
    { config: { auth: manage, audit: 'recorded' }, schema: { tags, summary: 'Cancel an order that awaits its final payment', params: OrderIdParams, response: { 200: PresaleOrderOut, ...errors(400, 401, 403, 404, 409) } } },
    async (req) => present(await presale.cancel(ctx(req), appIdOf(req), req.params.orderId)),
  );

  api.get(
    '/v1/presale/orders/:orderId',
    { config: { auth: { secret: true, operator: 'app.read' } }, schema: { tags, summary: 'A presale order', params: OrderIdParams, response: { 200: PresaleOrderOut, ...errors(400, 401, 403, 404) } } },
    async (req) => present(await presale.get(ctx(req), appIdOf(req), req.params.orderId)),
  );

  api.get(
    '/v1/campaigns/:campaignId/presale/orders',
    {
      config: { auth: { secret: true, operator: 'app.read' } },
      schema: {
        tags,
        summary: 'Presale orders of a campaign, newest first',
        params: CampaignIdParams,
        querystring: z.strictObject({ ...pageQuery, user_id: externalId('user_id').optional(), status: z.enum(PS_STATUSES).optional() }),
        response: { 200: pageSchema(PresaleOrderOut), ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const q = req.query;
      const cur = decodeCursor(q.cursor, z.object({ t: cursorTime(), i: z.string() }));
      const rows = await presale.list(ctx(req), appIdOf(req), req.params.campaignId, { limit: q.limit + 1, before: cur ? { t: cur.t, id: cur.i } : undefined, userId: q.user_id, status: q.status });
      const p = page(rows, q.limit, (r) => ({ t: r.createdAt.toISOString(), i: r.id }));
      return { data: p.data.map(present), next_cursor: p.next_cursor };
    },
  );
}
