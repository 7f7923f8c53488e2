// Points mall and the daily login reward.
// A redemption is one transaction: count the units against the per-user limit, debit the points,
// take the stock (a guarded UPDATE that never goes below zero), write the order and, for virtual
// items, credit what they grant. Any refusal rolls all of it back. Cancelling an order refunds the
// points (with their original expiry) and restores stock and the user's limit.
import { randomInt } from 'node:crypto';
import type { Ctx } from '../../../context.ts';
import { AppError, fieldError, isAppError } from '../../../http/errors.ts';
import { newId } from '../../../lib/ids.ts';
import { defined } from '../../../lib/objects.ts';
import { localDate } from '../../../lib/localtime.ts';
import { inTransaction, pgCode } from '../../../lib/tx.ts';
import type { EntryRow } from '../../points/index.ts';
import { canTransition, sourcesOf } from '../rules/orders.ts';
import * as store from '../store/mall.ts';
import type { ItemRow, OrderQuery, OrderRow } from '../store/mall.ts';
import type { ItemInput, ItemPatchInput, OrderPatchInput, RedeemInput } from '../types.ts';
import type { Abuse } from './abuse.ts';
import type { ClientMeta, Shared } from './deps.ts';

declare module '../../../events.ts' {
  interface DomainEvents {
    'mall.redeemed': { appId: string; userId: string; id: string; itemId: string; quantity: number; kind: 'virtual' | 'physical' };
    'mall.order_updated': { appId: string; userId: string; id: string; status: OrderRow['status'] };
    'daily_reward.claimed': { appId: string; userId: string; id: string; date: string; amount: number };
  }
}

