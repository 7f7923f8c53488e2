// A running flash sale can grow: new sessions, new items, restocks, and taking back unsold units,
// while buyers race for the stock: zero oversell still holds, and what stays forbidden is a 4xx.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, startTestApp, type Tenant, type TestApp } from '../../../testing/app.ts';
import { expectError, findIssue } from '../../../testing/http.ts';
import { api, iso, ok, testClock } from '../test-helpers.ts';

const clock = testClock('2030-07-01T00:00:00Z');
const H = 3600_000;

let t: TestApp;
let tenant: Tenant;
let a: ReturnType<typeof api>;

before(async () => {
  t = await startTestApp({ clock, config: { dbPoolSize: 12 } });
  tenant = await t.newTenant();
  a = api(t, tenant);
});
after(() => t.close());

type Item = { id: string; remaining: number; stock: number };

/** A flash sale running now: session [now, now+1h), one item. */
async function running(opts: { stock: number; budget?: number; buckets?: number }) {
  const now = clock.t;
  const c = await a.campaign({ kind: 'flash_sale', name: '补货', starts_at: iso(now), ends_at: iso(now + 3 * H), ...(opts.budget !== undefined ? { budget: opts.budget } : {}) });
  const s = ok<{ id: string }>(await a.post(`/v1/campaigns/${c.id}/flash-sale/sessions`, { starts_at: iso(now), ends_at: iso(now + H) }), 201);
  const item = ok<Item>(await a.post(`/v1/flash-sale/sessions/${s.id}/items`, { product_id: 'sku', original_price: 200, sale_price: 100, stock: opts.stock, per_user_limit: 1, ...(opts.buckets ? { buckets: opts.buckets } : {}) }), 201);
  assert.equal(ok<{ status: string }>(await a.post(`/v1/campaigns/${c.id}/schedule`)).status, 'running');
  return { campaignId: c.id, sessionId: s.id, itemId: item.id };
}

const setStock = (itemId: string, stock: number) => t.inject({ method: 'PUT', url: `/v1/flash-sale/items/${itemId}/stock`, headers: bearer(tenant.secretKey), payload: { stock } });
const buy = (itemId: string, userId: string) => a.post(`/v1/flash-sale/items/${itemId}/attempts`, { user_id: userId });
const ledger = async (itemId: string) =>
  (
    await t.database.pool.query<{ stock: number; remaining: number; out: number; over: number }>(
      `select (select stock from cm_fs_items where id = $1) as stock,
              (select sum(remaining)::int from cm_fs_stock where item_id = $1) as remaining,
              (select coalesce(sum(qty), 0)::int from cm_fs_reservations where item_id = $1 and status in ('held', 'confirmed')) as out,
              (select count(*)::int from (select user_id from cm_fs_reservations where item_id = $1 and status in ('held', 'confirmed') group by user_id having sum(qty) > 1) x) as over`,
      [itemId],
    )
  ).rows[0]!;

