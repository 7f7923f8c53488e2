// Flash sales on one server: lifecycle, buying, limits, confirmation, release, timeouts on a
// controllable clock, the anti-bot token, budgets, bad input, foreign-app ids, and in-process
// races with and without the Redis gate.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, startTestApp, type Tenant, type TestApp } from '../../../testing/app.ts';
import { allowReceivers } from '../../../testing/receiver.ts';
import { expectError, findIssue } from '../../../testing/http.ts';
import { api, iso, ok, testClock } from '../test-helpers.ts';

const clock = testClock('2030-06-01T00:00:00Z');
const T0 = clock.t;
const H = 3600_000;

let t: TestApp;
let tenant: Tenant;
let a: ReturnType<typeof api>;

before(async () => {
  t = await startTestApp({ clock, config: allowReceivers });
  tenant = await t.newTenant();
  a = api(t, tenant);
});
after(() => t.close());

type Item = { id: string; remaining: number; stock: number };
type Reservation = { id: string; status: string; user_id: string; quantity: number; expires_at: string; order_ref: string | null };

/** A scheduled flash sale, session [start, start+1h), one item. */
async function sale(opts: { stock?: number; perUser?: number; ttl?: number; startIn?: number; budget?: number; perUserCampaign?: number; token?: boolean; buckets?: number; original?: number; price?: number } = {}) {
  const start = clock.t + (opts.startIn ?? H);
  const c = await a.campaign({ kind: 'flash_sale', name: '双十一秒杀', starts_at: iso(start), ends_at: iso(start + 2 * H), ...(opts.budget !== undefined ? { budget: opts.budget } : {}), ...(opts.perUserCampaign ? { per_user_limit: opts.perUserCampaign } : {}) });
  const s = ok<{ id: string }>(await a.post(`/v1/campaigns/${c.id}/flash-sale/sessions`, { name: '10:00 场', starts_at: iso(start), ends_at: iso(start + H), ...(opts.token ? { token_required: true, token_opens_minutes: 10 } : {}) }), 201);
  const item = ok<Item>(
    await a.post(`/v1/flash-sale/sessions/${s.id}/items`, { product_id: 'sku-1', name: '耳机', original_price: opts.original ?? 19900, sale_price: opts.price ?? 9900, stock: opts.stock ?? 10, per_user_limit: opts.perUser ?? 1, reservation_ttl_seconds: opts.ttl ?? 600, ...(opts.buckets ? { buckets: opts.buckets } : {}) }),
    201,
  );
  ok(await a.post(`/v1/campaigns/${c.id}/schedule`));
  return { campaignId: c.id, sessionId: s.id, itemId: item.id, start };
}

const buy = (itemId: string, userId: string, extra: object = {}) => a.post(`/v1/flash-sale/items/${itemId}/attempts`, { user_id: userId, ...extra });
const remaining = async (itemId: string) => ok<Item>(await a.get(`/v1/flash-sale/items/${itemId}`)).remaining;