export function createMall(shared: Shared, abuse: Abuse) {
  const { deps } = shared;

  async function item(ctx: Ctx, appId: string, id: string, field?: string): Promise<ItemRow> {
    const row = await store.findItem(ctx.db, appId, id);
    if (!row) throw new AppError('mall.item_not_found', `Item ${id} does not exist in this app`, { id, ...(field ? { field } : {}) });
    return row;
  }

  return {
    item,

    async createItem(ctx: Ctx, appId: string, input: ItemInput): Promise<ItemRow> {
      await shared.assertTypes(ctx, appId, [
        { type: input.price_type, field: 'body.price_type' },
        { type: input.grant?.type, field: 'body.grant.type' },
      ]);
      return inTransaction(ctx, async (tx) => {
        const row = await store.insertItem(tx.db, {
          id: newId('item'),
          appId,
          name: input.name,
          description: input.description ?? null,
          imageUrl: input.image_url ?? null,
          kind: input.kind,
          priceType: input.price_type,
          price: input.price,
          stock: input.stock ?? null,
          perUserLimit: input.per_user_limit ?? null,
          grant: input.grant ?? null,
          active: input.active,
          sort: input.sort,
        });
        if (shared.audited(ctx)) await deps.audit.record(tx, { appId, action: 'mall.item.create', targetType: 'mall_item', targetId: row.id, after: row });
        return row;
      });
    },

    async updateItem(ctx: Ctx, appId: string, id: string, p: ItemPatchInput): Promise<ItemRow> {
      return inTransaction(ctx, async (tx) => {
        const before = await item(tx, appId, id);
        const row = (await store.updateItem(tx.db, appId, id, defined({ name: p.name, description: p.description, imageUrl: p.image_url, price: p.price, stock: p.stock, perUserLimit: p.per_user_limit, active: p.active, sort: p.sort })))!;
        if (shared.audited(ctx)) await deps.audit.record(tx, { appId, action: 'mall.item.update', targetType: 'mall_item', targetId: id, before, after: row });
        return row;
      });
    },

    listItems(ctx: Ctx, appId: string, q: Parameters<typeof store.listItems>[2]) {
      return store.listItems(ctx.db, appId, q);
    },

    /** Redeems an item for points. With `request_id`, a repeat returns the original order. */
    async redeem(ctx: Ctx, appId: string, userId: string, input: RedeemInput, meta: ClientMeta): Promise<{ order: OrderRow; replayed: boolean; entries: EntryRow[] }> {
      if (input.request_id) {
        const prior = await store.findOrderByRequest(ctx.db, appId, userId, input.request_id);
        if (prior) return { order: prior, replayed: true, entries: [] };
      }
      const it = await item(ctx, appId, input.item_id, 'body.item_id');
      if (!it.active) throw new AppError('mall.item_unavailable', `Item ${it.id} is not on sale`, { item_id: it.id });
      if (it.kind === 'physical' && !input.shipping) throw fieldError('body.shipping', 'is required for a physical item', 'name, phone and address');
      const cfg = await shared.config(ctx, appId);
      await abuse.guard(ctx, appId, 'redeem', userId, meta, cfg);
      const id = newId('ord');
      const q = input.quantity;
      const now = deps.clock.now();
      try {
        return await inTransaction(ctx, async (tx) => {
          if (!(await store.addPurchase(tx.db, { appId, itemId: it.id, userId, quantity: q, limit: it.perUserLimit }))) {
            throw new AppError('mall.limit_reached', `At most ${it.perUserLimit} of "${it.name}" per user`, { item_id: it.id, limit: it.perUserLimit });
          }
          const source = { type: 'mall_order', id };
          const entries = [(await deps.points.spend(tx, appId, { userId, type: it.priceType, amount: it.price * q, key: `order:${id}`, reason: `Redeemed ${q} × ${it.name}`, source })).entry];
          if (!(await store.takeStock(tx.db, it.id, q))) throw new AppError('mall.out_of_stock', `Not enough "${it.name}" left for ${q}`, { item_id: it.id, requested: q });
          const order = await store.insertOrder(tx.db, {
            id,
            appId,
            userId,
            itemId: it.id,
            itemName: it.name,
            quantity: q,
            priceType: it.priceType,
            total: it.price * q,
            status: it.kind === 'virtual' ? 'fulfilled' : 'pending',
            shipping: it.kind === 'physical' ? (input.shipping ?? null) : null,
            requestKey: input.request_id ?? null,
            ip: meta.ip ?? null,
            deviceId: meta.deviceId ?? null,
            createdAt: now,
            updatedAt: now,
          });
          if (it.kind === 'virtual' && it.grant) entries.push(...(await shared.grant(tx, appId, userId, [{ type: it.grant.type, amount: it.grant.amount * q }], `order-grant:${id}`, `Redeemed ${it.name}`, source)).map((r) => r.entry));
          await deps.bus.emit(tx.db, 'mall.redeemed', { appId, userId, id, itemId: it.id, quantity: q, kind: it.kind });
          return { order, replayed: false, entries };
        });
      } catch (err) {
        if (pgCode(err) === '23505' && input.request_id) {
          const prior = await store.findOrderByRequest(ctx.db, appId, userId, input.request_id);
          if (prior) return { order: prior, replayed: true, entries: [] };
        }
        throw err;
      }
    },

    async order(ctx: Ctx, appId: string, id: string): Promise<OrderRow> {
      const row = await store.findOrder(ctx.db, appId, id);
      if (!row) throw shared.notFound('mall.order_not_found', 'Order', id);
      return row;
    },

    listOrders(ctx: Ctx, appId: string, q: OrderQuery): Promise<OrderRow[]> {
      return store.listOrders(ctx.db, appId, q);
    },

    /** pending → shipped → completed; pending/shipped → cancelled refunds and restocks. Audited. */
    async updateOrder(ctx: Ctx, appId: string, id: string, p: OrderPatchInput): Promise<OrderRow> {
      return inTransaction(ctx, async (tx) => {
        const before = await store.findOrder(tx.db, appId, id);
        if (!before) throw shared.notFound('mall.order_not_found', 'Order', id);
        const row = await store.moveOrder(tx.db, appId, id, sourcesOf(p.status), p.status, { tracking: p.tracking, now: deps.clock.now() });
        if (!row) {
          const current = (await store.findOrder(tx.db, appId, id))!.status;
          throw new AppError('mall.invalid_transition', `Order ${id} is ${current}; it cannot become ${p.status}`, { from: current, to: p.status, allowed: canTransition(current, p.status) });
        }
        if (p.status === 'cancelled') {
          try {
            await deps.points.refund(tx, appId, { debitKey: `order:${id}`, key: `order-refund:${id}`, reason: p.reason ?? `Order ${id} cancelled`, source: { type: 'mall_order', id } });
          } catch (err) {
            // The points were already given back through POST /v1/points/refunds: the order is
            // cancelled and restocked, and the debit is not refunded a second time.
            if (!isAppError(err) || err.code !== 'points.already_refunded') throw err;
          }
          await store.returnStock(tx.db, row.itemId, row.quantity);
          await store.removePurchase(tx.db, appId, row.itemId, row.userId, row.quantity);
        }
        if (shared.audited(ctx)) await deps.audit.record(tx, { appId, action: `mall.order.${p.status}`, targetType: 'mall_order', targetId: id, before: { status: before.status }, after: { status: row.status, tracking: row.tracking, reason: p.reason ?? null } });
        await deps.bus.emit(tx.db, 'mall.order_updated', { appId, userId: row.userId, id, status: row.status });
        return row;
      });
    },

    /**
     * The first open of the user's local day grants a random amount in [min, max] (node:crypto),
     * clipped to what is left of the app's daily budget; later opens that day return that claim.
     */
    async dailyReward(ctx: Ctx, appId: string, userId: string, meta: ClientMeta): Promise<{ firstToday: boolean; date: string; amount: number; budgetExhausted: boolean; entries: EntryRow[] }> {
      const cfg = await shared.config(ctx, appId);
      const dr = cfg.daily_reward;
      if (!dr.enabled) throw new AppError('daily_reward.disabled', 'The daily login reward is turned off for this app');
      const timezone = await shared.timezoneOf(ctx, appId, userId, cfg);
      const now = deps.clock.now();
      const date = localDate(now, timezone);
      const seen = (d: { amount: number }) => ({ firstToday: false, date, amount: d.amount, budgetExhausted: false, entries: [] });
      const prior = await store.findDaily(ctx.db, appId, userId, date);
      if (prior) return seen(prior);
      await abuse.guard(ctx, appId, 'daily_reward', userId, meta, cfg);
      const budgetDay = localDate(now, cfg.timezone);
      const drawn = randomInt(dr.min, dr.max + 1);
      const r = await inTransaction(ctx, async (tx) => {
        const claim = await store.claimDaily(tx.db, { appId, userId, localDate: date, amount: drawn, budgetDay, now });
        if (!claim) return null;
        let amount = drawn;
        if (dr.daily_budget !== null) {
          const spent = await store.lockBudget(tx.db, appId, budgetDay, { userId, localDate: date });
          amount = Math.max(0, Math.min(drawn, dr.daily_budget - spent));
          if (amount !== drawn) await store.setDailyAmount(tx.db, appId, userId, date, amount);
          if (amount > 0) await store.spendBudget(tx.db, appId, budgetDay, amount);
        } else {
          // No budget now; if one was in force earlier today its row keeps counting, so setting it
          // again later today still sees every claim (no row yet: the claim rows are counted then).
          await store.spendBudget(tx.db, appId, budgetDay, amount);
        }
        const entries = amount > 0 ? [(await deps.points.earn(tx, appId, { userId, type: cfg.points_type, amount, key: `daily:${userId}:${date}`, reason: 'Daily login reward', source: { type: 'daily_reward', id: `${userId}:${date}` } })).entry] : [];
        await deps.bus.emit(tx.db, 'daily_reward.claimed', { appId, userId, id: `daily:${userId}:${date}`, date, amount });
        return { firstToday: true, date, amount, budgetExhausted: amount < drawn, entries };
      });
      return r ?? seen((await store.findDaily(ctx.db, appId, userId, date))!);
    },
  };
}

export type Mall = ReturnType<typeof createMall>;
