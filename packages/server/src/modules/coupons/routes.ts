import { z } from 'zod';
import { appIdOf, assertActsFor, actingUserId } from '../../http/auth.ts';
import { cursorTime, decodeCursor, page, pageQuery, pageSchema } from '../../http/pagination.ts';
import { errors, iso, type Api, type RequestCtx } from '../../http/route.ts';
import { COUPON_STATUSES } from './schema.ts';
import type { Coupons } from './service.ts';
import type { CouponRow, TemplateRow } from './store.ts';
import { ClaimBody, CouponIdParams, CouponOut, CreateTemplateBody, IssueBody, IssueOut, QuoteBody, QuoteOut, RedeemBody, ReleaseBody, RevokeBody, TemplateIdParams, TemplateOut, TemplateReportOut, UpdateTemplateBody, UserIdParams } from './types.ts';
import { userActivity } from '../../http/audit.ts';

const tags = ['Coupons'];
const manage = { secret: true, operator: 'campaigns.manage' } as const;
const read = { secret: true, operator: 'app.read' } as const;

const presentTemplate = (t: TemplateRow): z.infer<typeof TemplateOut> => ({
  id: t.id,
  name: t.name,
  description: t.description,
  kind: t.kind,
  amount: t.amount,
  percent_off: t.percentOff,
  max_discount: t.maxDiscount,
  min_spend: t.minSpend,
  valid_from: iso(t.validFrom),
  valid_until: iso(t.validUntil),
  valid_days: t.validDays,
  product_ids: t.productIds,
  category_ids: t.categoryIds,
  per_user_limit: t.perUserLimit,
  total_quantity: t.totalQuantity,
  issued: t.issued,
  claimable: t.claimable,
  segment: t.segmentId,
  status: t.status,
  created_at: t.createdAt.toISOString(),
  updated_at: t.updatedAt.toISOString(),
});

const presentCoupon = (c: CouponRow): z.infer<typeof CouponOut> => ({
  id: c.id,
  template_id: c.templateId,
  user_id: c.userId,
  status: c.status,
  valid_from: c.validFrom.toISOString(),
  valid_until: iso(c.validUntil),
  source: c.source,
  order_ref: c.orderRef,
  discount: c.discount,
  redeemed_at: iso(c.redeemedAt),
  created_at: c.createdAt.toISOString(),
});

const cursorShape = z.object({ t: cursorTime(), i: z.string() });

