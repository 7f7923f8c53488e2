// The points mall and the daily login reward on a real database: no oversell under concurrent
// redemptions, per-user limits, refusals that change nothing, the order lifecycle with refunds,
// and a daily red packet that is granted once per local day within the app's budget.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, startTestApp, type Tenant, type TestApp } from '../../testing/app.ts';
import { expectError, findIssue } from '../../testing/http.ts';

let fixed: number | null = null;
const clock = { now: () => new Date(fixed ?? Date.now()) };

let t: TestApp;
let A: Tenant;
const sk = () => bearer(A.secretKey);
const newItem = async (payload: Record<string, unknown>) => {
  const r = await t.inject({ method: 'POST', url: '/v1/mall/items', headers: sk(), payload });
  assert.equal(r.statusCode, 201, r.body);
  return r.json();
};
const redeem = (userId: string, body: Record<string, unknown>) => t.inject({ method: 'POST', url: `/v1/users/${userId}/orders`, headers: sk(), payload: body });
const give = (userId: string, amount: number) => t.services.points.earn(t.systemCtx(), A.appId, { userId, type: 'points', amount, key: `gift:${userId}:${amount}:${Math.random()}` });
const balance = async (userId: string, type = 'points') => (await t.services.points.balance(t.systemCtx(), A.appId, userId, type)).balance;
const ship = { name: '张三', phone: '13800000000', address: '上海市浦东新区 1 号' };

before(async () => {
  t = await startTestApp({ clock });
  A = await t.newTenant();
  for (const key of ['points', 'makeup_card']) assert.equal((await t.inject({ method: 'PUT', url: `/v1/points/types/${key}`, headers: sk(), payload: { name: key } })).statusCode, 201);
});
after(() => t.close());

describe('catalogue', () => {
  it('validates items, naming the field', async () => {
    const post = (payload: Record<string, unknown>) => t.inject({ method: 'POST', url: '/v1/mall/items', headers: sk(), payload });
    findIssue(expectError(await post({ name: 'Mug', kind: 'physical', price_type: 'points', price: 10, grant: { type: 'points', amount: 1 } }), 400, 'validation_failed'), 'body.grant');
    findIssue(expectError(await post({ name: 'Mug', kind: 'physical', price_type: 'points', price: 0 }), 400, 'validation_failed'), 'body.price');
    findIssue(expectError(await post({ name: 'Mug', kind: 'boat', price_type: 'points', price: 1 }), 400, 'validation_failed'), 'body.kind');
    const unknown = expectError(await post({ name: 'Mug', kind: 'physical', price_type: 'gems', price: 1 }), 404, 'points.unknown_type');
    assert.equal(unknown.details?.field, 'body.price_type');
    const item = await newItem({ name: 'Mug', kind: 'physical', price_type: 'points', price: 10, stock: 3 });
    const list = await t.inject({ method: 'GET', url: '/v1/mall/items?active=true', headers: bearer(A.publishableKey) });
    assert.equal(list.json().data[0].id, item.id);
    expectError(await t.inject({ method: 'GET', url: '/v1/mall/items/item_nope', headers: sk() }), 404, 'mall.item_not_found');
  });
});