describe('campaign lifecycle', () => {
  it('goes draft → scheduled → running → ended by ticks at the configured times, announcing each once', async () => {
    const start = clock.t + H;
    const c = await a.campaign({ kind: 'flash_sale', name: 'life', starts_at: iso(start), ends_at: iso(start + H) });
    assert.equal(c.status, 'draft');
    const err = expectError(await a.post(`/v1/campaigns/${c.id}/schedule`), 409, 'campaigns.not_ready');
    assert.match(err.message, /session/);
    const s = ok<{ id: string }>(await a.post(`/v1/campaigns/${c.id}/flash-sale/sessions`, { starts_at: iso(start), ends_at: iso(start + H) }), 201);
    expectError(await a.post(`/v1/campaigns/${c.id}/schedule`), 409, 'campaigns.not_ready');
    ok(await a.post(`/v1/flash-sale/sessions/${s.id}/items`, { product_id: 'p', original_price: 100, sale_price: 50, stock: 3 }), 201);
    const events: string[] = [];
    const offs = (['campaign.scheduled', 'campaign.started', 'campaign.ended'] as const).map((n) => t.services.bus.subscribe(n, (p) => void (p.campaignId === c.id && events.push(n))));
    try {
      assert.equal(ok<{ status: string }>(await a.post(`/v1/campaigns/${c.id}/schedule`)).status, 'scheduled');
      expectError(await a.post(`/v1/campaigns/${c.id}/schedule`), 409, 'campaigns.invalid_transition');
      await t.services.campaigns.tick();
      assert.equal(ok<{ status: string }>(await a.get(`/v1/campaigns/${c.id}`)).status, 'scheduled');
      clock.t = start;
      await Promise.all([t.services.campaigns.tick(), t.services.campaigns.tick()]);
      assert.equal(ok<{ status: string; started_at: string }>(await a.get(`/v1/campaigns/${c.id}`)).status, 'running');
      expectError(await a.patch(`/v1/campaigns/${c.id}`, { name: 'x' }), 409, 'campaigns.not_editable');
      clock.t = start + H;
      await Promise.all([t.services.campaigns.tick(), t.services.campaigns.tick()]);
      assert.equal(ok<{ status: string }>(await a.get(`/v1/campaigns/${c.id}`)).status, 'ended');
      expectError(await a.post(`/v1/campaigns/${c.id}/cancel`), 409, 'campaigns.invalid_transition');
      await t.services.bus.drain();
      assert.deepEqual(events, ['campaign.scheduled', 'campaign.started', 'campaign.ended']);
    } finally {
      offs.forEach((o) => o());
      clock.t = T0;
    }
  });

  it('lists and filters campaigns, changes drafts, and names bad input', async () => {
    const ten = await t.newTenant();
    const b = api(t, ten);
    const c1 = await b.campaign({ kind: 'flash_sale', name: 'one', starts_at: iso(T0 + H), ends_at: iso(T0 + 2 * H) });
    await b.campaign({ kind: 'flash_sale', name: 'two', starts_at: iso(T0 + H), ends_at: iso(T0 + 2 * H) });
    const list = ok<{ data: { id: string }[]; next_cursor: string | null }>(await b.get('/v1/campaigns?limit=1'));
    assert.equal(list.data.length, 1);
    const rest = ok<{ data: { id: string }[]; next_cursor: string | null }>(await b.get(`/v1/campaigns?limit=5&cursor=${list.next_cursor}`));
    assert.equal(rest.data.length, 1);
    assert.equal(ok<{ data: unknown[] }>(await b.get('/v1/campaigns?status=running')).data.length, 0);
    // The name search is the server's, across pages, case-insensitive; % and _ are plain characters.
    await b.campaign({ kind: 'flash_sale', name: 'Spring 春季 50%_off', starts_at: iso(T0 + H), ends_at: iso(T0 + 2 * H) });
    const names = async (q: string) => ok<{ data: { name: string }[] }>(await b.get(`/v1/campaigns?limit=1&q=${encodeURIComponent(q)}`)).data.map((c) => c.name);
    assert.deepEqual(await names('春季'), ['Spring 春季 50%_off']);
    assert.deepEqual(await names('SPRING'), ['Spring 春季 50%_off']);
    assert.deepEqual(await names('%_'), ['Spring 春季 50%_off']);
    assert.deepEqual(await names('_'), ['Spring 春季 50%_off']);
    assert.deepEqual(await names('one'), ['one']);
    assert.deepEqual(await names('nothing like it'), []);
    const p = ok<{ name: string; budget: number }>(await b.patch(`/v1/campaigns/${c1.id}`, { name: '改名', budget: 5000 }));
    assert.deepEqual([p.name, p.budget], ['改名', 5000]);
    let err = expectError(await b.post('/v1/campaigns', { kind: 'flash_sale', name: 'x', starts_at: iso(T0 + H), ends_at: iso(T0) }), 400, 'validation_failed');
    findIssue(err, 'body.ends_at');
    err = expectError(await b.post('/v1/campaigns', { kind: 'lottery', name: 'x', starts_at: iso(T0), ends_at: iso(T0 + H) }), 400, 'validation_failed');
    findIssue(err, 'body.kind');
    err = expectError(await b.patch(`/v1/campaigns/${c1.id}`, { ends_at: iso(T0) }), 400, 'validation_failed');
    findIssue(err, 'body.ends_at');
  });
});

