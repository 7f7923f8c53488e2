// The webhook channel through the webhooks module: the host receives one signed messaging.push
// event per delivery (even when the channel is retried after a crash), acknowledges the device
// delivery, and the push is capped, deferred and tracked like every other channel.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Clock } from '../../lib/clock.ts';
import { bearer, startTestApp, type Tenant, type TestApp } from '../../testing/app.ts';
import { expectError } from '../../testing/http.ts';
import { allowReceivers, startReceiver, type Receiver } from '../../testing/receiver.ts';
import { verifyWebhookSignature } from '../webhooks/index.ts';

let t: TestApp;
let rx: Receiver;
let tenant: Tenant;
let secret: string;
let now = new Date();
const clock: Clock = { now: () => new Date(now) };

before(async () => {
  rx = await startReceiver();
  t = await startTestApp({ clock, config: allowReceivers });
});
beforeEach(async () => {
  now = new Date();
  rx.received.length = 0;
  tenant = await t.newTenant();
  const e = await api('POST', '/v1/webhooks/endpoints', { url: rx.url, event_types: ['messaging.push'] });
  assert.equal(e.statusCode, 201, e.body);
  secret = e.json().secret;
});
after(async () => {
  await t.close();
  await rx.close();
});

const api = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) => t.inject({ method, url, headers: bearer(tenant.secretKey), ...(payload === undefined ? {} : { payload: payload as object }) });
const push = (userId: string, extra: object = {}) => api('POST', '/v1/messaging/sends', { to: { user_id: userId }, content: { 'zh-CN': { title: '限时秒杀', body: '今晚 8 点开抢' } }, url: 'myapp://flash/1', category: 'activity', channels: ['in_app', 'webhook'], ...extra });
const settle = async () => {
  await t.services.messaging.idle();
  await t.services.webhooks.idle();
};

describe('webhook channel', () => {
  it('hands the host one signed messaging.push per message, which it acknowledges as delivered', async () => {
    await api('POST', '/v1/users/phone', { locale: 'zh-CN' });
    const r = await push('phone');
    assert.equal(r.statusCode, 201, r.body);
    assert.equal(r.json().results[0].channels.webhook.status, 'queued');
    await settle();
    assert.equal(rx.received.length, 1);
    const req = rx.received[0]!;
    assert.equal(req.headers['canyu-event-type'], 'messaging.push');
    assert.ok(verifyWebhookSignature(secret, String(req.headers['canyu-signature']), req.body, Math.floor(Date.now() / 1000)).ok, 'signed with the endpoint secret');
    const data = JSON.parse(req.body).data as { delivery_id: string; user_id: string; title: string; url: string; click_url: string; ack: { path: string } };
    assert.deepEqual([data.user_id, data.title, data.url], ['phone', '限时秒杀', 'myapp://flash/1']);
    assert.match(data.click_url, /\/v1\/messaging\/click\?token=/);
    const msg = async () => (await api('GET', `/v1/messaging/messages/${r.json().results[0].message_id}`)).json();
    assert.equal((await msg()).deliveries[0].status, 'sent');
    // The host's push provider confirmed: acknowledge (twice: idempotent).
    for (let i = 0; i < 2; i++) {
      const ack = await api('POST', data.ack.path);
      assert.equal(ack.statusCode, 200, ack.body);
      assert.equal(ack.json().status, 'delivered');
    }
    const d = (await msg()).deliveries[0];
    assert.ok(d.delivered_at);
    const stats = (await api('GET', `/v1/messaging/sends/${r.json().id}`)).json().stats;
    assert.deepEqual(stats.channels, { webhook: { delivered: 1 } });
    expectError(await api('POST', '/v1/messaging/deliveries/dlv_999999999/ack'), 404, 'messaging.delivery_not_found');
    // A user token acknowledges only its own deliveries.
    const other = { ...bearer(tenant.publishableKey), 'x-user-token': await t.userToken(tenant, 'someone-else') };
    expectError(await t.inject({ method: 'POST', url: data.ack.path, headers: other }), 404, 'messaging.delivery_not_found');
  });

  it('is never delivered twice when the channel is retried after a crash', async () => {
    const r = await push('retry-phone');
    await settle();
    assert.equal(rx.received.length, 1);
    // As if the server crashed after handing the event over but before recording it.
    const [row] = (await t.database.pool.query<{ id: string }>(`select id from ms_deliveries where app_id = $1`, [tenant.appId])).rows;
    await t.database.pool.query(`update ms_deliveries set status = 'sending', lease_until = $2 where id = $1`, [row!.id, new Date(now.getTime() - 1000)]);
    await Promise.all([t.services.messaging.tick(), t.services.messaging.tick()]);
    await settle();
    assert.equal(rx.received.length, 1, 'the same delivery key enqueues no second webhook');
    const d = (await api('GET', `/v1/messaging/messages/${r.json().results[0].message_id}`)).json().deliveries[0];
    assert.deepEqual([d.status, d.attempts], ['sent', 2]);
  });

  it('caps pushes per user per day under concurrent sends', async () => {
    await api('POST', '/v1/messaging/caps', { channel: 'webhook', max: 3, period: 'day' });
    const res = await Promise.all(Array.from({ length: 25 }, () => push('busy')));
    const outcomes = res.map((x) => x.json().results[0].channels.webhook.status as string);
    assert.equal(outcomes.filter((o) => o === 'queued').length, 3);
    await settle();
    assert.equal(rx.received.length, 3);
    assert.ok(res.every((x) => x.json().results[0].status === 'sent'), 'the inbox copies are not capped by a push cap');
  });

  it('is unavailable without an endpoint that takes messaging.push', async () => {
    const ten = await t.newTenant();
    const r = await t.inject({ method: 'POST', url: '/v1/messaging/sends', headers: bearer(ten.secretKey), payload: { to: { user_id: 'x' }, content: { en: { title: 't', body: 'b' } }, category: 'system', channels: ['webhook'] } });
    const err = expectError(r, 409, 'messaging.channel_unavailable');
    assert.match(err.message, /messaging\.push/);
  });
});
