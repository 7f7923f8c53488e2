// Coupons: templates, claiming and issuing within limits, validity, quoting and redeeming against
// host orders, release, expiry, a user's coupons by status, and claims that race at the limit.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, startTestApp, type Tenant, type TestApp } from '../../testing/app.ts';
import { expectError, findIssue } from '../../testing/http.ts';
import { allowReceivers, startReceiver } from '../../testing/receiver.ts';

const clock = { t: Date.parse('2030-03-01T00:00:00Z'), now() { return new Date(this.t); } };
const T0 = clock.t;
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

let t: TestApp;
let tenant: Tenant;

before(async () => {
  t = await startTestApp({ clock, config: allowReceivers });
  tenant = await t.newTenant();
});
after(() => t.close());

type Coupon = { id: string; status: string; user_id: string; valid_from: string; valid_until: string | null; discount: number | null; order_ref: string | null };
const sk = () => bearer(tenant.secretKey);
const post = (url: string, payload?: object, headers = sk()) => t.inject({ method: 'POST', url, headers, ...(payload ? { payload } : {}) });
const get = (url: string, headers: Record<string, string> = sk()) => t.inject({ method: 'GET', url, headers });
const ok = <T = Record<string, unknown>>(res: Awaited<ReturnType<typeof post>>, status = 200): T => {
  assert.equal(res.statusCode, status, res.body.slice(0, 600));
  return res.json() as T;
};
const template = async (body: object) => ok<{ id: string; issued: number }>(await post('/v1/coupon-templates', { name: '新人券', valid_days: 7, ...body }), 201);
const claim = (templateId: string, userId: string) => post(`/v1/coupon-templates/${templateId}/claim`, { user_id: userId });

const order = {
  items: [
    { product_id: 'tea', category_ids: ['drinks'], unit_price: 1200, quantity: 2 },
    { product_id: 'cake', category_ids: ['food'], unit_price: 800, quantity: 1 },
  ],
  shipping_fee: 600,
};

describe('templates', () => {
  it('names what each kind needs', async () => {
    let err = expectError(await post('/v1/coupon-templates', { name: 'x', kind: 'threshold', amount: 100, valid_days: 3 }), 400, 'validation_failed');
    findIssue(err, 'body.min_spend');
    err = expectError(await post('/v1/coupon-templates', { name: 'x', kind: 'fixed', amount: 100, percent_off: 10, valid_days: 3 }), 400, 'validation_failed');
    findIssue(err, 'body.percent_off');
    err = expectError(await post('/v1/coupon-templates', { name: 'x', kind: 'percentage', valid_days: 3 }), 400, 'validation_failed');
    findIssue(err, 'body.percent_off');
    err = expectError(await post('/v1/coupon-templates', { name: 'x', kind: 'free_shipping' }), 400, 'validation_failed');
    findIssue(err, 'body.valid_until');
    err = expectError(await post('/v1/coupon-templates', { name: 'x', kind: 'percentage', percent_off: 100, valid_days: 3 }), 400, 'validation_failed');
    findIssue(err, 'body.percent_off');
  });

  it('pauses, resizes (never below issued) and lists templates', async () => {
    const tp = await template({ kind: 'fixed', amount: 500, total_quantity: 5 });
    ok(await claim(tp.id, 'a'), 201);
    ok(await claim(tp.id, 'b'), 201);
    const err = expectError(await t.inject({ method: 'PATCH', url: `/v1/coupon-templates/${tp.id}`, headers: sk(), payload: { total_quantity: 1 } }), 400, 'validation_failed');
    findIssue(err, 'body.total_quantity');
    ok(await t.inject({ method: 'PATCH', url: `/v1/coupon-templates/${tp.id}`, headers: sk(), payload: { status: 'paused' } }));
    expectError(await claim(tp.id, 'c'), 409, 'coupons.not_claimable');
    ok(await t.inject({ method: 'PATCH', url: `/v1/coupon-templates/${tp.id}`, headers: sk(), payload: { status: 'active', total_quantity: null } }));
    ok(await claim(tp.id, 'c'), 201);
    const list = ok<{ data: { id: string }[] }>(await get('/v1/coupon-templates?status=active'));
    assert.ok(list.data.some((x) => x.id === tp.id));
    const rep = ok<{ issued: number; users: number }>(await get(`/v1/coupon-templates/${tp.id}/report`));
    assert.deepEqual([rep.issued, rep.users], [3, 3]);
  });
});