describe('buying', () => {
  it('refuses before the start and after the end, with the times', async () => {
    const s = await sale();
    const err = expectError(await buy(s.itemId, 'early'), 409, 'flash_sale.not_started');
    assert.equal(err.details?.starts_at, iso(s.start));
    clock.t = s.start + H;
    expectError(await buy(s.itemId, 'late'), 409, 'flash_sale.ended');
    clock.t = T0;
  });

  it('reserves, holds the per-user limit, sells out, and counts stock exactly', async () => {
    const s = await sale({ stock: 3, perUser: 1 });
    clock.t = s.start;
    try {
      const r = ok<Reservation>(await buy(s.itemId, 'u1'), 201);
      assert.equal(r.status, 'held');
      assert.equal(r.expires_at, iso(s.start + 600_000));
      expectError(await buy(s.itemId, 'u1'), 409, 'flash_sale.limit_reached');
      expectError(await buy(s.itemId, 'u2', { quantity: 2 }), 409, 'flash_sale.limit_reached');
      ok(await buy(s.itemId, 'u2'), 201);
      ok(await buy(s.itemId, 'u3'), 201);
      assert.equal(await remaining(s.itemId), 0);
      const e = expectError(await buy(s.itemId, 'u4'), 409, 'flash_sale.sold_out');
      assert.equal(e.details?.item_id, s.itemId);
      const zh = await t.inject({ method: 'POST', url: `/v1/flash-sale/items/${s.itemId}/attempts`, headers: { ...bearer(tenant.secretKey), 'accept-language': 'zh-CN' }, payload: { user_id: 'u5' } });
      assert.equal(expectError(zh, 409, 'flash_sale.sold_out').message, '已抢光');
    } finally {
      clock.t = T0;
    }
  });

  it('confirms (idempotently for one order), releases, and returns units to stock', async () => {
    const s = await sale({ stock: 2, perUser: 1 });
    clock.t = s.start;
    try {
      const r = ok<Reservation>(await buy(s.itemId, 'payer'), 201);
      const c = ok<Reservation>(await a.post(`/v1/flash-sale/reservations/${r.id}/confirm`, { order_ref: 'order-1' }));
      assert.deepEqual([c.status, c.order_ref], ['confirmed', 'order-1']);
      assert.equal(ok<Reservation>(await a.post(`/v1/flash-sale/reservations/${r.id}/confirm`, { order_ref: 'order-1' })).status, 'confirmed');
      expectError(await a.post(`/v1/flash-sale/reservations/${r.id}/confirm`, { order_ref: 'order-2' }), 409, 'flash_sale.reservation_closed');
      const r2 = ok<Reservation>(await buy(s.itemId, 'changer'), 201);
      assert.equal(await remaining(s.itemId), 0);
      assert.equal(ok<Reservation>(await a.post(`/v1/flash-sale/reservations/${r2.id}/release`)).status, 'released');
      assert.equal(await remaining(s.itemId), 1);
      expectError(await a.post(`/v1/flash-sale/reservations/${r2.id}/release`), 409, 'flash_sale.reservation_closed');
      // The host may release a paid reservation whose order it cancelled.
      assert.equal(ok<Reservation>(await a.post(`/v1/flash-sale/reservations/${r.id}/release`)).status, 'released');
      assert.equal(await remaining(s.itemId), 2);
      // Released units count no more against the user's limit.
      ok(await buy(s.itemId, 'changer'), 201);
      const report = ok<{ participants: number; successes: number; cost: number; details: { released_units: number } }>(await a.get(`/v1/campaigns/${s.campaignId}/report`));
      assert.deepEqual([report.participants, report.successes, report.cost, report.details.released_units], [2, 0, 0, 2]);
    } finally {
      clock.t = T0;
    }
  });

  it('lets a user act only for themselves and see only their own reservations', async () => {
    const s = await sale({ stock: 5 });
    clock.t = s.start;
    try {
      const tok = await t.userToken(tenant, 'alice');
      const asAlice = { ...bearer(tenant.publishableKey), 'x-user-token': tok };
      const mine = await t.inject({ method: 'POST', url: `/v1/flash-sale/items/${s.itemId}/attempts`, headers: asAlice, payload: {} });
      const r = ok<Reservation>(mine, 201);
      assert.equal(r.user_id, 'alice');
      expectError(await t.inject({ method: 'POST', url: `/v1/flash-sale/items/${s.itemId}/attempts`, headers: asAlice, payload: { user_id: 'bob' } }), 403, 'auth.wrong_user');
      const bobs = ok<Reservation>(await buy(s.itemId, 'bob'), 201);
      expectError(await t.inject({ method: 'GET', url: `/v1/flash-sale/reservations/${bobs.id}`, headers: asAlice }), 404, 'flash_sale.reservation_not_found');
      expectError(await t.inject({ method: 'POST', url: `/v1/flash-sale/reservations/${bobs.id}/release`, headers: asAlice }), 404, 'flash_sale.reservation_not_found');
      expectError(await t.inject({ method: 'POST', url: `/v1/flash-sale/reservations/${r.id}/confirm`, headers: asAlice, payload: { order_ref: 'x' } }), 403, 'auth.forbidden');
      const list = ok<{ data: Reservation[] }>(await t.inject({ method: 'GET', url: '/v1/flash-sale/reservations', headers: asAlice }));
      assert.deepEqual(list.data.map((x) => x.user_id), ['alice']);
      assert.equal(ok<Reservation>(await t.inject({ method: 'POST', url: `/v1/flash-sale/reservations/${r.id}/release`, headers: asAlice })).status, 'released');
      expectError(await a.post(`/v1/flash-sale/items/${s.itemId}/attempts`, {}), 400, 'validation_failed');
    } finally {
      clock.t = T0;
    }
  });

  it('keeps the campaign-wide per-user limit across items', async () => {
    const start = clock.t + H;
    const c = await a.campaign({ kind: 'flash_sale', name: 'two items', starts_at: iso(start), ends_at: iso(start + H), per_user_limit: 1 });
    const s = ok<{ id: string }>(await a.post(`/v1/campaigns/${c.id}/flash-sale/sessions`, { starts_at: iso(start), ends_at: iso(start + H) }), 201);
    const i1 = ok<Item>(await a.post(`/v1/flash-sale/sessions/${s.id}/items`, { product_id: 'a', original_price: 10, sale_price: 5, stock: 5 }), 201);
    const i2 = ok<Item>(await a.post(`/v1/flash-sale/sessions/${s.id}/items`, { product_id: 'b', original_price: 10, sale_price: 5, stock: 5 }), 201);
    ok(await a.post(`/v1/campaigns/${c.id}/schedule`));
    clock.t = start;
    try {
      ok(await buy(i1.id, 'greedy'), 201);
      expectError(await buy(i2.id, 'greedy'), 409, 'campaigns.user_limit_reached');
      assert.equal(await remaining(i2.id), 5, 'the refused attempt took nothing');
    } finally {
      clock.t = T0;
    }
  });

  it('commits the subsidy against the budget', async () => {
    const start = clock.t + H;
    const c = await a.campaign({ kind: 'flash_sale', name: 'budget', starts_at: iso(start), ends_at: iso(start + H), budget: 1000 });
    const s = ok<{ id: string }>(await a.post(`/v1/campaigns/${c.id}/flash-sale/sessions`, { starts_at: iso(start), ends_at: iso(start + H) }), 201);
    ok(await a.post(`/v1/flash-sale/sessions/${s.id}/items`, { product_id: 'a', original_price: 100, sale_price: 50, stock: 20 }), 201);
    const err = expectError(await a.post(`/v1/flash-sale/sessions/${s.id}/items`, { product_id: 'b', original_price: 100, sale_price: 90, stock: 1 }), 409, 'campaigns.budget_exceeded');
    assert.deepEqual([err.details?.budget, err.details?.committed, err.details?.needed], [1000, 1000, 10]);
    expectError(await a.patch(`/v1/campaigns/${c.id}`, { budget: 999 }), 400, 'validation_failed');
  });

  it('names bad items and sessions, and keeps apps apart', async () => {
    const start = clock.t + H;
    const c = await a.campaign({ kind: 'flash_sale', name: 'bad', starts_at: iso(start), ends_at: iso(start + H) });
    let err = expectError(await a.post(`/v1/campaigns/${c.id}/flash-sale/sessions`, { starts_at: iso(start - H), ends_at: iso(start + H) }), 400, 'validation_failed');
    findIssue(err, 'body.starts_at');
    const s = ok<{ id: string }>(await a.post(`/v1/campaigns/${c.id}/flash-sale/sessions`, { starts_at: iso(start), ends_at: iso(start + H) }), 201);
    err = expectError(await a.post(`/v1/flash-sale/sessions/${s.id}/items`, { product_id: 'a', original_price: 10, sale_price: 20, stock: 0 }), 400, 'validation_failed');
    findIssue(err, 'body.sale_price');
    findIssue(err, 'body.stock');
    const s2 = await sale();
    clock.t = s2.start;
    try {
      err = expectError(await buy(s2.itemId, 'u', { quantity: 0 }), 400, 'validation_failed');
      findIssue(err, 'body.quantity');
      const other = await t.newTenant();
      const o = api(t, other);
      expectError(await o.post(`/v1/flash-sale/items/${s2.itemId}/attempts`, { user_id: 'u' }), 404, 'flash_sale.item_not_found');
      expectError(await o.get(`/v1/campaigns/${s2.campaignId}`), 404, 'campaigns.not_found');
      expectError(await o.post(`/v1/flash-sale/sessions/${s2.sessionId}/items`, { product_id: 'a', original_price: 10, sale_price: 5, stock: 1 }), 404, 'flash_sale.session_not_found');
      const r = ok<Reservation>(await buy(s2.itemId, 'mine'), 201);
      expectError(await o.post(`/v1/flash-sale/reservations/${r.id}/confirm`, { order_ref: 'x' }), 404, 'flash_sale.reservation_not_found');
      // A live sale may get another session (restock.test.ts covers what stays forbidden).
      ok(await a.post(`/v1/campaigns/${s2.campaignId}/flash-sale/sessions`, { starts_at: iso(s2.start), ends_at: iso(s2.start + H) }), 201);
    } finally {
      clock.t = T0;
    }
  });
});