export function couponsRoutes(api: Api, deps: { coupons: Coupons; ctx: RequestCtx }): void {
  const { coupons, ctx } = deps;
  const onlyUser = (req: { principal: { kind: string; userId?: string } }) => (req.principal.kind === 'user' ? req.principal.userId : undefined);

  api.post(
    '/v1/coupon-templates',
    { config: { auth: manage, audit: 'recorded' }, schema: { tags, summary: 'Create a coupon template', body: CreateTemplateBody, response: { 201: TemplateOut, ...errors(400, 401, 403, 429) } } },
    async (req, reply) => reply.code(201).send(presentTemplate(await coupons.createTemplate(ctx(req), appIdOf(req), req.body))),
  );

  api.get(
    '/v1/coupon-templates',
    {
      config: { auth: read },
      schema: { tags, summary: 'List coupon templates, newest first', querystring: z.strictObject({ ...pageQuery, status: z.enum(['active', 'paused']).optional() }), response: { 200: pageSchema(TemplateOut), ...errors(400, 401, 403) } },
    },
    async (req) => {
      const cur = decodeCursor(req.query.cursor, cursorShape);
      const rows = await coupons.listTemplates(ctx(req), appIdOf(req), { limit: req.query.limit + 1, before: cur ? { t: cur.t, id: cur.i } : undefined, status: req.query.status });
      const p = page(rows, req.query.limit, (r) => ({ t: r.createdAt.toISOString(), i: r.id }));
      return { data: p.data.map(presentTemplate), next_cursor: p.next_cursor };
    },
  );

  api.get(
    '/v1/coupon-templates/:templateId',
    { config: { auth: { ...read, user: true } }, schema: { tags, summary: 'Get a coupon template', params: TemplateIdParams, response: { 200: TemplateOut, ...errors(400, 401, 403, 404) } } },
    async (req) => presentTemplate(await coupons.getTemplate(ctx(req), appIdOf(req), req.params.templateId)),
  );

  api.patch(
    '/v1/coupon-templates/:templateId',
    {
      config: { auth: manage, audit: 'recorded' },
      schema: { tags, summary: 'Pause, resume or resize a template (its discount and scope never change once created)', params: TemplateIdParams, body: UpdateTemplateBody, response: { 200: TemplateOut, ...errors(400, 401, 403, 404, 409) } },
    },
    async (req) => presentTemplate(await coupons.updateTemplate(ctx(req), appIdOf(req), req.params.templateId, req.body)),
  );

  api.get(
    '/v1/coupon-templates/:templateId/report',
    { config: { auth: { secret: true, operator: 'analytics.read' } }, schema: { tags, summary: 'Issued, redeemed and expired coupons of a template and the discount given', params: TemplateIdParams, response: { 200: TemplateReportOut, ...errors(400, 401, 403, 404) } } },
    async (req) => {
      const r = await coupons.templateReport(ctx(req), appIdOf(req), req.params.templateId);
      return { template_id: r.template.id, issued: r.template.issued, available: r.available, redeemed: r.redeemed, expired: r.expired, revoked: r.revoked, users: r.users, discount_total: r.discountTotal };
    },
  );

  api.post(
    '/v1/coupon-templates/:templateId/claim',
    {
      config: { auth: { secret: true, user: true }, audit: userActivity },
      schema: {
        tags,
        summary: 'Claim a coupon (领券) for a user',
        description: 'Refusals: 409 coupons.sold_out (total quantity given out), coupons.limit_reached (per-user limit), coupons.not_claimable (paused, issue-only or no longer valid).',
        params: TemplateIdParams,
        body: ClaimBody.nullish(),
        response: { 201: CouponOut, ...errors(400, 401, 403, 404, 409, 429) },
      },
    },
    async (req, reply) => reply.code(201).send(presentCoupon(await coupons.claim(ctx(req), appIdOf(req), req.params.templateId, actingUserId(req, req.body?.user_id)))),
  );

  api.post(
    '/v1/coupon-templates/:templateId/issue',
    {
      config: { auth: manage, audit: 'recorded' },
      schema: {
        tags,
        summary: 'Issue a coupon to each of up to 1,000 users',
        description: 'Answers per user: the coupon, or why none was given (limit reached, sold out). With `key`, repeating the call gives nobody a second coupon.',
        params: TemplateIdParams,
        body: IssueBody,
        response: { 200: IssueOut, ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const r = await coupons.issue(ctx(req), appIdOf(req), req.params.templateId, req.body.user_ids, req.body.key);
      return { results: r.map((x) => ({ user_id: x.userId, coupon_id: x.coupon?.id ?? null, error: x.error })) };
    },
  );

  api.get(
    '/v1/coupons/:couponId',
    { config: { auth: { ...read, user: true } }, schema: { tags, summary: 'Get a coupon (a user token sees only its own)', params: CouponIdParams, response: { 200: CouponOut, ...errors(400, 401, 403, 404) } } },
    async (req) => presentCoupon(await coupons.get(ctx(req), appIdOf(req), req.params.couponId, onlyUser(req))),
  );

  api.post(
    '/v1/coupons/:couponId/quote',
    {
      config: { auth: { secret: true, user: true }, audit: { exempt: 'Computes what a coupon takes off an order; changes nothing' } },
      schema: {
        tags,
        summary: 'What the coupon takes off an order (validate before checkout)',
        description: 'Describe the order: items with product_id, category_ids, unit_price and quantity, and shipping_fee. 409 coupons.not_applicable (details.reason out_of_scope / below_minimum), coupons.expired, coupons.not_yet_valid or coupons.not_available when it cannot be used.',
        params: CouponIdParams,
        body: QuoteBody,
        response: { 200: QuoteOut, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req) => {
      const q = await coupons.quote(ctx(req), appIdOf(req), req.params.couponId, req.body.order, onlyUser(req));
      return { coupon_id: req.params.couponId, discount: q.discount, subtotal: q.subtotal, eligible_subtotal: q.eligibleSubtotal, shipping_fee: q.shippingFee, free_shipping: q.freeShipping, payable: q.payable };
    },
  );

  api.post(
    '/v1/coupons/:couponId/redeem',
    {
      config: { auth: manage, audit: 'recorded' },
      schema: {
        tags,
        summary: "Use the coupon on the host's order (idempotent for the same order_ref)",
        description: 'The discount is computed from the order and stored; webhook coupon.redeemed. Refused like quote when it cannot be used.',
        params: CouponIdParams,
        body: RedeemBody,
        response: { 200: CouponOut, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req) => presentCoupon(await coupons.redeem(ctx(req), appIdOf(req), req.params.couponId, req.body.order_ref, req.body.order)),
  );

  api.post(
    '/v1/coupons/:couponId/release',
    {
      config: { auth: manage, audit: 'recorded' },
      schema: { tags, summary: 'The order was cancelled: make the coupon usable again (expired if its time has passed)', params: CouponIdParams, body: ReleaseBody, response: { 200: CouponOut, ...errors(400, 401, 403, 404, 409) } },
    },
    async (req) => presentCoupon(await coupons.release(ctx(req), appIdOf(req), req.params.couponId, req.body.order_ref)),
  );

  api.post(
    '/v1/coupons/:couponId/revoke',
    {
      config: { auth: manage, audit: 'recorded' },
      schema: {
        tags,
        summary: 'Take back an issued coupon that was not used (audited)',
        description: 'An available or expired coupon becomes revoked: it can no longer be quoted, redeemed or released (webhook coupon.revoked). Repeating it changes nothing. 409 coupons.already_redeemed for a used coupon (release it first if its order was cancelled). The user’s per-user count is not given back.',
        params: CouponIdParams,
        body: RevokeBody.nullish(),
        response: { 200: CouponOut, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req) => presentCoupon(await coupons.revoke(ctx(req), appIdOf(req), req.params.couponId, req.body?.reason ?? null)),
  );

  api.get(
    '/v1/users/:userId/coupons',
    {
      config: { auth: { secret: true, user: true, operator: 'users.read' } },
      schema: {
        tags,
        summary: "A user's coupons by status, newest first",
        params: UserIdParams,
        querystring: z.strictObject({ ...pageQuery, status: z.enum(COUPON_STATUSES).optional() }),
        response: { 200: pageSchema(CouponOut), ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      assertActsFor(req, req.params.userId);
      const cur = decodeCursor(req.query.cursor, cursorShape);
      const rows = await coupons.userCoupons(ctx(req), appIdOf(req), req.params.userId, { limit: req.query.limit + 1, before: cur ? { t: cur.t, id: cur.i } : undefined, status: req.query.status });
      const p = page(rows, req.query.limit, (r) => ({ t: r.createdAt.toISOString(), i: r.id }));
      return { data: p.data.map(presentCoupon), next_cursor: p.next_cursor };
    },
  );
}