describe('claiming and issuing', () => {
  it('keeps the per-user limit and the total quantity', async () => {
    const tp = await template({ kind: 'fixed', amount: 300, per_user_limit: 2, total_quantity: 3 });
    ok(await claim(tp.id, 'u1'), 201);
    ok(await claim(tp.id, 'u1'), 201);
    expectError(await claim(tp.id, 'u1'), 409, 'coupons.limit_reached');
    ok(await claim(tp.id, 'u2'), 201);
    const e = expectError(await claim(tp.id, 'u3'), 409, 'coupons.sold_out');
    assert.equal(e.details?.total_quantity, 3);
    // A user token claims for itself only.
    const tok = await t.userToken(tenant, 'self-claimer');
    const h = { ...bearer(tenant.publishableKey), 'x-user-token': tok };
    const tp2 = await template({ kind: 'free_shipping' });
    assert.equal(ok<Coupon>(await post(`/v1/coupon-templates/${tp2.id}/claim`, {}, h), 201).user_id, 'self-claimer');
    expectError(await post(`/v1/coupon-templates/${tp2.id}/claim`, { user_id: 'other' }, h), 403, 'auth.wrong_user');
    expectError(await post(`/v1/coupon-templates/${tp2.id}/issue`, { user_ids: ['x'] }, h), 403, 'auth.forbidden');
  });

  it('issues to a list once per key, reporting who got none and why', async () => {
    const tp = await template({ kind: 'fixed', amount: 100, total_quantity: 3, claimable: false });
    expectError(await claim(tp.id, 'someone'), 409, 'coupons.not_claimable');
    const first = ok<{ results: { user_id: string; coupon_id: string | null; error: string | null }[] }>(await post(`/v1/coupon-templates/${tp.id}/issue`, { user_ids: ['a', 'b'], key: 'newcomers-0301' }));
    assert.ok(first.results.every((r) => r.coupon_id && r.error === null));
    const again = ok<{ results: { user_id: string; coupon_id: string | null; error: string | null }[] }>(await post(`/v1/coupon-templates/${tp.id}/issue`, { user_ids: ['a', 'b', 'c', 'd'], key: 'newcomers-0301' }));
    assert.deepEqual(again.results.slice(0, 2), first.results, 'the same key gives the same coupons');
    assert.deepEqual(again.results.slice(2).map((r) => [r.user_id, !!r.coupon_id, r.error]), [['c', true, null], ['d', false, 'coupons.sold_out']]);
    assert.equal(ok<{ issued: number }>(await get(`/v1/coupon-templates/${tp.id}`)).issued, 3);
  });

  it('never gives out more than the total quantity when 300 users claim at once', async () => {
    const tp = await template({ kind: 'fixed', amount: 100, total_quantity: 50 });
    const res = await Promise.all(Array.from({ length: 300 }, (_, i) => claim(tp.id, `racer-${i}`)));
    assert.equal(res.filter((r) => r.statusCode === 201).length, 50);
    assert.ok(res.every((r) => r.statusCode === 201 || (r.statusCode === 409 && r.json().error.code === 'coupons.sold_out')));
    const db = await t.database.pool.query<{ n: number; issued: number }>('select (select count(*)::int from cp_coupons where template_id = $1) as n, (select issued from cp_templates where id = $1) as issued', [tp.id]);
    assert.deepEqual(db.rows[0], { n: 50, issued: 50 });
  });

  it('never gives one user more than their limit when they claim 100 times at once', async () => {
    const tp = await template({ kind: 'fixed', amount: 100, per_user_limit: 3, total_quantity: 1000 });
    const res = await Promise.all(Array.from({ length: 100 }, () => claim(tp.id, 'greedy')));
    assert.equal(res.filter((r) => r.statusCode === 201).length, 3);
    const n = await t.database.pool.query<{ n: number }>('select count(*)::int as n from cp_coupons where template_id = $1', [tp.id]);
    assert.equal(n.rows[0]!.n, 3);
  });
});

