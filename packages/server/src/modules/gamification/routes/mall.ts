import { z } from 'zod';
import { appIdOf, assertActsFor } from '../../../http/auth.ts';
import { cursorTime, decodeCursor, page, pageQuery, pageSchema } from '../../../http/pagination.ts';
import { errors, externalId, optionalBody, type Api, type RequestCtx } from '../../../http/route.ts';
import type { ItemRow, OrderQuery, OrderRow } from '../store/mall.ts';
import { ClientHeaders, IdParams, ItemBody, ItemPatch, OrderPatch, RedeemBody, UserParams } from '../types.ts';
import { brief, EntryBrief, metaOf, RewardOut, type RouteDeps } from './common.ts';
import { userActivity } from '../../../http/audit.ts';

const tags = ['Points mall'];
const OrderStatus = z.enum(['pending', 'fulfilled', 'shipped', 'completed', 'cancelled']);

const ItemOut = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    image_url: z.string().nullable(),
    kind: z.enum(['virtual', 'physical']),
    price_type: z.string(),
    price: z.number(),
    stock: z.number().nullable().describe('Units left; null = unlimited'),
    per_user_limit: z.number().nullable(),
    grant: RewardOut.nullable(),
    active: z.boolean(),
    sold: z.number(),
    sort: z.number(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'MallItem' });

const OrderOut = z
  .object({
    id: z.string(),
    user_id: z.string(),
    item_id: z.string(),
    item_name: z.string(),
    quantity: z.number(),
    price_type: z.string(),
    total: z.number(),
    status: OrderStatus,
    shipping: z.record(z.string(), z.string()).nullable(),
    tracking: z.string().nullable(),
    request_id: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'MallOrder' });

const presentItem = (i: ItemRow) => ({
  id: i.id,
  name: i.name,
  description: i.description,
  image_url: i.imageUrl,
  kind: i.kind,
  price_type: i.priceType,
  price: i.price,
  stock: i.stock,
  per_user_limit: i.perUserLimit,
  grant: i.grant,
  active: i.active,
  sold: i.sold,
  sort: i.sort,
  created_at: i.createdAt.toISOString(),
  updated_at: i.updatedAt.toISOString(),
});

const presentOrder = (o: OrderRow) => ({
  id: o.id,
  user_id: o.userId,
  item_id: o.itemId,
  item_name: o.itemName,
  quantity: o.quantity,
  price_type: o.priceType,
  total: o.total,
  status: o.status,
  shipping: o.shipping,
  tracking: o.tracking,
  request_id: o.requestKey,
  created_at: o.createdAt.toISOString(),
  updated_at: o.updatedAt.toISOString(),
});

const OrderCursor = z.object({ at: cursorTime(), id: z.string().max(64) });

async function orderPage(g: RouteDeps['gamification'], ctx: RequestCtx, req: Parameters<RequestCtx>[0], q: { limit: number; cursor?: string | undefined }, filter: Omit<OrderQuery, 'limit' | 'before'>) {
  const cur = decodeCursor(q.cursor, OrderCursor);
  const rows = await g.mall.listOrders(ctx(req), appIdOf(req), { ...filter, limit: q.limit + 1, before: cur ? { at: new Date(cur.at), id: cur.id } : undefined });
  const p = page(rows, q.limit, (r) => ({ at: r.createdAt.toISOString(), id: r.id }));
  return { data: p.data.map(presentOrder), next_cursor: p.next_cursor };
}