describe('redemption', () => {
  it('100 concurrent redemptions of 10 units → exactly 10 orders; refused buyers keep their points', async () => {
    const item = await newItem({ name: '限量徽章', kind: 'physical', price_type: 'points', price: 30, stock: 10 });
    const users = Array.from({ length: 50 }, (_, i) => `buyer-${i}`);
    for (const u of users) await give(u, 100);
    const res = await Promise.all(Array.from({ length: 100 }, (_, i) => redeem(users[i % 50]!, { item_id: item.id, shipping: ship })));
    assert.equal(res.filter((r) => r.statusCode === 201).length, 10);
    for (const r of res.filter((x) => x.statusCode !== 201)) expectError(r, 409, 'mall.out_of_stock');
    const after1 = (await t.inject({ method: 'GET', url: `/v1/mall/items/${item.id}`, headers: sk() })).json();
    assert.equal(after1.stock, 0);
    assert.equal(after1.sold, 10);
    let total = 0;
    for (const u of users) total += await balance(u);
    assert.equal(total, 50 * 100 - 10 * 30);
    const orders = (await t.inject({ method: 'GET', url: `/v1/mall/orders?item_id=${item.id}&limit=200`, headers: sk() })).json().data;
    assert.equal(orders.length, 10);
    assert.ok(orders.every((o: { status: string }) => o.status === 'pending'));
    for (const r of await t.services.points.reconcile(t.systemCtx(), A.appId)) assert.equal(r.lots, r.balance);
  });

  it('a per-user limit holds under concurrency; refusals change nothing', async () => {
    const item = await newItem({ name: '补签卡', kind: 'virtual', price_type: 'points', price: 20, per_user_limit: 2, grant: { type: 'makeup_card', amount: 1 } });
    await give('limiter', 1000);
    const res = await Promise.all(Array.from({ length: 10 }, () => redeem('limiter', { item_id: item.id })));
    assert.equal(res.filter((r) => r.statusCode === 201).length, 2);
    for (const r of res.filter((x) => x.statusCode !== 201)) expectError(r, 409, 'mall.limit_reached');
    assert.equal(await balance('limiter'), 960);
    assert.equal(await balance('limiter', 'makeup_card'), 2, 'virtual items credit their grant');
    assert.equal(res.find((r) => r.statusCode === 201)!.json().status, 'fulfilled');
    expectError(await redeem('pauper', { item_id: item.id }), 409, 'points.insufficient_balance');
    assert.equal((await t.inject({ method: 'GET', url: `/v1/mall/items/${item.id}`, headers: sk() })).json().sold, 2);
    findIssue(expectError(await redeem('limiter', { item_id: item.id, quantity: 0 }), 400, 'validation_failed'), 'body.quantity');
    const phys = await newItem({ name: 'T-shirt', kind: 'physical', price_type: 'points', price: 1 });
    findIssue(expectError(await redeem('limiter', { item_id: phys.id }), 400, 'validation_failed'), 'body.shipping');
    const missing = expectError(await redeem('limiter', { item_id: 'item_missing' }), 404, 'mall.item_not_found');
    assert.equal(missing.details?.field, 'body.item_id');
    await t.inject({ method: 'PATCH', url: `/v1/mall/items/${phys.id}`, headers: sk(), payload: { active: false } });
    expectError(await redeem('limiter', { item_id: phys.id, shipping: ship }), 409, 'mall.item_unavailable');
  });

  it('request_id makes a redemption happen once, even sent 20 times at once', async () => {
    const item = await newItem({ name: 'Sticker', kind: 'physical', price_type: 'points', price: 5 });
    await give('tapper', 100);
    const res = await Promise.all(Array.from({ length: 20 }, () => redeem('tapper', { item_id: item.id, shipping: ship, request_id: 'cart-7' })));
    assert.equal(new Set(res.map((r) => r.json().id)).size, 1);
    assert.equal(res.filter((r) => r.statusCode === 201).length, 1);
    assert.equal(await balance('tapper'), 95);
  });

  it('orders move pending → shipped → completed; cancelling refunds once, restocks and frees the limit', async () => {
    const item = await newItem({ name: 'Hoodie', kind: 'physical', price_type: 'points', price: 40, stock: 5, per_user_limit: 1 });
    await give('shopper', 100);
    const o1 = (await redeem('shopper', { item_id: item.id, shipping: ship })).json();
    const patch = (id: string, payload: Record<string, unknown>) => t.inject({ method: 'PATCH', url: `/v1/mall/orders/${id}`, headers: sk(), payload });
    expectError(await patch(o1.id, { status: 'completed' }), 409, 'mall.invalid_transition');
    const shipped = await patch(o1.id, { status: 'shipped', tracking: 'SF123' });
    assert.equal(shipped.json().tracking, 'SF123');
    const cancels = await Promise.all(Array.from({ length: 10 }, () => patch(o1.id, { status: 'cancelled', reason: '缺货' })));
    assert.equal(cancels.filter((r) => r.statusCode === 200).length, 1);
    for (const r of cancels.filter((x) => x.statusCode !== 200)) expectError(r, 409, 'mall.invalid_transition');
    assert.equal(await balance('shopper'), 100, 'refunded once');
    assert.equal((await t.inject({ method: 'GET', url: `/v1/mall/items/${item.id}`, headers: sk() })).json().stock, 5);
    const o2 = await redeem('shopper', { item_id: item.id, shipping: ship });
    assert.equal(o2.statusCode, 201, 'the limit is free again');
    await patch(o2.json().id, { status: 'shipped' });
    assert.equal((await patch(o2.json().id, { status: 'completed' })).json().status, 'completed');
    expectError(await patch(o2.json().id, { status: 'cancelled' }), 409, 'mall.invalid_transition');
    expectError(await patch('ord_nope', { status: 'shipped' }), 404, 'mall.order_not_found');
    findIssue(expectError(await patch(o2.json().id, { status: 'fulfilled' }), 400, 'validation_failed'), 'body.status');
    const h = { ...bearer(A.publishableKey), 'x-user-token': await t.userToken(A, 'shopper') };
    const mine = (await t.inject({ method: 'GET', url: '/v1/users/shopper/orders', headers: h })).json().data;
    assert.deepEqual(mine.map((o: { status: string }) => o.status), ['completed', 'cancelled']);
    expectError(await t.inject({ method: 'GET', url: '/v1/users/buyer-1/orders', headers: h }), 403, 'auth.wrong_user');
    expectError(await t.inject({ method: 'PATCH', url: `/v1/mall/orders/${o2.json().id}`, headers: h, payload: { status: 'shipped' } }), 403, 'auth.forbidden');
  });

  it('a cancelled order is not refunded again through /v1/points/refunds, and a refunded one is not refunded again by cancelling', async () => {
    const item = await newItem({ name: 'Cap', kind: 'physical', price_type: 'points', price: 30, stock: 5 });
    const refund = (orderId: string, key: string) => t.inject({ method: 'POST', url: '/v1/points/refunds', headers: sk(), payload: { debit_idempotency_key: `order:${orderId}`, idempotency_key: key } });
    const patch = (id: string, payload: Record<string, unknown>) => t.inject({ method: 'PATCH', url: `/v1/mall/orders/${id}`, headers: sk(), payload });
    await give('double-dipper', 60);
    const o1 = (await redeem('double-dipper', { item_id: item.id, shipping: ship })).json();
    assert.equal((await patch(o1.id, { status: 'cancelled' })).statusCode, 200);
    assert.equal(await balance('double-dipper'), 60);
    const again = await Promise.all(Array.from({ length: 5 }, (_, i) => refund(o1.id, `dd-${i}`)));
    for (const r of again) expectError(r, 409, 'points.already_refunded');
    assert.equal(await balance('double-dipper'), 60);
    // The other order: refunded by hand first, then cancelled (restocked, not refunded twice).
    const o2 = (await redeem('double-dipper', { item_id: item.id, shipping: ship })).json();
    assert.equal(await balance('double-dipper'), 30);
    assert.equal((await refund(o2.id, 'dd-manual')).statusCode, 201);
    const cancelled = await patch(o2.id, { status: 'cancelled' });
    assert.equal(cancelled.statusCode, 200, cancelled.body);
    assert.equal(await balance('double-dipper'), 60);
    assert.equal((await t.inject({ method: 'GET', url: `/v1/mall/items/${item.id}`, headers: sk() })).json().stock, 5);
  });
});

