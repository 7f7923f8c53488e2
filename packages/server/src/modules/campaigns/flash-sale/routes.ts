import { z } from 'zod';
import { appIdOf, actingUserId } from '../../../http/auth.ts';
import { cursorTime, decodeCursor, page, pageQuery, pageSchema } from '../../../http/pagination.ts';
import { errors, externalId, iso, type Api, type RequestCtx } from '../../../http/route.ts';
import { FS_RESERVATION_STATUSES } from '../schema.ts';
import { CampaignIdParams, idParam } from '../types.ts';
import type { FlashSale } from './service.ts';
import type { ItemRow, ReservationRow, SessionRow } from './store.ts';
import { AttemptBody, ConfirmBody, CreateItemBody, CreateSessionBody, ItemIdParams, ItemOut, ReleaseBody, ReservationIdParams, ReservationOut, SessionIdParams, SessionOut, StockBody, TokenBody, TokenOut } from './types.ts';
import { userActivity } from '../../../http/audit.ts';

const tags = ['Flash sales'];
const manage = { secret: true, operator: 'campaigns.manage' } as const;

const presentItem = (i: ItemRow & { remaining: number }): z.infer<typeof ItemOut> => ({
  id: i.id,
  session_id: i.sessionId,
  campaign_id: i.campaignId,
  product_id: i.productId,
  name: i.name,
  original_price: i.originalPrice,
  sale_price: i.salePrice,
  stock: i.stock,
  remaining: i.remaining,
  per_user_limit: i.perUserLimit,
  reservation_ttl_seconds: i.reservationTtlSeconds,
  buckets: i.buckets,
});

const presentSession = (s: SessionRow, items: (ItemRow & { remaining: number })[]): z.infer<typeof SessionOut> => ({
  id: s.id,
  campaign_id: s.campaignId,
  name: s.name,
  starts_at: s.startsAt.toISOString(),
  ends_at: s.endsAt.toISOString(),
  token_required: s.tokenRequired,
  token_opens_at: iso(s.tokenOpensAt),
  items: items.map(presentItem),
});

export const presentReservation = (r: ReservationRow): z.infer<typeof ReservationOut> => ({
  id: r.id,
  campaign_id: r.campaignId,
  item_id: r.itemId,
  user_id: r.userId,
  quantity: r.qty,
  status: r.status,
  expires_at: r.expiresAt.toISOString(),
  order_ref: r.orderRef,
  created_at: r.createdAt.toISOString(),
  confirmed_at: iso(r.confirmedAt),
  released_at: iso(r.releasedAt),
});