describe('using coupons', () => {
  it('quotes each kind against the order the host describes', async () => {
    const cases: [object, number][] = [
      [{ kind: 'fixed', amount: 500 }, 500],
      [{ kind: 'percentage', percent_off: 15, max_discount: 300 }, 300],
      [{ kind: 'threshold', amount: 1000, min_spend: 3000 }, 1000],
      [{ kind: 'free_shipping' }, 600],
      [{ kind: 'percentage', percent_off: 50, category_ids: ['food'] }, 400],
    ];
    for (const [body, discount] of cases) {
      const tp = await template(body);
      const c = ok<Coupon>(await claim(tp.id, 'quoter'), 201);
      const q = ok<{ discount: number; payable: number }>(await post(`/v1/coupons/${c.id}/quote`, { order }));
      assert.equal(q.discount, discount, JSON.stringify(body));
      assert.equal(q.payable, 3200 + 600 - discount);
    }
  });

  it('refuses a coupon outside its scope or below its minimum with a clear 409', async () => {
    const scoped = await template({ kind: 'fixed', amount: 500, product_ids: ['coffee'], category_ids: ['toys'] });
    const c = ok<Coupon>(await claim(scoped.id, 'scoped'), 201);
    let err = expectError(await post(`/v1/coupons/${c.id}/quote`, { order }), 409, 'coupons.not_applicable');
    assert.equal(err.details?.reason, 'out_of_scope');
    err = expectError(await post(`/v1/coupons/${c.id}/redeem`, { order_ref: 'o-1', order }), 409, 'coupons.not_applicable');
    const min = await template({ kind: 'threshold', amount: 1000, min_spend: 5000 });
    const c2 = ok<Coupon>(await claim(min.id, 'scoped'), 201);
    err = expectError(await post(`/v1/coupons/${c2.id}/quote`, { order }), 409, 'coupons.not_applicable');
    assert.deepEqual([err.details?.reason, err.details?.eligible_subtotal, err.details?.min_spend], ['below_minimum', 3200, 5000]);
    err = expectError(await post(`/v1/coupons/${c2.id}/quote`, { order: { items: [] } }), 400, 'validation_failed');
    findIssue(err, 'body.order.items');
  });

  it('redeems once per order, tells the host by webhook, and releases on cancellation', async () => {
    const rx = await startReceiver();
    try {
      const ten = await t.newTenant();
      const h = bearer(ten.secretKey);
      ok(await post('/v1/webhooks/endpoints', { url: rx.url, event_types: ['coupon.*'] }, h), 201);
      const tp = ok<{ id: string }>(await post('/v1/coupon-templates', { name: '满30减10', kind: 'threshold', amount: 1000, min_spend: 3000, valid_days: 30 }, h), 201);
      const c = ok<Coupon>(await post(`/v1/coupon-templates/${tp.id}/claim`, { user_id: 'buyer' }, h), 201);
      const r = ok<Coupon>(await post(`/v1/coupons/${c.id}/redeem`, { order_ref: 'order-9', order }, h));
      assert.deepEqual([r.status, r.order_ref, r.discount], ['redeemed', 'order-9', 1000]);
      assert.equal(ok<Coupon>(await post(`/v1/coupons/${c.id}/redeem`, { order_ref: 'order-9', order }, h)).status, 'redeemed');
      expectError(await post(`/v1/coupons/${c.id}/redeem`, { order_ref: 'order-10', order }, h), 409, 'coupons.not_available');
      expectError(await post(`/v1/coupons/${c.id}/release`, { order_ref: 'order-10' }, h), 409, 'coupons.order_mismatch');
      await t.services.webhooks.idle();
      // coupon.issued (a domain event) reaches coupon.* endpoints too; this is about the redemption.
      const hooks = rx.received.map((x) => JSON.parse(x.body) as { type: string; data: { coupon_id: string; discount: number } }).filter((x) => x.type === 'coupon.redeemed');
      assert.deepEqual(hooks.map((x) => [x.type, x.data.coupon_id, x.data.discount]), [['coupon.redeemed', c.id, 1000]]);
      const rel = ok<Coupon>(await post(`/v1/coupons/${c.id}/release`, { order_ref: 'order-9' }, h));
      assert.deepEqual([rel.status, rel.order_ref, rel.discount], ['available', null, null]);
      ok(await post(`/v1/coupons/${c.id}/redeem`, { order_ref: 'order-11', order }, h));
      const rep = ok<{ redeemed: number; discount_total: number }>(await get(`/v1/coupon-templates/${tp.id}/report`, h));
      assert.deepEqual([rep.redeemed, rep.discount_total], [1, 1000]);
    } finally {
      await rx.close();
    }
  });

  it('honours validity: N days after claim, an absolute window, and expiry', async () => {
    const days = await template({ kind: 'fixed', amount: 100, valid_days: 3 });
    const c = ok<Coupon>(await claim(days.id, 'timer'), 201);
    assert.equal(c.valid_until, iso(clock.t + 3 * DAY));
    const later = await template({ kind: 'fixed', amount: 100, valid_from: iso(T0 + DAY), valid_until: iso(T0 + 2 * DAY), valid_days: undefined });
    const c2 = ok<Coupon>(await claim(later.id, 'timer'), 201);
    expectError(await post(`/v1/coupons/${c2.id}/quote`, { order }), 409, 'coupons.not_yet_valid');
    clock.t = T0 + DAY;
    try {
      ok(await post(`/v1/coupons/${c2.id}/quote`, { order }));
      clock.t = T0 + 3 * DAY;
      expectError(await post(`/v1/coupons/${c.id}/quote`, { order }), 409, 'coupons.expired');
      expectError(await claim(later.id, 'late'), 409, 'coupons.not_claimable');
      // Reads already say expired; the sweep makes it so, once.
      assert.equal(ok<Coupon>(await get(`/v1/coupons/${c.id}`)).status, 'expired');
      const expired: string[] = [];
      const off = t.services.bus.subscribe('coupon.expired', (p) => void (p.userId === 'timer' && expired.push(p.couponId)));
      await Promise.all([t.services.coupons.expireDue(), t.services.coupons.expireDue()]);
      await t.services.bus.drain();
      off();
      assert.deepEqual(expired.sort(), [c.id, c2.id].sort());
      const byStatus = async (s: string) => ok<{ data: Coupon[] }>(await get(`/v1/users/timer/coupons?status=${s}`)).data.map((x) => x.id);
      assert.deepEqual((await byStatus('expired')).sort(), [c.id, c2.id].sort());
      assert.deepEqual(await byStatus('available'), []);
    } finally {
      clock.t = T0;
    }
  });

  it("lists a user's coupons by status; a user sees only their own; apps never mix", async () => {
    const tp = await template({ kind: 'fixed', amount: 100, per_user_limit: 5 });
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(ok<Coupon>(await claim(tp.id, 'lister'), 201).id);
    ok(await post(`/v1/coupons/${ids[0]}/redeem`, { order_ref: 'L1', order }));
    const page1 = ok<{ data: Coupon[]; next_cursor: string }>(await get('/v1/users/lister/coupons?status=available&limit=1'));
    const page2 = ok<{ data: Coupon[]; next_cursor: string | null }>(await get(`/v1/users/lister/coupons?status=available&limit=1&cursor=${page1.next_cursor}`));
    assert.deepEqual([...page1.data, ...page2.data].map((c) => c.id).sort(), [ids[1], ids[2]].sort());
    assert.deepEqual(ok<{ data: Coupon[] }>(await get('/v1/users/lister/coupons?status=redeemed')).data.map((c) => c.id), [ids[0]]);
    const tok = await t.userToken(tenant, 'nosy');
    const h = { ...bearer(tenant.publishableKey), 'x-user-token': tok };
    expectError(await get('/v1/users/lister/coupons', h), 403, 'auth.wrong_user');
    expectError(await get(`/v1/coupons/${ids[1]}`, h), 404, 'coupons.not_found');
    expectError(await post(`/v1/coupons/${ids[1]}/quote`, { order }, h), 404, 'coupons.not_found');
    const other = await t.newTenant();
    expectError(await post(`/v1/coupons/${ids[1]}/redeem`, { order_ref: 'x', order }, bearer(other.secretKey)), 404, 'coupons.not_found');
    expectError(await post(`/v1/coupon-templates/${tp.id}/claim`, { user_id: 'x' }, bearer(other.secretKey)), 404, 'coupons.template_not_found');
    const err = expectError(await get('/v1/users/lister/coupons?status=used'), 400, 'validation_failed');
    findIssue(err, 'query.status');
  });
});