describe('daily login reward', () => {
  const open = (userId: string) => t.inject({ method: 'POST', url: `/v1/users/${userId}/daily-reward`, headers: sk() });

  it('is refused while disabled', async () => {
    expectError(await open('opener'), 409, 'daily_reward.disabled');
  });

  it('the first open of the local day grants a random amount once, even 50 opens at once; the next day grants again', async () => {
    assert.equal((await t.inject({ method: 'PUT', url: '/v1/gamification/config', headers: sk(), payload: { daily_reward: { enabled: true, min: 3, max: 8 } } })).statusCode, 200);
    await t.inject({ method: 'POST', url: '/v1/users/opener', headers: sk(), payload: { timezone: 'Asia/Shanghai' } });
    fixed = Date.parse('2025-08-01T15:30:00Z'); // 23:30 in Shanghai
    const res = await Promise.all(Array.from({ length: 50 }, () => open('opener')));
    const first = res.filter((r) => r.json().first_today);
    assert.equal(first.length, 1);
    const amount = first[0]!.json().amount;
    assert.ok(amount >= 3 && amount <= 8);
    assert.ok(res.every((r) => r.statusCode === 200 && r.json().amount === amount && r.json().date === '2025-08-01'));
    assert.equal(await balance('opener'), amount);
    fixed = Date.parse('2025-08-01T16:30:00Z'); // 00:30 next day in Shanghai
    const next = (await open('opener')).json();
    assert.equal(next.first_today, true);
    assert.equal(next.date, '2025-08-02');
    fixed = null;
  });

  it('never exceeds the daily budget, however many users open at once', async () => {
    assert.equal((await t.inject({ method: 'PUT', url: '/v1/gamification/config', headers: sk(), payload: { daily_reward: { enabled: true, min: 5, max: 10, daily_budget: 42 } } })).statusCode, 200);
    const res = await Promise.all(Array.from({ length: 30 }, (_, i) => open(`crowd-${i}`)));
    const amounts = res.map((r) => r.json().amount as number);
    const total = amounts.reduce((s, a) => s + a, 0);
    assert.equal(total, 42, 'with 30 × ≥5 drawn, the budget is used exactly');
    assert.ok(res.some((r) => r.json().budget_exhausted));
    let credited = 0;
    for (let i = 0; i < 30; i++) credited += await balance(`crowd-${i}`);
    assert.equal(credited, 42);
    assert.equal((await t.inject({ method: 'PUT', url: '/v1/gamification/config', headers: sk(), payload: {} })).statusCode, 200);
  });

  it('counts the red packets claimed before a budget was set that day', async () => {
    const config = (daily_reward: Record<string, unknown>) => t.inject({ method: 'PUT', url: '/v1/gamification/config', headers: sk(), payload: { timezone: 'UTC', daily_reward } });
    fixed = Date.parse('2026-03-03T08:00:00Z');
    try {
      assert.equal((await config({ enabled: true, min: 10, max: 10 })).statusCode, 200);
      for (let i = 0; i < 3; i++) assert.equal((await open(`early-${i}`)).json().amount, 10);
      // Budget 35 set at noon: 30 already went out this morning, so 5 are left.
      fixed = Date.parse('2026-03-03T12:00:00Z');
      assert.equal((await config({ enabled: true, min: 10, max: 10, daily_budget: 35 })).statusCode, 200);
      const late = await Promise.all(Array.from({ length: 4 }, (_, i) => open(`late-${i}`)));
      assert.equal(late.reduce((s, r) => s + (r.json().amount as number), 0), 5);
      // Lifted and set again the same day: the claims in between count too.
      assert.equal((await config({ enabled: true, min: 10, max: 10 })).statusCode, 200);
      assert.equal((await open('between')).json().amount, 10);
      assert.equal((await config({ enabled: true, min: 10, max: 10, daily_budget: 60 })).statusCode, 200);
      // 30 + 5 + 10 = 45 of 60 spent: 15 left.
      assert.equal((await open('last')).json().amount, 10);
      assert.equal((await open('after-last')).json().amount, 5);
      assert.equal((await open('none-left')).json().amount, 0);
    } finally {
      fixed = null;
      await t.inject({ method: 'PUT', url: '/v1/gamification/config', headers: sk(), payload: {} });
    }
  });
});
