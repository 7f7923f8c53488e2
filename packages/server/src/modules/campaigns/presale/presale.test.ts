// Presale: deposit window, deposit expansion, a reminder before the final window (once, with
// concurrent ticks), final payment in its window, forfeiture when it is missed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type Tenant, type TestApp } from '../../../testing/app.ts';
import { expectError, findIssue } from '../../../testing/http.ts';
import { allowReceivers, startReceiver, type Receiver } from '../../../testing/receiver.ts';
import { api, iso, ok, testClock } from '../test-helpers.ts';

const clock = testClock('2030-11-01T00:00:00Z');
const T0 = clock.t;
const D = 86_400_000;

let t: TestApp;
let tenant: Tenant;
let a: ReturnType<typeof api>;
let rx: Receiver;

before(async () => {
  t = await startTestApp({ clock, config: allowReceivers });
  tenant = await t.newTenant();
  a = api(t, tenant);
  rx = await startReceiver();
  ok(await a.post('/v1/webhooks/endpoints', { url: rx.url, event_types: ['presale.*'] }), 201);
});
after(async () => {
  await rx.close();
  await t.close();
});

type Order = { id: string; status: string; final_amount: number; deposit_value: number; reminded_at: string | null; final_order_ref: string | null };
// Deposits on days 1-5, final payment on days 10-11, reminder 60 minutes before day 10.
const settings = () => ({ product_id: 'phone', price: 599_900, deposit: 10_000, deposit_value: 30_000, deposit_starts_at: iso(T0 + D), deposit_ends_at: iso(T0 + 5 * D), final_starts_at: iso(T0 + 10 * D), final_ends_at: iso(T0 + 11 * D), reminder_minutes: 60 });

async function campaign() {
  const c = await a.campaign({ kind: 'presale', name: '双11预售', starts_at: iso(T0), ends_at: iso(T0 + 12 * D), settings: settings() });
  ok(await a.post(`/v1/campaigns/${c.id}/schedule`));
  return c.id;
}
const deposit = (cid: string, user: string, ref = `dep-${user}`) => a.post(`/v1/campaigns/${cid}/presale/orders`, { user_id: user, deposit_order_ref: ref });
const types = (orderId: string) => rx.received.map((r) => JSON.parse(r.body) as { type: string; data: { order_id: string } }).filter((h) => h.data.order_id === orderId && h.type.startsWith('presale.') && h.type.split('.').length === 3).map((h) => h.type); // the order webhooks (presale.order.*, presale.deposit.*, presale.final_payment.*), not the domain events

describe('presale', () => {
  it('validates its windows and expansion', async () => {
    let err = expectError(await a.post('/v1/campaigns', { kind: 'presale', name: 'x', starts_at: iso(T0), ends_at: iso(T0 + 12 * D), settings: { ...settings(), deposit_value: 700_000 } }), 400, 'validation_failed');
    findIssue(err, 'body.settings.deposit_value');
    err = expectError(await a.post('/v1/campaigns', { kind: 'presale', name: 'x', starts_at: iso(T0), ends_at: iso(T0 + 12 * D), settings: { ...settings(), final_starts_at: iso(T0 + 2 * D) } }), 400, 'validation_failed');
    findIssue(err, 'body.settings.final_starts_at');
    const c = await a.campaign({ kind: 'presale', name: 'short', starts_at: iso(T0), ends_at: iso(T0 + 3 * D), settings: settings() });
    expectError(await a.post(`/v1/campaigns/${c.id}/schedule`), 409, 'campaigns.not_ready');
  });

  it('takes deposits only in their window; the deposit counts as more at the final payment', async () => {
    const cid = await campaign();
    expectError(await deposit(cid, 'early'), 409, 'presale.window_closed');
    clock.t = T0 + 2 * D;
    try {
      const o = ok<Order>(await deposit(cid, 'buyer'), 201);
      assert.deepEqual([o.status, o.deposit_value, o.final_amount], ['deposit_paid', 30_000, 569_900]);
      assert.equal(ok<Order>(await deposit(cid, 'buyer'), 201).id, o.id, 'the same deposit order is recorded once');
      expectError(await a.post(`/v1/presale/orders/${o.id}/final`, { order_ref: 'final-1' }), 409, 'presale.window_closed');
      clock.t = T0 + 6 * D;
      expectError(await deposit(cid, 'late'), 409, 'presale.window_closed');
    } finally {
      clock.t = T0;
    }
  });

  it('reminds once before the final window, completes in it, and forfeits a missed one once', async () => {
    const cid = await campaign();
    clock.t = T0 + 2 * D;
    try {
      const payer = ok<Order>(await deposit(cid, 'payer'), 201);
      const misser = ok<Order>(await deposit(cid, 'misser'), 201);
      const quitter = ok<Order>(await deposit(cid, 'quitter'), 201);
      ok(await a.post(`/v1/presale/orders/${quitter.id}/cancel`));
      const reminders: string[] = [];
      const forfeits: string[] = [];
      const offs = [t.services.bus.subscribe('presale.final_payment_reminder', (p) => void (p.campaignId === cid && reminders.push(p.orderId))), t.services.bus.subscribe('presale.deposit_forfeited', (p) => void (p.campaignId === cid && p.reason === 'missed_final_payment' && forfeits.push(p.orderId)))];
      const tick = () => Promise.all([t.services.campaigns.tick(), t.services.campaigns.tick(), t.services.campaigns.tick()]);
      clock.t = T0 + 10 * D - 60 * 60_000 - 1000;
      await tick();
      clock.t += 1000;
      await tick();
      await tick();
      await t.services.bus.drain();
      assert.deepEqual(reminders.sort(), [payer.id, misser.id].sort());
      clock.t = T0 + 10 * D + 5000;
      const done = ok<Order>(await a.post(`/v1/presale/orders/${payer.id}/final`, { order_ref: 'final-payer' }));
      assert.deepEqual([done.status, done.final_order_ref], ['completed', 'final-payer']);
      clock.t = T0 + 11 * D;
      await tick();
      await t.services.bus.drain();
      offs.forEach((o) => o());
      assert.deepEqual(forfeits, [misser.id]);
      assert.equal(ok<Order>(await a.get(`/v1/presale/orders/${misser.id}`)).status, 'forfeited');
      expectError(await a.post(`/v1/presale/orders/${misser.id}/final`, { order_ref: 'too-late' }), 409, 'presale.order_closed');
      await t.services.webhooks.idle();
      assert.deepEqual(types(payer.id), ['presale.final_payment.reminder']);
      assert.deepEqual(types(misser.id), ['presale.final_payment.reminder', 'presale.deposit.forfeited']);
      assert.deepEqual(types(quitter.id), ['presale.order.cancelled']);
      const rep = ok<{ participants: number; successes: number; cost: number; details: { forfeited: number } }>(await a.get(`/v1/campaigns/${cid}/report`));
      assert.deepEqual([rep.participants, rep.successes, rep.cost, rep.details.forfeited], [3, 1, 20_000, 1]);
    } finally {
      clock.t = T0;
    }
  });
});