export function flashSaleRoutes(api: Api, deps: { flashSale: FlashSale; ctx: RequestCtx }): void {
  const { flashSale, ctx } = deps;
  const onlyUser = (req: { principal: { kind: string; userId?: string } }) => (req.principal.kind === 'user' ? req.principal.userId : undefined);

  api.post(
    '/v1/campaigns/:campaignId/flash-sale/sessions',
    {
      config: { auth: manage, audit: 'recorded' },
      schema: { tags, summary: 'Add a session (a time slot) to a flash-sale campaign (also while it runs, until it ends)', params: CampaignIdParams, body: CreateSessionBody, response: { 201: SessionOut, ...errors(400, 401, 403, 404, 409) } },
    },
    async (req, reply) => reply.code(201).send(presentSession(await flashSale.createSession(ctx(req), appIdOf(req), req.params.campaignId, req.body), [])),
  );

  api.get(
    '/v1/campaigns/:campaignId/flash-sale/sessions',
    {
      config: { auth: { secret: true, user: true, operator: 'app.read' } },
      schema: { tags, summary: 'Sessions of a flash sale with their items and remaining stock', params: CampaignIdParams, response: { 200: z.object({ data: z.array(SessionOut) }), ...errors(400, 401, 403, 404) } },
    },
    async (req) => ({ data: (await flashSale.sessions(ctx(req), appIdOf(req), req.params.campaignId)).map((s) => presentSession(s.session, s.items)) }),
  );

  api.post(
    '/v1/flash-sale/sessions/:sessionId/items',
    {
      config: { auth: manage, audit: 'recorded' },
      schema: {
        tags,
        summary: 'Add an item with its stock to a session (also while the sale runs, until the session ends)',
        description: 'Its subsidy, stock × (original_price − sale_price), is committed against the campaign budget (409 campaigns.budget_exceeded when it does not fit).',
        params: SessionIdParams,
        body: CreateItemBody,
        response: { 201: ItemOut, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      const item = await flashSale.addItem(ctx(req), appIdOf(req), req.params.sessionId, req.body);
      return reply.code(201).send(presentItem({ ...item, remaining: item.stock }));
    },
  );

  api.put(
    '/v1/flash-sale/items/:itemId/stock',
    {
      config: { auth: manage, audit: 'recorded' },
      schema: {
        tags,
        summary: 'Restock an item (or take back unsold units): set its total stock, also while the sale runs',
        description:
          'Raising the stock adds units to the item at once, safely alongside purchases in progress; the added subsidy is committed against the campaign budget (409 campaigns.budget_exceeded). ' +
          'Lowering it takes back units nobody holds: 409 flash_sale.stock_below_sold below the units held or sold. 409 campaigns.not_editable once the campaign has ended or was cancelled, flash_sale.ended once the item’s session has ended.',
        params: ItemIdParams,
        body: StockBody,
        response: { 200: ItemOut, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req) => presentItem(await flashSale.setStock(ctx(req), appIdOf(req), req.params.itemId, req.body.stock)),
  );

  api.get(
    '/v1/flash-sale/items/:itemId',
    { config: { auth: { secret: true, user: true, operator: 'app.read' } }, schema: { tags, summary: 'An item with its remaining stock', params: ItemIdParams, response: { 200: ItemOut, ...errors(400, 401, 403, 404) } } },
    async (req) => presentItem(await flashSale.item(ctx(req), appIdOf(req), req.params.itemId)),
  );

  api.post(
    '/v1/flash-sale/sessions/:sessionId/tokens',
    {
      config: { auth: { secret: true, user: true }, audit: userActivity },
      schema: {
        tags,
        summary: 'Issue a purchase token (anti-bot gate) to a user before the session starts',
        description: 'Only for sessions with token_required, only between token_opens_at and the start. Put your own checks (captcha, risk) in front of it.',
        params: SessionIdParams,
        body: TokenBody.nullish(),
        response: { 201: TokenOut, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      const r = await flashSale.issueToken(ctx(req), appIdOf(req), req.params.sessionId, actingUserId(req, req.body?.user_id));
      return reply.code(201).send({ token: r.token, expires_at: r.expiresAt.toISOString() });
    },
  );

  api.post(
    '/v1/flash-sale/items/:itemId/attempts',
    {
      config: { auth: { secret: true, user: true }, audit: userActivity },
      schema: {
        tags,
        summary: 'Try to buy: a held reservation (201) or a fast refusal',
        description:
          'On success the units are held for reservation_ttl_seconds: confirm the reservation when the order is paid, or it is released and its units return to stock (webhook flash_sale.reservation.expired). ' +
          'Refusals: 409 flash_sale.not_started / flash_sale.ended / flash_sale.sold_out / flash_sale.limit_reached / campaigns.user_limit_reached / campaigns.not_active; 403 flash_sale.token_required / flash_sale.token_invalid.',
        params: ItemIdParams,
        body: AttemptBody.nullish(),
        response: { 201: ReservationOut, ...errors(400, 401, 403, 404, 409, 429) },
      },
    },
    async (req, reply) => {
      const body = req.body ?? {};
      const r = await flashSale.attempt(ctx(req), appIdOf(req), req.params.itemId, actingUserId(req, body.user_id), body);
      return reply.code(201).send(presentReservation(r));
    },
  );

  api.get(
    '/v1/flash-sale/reservations',
    {
      config: { auth: { secret: true, user: true, operator: 'app.read' } },
      schema: {
        tags,
        summary: 'Reservations, newest first (a user token sees only its own)',
        querystring: z.strictObject({ ...pageQuery, campaign_id: idParam('campaign id').optional(), item_id: idParam('item id').optional(), user_id: externalId('user_id').optional(), status: z.enum(FS_RESERVATION_STATUSES).optional() }),
        response: { 200: pageSchema(ReservationOut), ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      const q = req.query;
      const userId = req.principal.kind === 'user' ? actingUserId(req, q.user_id, 'query.user_id') : q.user_id;
      const cur = decodeCursor(q.cursor, z.object({ t: cursorTime(), i: z.string() }));
      const rows = await flashSale.reservations(ctx(req), appIdOf(req), { limit: q.limit + 1, before: cur ? { t: cur.t, id: cur.i } : undefined, campaignId: q.campaign_id, itemId: q.item_id, userId, status: q.status });
      const p = page(rows, q.limit, (r) => ({ t: r.createdAt.toISOString(), i: r.id }));
      return { data: p.data.map(presentReservation), next_cursor: p.next_cursor };
    },
  );

  api.get(
    '/v1/flash-sale/reservations/:reservationId',
    { config: { auth: { secret: true, user: true, operator: 'app.read' } }, schema: { tags, summary: 'A reservation', params: ReservationIdParams, response: { 200: ReservationOut, ...errors(400, 401, 403, 404) } } },
    async (req) => presentReservation(await flashSale.reservation(ctx(req), appIdOf(req), req.params.reservationId, onlyUser(req))),
  );

  api.post(
    '/v1/flash-sale/reservations/:reservationId/confirm',
    {
      config: { auth: manage, audit: 'recorded' },
      schema: {
        tags,
        summary: 'Confirm a held reservation: the order is paid',
        description: 'Idempotent for the same order_ref. After the hold ran out: 409 flash_sale.reservation_expired.',
        params: ReservationIdParams,
        body: ConfirmBody,
        response: { 200: ReservationOut, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req) => presentReservation(await flashSale.confirm(ctx(req), appIdOf(req), req.params.reservationId, req.body.order_ref)),
  );

  api.post(
    '/v1/flash-sale/reservations/:reservationId/release',
    {
      config: { auth: { ...manage, user: true }, audit: 'recorded' },
      schema: {
        tags,
        summary: 'Release a reservation: its units return to stock',
        description: 'A user may release their own held reservation; the host (secret key) may also release a confirmed one whose order was cancelled.',
        params: ReservationIdParams,
        body: ReleaseBody.nullish(),
        response: { 200: ReservationOut, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req) => presentReservation(await flashSale.release(ctx(req), appIdOf(req), req.params.reservationId, onlyUser(req))),
  );
}
