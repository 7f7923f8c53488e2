// 砍价: friends cut within bounds, once each, never the starter; the floor after at most max_cuts;
// new users cut more; buying at the current price; expiry at the deadline; concurrent friends.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type Tenant, type TestApp } from '../../../testing/app.ts';
import { expectError, findIssue } from '../../../testing/http.ts';
import { createEventLog } from '../../../events/index.ts';
import { createCampaigns } from '../index.ts';
import { api, iso, ok, testClock } from '../test-helpers.ts';

const clock = testClock('2030-10-01T00:00:00Z');
const T0 = clock.t;
const H = 3600_000;

let t: TestApp;
let tenant: Tenant;
let a: ReturnType<typeof api>;

before(async () => {
  t = await startTestApp({ clock });
  tenant = await t.newTenant();
  a = api(t, tenant);
});
after(() => t.close());

type Bargain = { id: string; status: string; current_price: number; cuts: number; amount?: number; cut_log: { user_id: string; amount: number; new_user: boolean }[] };
const SETTINGS = { product_id: 'kettle', original_price: 10_000, floor_price: 1, max_cuts: 8, min_cut: 100, max_cut: 2000, new_user_multiplier: 3, bargain_ttl_seconds: 6 * 3600 };

async function campaign(settings: Record<string, unknown> = {}) {
  const c = await a.campaign({ kind: 'bargain', name: '砍一刀', starts_at: iso(clock.t), ends_at: iso(clock.t + 48 * H), settings: { ...SETTINGS, ...settings } });
  ok(await a.post(`/v1/campaigns/${c.id}/schedule`));
  return c.id;
}
const start = (cid: string, user: string) => a.post(`/v1/campaigns/${cid}/bargains`, { user_id: user });
const cut = (id: string, user: string, isNew = false) => a.post(`/v1/bargains/${id}/cuts`, { user_id: user, ...(isNew ? { is_new_user: true } : {}) });

describe('bargains', () => {
  it('refuses settings whose floor cannot be reached within max_cuts', async () => {
    const err = expectError(await a.post('/v1/campaigns', { kind: 'bargain', name: 'x', starts_at: iso(T0), ends_at: iso(T0 + H), settings: { ...SETTINGS, max_cut: 100 } }), 400, 'validation_failed');
    findIssue(err, 'body.settings.max_cut');
  });

  it('is cut by friends within bounds, reaches the floor by the last allowed cut, and is bought at that price', async () => {
    const cid = await campaign();
    const b = ok<Bargain>(await start(cid, 'starter'), 201);
    expectError(await start(cid, 'starter'), 409, 'bargain.active_exists');
    expectError(await cut(b.id, 'starter'), 409, 'bargain.self_cut');
    let price = 10_000;
    for (let i = 0; i < 8; i++) {
      const r = ok<Bargain>(await cut(b.id, `friend-${i}`), 201);
      assert.ok(r.amount! >= 1 && r.amount! <= (i < 7 ? 2000 : 10_000), `cut ${r.amount}`);
      assert.equal(r.current_price, price - r.amount!);
      price = r.current_price;
      if (price === 1) break;
    }
    assert.equal(price, 1, 'at the floor within 8 cuts');
    expectError(await cut(b.id, 'friend-0'), 409, 'bargain.already_cut');
    expectError(await cut(b.id, 'one-more'), 409, 'bargain.floor_reached');
    const bought = ok<Bargain & { order_ref: string }>(await a.post(`/v1/bargains/${b.id}/buy`, { order_ref: 'kettle-1' }));
    assert.deepEqual([bought.status, bought.current_price, bought.order_ref], ['bought', 1, 'kettle-1']);
    const rep = ok<{ participants: number; successes: number; cost: number }>(await a.get(`/v1/campaigns/${cid}/report`));
    assert.deepEqual([rep.successes, rep.cost], [1, 9_999]);
    assert.equal(rep.participants, 1 + bought.cut_log.length);
  });

  it('lets new users cut more (only when the host says so)', async () => {
    const dice = createCampaigns({ db: t.database.db, pool: t.database.pool, clock, bus: createEventLog({ db: t.database.db, log: { error() {} } }), webhooks: t.services.webhooks, audit: t.services.audit, points: t.services.points, coupons: t.services.coupons, users: t.services.users, log: { error() {}, warn() {} }, random: () => 0.99999 });
    const cid = await campaign({ max_cuts: 100, max_cut: 500, min_cut: 1 });
    const ctx = t.systemCtx();
    const b = await dice.bargain.start(ctx, tenant.appId, cid, 'host-user');
    const plain = await dice.bargain.cut(ctx, tenant.appId, b.bargain.id, 'old-friend', false);
    const fresh = await dice.bargain.cut(ctx, tenant.appId, b.bargain.id, 'new-friend', true);
    assert.deepEqual([plain.amount, fresh.amount], [500, 1500]);
    // Through the API a user token cannot claim to be new.
    const tok = await t.userToken(tenant, 'sneaky');
    const res = await t.inject({ method: 'POST', url: `/v1/bargains/${b.bargain.id}/cuts`, headers: { authorization: `Bearer ${tenant.publishableKey}`, 'x-user-token': tok }, payload: { is_new_user: true } });
    const r = ok<Bargain>(res, 201);
    assert.equal(r.cut_log.find((c) => c.user_id === 'sneaky')!.new_user, false);
  });

  it('expires at the deadline, once, and can no longer be cut or bought', async () => {
    const cid = await campaign();
    const b = ok<Bargain>(await start(cid, 'slow'), 201);
    ok(await cut(b.id, 'f1'), 201);
    const expired: string[] = [];
    const off = t.services.bus.subscribe('bargain.expired', (p) => void (p.bargainId === b.id && expired.push(p.reason)));
    try {
      clock.t += 6 * H;
      expectError(await cut(b.id, 'f2'), 409, 'bargain.closed');
      await Promise.all([t.services.campaigns.tick(), t.services.campaigns.tick()]);
      await t.services.bus.drain();
      assert.deepEqual(expired, ['deadline']);
      assert.equal(ok<Bargain>(await a.get(`/v1/bargains/${b.id}`)).status, 'expired');
      expectError(await a.post(`/v1/bargains/${b.id}/buy`, { order_ref: 'late' }), 409, 'bargain.closed');
      ok(await start(cid, 'slow'), 201);
    } finally {
      off();
      clock.t = T0;
    }
  });

  it('50 friends cutting at once: exactly max_cuts cuts, ending exactly at the floor', async () => {
    const cid = await campaign();
    const b = ok<Bargain>(await start(cid, 'popular'), 201);
    const res = await Promise.all(Array.from({ length: 50 }, (_, i) => cut(b.id, `crowd-${i}`)));
    const okCuts = res.filter((r) => r.statusCode === 201);
    assert.ok(okCuts.length <= 8);
    assert.ok(res.every((r) => r.statusCode === 201 || (r.json() as { error: { code: string } }).error.code === 'bargain.floor_reached'));
    const final = ok<Bargain>(await a.get(`/v1/bargains/${b.id}`));
    assert.equal(final.current_price, 1);
    assert.equal(final.cuts, okCuts.length);
    assert.equal(final.cut_log.reduce((s, c) => s + c.amount, 0), 9_999);
    expectError(await api(t, await t.newTenant()).get(`/v1/bargains/${b.id}`), 404, 'bargain.not_found');
  });
});