describe('reservation timeout', () => {
  it('expires an unpaid reservation once, returns its unit, and tells the host by webhook', async () => {
    const rx = await (await import('../../../testing/receiver.ts')).startReceiver();
    try {
      ok(await a.post('/v1/webhooks/endpoints', { url: rx.url, event_types: ['flash_sale.*'] }), 201);
      const s = await sale({ stock: 1, ttl: 60 });
      clock.t = s.start;
      const r = ok<Reservation>(await buy(s.itemId, 'slowpoke'), 201);
      expectError(await buy(s.itemId, 'waiting'), 409, 'flash_sale.sold_out');
      clock.t += 59_000;
      await t.services.campaigns.tick();
      assert.equal(ok<Reservation>(await a.get(`/v1/flash-sale/reservations/${r.id}`)).status, 'held');
      clock.t += 1_000;
      const released: string[] = [];
      const off = t.services.bus.subscribe('flash_sale.released', (p) => void released.push(`${p.reservationId}:${p.reason}`));
      await Promise.all([t.services.campaigns.tick(), t.services.campaigns.tick(), t.services.campaigns.tick()]);
      await t.services.bus.drain();
      off();
      assert.deepEqual(released, [`${r.id}:expired`]);
      assert.equal(ok<Reservation>(await a.get(`/v1/flash-sale/reservations/${r.id}`)).status, 'expired');
      assert.equal(await remaining(s.itemId), 1);
      await t.services.webhooks.idle();
      const hooks = rx.received.map((x) => JSON.parse(x.body) as { type: string; data: { reservation_id: string } }).filter((x) => x.data.reservation_id === r.id && x.type.startsWith('flash_sale.reservation.'));
      assert.deepEqual(hooks.map((x) => x.type), ['flash_sale.reservation.expired']); // (flash_sale.reserved, a domain event, is delivered too)
      expectError(await a.post(`/v1/flash-sale/reservations/${r.id}/confirm`, { order_ref: 'late' }), 409, 'flash_sale.reservation_expired');
      // The unit is for sale again, and the slow user may try again.
      ok(await buy(s.itemId, 'slowpoke'), 201);
    } finally {
      clock.t = T0;
      await rx.close();
    }
  });

  it('refuses a confirmation after the hold ran out even before the sweep', async () => {
    const s = await sale({ stock: 1, ttl: 30 });
    clock.t = s.start;
    try {
      const r = ok<Reservation>(await buy(s.itemId, 'u'), 201);
      clock.t += 30_000;
      expectError(await a.post(`/v1/flash-sale/reservations/${r.id}/confirm`, { order_ref: 'o' }), 409, 'flash_sale.reservation_expired');
      assert.equal(await remaining(s.itemId), 1);
    } finally {
      clock.t = T0;
    }
  });

  it('releases held reservations when the campaign is cancelled', async () => {
    const s = await sale({ stock: 4 });
    clock.t = s.start;
    try {
      const held = ok<Reservation>(await buy(s.itemId, 'h1'), 201);
      const paid = ok<Reservation>(await buy(s.itemId, 'h2'), 201);
      ok(await a.post(`/v1/flash-sale/reservations/${paid.id}/confirm`, { order_ref: 'p' }));
      assert.equal(ok<{ status: string }>(await a.post(`/v1/campaigns/${s.campaignId}/cancel`)).status, 'cancelled');
      assert.equal(ok<Reservation>(await a.get(`/v1/flash-sale/reservations/${held.id}`)).status, 'released');
      assert.equal(ok<Reservation>(await a.get(`/v1/flash-sale/reservations/${paid.id}`)).status, 'confirmed');
      expectError(await buy(s.itemId, 'h3'), 409, 'campaigns.not_active');
    } finally {
      clock.t = T0;
    }
  });
});