export function mallRoutes(api: Api, { gamification: g, ctx }: RouteDeps): void {
  api.post(
    '/v1/mall/items',
    {
      config: { auth: { secret: true, operator: 'gamification.manage' }, audit: 'recorded' },
      schema: { tags, summary: 'Add an item to the points mall (audited)', body: ItemBody, response: { 201: ItemOut, ...errors(400, 401, 403, 404) } },
    },
    async (req, reply) => reply.code(201).send(presentItem(await g.mall.createItem(ctx(req), appIdOf(req), req.body))),
  );

  api.get(
    '/v1/mall/items',
    {
      config: { auth: { secret: true, user: true, publishable: true, operator: 'gamification.read' } },
      schema: {
        tags,
        summary: 'The catalogue, newest first',
        querystring: z.strictObject({ ...pageQuery, active: z.enum(['true', 'false']).optional(), kind: z.enum(['virtual', 'physical']).optional() }),
        response: { 200: pageSchema(ItemOut), ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      const q = req.query;
      const cur = decodeCursor(q.cursor, z.object({ id: z.string().max(64) }));
      const rows = await g.mall.listItems(ctx(req), appIdOf(req), { limit: q.limit + 1, beforeId: cur?.id, active: q.active === undefined ? undefined : q.active === 'true', kind: q.kind });
      const p = page(rows, q.limit, (r) => ({ id: r.id }));
      return { data: p.data.map(presentItem), next_cursor: p.next_cursor };
    },
  );

  api.get(
    '/v1/mall/items/:id',
    {
      config: { auth: { secret: true, user: true, publishable: true, operator: 'gamification.read' } },
      schema: { tags, summary: 'An item', params: IdParams, response: { 200: ItemOut, ...errors(400, 401, 403, 404) } },
    },
    async (req) => presentItem(await g.mall.item(ctx(req), appIdOf(req), req.params.id)),
  );

  api.patch(
    '/v1/mall/items/:id',
    {
      config: { auth: { secret: true, operator: 'gamification.manage' }, audit: 'recorded' },
      schema: { tags, summary: 'Change an item: price, stock left, limit, on/off sale (audited)', params: IdParams, body: ItemPatch, response: { 200: ItemOut, ...errors(400, 401, 403, 404) } },
    },
    async (req) => presentItem(await g.mall.updateItem(ctx(req), appIdOf(req), req.params.id, req.body)),
  );

  api.post(
    '/v1/users/:userId/orders',
    {
      config: { auth: { secret: true, user: true }, audit: userActivity },
      schema: {
        tags,
        summary: 'Redeem an item for points: debit, stock and order in one transaction',
        description: 'Not enough points: 409 points.insufficient_balance; no stock: 409 mall.out_of_stock; over the per-user limit: 409 mall.limit_reached. Virtual items are fulfilled at once (and credit their grant); physical ones wait as pending. With `request_id`, a repeat returns the original order (200).',
        params: UserParams,
        headers: ClientHeaders,
        body: RedeemBody,
        response: { 200: OrderOut.extend({ replayed: z.boolean(), entries: z.array(EntryBrief) }), 201: OrderOut.extend({ replayed: z.boolean(), entries: z.array(EntryBrief) }), ...errors(400, 401, 403, 404, 409, 429) },
      },
    },
    async (req, reply) => {
      assertActsFor(req, req.params.userId);
      const r = await g.mall.redeem(ctx(req), appIdOf(req), req.params.userId, req.body, metaOf(req));
      return reply.code(r.replayed ? 200 : 201).send({ ...presentOrder(r.order), replayed: r.replayed, entries: r.entries.map(brief) });
    },
  );

  api.get(
    '/v1/users/:userId/orders',
    {
      config: { auth: { secret: true, user: true, operator: 'gamification.read' } },
      schema: { tags, summary: "A user's orders, newest first", params: UserParams, querystring: z.strictObject({ ...pageQuery, status: OrderStatus.optional() }), response: { 200: pageSchema(OrderOut), ...errors(400, 401, 403) } },
    },
    async (req) => {
      assertActsFor(req, req.params.userId);
      return orderPage(g, ctx, req, req.query, { userId: req.params.userId, status: req.query.status });
    },
  );

  api.get(
    '/v1/mall/orders',
    {
      config: { auth: { secret: true, operator: 'gamification.read' } },
      schema: {
        tags,
        summary: 'All orders, newest first (fulfilment queue: status=pending)',
        querystring: z.strictObject({ ...pageQuery, status: OrderStatus.optional(), user_id: externalId('user_id').optional(), item_id: z.string().min(1).max(64).optional() }),
        response: { 200: pageSchema(OrderOut), ...errors(400, 401, 403) },
      },
    },
    async (req) => orderPage(g, ctx, req, req.query, { userId: req.query.user_id, status: req.query.status, itemId: req.query.item_id }),
  );

  api.get(
    '/v1/mall/orders/:id',
    {
      config: { auth: { secret: true, operator: 'gamification.read' } },
      schema: { tags, summary: 'An order', params: IdParams, response: { 200: OrderOut, ...errors(400, 401, 403, 404) } },
    },
    async (req) => presentOrder(await g.mall.order(ctx(req), appIdOf(req), req.params.id)),
  );

  api.patch(
    '/v1/mall/orders/:id',
    {
      config: { auth: { secret: true, operator: 'gamification.manage' }, audit: 'recorded' },
      schema: {
        tags,
        summary: 'Move an order: ship (with tracking), complete, or cancel (refund + restock) (audited)',
        params: IdParams,
        body: OrderPatch,
        response: { 200: OrderOut, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req) => presentOrder(await g.mall.updateOrder(ctx(req), appIdOf(req), req.params.id, req.body)),
  );

  api.post(
    '/v1/users/:userId/daily-reward',
    {
      config: { auth: { secret: true, user: true }, audit: userActivity },
      schema: {
        tags: ['Daily reward'],
        summary: 'Open the app: the first call of the user’s local day grants a random red packet of points',
        description: 'Amount drawn uniformly (node:crypto) in [daily_reward.min, daily_reward.max], clipped to what is left of the app’s daily budget. Later calls that day answer first_today: false with the same amount.',
        params: UserParams,
        headers: ClientHeaders,
        body: optionalBody(z.strictObject({})),
        response: {
          200: z.object({ first_today: z.boolean(), date: z.string(), amount: z.number(), budget_exhausted: z.boolean().describe('The budget cut this reward short'), entries: z.array(EntryBrief) }),
          ...errors(400, 401, 403, 409, 429),
        },
      },
    },
    async (req) => {
      assertActsFor(req, req.params.userId);
      const r = await g.mall.dailyReward(ctx(req), appIdOf(req), req.params.userId, metaOf(req));
      return { first_today: r.firstToday, date: r.date, amount: r.amount, budget_exhausted: r.budgetExhausted, entries: r.entries.map(brief) };
    },
  );
}
