// Coupons: templates (fixed, percentage with cap, threshold 满减, free shipping), issuing and
// claiming within per-user limits and a total quantity, quoting and redeeming against an order the
// host describes, releasing when that order is cancelled, and expiry.
//
// Claims at the quantity limit: each claim takes the user's slot (a conditional upsert on the
// user's own row) and then one unit of the template's quantity (a conditional UPDATE … WHERE
// issued < total_quantity) in one transaction, so however many claims race, `issued` never
// passes `total_quantity` and no user passes their limit.
import type { Ctx } from '../../context.ts';
import type { Db } from '../../db/index.ts';
import type { Erasure } from '../../erasure.ts';
import type { EventBus } from '../../events.ts';
import { AppError, fieldError, isAppError } from '../../http/errors.ts';
import type { Jobs } from '../../jobs.ts';
import type { Clock } from '../../lib/clock.ts';
import { newId, randomBase62, sha256 } from '../../lib/ids.ts';
import type { SegmentGate } from '../../lib/segment-gate.ts';
import type { Audit } from '../audit/index.ts';
import { createOutbox, type Webhooks } from '../webhooks/index.ts';
import './errors.ts';
import { quote, type Order, type Quote } from './rules/discount.ts';
import * as store from './store.ts';
import type { CouponRow, TemplateRow } from './store.ts';
import type { CreateTemplateInput, UpdateTemplateInput } from './types.ts';

type CouponEvent = { appId: string; couponId: string; templateId: string; userId: string };
declare module '../../events.ts' {
  interface DomainEvents {
    'coupon.issued': CouponEvent & { source: 'claim' | 'issue' };
    'coupon.redeemed': CouponEvent & { orderRef: string; discount: number };
    'coupon.released': CouponEvent & { orderRef: string };
    'coupon.expired': CouponEvent;
    'coupon.revoked': CouponEvent & { reason: string | null };
  }
}

export type CouponsDeps = {
  db: Db;
  clock: Clock;
  bus: EventBus;
  webhooks: Webhooks;
  audit: Audit;
  log: { error(obj: object, msg: string): void };
  /** Templates for a segment go to its members only (the segments module, wired in app.ts). */
  segments?: SegmentGate | undefined;
};

const EXPIRE_JOB = 'canyu.coupons.expire';
const DAY = 86_400_000;