describe('erasure', () => {
  it('erasing a user releases their held units and removes their name from the records', async () => {
    const s = await sale({ stock: 2 });
    clock.t = s.start;
    try {
      ok<Reservation>(await buy(s.itemId, 'leaving-user'), 201);
      const paid = ok<Reservation>(await buy(s.itemId, 'paying-user'), 201);
      ok(await a.post(`/v1/flash-sale/reservations/${paid.id}/confirm`, { order_ref: 'kept' }));
      assert.equal(await remaining(s.itemId), 0);
      assert.equal((await t.inject({ method: 'DELETE', url: '/v1/users/leaving-user', headers: bearer(tenant.secretKey) })).statusCode, 204);
      await t.services.bus.drain();
      assert.equal(await remaining(s.itemId), 1);
      const rows = await t.database.pool.query<{ user_id: string; status: string }>('select user_id, status from cm_fs_reservations where item_id = $1 order by status', [s.itemId]);
      assert.equal(rows.rows.length, 2);
      assert.match(rows.rows.find((r) => r.status === 'released')!.user_id, /^erased_/);
      assert.equal(rows.rows.find((r) => r.status === 'confirmed')!.user_id, 'paying-user');
    } finally {
      clock.t = T0;
    }
  });
});

describe('anti-bot token', () => {
  it('issues tokens only before the start and requires the buyer’s own token', async () => {
    const s = await sale({ token: true, stock: 5 });
    const token = (user: string) => a.post(`/v1/flash-sale/sessions/${s.sessionId}/tokens`, { user_id: user });
    try {
      expectError(await token('u1'), 409, 'flash_sale.token_window_closed');
      clock.t = s.start - 5 * 60_000;
      const t1 = ok<{ token: string }>(await token('u1'), 201).token;
      const t2 = ok<{ token: string }>(await token('u2'), 201).token;
      clock.t = s.start;
      expectError(await token('u3'), 409, 'flash_sale.token_window_closed');
      expectError(await buy(s.itemId, 'u1'), 403, 'flash_sale.token_required');
      expectError(await buy(s.itemId, 'u1', { token: t2 }), 403, 'flash_sale.token_invalid');
      expectError(await buy(s.itemId, 'u1', { token: 'x'.repeat(50) }), 403, 'flash_sale.token_invalid');
      ok(await buy(s.itemId, 'u1', { token: t1 }), 201);
    } finally {
      clock.t = T0;
    }
  });
});

