// Flash sales (秒杀): sessions with items, a purchase attempt that returns a reservation, the host
// confirming it (paid) or it running out and its units returning to stock.
//
// The hot path, per attempt: answer "not started / ended / over the limit / sold out" from
// memory where possible (item metadata is cached per server for a second; a sold-out item is
// remembered until its stock comes back, which every server hears at once, and checked again by
// one attempt about every CANYU_FLASH_SALE_SOLD_OUT_MS in case that word was missed), then, with Redis, the Lua gate; then PostgreSQL: attempts for the
// same item are coalesced into batches, and one call of cm_fs_reserve_batch() per batch takes
// units from stock buckets (SKIP LOCKED, so concurrent batches and servers spread over rows instead
// of queueing behind one), checks each user's limit and writes the reservations, in one short
// transaction. The database is the record: no path can take a unit it does not hold.
import type pg from 'pg';
import type { Ctx } from '../../../context.ts';
import type { Db } from '../../../db/index.ts';
import { AppError, fieldError, isAppError, validationError } from '../../../http/errors.ts';
import { retryOnDeadlock } from '../../../lib/tx.ts';
import * as campaignStore from '../store.ts';
import type { Clock } from '../../../lib/clock.ts';
import { newId, randomBase62 } from '../../../lib/ids.ts';
import { loadCache } from '../../../lib/cache.ts';
import { assertExtendable, commitBudget, mustCampaign, type KindHooks, type Report, type CampaignAudit } from '../core.ts';
import type { Admit } from '../core.ts';
import type { Effects, InTx } from '../../webhooks/index.ts';
import { defaultBuckets, splitStock } from '../rules/stock.ts';
import { checkToken, issueToken } from '../rules/token.ts';
import type { Gate, GateState } from './gate.ts';
import type { Hub } from '../../../realtime/index.ts';
import * as store from './store.ts';
import type { ItemMeta, ItemRow, ReservationRow, SessionRow } from './store.ts';
import type { AttemptInput, CreateItemInput, CreateSessionInput } from './types.ts';

declare module '../../../events.ts' {
  interface DomainEvents {
    'flash_sale.reserved': { appId: string; campaignId: string; itemId: string; reservationId: string; userId: string; quantity: number; expiresAt: Date };
    'flash_sale.confirmed': { appId: string; campaignId: string; itemId: string; reservationId: string; userId: string; quantity: number; orderRef: string };
    /** reason: released by the host or user, expired unpaid, or its campaign was cancelled. */
    'flash_sale.released': { appId: string; campaignId: string; itemId: string; reservationId: string; userId: string; quantity: number; reason: 'released' | 'expired' | 'cancelled' };
  }
}

export type FlashSaleDeps = { admit: Admit;
  db: Db;
  pool: Pick<pg.Pool, 'query'>;
  clock: Clock;
  inTx: InTx;
  audit: CampaignAudit;
  gate: Gate | null;
  /** Asks for a tick at (or just after) this time: reservation timeouts. */
  wake(at: Date): void;
  /** Every server hears when stock may have come back (best effort; the memory's short life bounds a miss). */
  hub: Pick<Hub, 'publish' | 'on'> | null;
  /** How long a server answers "sold out" from memory. */
  soldOutMemoryMs: number;
  log: { warn(obj: object, msg: string): void };
};

/** How often a server adds the refusals it counted to the database. */
const REJECTIONS_FLUSH_MS = 1000;

/** Hub topic: stock of these items (null: any item) may have come back. */
const STOCK_BACK = 'fs.stock';

const META_TTL_MS = 1000;
const BATCH = 500;
/** Concurrent purchase calls per item per server, and attempts per call. */
const MAX_IN_FLIGHT = 4;
const MAX_BATCH = 128;
/** Batches an attempt may be sent in while its units are held by others, before it is refused as sold out. */
const MAX_BUSY = 200;
const BUSY_RETRY_MS = 2;

