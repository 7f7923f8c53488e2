// Presale (预售): the user pays a deposit in the deposit window (定金膨胀: it counts as more at the
// final payment), is reminded before the final-payment window opens, and pays the rest in that
// window; a deposit whose final payment is missed is forfeited. Reminders and forfeitures are
// claimed row by row in the tick (UPDATE … FROM (… FOR UPDATE SKIP LOCKED)), so each happens once.
import type { Ctx } from '../../../context.ts';
import type { Db } from '../../../db/index.ts';
import { AppError, validationError } from '../../../http/errors.ts';
import { toFieldIssues } from '../../../http/validation.ts';
import type { Clock } from '../../../lib/clock.ts';
import { newId } from '../../../lib/ids.ts';
import type { Effects, InTx } from '../../webhooks/index.ts';
import { commitBudget, mustCampaign, returnParticipation, takeParticipation, type KindHooks, type Report, type CampaignAudit } from '../core.ts';
import type { Admit } from '../core.ts';
import * as campaignStore from '../store.ts';
import type { CampaignRow } from '../store.ts';
import * as store from './store.ts';
import type { OrderRow } from './store.ts';
import { PresaleSettings } from './types.ts';

type OrderEvent = { appId: string; campaignId: string; orderId: string; userId: string };
declare module '../../../events.ts' {
  interface DomainEvents {
    'presale.deposit_paid': OrderEvent & { deposit: number; depositValue: number };
    'presale.final_payment_reminder': OrderEvent & { finalStartsAt: Date; finalEndsAt: Date; finalAmount: number };
    'presale.completed': OrderEvent & { orderRef: string };
    'presale.deposit_forfeited': OrderEvent & { deposit: number; reason: 'missed_final_payment' | 'cancelled' };
  }
}

export type PresaleDeps = { admit: Admit; db: Db; clock: Clock; inTx: InTx; audit: CampaignAudit; wake(at: Date): void };

const settingsOf = (c: CampaignRow) => PresaleSettings.parse(c.settings);