describe('races on one server', () => {
  it('600 concurrent attempts for 50 units: exactly 50 reserved, nobody over their limit', async () => {
    const s = await sale({ stock: 50, perUser: 2, buckets: 8 });
    clock.t = s.start;
    try {
      // 300 users, each trying twice for one unit and once for two.
      const tries = Array.from({ length: 600 }, (_, i) => buy(s.itemId, `racer-${i % 300}`, { quantity: i % 7 === 0 ? 2 : 1 }));
      const res = await Promise.all(tries);
      const codes = new Map<string, number>();
      for (const r of res) {
        const k = r.statusCode === 201 ? '201' : `${r.statusCode} ${(r.json() as { error: { code: string } }).error.code}`;
        codes.set(k, (codes.get(k) ?? 0) + 1);
      }
      for (const k of codes.keys()) assert.match(k, /^(201|409 flash_sale\.(sold_out|limit_reached))$/, `unexpected answer ${k}`);
      const q = await t.database.pool.query<{ units: number; users_over: number; stock: number }>(
        `select (select coalesce(sum(qty), 0)::int from cm_fs_reservations where item_id = $1 and status = 'held') as units,
                (select count(*)::int from (select user_id from cm_fs_reservations where item_id = $1 and status = 'held' group by user_id having sum(qty) > 2) x) as users_over,
                (select sum(remaining)::int from cm_fs_stock where item_id = $1) as stock`,
        [s.itemId],
      );
      assert.deepEqual(q.rows[0], { units: 50, users_over: 0, stock: 0 });
    } finally {
      clock.t = T0;
    }
  });
});