export function createFlashSale(deps: FlashSaleDeps) {
  const { clock } = deps;
  /** Item, session and campaign of each item, read once per META_TTL_MS: concurrent misses share one query. */
  const meta = loadCache<ItemMeta>(META_TTL_MS);
  /** Items recently found sold out (by the database or the Redis gate): new attempts are refused from memory. */
  const soldOutUntil = new Map<string, number>();
  /** Items the database itself found empty: attempts already queued for it are refused too. (The
   * gate's "sold out" means every unit was admitted, not reserved: admitted attempts must still go.) */
  const emptyUntil = new Map<string, number>();
  /**
   * Bumped whenever stock may have come back (a restock, released reservations): a "sold out"
   * found by an attempt that started before is not remembered, or it would refuse buyers of the
   * units that came back.
   */
  let epoch = 0;
  const SOLD_OUT_MEMORY_MS = deps.soldOutMemoryMs;
  /** Remembers an item as sold out (unless CANYU_FLASH_SALE_SOLD_OUT_MS is 0: then the database is asked every time). */
  const rememberSoldOut = (itemId: string) => {
    if (SOLD_OUT_MEMORY_MS > 0) soldOutUntil.set(itemId, Date.now() + SOLD_OUT_MEMORY_MS);
  };
  /** Items whose remembered "sold out" is being checked against the stock right now. */
  const rechecking = new Set<string>();
  /** One look at the stock of an item remembered sold out: remembered again if still empty, forgotten if not. */
  const stillSoldOut = async (itemId: string): Promise<boolean> => {
    const seen = epoch;
    rechecking.add(itemId);
    try {
      const left = (await store.remainingOf(deps.db, [itemId])).get(itemId) ?? 0;
      if (left === 0 && seen === epoch) {
        rememberSoldOut(itemId);
        return true;
      }
      soldOutUntil.delete(itemId);
      return false;
    } finally {
      rechecking.delete(itemId);
    }
  };
  const forgetHere = (itemIds: readonly string[] | null) => {
    epoch++;
    if (itemIds === null) {
      soldOutUntil.clear();
      emptyUntil.clear();
    } else {
      for (const id of itemIds) {
        soldOutUntil.delete(id);
        emptyUntil.delete(id);
      }
    }
  };
  /** Stock may have come back (after the commit): forget "sold out" here at once and on every other server. */
  const forgetSoldOut = (itemIds: readonly string[] | null = null) => {
    forgetHere(itemIds);
    deps.hub?.publish(STOCK_BACK, { i: itemIds });
  };
  // Refused attempts, counted here by campaign and reason and added to cm_fs_rejections about
  // every second: the monitor's rejections per second, without a write per refusal. A crash loses
  // at most the last second's count.
  const refused = new Map<string, number>();
  let flushing: Promise<void> = Promise.resolve();
  const flushRejections = (): Promise<void> => {
    if (refused.size === 0) return flushing;
    const rows = [...refused].map(([k, n]) => {
      const [campaignId, reason] = k.split('\u0000') as [string, string];
      return { campaignId, reason, n };
    });
    refused.clear();
    flushing = flushing
      .then(() => store.addRejections(deps.db, rows, clock.now()))
      .catch((err: unknown) => {
        // Kept for the next flush rather than lost.
        for (const r of rows) countRefusal(r.campaignId, r.reason, r.n);
        deps.log.warn({ err }, 'flash sale: adding counted refusals failed; retrying');
      });
    return flushing;
  };
  let flushTimer: NodeJS.Timeout | null = null;
  const countRefusal = (campaignId: string, reason: string, n = 1) => {
    const k = `${campaignId}\u0000${reason}`;
    refused.set(k, (refused.get(k) ?? 0) + n);
    flushTimer ??= setTimeout(() => {
      flushTimer = null;
      void flushRejections();
    }, REJECTIONS_FLUSH_MS).unref();
  };

  deps.hub?.on(STOCK_BACK, (p) => {
    const i = (p as { i?: unknown }).i;
    forgetHere(Array.isArray(i) ? i.filter((x): x is string => typeof x === 'string') : null);
  });

  /** The checks and the reservation of one attempt (see attempt()). */
  async function attemptItem(_ctx: Ctx, appId: string, m: ItemMeta, itemId: string, userId: string, input: AttemptInput): Promise<ReservationRow> {
    const qty = input.quantity ?? 1;
    const { item, session, campaign } = m;

    const now = clock.now();
    if (campaign.status !== 'scheduled' && campaign.status !== 'running') {
      throw new AppError('campaigns.not_active', `Campaign ${campaign.id} is ${campaign.status}`, { campaign_id: campaign.id, status: campaign.status });
    }
    if (now < session.startsAt) throw new AppError('flash_sale.not_started', `Session ${session.id} starts at ${session.startsAt.toISOString()}`, { item_id: itemId, starts_at: session.startsAt.toISOString() });
    if (now >= session.endsAt || now >= campaign.endsAt) throw new AppError('flash_sale.ended', `Session ${session.id} ended at ${session.endsAt.toISOString()}`, { item_id: itemId, ended_at: session.endsAt.toISOString() });
    const limitReached = () => new AppError('flash_sale.limit_reached', `User ${userId} may hold at most ${item.perUserLimit} of item ${itemId}`, { item_id: itemId, per_user_limit: item.perUserLimit });
    const soldOut = () => new AppError('flash_sale.sold_out', `Item ${itemId} is sold out`, { item_id: itemId });
    if (qty > item.perUserLimit) throw limitReached();
    if (campaign.perUserLimit !== null && qty > campaign.perUserLimit) {
      throw new AppError('campaigns.user_limit_reached', `User ${userId} may take at most ${campaign.perUserLimit} in campaign ${campaign.id}`, { campaign_id: campaign.id, per_user_limit: campaign.perUserLimit });
    }
    if (session.tokenRequired) {
      if (!input.token) throw new AppError('flash_sale.token_required', `Session ${session.id} requires a purchase token issued before the start`, { session_id: session.id });
      if (!checkToken(session.tokenSecret, session.id, userId, input.token, Math.floor(now.getTime() / 1000))) throw new AppError('flash_sale.token_invalid', `The purchase token is not valid for user ${userId} in session ${session.id}`, { session_id: session.id });
    }
    const until = soldOutUntil.get(itemId);
    if (until !== undefined) {
      // Remembered sold out: refused from memory. Once the memory is older than SOLD_OUT_MEMORY_MS,
      // one attempt per item looks at the stock (the others are still refused meanwhile), so
      // stock that came back without word from its server is found within about that time.
      if (until > Date.now() || rechecking.has(itemId)) throw soldOut();
      if (await stillSoldOut(itemId)) throw soldOut();
    }
    // Inside an experiment: the holdout is refused before any stock is touched.
    await deps.admit(deps.db, campaign, userId);

    let admitted = false;
    if (deps.gate) {
      const seen = epoch;
      const g = await deps.gate.admit(itemId, userId, qty, item.perUserLimit, () => gateState(itemId));
      if (g === 'sold_out') {
        if (qty === 1 && seen === epoch) rememberSoldOut(itemId);
        throw soldOut();
      }
      if (g === 'limit_reached') throw limitReached();
      admitted = g === 'admitted';
    }

    const id = newId('fsr');
    let r: Settled;
    try {
      r = await coalesce({ item, campaign, appId }, { userId, qty, id });
    } catch (err) {
      if (admitted) await deps.gate!.giveBack(itemId, [{ userId, qty }]);
      throw err;
    }
    if (r.outcome !== 'reserved') {
      // Redis let the buyer through but the record says no: hand the admission back.
      if (admitted) await deps.gate!.giveBack(itemId, [{ userId, qty }]);
      switch (r.outcome) {
        case 'sold_out':
          throw soldOut();
        case 'limit_reached':
          throw limitReached();
        case 'campaign_limit_reached':
          throw new AppError('campaigns.user_limit_reached', `User ${userId} has reached the limit of ${campaign.perUserLimit} in campaign ${campaign.id}`, { campaign_id: campaign.id, per_user_limit: campaign.perUserLimit });
        case 'not_active':
          meta.delete(`${appId}\u0000${itemId}`);
          throw new AppError('campaigns.not_active', `Campaign ${campaign.id} is not running`, { campaign_id: campaign.id });
      }
    }
    deps.wake(r.expiresAt);
    const row: ReservationRow = { id, appId, campaignId: campaign.id, itemId, userId, qty, bucket: r.bucket!, status: 'held', expiresAt: r.expiresAt, orderRef: null, createdAt: r.now, confirmedAt: null, releasedAt: null };
    return row;
  }

  function itemMeta(appId: string, itemId: string): Promise<ItemMeta> {
    return meta.get(`${appId}\u0000${itemId}`, async () => {
      const m = await store.findItemMeta(deps.db, appId, itemId);
      if (!m) throw new AppError('flash_sale.item_not_found', `No flash-sale item ${itemId} in this app`, { item_id: itemId });
      return m;
    });
  }

  // Request coalescing: attempts for one item queue here while MAX_IN_FLIGHT calls for it are
  // running, and go to PostgreSQL together (up to MAX_BATCH per call). Under light load every
  // attempt goes at once, alone; under a spike batches grow by themselves, and the database
  // commits once per batch instead of once per buyer.
  type Settled = { outcome: Exclude<store.ReserveOutcome, 'busy'>; bucket: number | null; now: Date; expiresAt: Date };
  /** `busy`: how many batches answered "units held by other batches" for this attempt. */
  type Waiting = { userId: string; qty: number; id: string; busy: number; resolve(s: Settled): void; reject(e: unknown): void };
  type Line = { waiting: Waiting[]; inFlight: number; item: ItemRow; campaign: ItemMeta['campaign']; appId: string };
  const lines = new Map<string, Line>();

  function coalesce(m: { item: ItemRow; campaign: ItemMeta['campaign']; appId: string }, a: { userId: string; qty: number; id: string }): Promise<Settled> {
    let line = lines.get(m.item.id);
    if (!line) lines.set(m.item.id, (line = { waiting: [], inFlight: 0, ...m }));
    const l = line;
    const p = new Promise<Settled>((resolve, reject) => l.waiting.push({ ...a, busy: 0, resolve, reject }));
    pump(l);
    return p;
  }

  function pump(l: Line): void {
    if (l.waiting.length > 0 && (emptyUntil.get(l.item.id) ?? 0) > Date.now()) {
      // A batch just found the item sold out: the attempts queued behind it need not ask again.
      const now = clock.now();
      for (const w of l.waiting.splice(0)) w.resolve({ outcome: 'sold_out', bucket: null, now, expiresAt: now });
    }
    while (l.inFlight < MAX_IN_FLIGHT && l.waiting.length > 0) {
      const batch = l.waiting.splice(0, MAX_BATCH);
      l.inFlight++;
      const now = clock.now();
      const expiresAt = new Date(now.getTime() + l.item.reservationTtlSeconds * 1000);
      const seen = epoch;
      let busy = false;
      store
        .reserveBatch(deps.pool, { appId: l.appId, campaignId: l.campaign.id, itemId: l.item.id, attempts: batch, userLimit: l.item.perUserLimit, campaignLimit: l.campaign.perUserLimit, buckets: l.item.buckets, startBucket: Math.floor(Math.random() * l.item.buckets), now, expiresAt })
        .then(
          (out) => {
            // A one-unit attempt found nothing: the item is empty right now.
            if (seen === epoch && out.some((o, i) => o.outcome === 'sold_out' && batch[i]!.qty === 1)) {
              rememberSoldOut(l.item.id);
              emptyUntil.set(l.item.id, Date.now() + SOLD_OUT_MEMORY_MS);
            }
            // Units held by other batches: these attempts go first in the next batch (a bounded
            // number of times), sent once another batch of this item ends here or, with none
            // running here, after a moment (the holders are on other servers).
            const again: Waiting[] = [];
            batch.forEach((w, i) => {
              const o = out[i]!;
              if (o.outcome !== 'busy') w.resolve({ outcome: o.outcome, bucket: o.bucket, now, expiresAt });
              else if (++w.busy < MAX_BUSY) again.push(w);
              else w.resolve({ outcome: 'sold_out', bucket: null, now, expiresAt });
            });
            if (again.length > 0) {
              busy = true;
              l.waiting.unshift(...again);
            }
          },
          (err: unknown) => batch.forEach((w) => w.reject(err)),
        )
        .finally(() => {
          l.inFlight--;
          if (l.inFlight === 0 && l.waiting.length === 0) lines.delete(l.item.id);
          else if (!busy) pump(l);
          else if (l.inFlight === 0) setTimeout(() => pump(l), BUSY_RETRY_MS).unref();
        });
    }
  }

  async function mustSession(db: Db, appId: string, id: string): Promise<SessionRow> {
    const s = await store.findSession(db, appId, id);
    if (!s) throw new AppError('flash_sale.session_not_found', `No flash-sale session ${id} in this app`, { session_id: id });
    return s;
  }

  const gateState = async (itemId: string): Promise<GateState> => ({ remaining: (await store.remainingOf(deps.db, [itemId])).get(itemId) ?? 0, users: await store.userCounts(deps.db, itemId) });

  /** Records what follows a release once it commits: events, webhooks, Redis counters. */
  async function released(fx: Effects, rows: ReservationRow[], to: 'released' | 'expired', reason: 'released' | 'expired' | 'cancelled'): Promise<void> {
    for (const r of rows) {
      await fx.event('flash_sale.released', { appId: r.appId, campaignId: r.campaignId, itemId: r.itemId, reservationId: r.id, userId: r.userId, quantity: r.qty, reason });
      await fx.webhook(r.appId, {
        type: reason === 'expired' ? 'flash_sale.reservation.expired' : 'flash_sale.reservation.released',
        key: `${r.id}:${to}`,
        data: { reservation_id: r.id, campaign_id: r.campaignId, item_id: r.itemId, user_id: r.userId, quantity: r.qty, reason, order_ref: r.orderRef },
      });
    }
    if (rows.length === 0) return;
    fx.after(async () => {
      forgetSoldOut([...new Set(rows.map((r) => r.itemId))]);
      if (!deps.gate) return;
      const byItem = new Map<string, { userId: string; qty: number }[]>();
      for (const r of rows) byItem.set(r.itemId, [...(byItem.get(r.itemId) ?? []), { userId: r.userId, qty: r.qty }]);
      for (const [itemId, entries] of byItem) await deps.gate.giveBack(itemId, entries);
    });
  }

  /** Ends reservations in one transaction: units back to stock, then events, webhooks and Redis. */
  function releaseWhere(which: store.Which, to: 'released' | 'expired', reason: 'released' | 'expired' | 'cancelled', db: Db = deps.db, audit?: (tx: Db, rows: ReservationRow[]) => Promise<void>): Promise<ReservationRow[]> {
    return deps.inTx(db, async (tx, fx) => {
      const rows = await store.release(tx, which, to, clock.now());
      await released(fx, rows, to, reason);
      await audit?.(tx, rows);
      return rows;
    });
  }

  async function setStockOnce(ctx: Ctx, appId: string, itemId: string, stock: number): Promise<ItemRow & { remaining: number }> {
    const out = await deps.inTx(ctx.db, async (tx, fx) => {
      const item = await store.lockItem(tx, appId, itemId);
      if (!item) throw new AppError('flash_sale.item_not_found', `No flash-sale item ${itemId} in this app`, { item_id: itemId });
      const s = await mustSession(tx, appId, item.sessionId);
      const c = await mustCampaign(tx, appId, item.campaignId, 'flash_sale', true);
      const now = clock.now();
      assertExtendable(c, now);
      if (c.status === 'running' && s.endsAt <= now) throw new AppError('flash_sale.ended', `Session ${s.id} ended at ${s.endsAt.toISOString()}`, { session_id: s.id });
      const delta = stock - item.stock;
      const unit = item.originalPrice - item.salePrice;
      if (delta > 0) {
        await commitBudget(tx, c, delta * unit);
        await store.addStock(tx, item.id, splitStock(delta, item.buckets));
      } else if (delta < 0) {
        const taken = await store.takeBackStock(tx, item.id, -delta);
        if (taken === null) {
          const remaining = (await store.remainingOf(tx, [item.id])).get(item.id) ?? 0;
          throw new AppError('flash_sale.stock_below_sold', `Item ${item.id} has ${item.stock - remaining} units held or sold; its stock cannot go below that (asked ${stock})`, {
            field: 'body.stock',
            item_id: item.id,
            held_or_sold: item.stock - remaining,
            requested: stock,
          });
        }
        await campaignStore.releaseBudget(tx, c.id, -delta * unit);
      }
      const row = delta === 0 ? item : await store.setItemStock(tx, item.id, stock);
      await deps.audit.record(ctx, tx, { appId, action: 'flash_sale.item.stock', targetType: 'flash_sale_item', targetId: item.id, before: item, after: row });
      fx.after(async () => {
        meta.clear();
        forgetSoldOut([item.id]);
        if (deps.gate) await deps.gate.reset(item.id, await gateState(item.id));
      });
      return { ...row, remaining: (await store.remainingOf(tx, [item.id])).get(item.id) ?? 0 };
    });
    return out;
  }

  const hooks: KindHooks = {
    parseSettings(settings) {
      if (Object.keys(settings).length > 0) throw validationError(Object.keys(settings).map((k) => ({ field: `body.settings.${k}`, code: 'unknown_field', message: 'A flash sale has no settings: its sessions and items carry its configuration', expected: 'no fields' })));
      return {};
    },
    async notReady(db, c) {
      const sessions = await store.sessionsOf(db, c.id);
      if (sessions.length === 0) return 'a flash sale needs at least one session';
      const items = await store.itemsOf(
        db,
        sessions.map((s) => s.id),
      );
      if (items.length === 0) return 'a flash sale needs at least one item';
      return null;
    },
    async onCancel(tx, fx, c, now) {
      const rows = await store.release(tx, { kind: 'campaign', campaignId: c.id }, 'released', now);
      await released(fx, rows, 'released', 'cancelled');
      fx.after(() => api.forget());
    },
    async tick() {
      let n = 0;
      for (;;) {
        const rows = await releaseWhere({ kind: 'due', now: clock.now(), limit: BATCH }, 'expired', 'expired');
        n += rows.length;
        if (rows.length < BATCH) break;
      }
      for (;;) {
        const rows = await releaseWhere({ kind: 'cancelled', limit: BATCH }, 'released', 'cancelled');
        n += rows.length;
        if (rows.length < BATCH) break;
      }
      return n;
    },
    async report(db, c): Promise<Report> {
      const [r, refused] = await Promise.all([store.report(db, c.id), store.rejections(db, c.id)]);
      return {
        participants: r.participants,
        successes: r.confirmedUnits,
        cost: r.cost,
        details: {
          reservations: r.reservations,
          held_units: r.heldUnits,
          confirmed_units: r.confirmedUnits,
          released_units: r.releasedUnits,
          expired_units: r.expiredUnits,
          buyers: r.buyers,
          revenue: r.revenue,
          // Refused attempts by reason (error code), added by each server about every second.
          rejections: Object.values(refused).reduce((a, n) => a + n, 0),
          rejections_by_reason: refused,
        },
      };
    },
  };

  const api = {
    hooks,

    async createSession(ctx: Ctx, appId: string, campaignId: string, input: CreateSessionInput): Promise<SessionRow> {
      return ctx.db.transaction(async (tx) => {
        const c = await mustCampaign(tx, appId, campaignId, 'flash_sale', true);
        const now = clock.now();
        // A running flash sale may get a new session, as long as it has not ended.
        assertExtendable(c, now);
        const startsAt = new Date(input.starts_at);
        const endsAt = new Date(input.ends_at);
        if (c.status === 'running' && endsAt <= now) throw fieldError('body.ends_at', `must be in the future: the campaign is running (now is ${now.toISOString()})`);
        if (startsAt < c.startsAt) throw fieldError('body.starts_at', `must not be before the campaign starts (${c.startsAt.toISOString()})`);
        if (endsAt > c.endsAt) throw fieldError('body.ends_at', `must not be after the campaign ends (${c.endsAt.toISOString()})`);
        const tokenRequired = input.token_required ?? false;
        const session = await store.insertSession(tx, {
          id: newId('fss'),
          appId,
          campaignId,
          name: input.name ?? '',
          startsAt,
          endsAt,
          tokenRequired,
          tokenOpensAt: tokenRequired ? new Date(startsAt.getTime() - (input.token_opens_minutes ?? 30) * 60_000) : null,
          tokenSecret: randomBase62(32),
        });
        await deps.audit.record(ctx, tx, { appId, action: 'flash_sale.session.create', targetType: 'flash_sale_session', targetId: session.id, after: session });
        return session;
      });
    },

    async addItem(ctx: Ctx, appId: string, sessionId: string, input: CreateItemInput): Promise<ItemRow> {
      return ctx.db.transaction(async (tx) => {
        const s = await mustSession(tx, appId, sessionId);
        const c = await mustCampaign(tx, appId, s.campaignId, 'flash_sale', true);
        const now = clock.now();
        assertExtendable(c, now);
        if (c.status === 'running' && s.endsAt <= now) throw new AppError('flash_sale.ended', `Session ${s.id} ended at ${s.endsAt.toISOString()}`, { session_id: s.id });
        await commitBudget(tx, c, input.stock * (input.original_price - input.sale_price));
        const split = splitStock(input.stock, input.buckets ?? defaultBuckets(input.stock));
        const item = await store.insertItem(
          tx,
          {
            id: newId('fsi'),
            appId,
            campaignId: c.id,
            sessionId: s.id,
            productId: input.product_id,
            name: input.name ?? '',
            originalPrice: input.original_price,
            salePrice: input.sale_price,
            stock: input.stock,
            perUserLimit: input.per_user_limit ?? 1,
            reservationTtlSeconds: input.reservation_ttl_seconds ?? 900,
            buckets: split.length,
          },
          split,
        );
        await deps.audit.record(ctx, tx, { appId, action: 'flash_sale.item.create', targetType: 'flash_sale_item', targetId: item.id, after: item });
        return item;
      });
    },

    async sessions(ctx: Ctx, appId: string, campaignId: string): Promise<{ session: SessionRow; items: (ItemRow & { remaining: number })[] }[]> {
      await mustCampaign(ctx.db, appId, campaignId, 'flash_sale');
      const sessions = await store.sessionsOf(ctx.db, campaignId);
      const items = await store.itemsOf(
        ctx.db,
        sessions.map((s) => s.id),
      );
      const remaining = await store.remainingOf(
        ctx.db,
        items.map((i) => i.id),
      );
      return sessions.map((session) => ({ session, items: items.filter((i) => i.sessionId === session.id).map((i) => ({ ...i, remaining: remaining.get(i.id) ?? 0 })) }));
    },

    /**
     * Sets an item's total stock, also while its campaign runs. Raising it adds units to the stock
     * buckets (row updates: an attempt that finds a bucket locked takes another or waits, as it
     * does for another buyer); lowering it takes back units not yet held or sold, under the locks
     * of every bucket, so it never takes a unit a buyer holds (409 flash_sale.stock_below_sold).
     * The subsidy of added units is committed against the budget; that of removed ones released.
     */
    async setStock(ctx: Ctx, appId: string, itemId: string, stock: number): Promise<ItemRow & { remaining: number }> {
      // Purchase batches lock buckets in their own order; PostgreSQL may break a lock cycle by
      // aborting this transaction (nothing of it happened): try again.
      return retryOnDeadlock(() => setStockOnce(ctx, appId, itemId, stock));
    },

    async item(ctx: Ctx, appId: string, itemId: string): Promise<ItemRow & { remaining: number }> {
      const m = await store.findItemMeta(ctx.db, appId, itemId);
      if (!m) throw new AppError('flash_sale.item_not_found', `No flash-sale item ${itemId} in this app`, { item_id: itemId });
      return { ...m.item, remaining: (await store.remainingOf(ctx.db, [itemId])).get(itemId) ?? 0 };
    },

    /** The anti-bot token: only before the session starts, only for sessions that require one. */
    async issueToken(ctx: Ctx, appId: string, sessionId: string, userId: string): Promise<{ token: string; expiresAt: Date }> {
      const s = await mustSession(ctx.db, appId, sessionId);
      const now = clock.now();
      if (!s.tokenRequired || !s.tokenOpensAt) throw new AppError('flash_sale.token_window_closed', `Session ${s.id} does not use purchase tokens`, { session_id: s.id });
      if (now < s.tokenOpensAt || now >= s.startsAt) {
        throw new AppError('flash_sale.token_window_closed', `Purchase tokens for session ${s.id} are issued from ${s.tokenOpensAt.toISOString()} until the start at ${s.startsAt.toISOString()}`, { session_id: s.id, opens_at: s.tokenOpensAt.toISOString(), starts_at: s.startsAt.toISOString() });
      }
      return { token: issueToken(s.tokenSecret, s.id, userId, Math.floor(s.endsAt.getTime() / 1000)), expiresAt: s.endsAt };
    },

    /** A purchase attempt: a held reservation, or a fast 4xx saying why not (counted by reason for the monitor). */
    async attempt(ctx: Ctx, appId: string, itemId: string, userId: string, input: AttemptInput): Promise<ReservationRow> {
      const m = await itemMeta(appId, itemId);
      try {
        return await attemptItem(ctx, appId, m, itemId, userId, input);
      } catch (err) {
        if (isAppError(err) && err.status < 500) countRefusal(m.campaign.id, err.code);
        throw err;
      }
    },

    /** Adds the refusals counted so far (on shutdown, and in tests). */
    flushRejections,

    /** Refused purchase attempts of the campaign so far, by reason (counted ones not yet added are not in it). */
    rejections: (db: Db, campaignId: string) => store.rejections(db, campaignId),

    async reservation(ctx: Ctx, appId: string, id: string, onlyUser?: string): Promise<ReservationRow> {
      const r = await store.findReservation(ctx.db, appId, id);
      if (!r || (onlyUser !== undefined && r.userId !== onlyUser)) throw new AppError('flash_sale.reservation_not_found', `No reservation ${id} in this app`, { reservation_id: id });
      return r;
    },

    reservations(ctx: Ctx, appId: string, q: store.ReservationQuery): Promise<ReservationRow[]> {
      return store.listReservations(ctx.db, appId, q);
    },

    /** The host says the reservation is paid. Idempotent for the same order_ref. */
    async confirm(ctx: Ctx, appId: string, id: string, orderRef: string): Promise<ReservationRow> {
      const now = clock.now();
      const r = await deps.inTx(ctx.db, async (tx, fx) => {
        const got = await store.confirm(tx, appId, id, orderRef, now);
        if (got) {
          await fx.event('flash_sale.confirmed', { appId, campaignId: got.campaignId, itemId: got.itemId, reservationId: got.id, userId: got.userId, quantity: got.qty, orderRef });
          await deps.audit.record(ctx, tx, { appId, action: 'flash_sale.reservation.confirm', targetType: 'flash_sale_reservation', targetId: got.id, before: { status: 'held' }, after: got });
        }
        return got;
      });
      if (r) return r;
      const cur = await api.reservation(ctx, appId, id);
      if (cur.status === 'confirmed' && cur.orderRef === orderRef) {
        deps.audit.replayed(ctx);
        return cur;
      }
      if (cur.status === 'held') {
        // Its time ran out but the sweep has not reached it yet: release it now, then refuse.
        await releaseWhere({ kind: 'one', appId, id, from: ['held'] }, 'expired', 'expired');
        throw new AppError('flash_sale.reservation_expired', `Reservation ${id} expired at ${cur.expiresAt.toISOString()}; its units went back to stock`, { reservation_id: id, expired_at: cur.expiresAt.toISOString() });
      }
      if (cur.status === 'expired') throw new AppError('flash_sale.reservation_expired', `Reservation ${id} expired at ${cur.expiresAt.toISOString()}`, { reservation_id: id, expired_at: cur.expiresAt.toISOString() });
      throw new AppError('flash_sale.reservation_closed', `Reservation ${id} is already ${cur.status}${cur.orderRef ? ` (order ${cur.orderRef})` : ''}`, { reservation_id: id, status: cur.status, order_ref: cur.orderRef });
    },

    /**
     * Gives the units back: a held reservation (the user changed their mind), or a confirmed one
     * whose order the host cancelled. A user may release only their own held reservation.
     */
    async release(ctx: Ctx, appId: string, id: string, byUser?: string): Promise<ReservationRow> {
      const cur = await api.reservation(ctx, appId, id, byUser);
      const from: store.ReservationStatus[] = byUser !== undefined ? ['held'] : ['held', 'confirmed'];
      const [r] = await releaseWhere({ kind: 'one', appId, id, from }, 'released', 'released', ctx.db, async (tx, rows) => {
        if (rows[0]) await deps.audit.record(ctx, tx, { appId, action: 'flash_sale.reservation.release', targetType: 'flash_sale_reservation', targetId: id, before: cur, after: rows[0] });
      });
      if (r) return r;
      const now = await api.reservation(ctx, appId, id);
      throw new AppError('flash_sale.reservation_closed', `Reservation ${id} is ${now.status}${byUser !== undefined && now.status === 'confirmed' ? '; a paid reservation is released by the host' : ''}`, { reservation_id: id, status: now.status, previous_status: cur.status });
    },

    /** Copies the database's stock and per-user counts into Redis for items on sale around now. */
    async reconcile(): Promise<number> {
      if (!deps.gate) return 0;
      const ids = await store.activeItemIds(deps.db, clock.now(), 3600_000);
      for (const id of ids) await deps.gate.reset(id, await gateState(id));
      forgetSoldOut();
      return ids.length;
    },

    /** Gives back the units a user holds (their account is being erased). */
    releaseUser(appId: string, userId: string): Promise<ReservationRow[]> {
      return releaseWhere({ kind: 'user', appId, userId }, 'released', 'released');
    },

    /** Forgets cached item metadata (after a campaign changes state on this server). */
    forget(): void {
      meta.clear();
      forgetSoldOut();
    },

  };
  return api;
}

export type FlashSale = ReturnType<typeof createFlashSale>;