describe('revoking', () => {
  it('revokes an unused coupon once (audited, webhook); a redeemed one is 409 coupons.already_redeemed', async () => {
    const rx = await startReceiver();
    try {
      const ten = await t.newTenant();
      const h = bearer(ten.secretKey);
      ok(await post('/v1/webhooks/endpoints', { url: rx.url, event_types: ['coupon.revoked'] }, h), 201);
      const tp = ok<{ id: string }>(await post('/v1/coupon-templates', { name: '立减', kind: 'fixed', amount: 100, valid_days: 30 }, h), 201);
      const c1 = ok<Coupon>(await post(`/v1/coupon-templates/${tp.id}/claim`, { user_id: 'r1' }, h), 201);
      const c2 = ok<Coupon>(await post(`/v1/coupon-templates/${tp.id}/claim`, { user_id: 'r2' }, h), 201);
      const revokes = await Promise.all(Array.from({ length: 5 }, () => post(`/v1/coupons/${c1.id}/revoke`, { reason: '发错了' }, h)));
      for (const r of revokes) assert.equal(ok<Coupon>(r).status, 'revoked');
      expectError(await post(`/v1/coupons/${c1.id}/redeem`, { order_ref: 'o-1', order }, h), 409, 'coupons.not_available');
      expectError(await post(`/v1/coupons/${c1.id}/quote`, { order }, h), 409, 'coupons.not_available');
      expectError(await post(`/v1/coupons/${c1.id}/release`, { order_ref: 'o-1' }, h), 409, 'coupons.not_available');
      ok(await post(`/v1/coupons/${c2.id}/redeem`, { order_ref: 'o-2', order }, h));
      const used = expectError(await post(`/v1/coupons/${c2.id}/revoke`, {}, h), 409, 'coupons.already_redeemed');
      assert.equal(used.details?.order_ref, 'o-2');
      expectError(await post('/v1/coupons/cpn_nope/revoke', {}, h), 404, 'coupons.not_found');
      const rep = ok<{ revoked: number; redeemed: number }>(await get(`/v1/coupon-templates/${tp.id}/report`, h));
      assert.deepEqual([rep.revoked, rep.redeemed], [1, 1]);
      const admin = await t.newOperator(ten.appId, 'admin');
      const audit = ok<{ data: { action: string; target_id: string; after: { reason: string } }[] }>(await get(`/v1/apps/${ten.appId}/audit-log?action=coupon.revoke`, { ...bearer(admin.token), 'x-canyu-app': ten.appId }));
      assert.deepEqual(audit.data.map((e) => [e.target_id, e.after.reason]), [[c1.id, '发错了']]);
      await t.services.webhooks.idle();
      assert.deepEqual(rx.received.map((x) => (JSON.parse(x.body) as { type: string; data: { coupon_id: string } }).data.coupon_id), [c1.id]);
    } finally {
      await rx.close();
    }
  });

  it('PATCH /v1/coupon-templates/{id} changes only the field sent, each alone', async () => {
    const tp = await template({ name: '改我', description: 'd', kind: 'fixed', amount: 100, per_user_limit: 3, total_quantity: 50, claimable: false });
    const url = `/v1/coupon-templates/${tp.id}`;
    const changes: Record<string, unknown> = { name: '改了', description: 'e', status: 'paused', claimable: true, per_user_limit: 5, total_quantity: null };
    for (const [field, value] of Object.entries(changes)) {
      const prior = ok<Record<string, unknown>>(await get(url));
      ok(await t.inject({ method: 'PATCH', url, headers: sk(), payload: { [field]: value } }));
      const now = ok<Record<string, unknown>>(await get(url));
      assert.deepEqual(now[field], value);
      for (const k of Object.keys(prior)) if (k !== field && k !== 'updated_at') assert.deepEqual(now[k], prior[k], `PATCH {${field}} must not change ${k}`);
    }
  });
});

describe('erasure', () => {
  it("erasing a user removes their name from their coupons; quantities stay exact", async () => {
    const tp = await template({ kind: 'fixed', amount: 100, total_quantity: 2 });
    ok(await claim(tp.id, 'forget-me'), 201);
    assert.equal((await t.inject({ method: 'DELETE', url: '/v1/users/forget-me', headers: sk() })).statusCode, 204);
    await t.services.bus.drain();
    assert.deepEqual(ok<{ data: unknown[] }>(await get('/v1/users/forget-me/coupons')).data, []);
    const n = await t.database.pool.query<{ n: number }>(`select count(*)::int as n from cp_coupons where template_id = $1 and user_id like 'erased_%'`, [tp.id]);
    assert.equal(n.rows[0]!.n, 1);
    assert.equal(ok<{ issued: number }>(await get(`/v1/coupon-templates/${tp.id}`)).issued, 1);
  });
});
