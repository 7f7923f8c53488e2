// A campaign's attributed conversions on hand-built orders, over HTTP on a real database: an order
// counts when a participant places it from their first participation to window_days after (each
// event once, duplicates sent twice stored once); orders before taking part, after the window, by
// non-participants or of another event do not; a non-numeric amount counts the order, adds nothing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { asTenant, startTestApp, type Tenant, type TestApp } from '../../testing/app.ts';
import { expectError, findIssue } from '../../testing/http.ts';

const H = 3_600_000;
const D = 24 * H;
// Canyu's clock ten days back, so every order below is in the past for ingestion.
const T0 = Date.now() - 10 * D;
let now = T0;
const clock = { now: () => new Date(now) };

let t: TestApp;
let A: Tenant;
let call: ReturnType<typeof asTenant>['call'];
let ok: ReturnType<typeof asTenant>['ok'];
let cid: string;
const at = (ms: number) => new Date(ms).toISOString();

before(async () => {
  t = await startTestApp({ clock });
  A = await t.newTenant('attribution');
  ({ call, ok } = asTenant(t, A));
  const c = await ok('POST', '/v1/campaigns', { kind: 'crowdfunding', name: '众筹', starts_at: at(T0 - H), ends_at: at(T0 + 30 * D), settings: { goal_type: 'backers', goal: 100, tiers: [{ id: 'std', name: '标准', amount: 100 }] } });
  cid = c.id;
  await ok('POST', `/v1/campaigns/${cid}/schedule`);
  // ann pledges at T0 and again a day later (her first participation stays T0); bob at T0 + 2 days.
  await ok('POST', `/v1/campaigns/${cid}/crowdfunding/pledges`, { user_id: 'ann', tier_id: 'std', order_ref: 'a1' });
  now = T0 + D;
  await ok('POST', `/v1/campaigns/${cid}/crowdfunding/pledges`, { user_id: 'ann', tier_id: 'std', order_ref: 'a2' });
  now = T0 + 2 * D;
  await ok('POST', `/v1/campaigns/${cid}/crowdfunding/pledges`, { user_id: 'bob', tier_id: 'std', order_ref: 'b1' });
  await ok('POST', `/v1/campaigns/${cid}/crowdfunding/pledges`, { user_id: 'cid', tier_id: 'std', order_ref: 'c1' });
  const order = (id: string, user: string, ms: number, amount: unknown, name = 'order.paid') => ({ event_id: id, user_id: user, name, timestamp: at(ms), properties: { amount } });
  const events = [
    order('o1', 'ann', T0 + H, 300), // counts
    order('o2', 'ann', T0 + 6 * D, 200), // counts (within 7 days of T0)
    order('o3', 'ann', T0 + 7 * D + H, 999), // after ann's window
    order('o4', 'ann', T0 - H, 999), // before she took part
    order('o5', 'bob', T0 + 3 * D, 'lots'), // counts, amount not a number
    order('o6', 'bob', T0 + 8 * D, 50), // within bob's window (T0+2d .. T0+9d)
    order('o7', 'dan', T0 + D, 999), // not a participant
    order('o8', 'ann', T0 + 2 * D, 999, 'cart.added'), // another event
  ];
  await ok('POST', '/v1/events', { events });
  await ok('POST', '/v1/events', { events: [events[0]] }); // a retry: stored once
});
after(() => t.close());

describe('campaign report: attributed conversions', () => {
  it('counts each participant order in its window once, with the amounts', async () => {
    const r = await ok('GET', `/v1/campaigns/${cid}/report?conversion_event=order.paid&window_days=7`);
    assert.equal(r.participants, 3);
    assert.deepEqual(r.conversions, {
      event: 'order.paid',
      amount_property: 'amount',
      window_days: 7,
      participants: 3,
      converted: 2,
      conversion_rate: 2 / 3,
      orders: 4,
      amount: 300 + 200 + 50,
      amount_per_order: 550 / 4,
    });
    // A shorter window leaves out ann's day-6 order and bob's day-6 one.
    const short = (await ok('GET', `/v1/campaigns/${cid}/report?conversion_event=order.paid&window_days=2`)).conversions;
    assert.deepEqual([short.converted, short.orders, short.amount], [2, 2, 300]);
    // Without conversion_event there is nothing to attribute.
    assert.equal((await ok('GET', `/v1/campaigns/${cid}/report`)).conversions, null);
  });

  it("an erased participant's orders no longer count", async () => {
    assert.ok([200, 202, 204].includes((await call('DELETE', '/v1/users/bob')).statusCode));
    await t.services.bus.drain();
    const c = (await ok('GET', `/v1/campaigns/${cid}/report?conversion_event=order.paid&window_days=7`)).conversions;
    // bob's o5 (non-numeric) and o6 (50) are gone with his events; ann's two orders remain.
    assert.deepEqual([c.converted, c.orders, c.amount], [1, 2, 500]);
  });

  it('names the field of a bad parameter', async () => {
    findIssue(expectError(await call('GET', `/v1/campaigns/${cid}/report?conversion_event=order.paid&window_days=0`), 400, 'validation_failed'), 'query.window_days');
    findIssue(expectError(await call('GET', `/v1/campaigns/${cid}/report?conversion_event=order.paid&amount_property=a..b`), 400, 'validation_failed'), 'query.amount_property');
    findIssue(expectError(await call('GET', `/v1/campaigns/${cid}/report?conversion_event=${encodeURIComponent('a\u0000')}`), 400, 'validation_failed'), 'query.conversion_event');
  });
});