export function createCoupons(deps: CouponsDeps) {
  const { clock } = deps;
  const inTx = createOutbox(deps);
  const audited = (ctx: Ctx) => ctx.actor.type === 'operator' || ctx.actor.type === 'secret_key';

  // Erasing a user: their coupons stop naming them (the template's counts stay true).
  const erasure = {
    eraseUser: (db: Db, appId: string, userId: string) => store.pseudonymise(db, appId, userId, `erased_${randomBase62(16)}`),
    eraseApp: (db: Db, appId: string) => db.transaction((tx) => store.eraseApp(tx, appId)),
  } satisfies Erasure;

  async function mustTemplate(db: Db, appId: string, id: string): Promise<TemplateRow> {
    const t = await store.findTemplate(db, appId, id);
    if (!t) throw new AppError('coupons.template_not_found', `No coupon template ${id} in this app`, { template_id: id });
    return t;
  }
  async function mustCoupon(db: Db, appId: string, id: string, onlyUser?: string, forUpdate = false): Promise<CouponRow> {
    const c = await store.findCoupon(db, appId, id, forUpdate);
    if (!c || (onlyUser !== undefined && c.userId !== onlyUser)) throw new AppError('coupons.not_found', `No coupon ${id} in this app`, { coupon_id: id });
    return c;
  }

  /** The validity window a coupon gets when it reaches a user now. */
  function windowFor(t: TemplateRow, now: Date): { validFrom: Date; validUntil: Date | null } {
    const validFrom = t.validFrom && t.validFrom > now ? t.validFrom : now;
    let validUntil = t.validUntil;
    if (t.validDays !== null) {
      const byDays = new Date(validFrom.getTime() + t.validDays * DAY);
      validUntil = validUntil && validUntil < byDays ? validUntil : byDays;
    }
    return { validFrom, validUntil };
  }

  /** One coupon to one user, inside the caller's transaction; throws the reason it cannot. */
  async function segmentOf(ctx: Ctx, appId: string, id: string): Promise<string> {
    if (!deps.segments || !(await deps.segments.exists(ctx, appId, id))) throw fieldError('body.segment', `no segment ${id} in this app`, 'the id of a segment (GET /v1/segments)');
    return id;
  }

  async function giveOne(tx: Db, t: TemplateRow, userId: string, source: 'claim' | 'issue', issueKey: string | null, now: Date): Promise<CouponRow> {
    if (t.status !== 'active') throw new AppError('coupons.not_claimable', `Coupon template ${t.id} is paused`, { template_id: t.id });
    const w = windowFor(t, now);
    if (w.validUntil && w.validUntil <= now) throw new AppError('coupons.not_claimable', `Coupon template ${t.id} is no longer valid (until ${w.validUntil.toISOString()})`, { template_id: t.id, valid_until: w.validUntil.toISOString() });
    if (t.segmentId && !(await deps.segments?.isMember({ db: tx, actor: { type: 'system', id: null } }, t.appId, t.segmentId, userId))) {
      throw new AppError('coupons.not_eligible', `User ${userId} is not in segment ${t.segmentId}, which coupon template ${t.id} is for`, { template_id: t.id, segment: t.segmentId });
    }
    if (!(await store.takeUserSlot(tx, t.id, userId, t.perUserLimit))) throw new AppError('coupons.limit_reached', `User ${userId} already has ${t.perUserLimit} coupon(s) of template ${t.id}`, { template_id: t.id, per_user_limit: t.perUserLimit });
    if (!(await store.takeQuantity(tx, t.id))) throw new AppError('coupons.sold_out', `All ${t.totalQuantity} coupons of template ${t.id} have been given out`, { template_id: t.id, total_quantity: t.totalQuantity });
    return store.insertCoupon(tx, { id: newId('cpn'), appId: t.appId, templateId: t.id, userId, status: 'available', validFrom: w.validFrom, validUntil: w.validUntil, source, issueKey, createdAt: now });
  }

  const terms = (t: TemplateRow) => ({ kind: t.kind, amount: t.amount, percentOff: t.percentOff, maxDiscount: t.maxDiscount, minSpend: t.minSpend, productIds: t.productIds, categoryIds: t.categoryIds });

  /** The coupon must be usable now on this order; returns the quote. */
  function usable(c: CouponRow, t: TemplateRow, order: Order, now: Date): Extract<Quote, { applicable: true }> {
    if (c.status !== 'available') throw new AppError('coupons.not_available', `Coupon ${c.id} is ${c.status}`, { coupon_id: c.id, status: c.status });
    if (now < c.validFrom) throw new AppError('coupons.not_yet_valid', `Coupon ${c.id} is valid from ${c.validFrom.toISOString()}`, { coupon_id: c.id, valid_from: c.validFrom.toISOString() });
    if (c.validUntil && now >= c.validUntil) throw new AppError('coupons.expired', `Coupon ${c.id} expired at ${c.validUntil.toISOString()}`, { coupon_id: c.id, valid_until: c.validUntil.toISOString() });
    const q = quote(terms(t), order);
    if (!q.applicable) {
      const msg = q.reason === 'out_of_scope' ? `No item of the order is in the scope of coupon ${c.id} (products ${t.productIds.join(', ') || '-'}, categories ${t.categoryIds.join(', ') || '-'})` : `The eligible subtotal ${q.eligibleSubtotal} is below the minimum spend of ${q.minSpend}`;
      throw new AppError('coupons.not_applicable', msg, { coupon_id: c.id, reason: q.reason, eligible_subtotal: q.eligibleSubtotal, min_spend: q.minSpend });
    }
    return q;
  }

  const effectiveStatus = (c: CouponRow, now: Date): CouponRow => (c.status === 'available' && c.validUntil && c.validUntil <= now ? { ...c, status: 'expired' } : c);

  const api = {
    erasure,
    // ---- templates --------------------------------------------------------------------------------
    async createTemplate(ctx: Ctx, appId: string, input: CreateTemplateInput): Promise<TemplateRow> {
      const segmentId = input.segment ? await segmentOf(ctx, appId, input.segment) : null;
      return ctx.db.transaction(async (tx) => {
        const t = await store.insertTemplate(tx, {
          id: newId('cpt'),
          appId,
          name: input.name,
          description: input.description ?? '',
          kind: input.kind,
          amount: input.amount ?? 0,
          percentOff: input.percent_off ?? null,
          maxDiscount: input.max_discount ?? null,
          minSpend: input.min_spend ?? 0,
          validFrom: input.valid_from ? new Date(input.valid_from) : null,
          validUntil: input.valid_until ? new Date(input.valid_until) : null,
          validDays: input.valid_days ?? null,
          productIds: input.product_ids ?? [],
          categoryIds: input.category_ids ?? [],
          perUserLimit: input.per_user_limit ?? 1,
          totalQuantity: input.total_quantity ?? null,
          claimable: input.claimable ?? true,
          segmentId,
        });
        if (audited(ctx)) await deps.audit.record({ ...ctx, db: tx }, { appId, action: 'coupon_template.create', targetType: 'coupon_template', targetId: t.id, after: { name: t.name, kind: t.kind, segment: t.segmentId } });
        return t;
      });
    },

    getTemplate: (ctx: Ctx, appId: string, id: string) => mustTemplate(ctx.db, appId, id),
    listTemplates: (ctx: Ctx, appId: string, q: Parameters<typeof store.listTemplates>[2]) => store.listTemplates(ctx.db, appId, q),

    async updateTemplate(ctx: Ctx, appId: string, id: string, input: UpdateTemplateInput): Promise<TemplateRow> {
      const segmentId = input.segment ? await segmentOf(ctx, appId, input.segment) : input.segment;
      return ctx.db.transaction(async (tx) => {
        const before = await mustTemplate(tx, appId, id);
        if (input.total_quantity != null && input.total_quantity < before.issued) {
          throw fieldError('body.total_quantity', `must be at least the ${before.issued} already issued`, `>= ${before.issued}`);
        }
        const t = await store.updateTemplate(tx, appId, id, {
          ...(input.name !== undefined ? { name: input.name } : {}),
          ...(input.description !== undefined ? { description: input.description } : {}),
          ...(input.status !== undefined ? { status: input.status } : {}),
          ...(input.claimable !== undefined ? { claimable: input.claimable } : {}),
          ...(segmentId !== undefined ? { segmentId } : {}),
          ...(input.per_user_limit !== undefined ? { perUserLimit: input.per_user_limit } : {}),
          ...(input.total_quantity !== undefined ? { totalQuantity: input.total_quantity } : {}),
        });
        if (!t) throw new AppError('coupons.sold_out', `More coupons of template ${id} were issued meanwhile; total_quantity cannot go below them`, { template_id: id });
        if (audited(ctx)) await deps.audit.record({ ...ctx, db: tx }, { appId, action: 'coupon_template.update', targetType: 'coupon_template', targetId: id, before: { status: before.status, total_quantity: before.totalQuantity, per_user_limit: before.perUserLimit, segment: before.segmentId }, after: { status: t.status, total_quantity: t.totalQuantity, per_user_limit: t.perUserLimit, segment: t.segmentId } });
        return t;
      });
    },

    async templateReport(ctx: Ctx, appId: string, id: string) {
      const t = await mustTemplate(ctx.db, appId, id);
      return { template: t, ...(await store.templateReport(ctx.db, id, clock.now())) };
    },

    // ---- issuing --------------------------------------------------------------------------------
    /** 领券: the user takes one coupon of a claimable template. */
    async claim(ctx: Ctx, appId: string, templateId: string, userId: string): Promise<CouponRow> {
      const now = clock.now();
      return inTx(ctx.db, async (tx, fx) => {
        const t = await mustTemplate(tx, appId, templateId);
        if (!t.claimable) throw new AppError('coupons.not_claimable', `Coupon template ${t.id} can only be issued, not claimed`, { template_id: t.id });
        const c = await giveOne(tx, t, userId, 'claim', null, now);
        await fx.event('coupon.issued', { appId, couponId: c.id, templateId: t.id, userId, source: 'claim' });
        return c;
      });
    },

    /** The host or an operator gives a coupon to each user; with a key, repeating it gives nobody a second one. */
    async issue(ctx: Ctx, appId: string, templateId: string, userIds: string[], key?: string): Promise<{ userId: string; coupon: CouponRow | null; error: string | null }[]> {
      const t = await mustTemplate(ctx.db, appId, templateId);
      const now = clock.now();
      const out: { userId: string; coupon: CouponRow | null; error: string | null }[] = [];
      for (const userId of [...new Set(userIds)]) {
        const issueKey = key ? sha256(`${key}\u0000${userId}`) : null;
        if (issueKey) {
          const prior = await store.findCouponByIssueKey(ctx.db, t.id, issueKey);
          if (prior) {
            out.push({ userId, coupon: prior, error: null });
            continue;
          }
        }
        try {
          const c = await inTx(ctx.db, async (tx, fx) => {
            const coupon = await giveOne(tx, t, userId, 'issue', issueKey, now);
            await fx.event('coupon.issued', { appId, couponId: coupon.id, templateId: t.id, userId, source: 'issue' });
            return coupon;
          });
          out.push({ userId, coupon: c, error: null });
        } catch (err) {
          if (isAppError(err)) out.push({ userId, coupon: null, error: err.code });
          else if ((err as { code?: string }).code === '23505' && issueKey) out.push({ userId, coupon: (await store.findCouponByIssueKey(ctx.db, t.id, issueKey)) ?? null, error: null });
          else throw err;
        }
      }
      if (audited(ctx)) await deps.audit.record(ctx, { appId, action: 'coupon.issue', targetType: 'coupon_template', targetId: t.id, after: { users: userIds.length, issued: out.filter((r) => r.coupon).length, key: key ?? null } });
      return out;
    },

    // ---- using ----------------------------------------------------------------------------------
    async get(ctx: Ctx, appId: string, id: string, onlyUser?: string): Promise<CouponRow> {
      return effectiveStatus(await mustCoupon(ctx.db, appId, id, onlyUser), clock.now());
    },

    userCoupons(ctx: Ctx, appId: string, userId: string, q: Parameters<typeof store.userCoupons>[4]): Promise<CouponRow[]> {
      const now = clock.now();
      return store.userCoupons(ctx.db, appId, userId, now, q).then((rows) => rows.map((c) => effectiveStatus(c, now)));
    },

    /** Does the template exist in this app (segments check the templates their rules name)? */
    async hasTemplate(ctx: Ctx, appId: string, id: string): Promise<boolean> {
      return (await store.findTemplate(ctx.db, appId, id)) !== undefined;
    },

    /** The statuses (as of now) of these users' coupons of these templates, for segments' `coupon` rule. */
    statusesOf(ctx: Ctx, appId: string, userIds: string[], templateIds: string[]) {
      return store.statusesOf(ctx.db, appId, userIds, templateIds, clock.now());
    },

    /** What the coupon takes off this order now, or a 409 saying why it does not apply. */
    async quote(ctx: Ctx, appId: string, id: string, order: Order, onlyUser?: string): Promise<Extract<Quote, { applicable: true }>> {
      const c = await mustCoupon(ctx.db, appId, id, onlyUser);
      return usable(c, await mustTemplate(ctx.db, appId, c.templateId), order, clock.now());
    },

    /** Uses the coupon on the host's order. Idempotent for the same order_ref. */
    async redeem(ctx: Ctx, appId: string, id: string, orderRef: string, order: Order): Promise<CouponRow> {
      const now = clock.now();
      return inTx(ctx.db, async (tx, fx) => {
        const c = await mustCoupon(tx, appId, id, undefined, true);
        if (c.status === 'redeemed' && c.orderRef === orderRef) {
          deps.audit.replayed(ctx);
          return c;
        }
        if (c.status === 'redeemed') throw new AppError('coupons.not_available', `Coupon ${id} was already used on order ${c.orderRef}`, { coupon_id: id, status: c.status, order_ref: c.orderRef });
        const q = usable(c, await mustTemplate(tx, appId, c.templateId), order, now);
        const r = await store.setCoupon(tx, id, { status: 'redeemed', orderRef, discount: q.discount, redeemedAt: now });
        if (audited(ctx)) await deps.audit.record({ ...ctx, db: tx }, { appId, action: 'coupon.redeem', targetType: 'coupon', targetId: id, before: effectiveStatus(c, now), after: r });
        await fx.event('coupon.redeemed', { appId, couponId: id, templateId: c.templateId, userId: c.userId, orderRef, discount: q.discount });
        await fx.webhook(appId, { type: 'coupon.redeemed', key: `${id}:redeemed:${orderRef}`, data: { coupon_id: id, template_id: c.templateId, user_id: c.userId, order_ref: orderRef, discount: q.discount } });
        return r;
      });
    },

    /** The order was cancelled: the coupon is usable again (or expired, if its time has passed). */
    async release(ctx: Ctx, appId: string, id: string, orderRef: string): Promise<CouponRow> {
      const now = clock.now();
      return inTx(ctx.db, async (tx, fx) => {
        const c = await mustCoupon(tx, appId, id, undefined, true);
        if (c.status !== 'redeemed') {
          // Released already (and perhaps expired since): a repeat changes nothing.
          if (c.orderRef === null && (c.status === 'available' || c.status === 'expired')) {
            deps.audit.replayed(ctx);
            return effectiveStatus(c, now);
          }
          throw new AppError('coupons.not_available', `Coupon ${id} is ${c.status}, not redeemed`, { coupon_id: id, status: c.status });
        }
        if (c.orderRef !== orderRef) throw new AppError('coupons.order_mismatch', `Coupon ${id} was used on order ${c.orderRef}, not ${orderRef}`, { coupon_id: id, order_ref: c.orderRef });
        const expired = c.validUntil !== null && c.validUntil <= now;
        const r = await store.setCoupon(tx, id, { status: expired ? 'expired' : 'available', orderRef: null, discount: null, redeemedAt: null });
        if (audited(ctx)) await deps.audit.record({ ...ctx, db: tx }, { appId, action: 'coupon.release', targetType: 'coupon', targetId: id, before: c, after: r });
        await fx.event('coupon.released', { appId, couponId: id, templateId: c.templateId, userId: c.userId, orderRef });
        return r;
      });
    },

    /**
     * An operator or the host takes back an issued coupon that was not used (available or expired):
     * it can no longer be quoted, redeemed or released. Audited; repeating it changes nothing. A
     * redeemed coupon is 409 coupons.already_redeemed (release it first if its order was cancelled).
     */
    async revoke(ctx: Ctx, appId: string, id: string, reason: string | null): Promise<CouponRow> {
      const now = clock.now();
      return inTx(ctx.db, async (tx, fx) => {
        const c = await mustCoupon(tx, appId, id, undefined, true);
        if (c.status === 'revoked') {
          deps.audit.replayed(ctx);
          return c;
        }
        if (c.status === 'redeemed') throw new AppError('coupons.already_redeemed', `Coupon ${id} was used on order ${c.orderRef}; release it first if that order was cancelled`, { coupon_id: id, status: c.status, order_ref: c.orderRef });
        const r = await store.setCoupon(tx, id, { status: 'revoked' });
        if (audited(ctx)) await deps.audit.record({ ...ctx, db: tx }, { appId, action: 'coupon.revoke', targetType: 'coupon', targetId: id, before: { status: effectiveStatus(c, now).status, user_id: c.userId }, after: { status: r.status, reason } });
        await fx.event('coupon.revoked', { appId, couponId: id, templateId: c.templateId, userId: c.userId, reason });
        await fx.webhook(appId, { type: 'coupon.revoked', key: `${id}:revoked`, data: { coupon_id: id, template_id: c.templateId, user_id: c.userId, reason } });
        return r;
      });
    },

    /** Marks coupons past their time as expired (each once, whichever server gets there). */
    async expireDue(): Promise<number> {
      let n = 0;
      for (;;) {
        const rows = await inTx(deps.db, async (_tx, fx) => {
          const due = await store.expireDue(_tx, clock.now(), 500);
          for (const c of due) await fx.event('coupon.expired', { appId: c.appId, couponId: c.id, templateId: c.templateId, userId: c.userId });
          return due;
        });
        n += rows.length;
        if (rows.length < 500) return n;
      }
    },

    registerJobs(jobs: Jobs): void {
      jobs.define(EXPIRE_JOB, async () => {
        await api.expireDue();
      });
      jobs.schedule(EXPIRE_JOB, '*/5 * * * *');
    },
  };
  return api;
}

export type Coupons = ReturnType<typeof createCoupons>;