describe('a running flash sale', () => {
  it('gets a new session and a new item while it runs, never one that is over', async () => {
    const f = await running({ stock: 5 });
    const s2 = ok<{ id: string }>(await a.post(`/v1/campaigns/${f.campaignId}/flash-sale/sessions`, { name: '加场', starts_at: iso(clock.t + H), ends_at: iso(clock.t + 2 * H) }), 201);
    const item = ok<Item>(await a.post(`/v1/flash-sale/sessions/${s2.id}/items`, { product_id: 'extra', original_price: 100, sale_price: 50, stock: 3 }), 201);
    assert.equal(item.remaining, 3);
    findIssue(expectError(await a.post(`/v1/campaigns/${f.campaignId}/flash-sale/sessions`, { starts_at: iso(clock.t - 2 * H), ends_at: iso(clock.t - H) }), 400, 'validation_failed'), 'body.ends_at');
    const saved = clock.t;
    clock.t += 1.5 * H;
    try {
      // The first session is over: nothing more for it.
      expectError(await a.post(`/v1/flash-sale/sessions/${f.sessionId}/items`, { product_id: 'late', original_price: 100, sale_price: 50, stock: 1 }), 409, 'flash_sale.ended');
      expectError(await setStock(f.itemId, 50), 409, 'flash_sale.ended');
    } finally {
      clock.t = saved;
    }
  });

  it('restocks while buyers race: every unit sold once, nobody over the limit, the ledger adds up', async () => {
    const f = await running({ stock: 60, buckets: 4 });
    let stock = 60;
    let reserved = 0;
    let buyer = 0;
    // Each round a restock (+30) lands in the middle of 40 purchases of units still in stock.
    for (let round = 0; round < 5; round++) {
      stock += 30;
      const res = await Promise.all([setStock(f.itemId, stock), ...Array.from({ length: 40 }, () => buy(f.itemId, `r-${buyer++}`))]);
      assert.equal(res[0]!.statusCode, 200, res[0]!.body);
      for (const r of res.slice(1)) assert.ok(r.statusCode === 201 || (r.statusCode === 409 && r.json().error.code === 'flash_sale.sold_out'), r.body);
      reserved += res.slice(1).filter((r) => r.statusCode === 201).length;
      const l = await ledger(f.itemId);
      assert.deepEqual([l.stock, l.out, l.out + l.remaining, l.over], [stock, reserved, stock, 0], `round ${round}: units out + remaining = stock: ${JSON.stringify(l)}`);
    }
    // Sell out what is left: exactly the total, never more.
    const rest = await Promise.all(Array.from({ length: stock - reserved + 40 }, () => buy(f.itemId, `r-${buyer++}`)));
    reserved += rest.filter((r) => r.statusCode === 201).length;
    const after = await ledger(f.itemId);
    assert.equal(reserved, stock);
    assert.deepEqual([after.out, after.remaining, after.stock, after.over], [stock, 0, stock, 0]);
  });

  it('takes back unsold units, never units held or sold (also racing buyers)', async () => {
    const f = await running({ stock: 30, buckets: 3 });
    for (let i = 0; i < 10; i++) ok(await buy(f.itemId, `h-${i}`), 201);
    const err = expectError(await setStock(f.itemId, 9), 409, 'flash_sale.stock_below_sold');
    assert.equal((err.details as { held_or_sold: number }).held_or_sold, 10);
    // Lowering to 12 while 40 buyers race for the 20 left: the units taken back are never sold.
    const res = await Promise.all([...Array.from({ length: 40 }, (_, i) => buy(f.itemId, `x-${i}`)), setStock(f.itemId, 12)]);
    const lowered = res[40]!;
    const sold = res.slice(0, 40).filter((r) => r.statusCode === 201).length;
    const l = await ledger(f.itemId);
    if (lowered.statusCode === 200) {
      assert.equal(l.stock, 12);
      assert.equal(sold, 2);
    } else {
      // The buyers took more than 2 first: lowering is refused and nothing is taken back.
      expectError(lowered, 409, 'flash_sale.stock_below_sold');
      assert.equal(l.stock, 30);
    }
    assert.equal(l.out + l.remaining, l.stock, JSON.stringify(l));
    assert.equal(l.out, 10 + sold);
  });

  it('commits the added subsidy against the budget, and refuses what stays forbidden', async () => {
    const f = await running({ stock: 10, budget: 1500 });
    // 10 units × 100 subsidy = 1000 committed; 5 more fit, 6 do not.
    expectError(await setStock(f.itemId, 16), 409, 'campaigns.budget_exceeded');
    assert.equal(ok<Item>(await setStock(f.itemId, 15)).remaining, 15);
    // Taking units back releases their subsidy.
    ok(await setStock(f.itemId, 10));
    assert.equal(ok<Item>(await setStock(f.itemId, 15)).stock, 15);
    findIssue(expectError(await setStock(f.itemId, -1), 400, 'validation_failed'), 'body.stock');
    expectError(await setStock('fsi_nope', 5), 404, 'flash_sale.item_not_found');
    expectError(await api(t, await t.newTenant()).post(`/v1/campaigns/${f.campaignId}/flash-sale/sessions`, { starts_at: iso(clock.t), ends_at: iso(clock.t + H) }), 404, 'campaigns.not_found');
    // Settings and dates of a running campaign still cannot change.
    expectError(await a.patch(`/v1/campaigns/${f.campaignId}`, { name: 'x' }), 409, 'campaigns.not_editable');
    // Cancelled: no more sessions, items or stock.
    ok(await a.post(`/v1/campaigns/${f.campaignId}/cancel`));
    expectError(await setStock(f.itemId, 20), 409, 'campaigns.not_editable');
    expectError(await a.post(`/v1/campaigns/${f.campaignId}/flash-sale/sessions`, { starts_at: iso(clock.t), ends_at: iso(clock.t + H) }), 409, 'campaigns.not_editable');
  });
});