describe('the Redis gate', () => {
  const REDIS_URL = process.env.CANYU_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  let r: TestApp;
  let redis: import('ioredis').Redis;
  let up = false;
  before(async () => {
    const { Redis } = await import('ioredis');
    redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, connectTimeout: 1000 });
    redis.on('error', () => {});
    up = await redis.connect().then(
      () => true,
      () => false,
    );
    r = await startTestApp({ clock, database: t.database, config: { ...allowReceivers, redisUrl: up ? REDIS_URL : 'redis://127.0.0.1:1' } });
  });
  after(async () => {
    redis.disconnect();
    await r.close();
  });
  const rbuy = (itemId: string, userId: string) => r.inject({ method: 'POST', url: `/v1/flash-sale/items/${itemId}/attempts`, headers: bearer(tenant.secretKey), payload: { user_id: userId } });

  it('400 concurrent attempts for 30 units through the gate: exactly 30, Redis and PostgreSQL agree', async (ctx) => {
    if (!up) return ctx.skip(`no Redis at ${REDIS_URL}`);
    const s = await sale({ stock: 30, perUser: 1 });
    clock.t = s.start;
    try {
      const res = await Promise.all(Array.from({ length: 400 }, (_, i) => rbuy(s.itemId, `g${i % 250}`)));
      assert.equal(res.filter((x) => x.statusCode === 201).length, 30);
      assert.ok(res.every((x) => x.statusCode === 201 || x.statusCode === 409));
      assert.equal(await remaining(s.itemId), 0);
      assert.equal(await redis.get(`canyu:fs:{${s.itemId}}:stock`), '0');
      assert.equal(await redis.hlen(`canyu:fs:{${s.itemId}}:users`), 30);
    } finally {
      clock.t = T0;
    }
  });

  it('repairs wrong or lost Redis counters from the database, and never oversells meanwhile', async (ctx) => {
    if (!up) return ctx.skip(`no Redis at ${REDIS_URL}`);
    const s = await sale({ stock: 3, perUser: 1, ttl: 60 });
    clock.t = s.start;
    const [stockKey, usersKey] = [`canyu:fs:{${s.itemId}}:stock`, `canyu:fs:{${s.itemId}}:users`];
    try {
      ok(await rbuy(s.itemId, 'first'), 201);
      // A crash between Redis and PostgreSQL left Redis believing everything is gone.
      await redis.set(stockKey, '0');
      expectError(await rbuy(s.itemId, 'second'), 409, 'flash_sale.sold_out');
      assert.ok((await r.services.campaigns.flashSale.reconcile()) >= 1);
      assert.equal(await redis.get(stockKey), '2');
      ok(await rbuy(s.itemId, 'second'), 201);
      // Redis lost its data: the counters are rebuilt from the database on the next attempt.
      await redis.del(stockKey, usersKey);
      expectError(await rbuy(s.itemId, 'first'), 409, 'flash_sale.limit_reached');
      ok(await rbuy(s.itemId, 'third'), 201);
      // Redis believing there is more than there is costs a database check, never a unit.
      await redis.set(stockKey, '50');
      r.services.campaigns.flashSale.forget();
      expectError(await rbuy(s.itemId, 'fourth'), 409, 'flash_sale.sold_out');
      assert.equal(await remaining(s.itemId), 0);
      // Expired units go back to both.
      await r.services.campaigns.flashSale.reconcile();
      clock.t += 60_000;
      await r.services.campaigns.tick();
      assert.equal(await redis.get(stockKey), '3');
      assert.equal(await redis.hlen(usersKey), 0);
      ok(await rbuy(s.itemId, 'fourth'), 201);
    } finally {
      clock.t = T0;
    }
  });

  it('falls back to PostgreSQL when Redis is unreachable', async () => {
    const down = await startTestApp({ clock, database: t.database, config: { ...allowReceivers, redisUrl: 'redis://127.0.0.1:1' } });
    try {
      const s = await sale({ stock: 2 });
      clock.t = s.start;
      const res = await Promise.all(['x', 'y', 'z'].map((u) => down.inject({ method: 'POST', url: `/v1/flash-sale/items/${s.itemId}/attempts`, headers: bearer(tenant.secretKey), payload: { user_id: u } })));
      assert.deepEqual(res.map((x) => x.statusCode).sort(), [201, 201, 409]);
    } finally {
      clock.t = T0;
      await down.close();
    }
  });
});