export function createPresale(deps: PresaleDeps) {
  const { clock } = deps;

  async function mustOrder(db: Db, appId: string, id: string, forUpdate = false): Promise<OrderRow> {
    const o = await store.findOrder(db, appId, id, forUpdate);
    if (!o) throw new AppError('presale.order_not_found', `No presale order ${id} in this app`, { order_id: id });
    return o;
  }
  const base = (o: OrderRow): OrderEvent => ({ appId: o.appId, campaignId: o.campaignId, orderId: o.id, userId: o.userId });

  async function forfeited(tx: Db, fx: Effects, rows: OrderRow[], reason: 'missed_final_payment' | 'cancelled'): Promise<void> {
    for (const o of rows) {
      const c = (await campaignStore.findCampaign(tx, o.appId, o.campaignId))!;
      await campaignStore.releaseBudget(tx, c.id, o.depositValue - o.deposit);
      if (reason === 'cancelled') await returnParticipation(tx, c, o.userId);
      await fx.event('presale.deposit_forfeited', { ...base(o), deposit: o.deposit, reason });
      await fx.webhook(o.appId, { type: reason === 'cancelled' ? 'presale.order.cancelled' : 'presale.deposit.forfeited', key: `${o.id}:${o.status}`, data: { order_id: o.id, campaign_id: o.campaignId, user_id: o.userId, deposit: o.deposit, deposit_order_ref: o.depositOrderRef, reason } });
    }
  }

  const hooks: KindHooks = {
    parseSettings(settings) {
      const r = PresaleSettings.safeParse(settings);
      if (!r.success) throw validationError(toFieldIssues(r.error.issues, 'body.settings'));
      return r.data;
    },
    async notReady(_db, c) {
      const s = settingsOf(c);
      if (Date.parse(s.deposit_starts_at) < c.startsAt.getTime() || Date.parse(s.final_ends_at) > c.endsAt.getTime()) return 'the deposit and final-payment windows must lie between starts_at and ends_at';
      return null;
    },
    async onCancel(tx, fx, c, now) {
      await forfeited(tx, fx, await store.forfeitDue(tx, now, 100_000, c.id), 'cancelled');
    },
    async tick(now) {
      let n = 0;
      for (;;) {
        const k = await deps.inTx(deps.db, async (tx, fx) => {
          const rows = await store.remindDue(tx, now, 500);
          for (const o of rows) {
            await fx.event('presale.final_payment_reminder', { ...base(o), finalStartsAt: o.finalStartsAt, finalEndsAt: o.finalEndsAt, finalAmount: o.finalAmount });
            await fx.webhook(o.appId, { type: 'presale.final_payment.reminder', key: `${o.id}:reminder`, data: { order_id: o.id, campaign_id: o.campaignId, user_id: o.userId, final_amount: o.finalAmount, final_starts_at: o.finalStartsAt.toISOString(), final_ends_at: o.finalEndsAt.toISOString() } });
          }
          return rows.length;
        });
        n += k;
        if (k < 500) break;
      }
      for (;;) {
        const k = await deps.inTx(deps.db, async (tx, fx) => {
          const rows = await store.forfeitDue(tx, now, 500);
          await forfeited(tx, fx, rows, 'missed_final_payment');
          return rows.length;
        });
        n += k;
        if (k < 500) return n;
      }
    },
    async report(db, c): Promise<Report> {
      const r = await store.report(db, c.id);
      return { participants: r.participants!, successes: r.completed!, cost: Number(r.cost), details: { orders: r.orders, awaiting_final: r.awaiting_final, forfeited: r.forfeited, cancelled: r.cancelled, reminded: r.reminded, forfeited_deposits: Number(r.forfeited_deposits) } };
    },
  };

  const window = (what: string, from: string | Date, to: string | Date) => {
    const f = new Date(from).toISOString();
    const t = new Date(to).toISOString();
    return new AppError('presale.window_closed', `The ${what} window is ${f} – ${t}`, { window: what, opens_at: f, closes_at: t });
  };

  return {
    hooks,

    /** The host took the deposit: the user holds a presale order. Idempotent per deposit_order_ref. */
    async deposit(ctx: Ctx, appId: string, campaignId: string, userId: string, depositOrderRef: string): Promise<OrderRow> {
      const now = clock.now();
      const o = await deps.inTx(ctx.db, async (tx, fx) => {
        const c = await mustCampaign(tx, appId, campaignId, 'presale');
        const prior = await store.findByDepositRef(tx, c.id, depositOrderRef);
        if (prior) {
          deps.audit.replayed(ctx);
          return prior;
        }
        if (c.status !== 'scheduled' && c.status !== 'running') throw new AppError('campaigns.not_active', `Campaign ${c.id} is ${c.status}`, { campaign_id: c.id, status: c.status });
        const s = settingsOf(c);
        if (now < new Date(s.deposit_starts_at) || now >= new Date(s.deposit_ends_at)) throw window('deposit', s.deposit_starts_at, s.deposit_ends_at);
        await deps.admit(tx, c, userId);
        await takeParticipation(tx, c, userId);
        await commitBudget(tx, c, s.deposit_value - s.deposit);
        const finalStartsAt = new Date(s.final_starts_at);
        const row = await store.insertOrder(tx, {
          id: newId('pso'),
          appId,
          campaignId: c.id,
          userId,
          deposit: s.deposit,
          depositValue: s.deposit_value,
          finalAmount: s.price - s.deposit_value,
          depositOrderRef,
          finalStartsAt,
          finalEndsAt: new Date(s.final_ends_at),
          remindAt: new Date(finalStartsAt.getTime() - s.reminder_minutes * 60_000),
          createdAt: now,
        });
        if (!row) throw new AppError('presale.order_closed', `Deposit order ${depositOrderRef} was recorded meanwhile; retry to read it`, { deposit_order_ref: depositOrderRef });
        await fx.event('presale.deposit_paid', { ...base(row), deposit: row.deposit, depositValue: row.depositValue });
        await deps.audit.record(ctx, tx, { appId, action: 'presale.deposit', targetType: 'presale_order', targetId: row.id, after: row });
        return row;
      });
      deps.wake(o.remindAt);
      deps.wake(o.finalEndsAt);
      return o;
    },

    /** The host took the final payment inside the window. Idempotent per order_ref. */
    async final(ctx: Ctx, appId: string, orderId: string, orderRef: string): Promise<OrderRow> {
      const now = clock.now();
      return deps.inTx(ctx.db, async (tx, fx) => {
        const o = await mustOrder(tx, appId, orderId, true);
        if (o.status === 'completed' && o.finalOrderRef === orderRef) {
          deps.audit.replayed(ctx);
          return o;
        }
        if (o.status !== 'deposit_paid') throw new AppError('presale.order_closed', `Presale order ${o.id} is ${o.status}`, { order_id: o.id, status: o.status });
        if (now < o.finalStartsAt || now >= o.finalEndsAt) throw window('final-payment', o.finalStartsAt, o.finalEndsAt);
        const done = await store.setOrder(tx, o.id, { status: 'completed', finalOrderRef: orderRef, closedAt: now });
        await fx.event('presale.completed', { ...base(o), orderRef });
        await deps.audit.record(ctx, tx, { appId, action: 'presale.final', targetType: 'presale_order', targetId: o.id, before: o, after: done });
        return done;
      });
    },

    /** The user withdrew before the final payment (the host refunds the deposit as it sees fit). */
    async cancel(ctx: Ctx, appId: string, orderId: string): Promise<OrderRow> {
      const now = clock.now();
      return deps.inTx(ctx.db, async (tx, fx) => {
        const o = await mustOrder(tx, appId, orderId, true);
        if (o.status !== 'deposit_paid') throw new AppError('presale.order_closed', `Presale order ${o.id} is ${o.status}`, { order_id: o.id, status: o.status });
        const r = await store.setOrder(tx, o.id, { status: 'cancelled', closedAt: now });
        await forfeited(tx, fx, [r], 'cancelled');
        await deps.audit.record(ctx, tx, { appId, action: 'presale.cancel', targetType: 'presale_order', targetId: o.id, before: o, after: r });
        return r;
      });
    },

    get: (ctx: Ctx, appId: string, id: string) => mustOrder(ctx.db, appId, id),

    async list(ctx: Ctx, appId: string, campaignId: string, q: Parameters<typeof store.list>[2]): Promise<OrderRow[]> {
      await mustCampaign(ctx.db, appId, campaignId, 'presale');
      return store.list(ctx.db, campaignId, q);
    },
  };
}

export type Presale = ReturnType<typeof createPresale>;
