// Webhooks: endpoints over HTTP, signed deliveries to a real receiver on 127.0.0.1, retries with
// backoff on a controllable clock, exhaustion and manual redelivery, the test button, claims that
// never send twice, and delivery through real pg-boss jobs.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createJobs } from '../../jobs.ts';
import { bearer, startTestApp, type Tenant, type TestApp } from '../../testing/app.ts';
import { expectError, findIssue } from '../../testing/http.ts';
import { startReceiver, type Receiver } from '../../testing/receiver.ts';
import { createWebhooks, verifyWebhookSignature } from './index.ts';

const clock = { t: Date.parse('2030-01-01T00:00:00Z'), now() { return new Date(this.t); } };
const silent = { error() {}, warn() {}, info() {} };

let t: TestApp;
let tenant: Tenant;
let rx: Receiver;

before(async () => {
  t = await startTestApp({ clock });
  tenant = await t.newTenant();
  rx = await startReceiver();
});
after(async () => {
  await rx.close();
  await t.close();
});

const sk = () => bearer(tenant.secretKey);
const createEndpoint = async (payload: object, key = tenant.secretKey) => {
  const res = await t.inject({ method: 'POST', url: '/v1/webhooks/endpoints', headers: bearer(key), payload });
  assert.equal(res.statusCode, 201, res.body);
  return res.json() as { id: string; secret: string; secret_hint: string; event_types: string[] };
};
const deliveries = async (query = '', key = tenant.secretKey) => {
  const res = await t.inject({ method: 'GET', url: `/v1/webhooks/deliveries${query}`, headers: bearer(key) });
  assert.equal(res.statusCode, 200, res.body);
  return (res.json() as { data: { id: string; status: string; attempts: number; last_status_code: number | null; event_type: string; event_id: string; endpoint_id: string }[] }).data;
};

describe('endpoints', () => {
  it('creates, lists, reads, changes and deletes an endpoint; the secret is shown on creation', async () => {
    const ten = await t.newTenant();
    const e = await createEndpoint({ url: 'https://example.com/hooks', description: '订单系统', event_types: ['group_buy.*', 'coupon.redeemed'] }, ten.secretKey);
    assert.match(e.secret, /^whsec_[A-Za-z0-9]{32}$/);
    assert.equal(e.secret_hint, `…${e.secret.slice(-4)}`);
    const list = (await t.inject({ method: 'GET', url: '/v1/webhooks/endpoints', headers: bearer(ten.secretKey) })).json() as { data: { id: string }[] };
    assert.deepEqual(list.data.map((x) => x.id), [e.id]);
    const got = await t.inject({ method: 'GET', url: `/v1/webhooks/endpoints/${e.id}`, headers: bearer(ten.secretKey) });
    assert.equal(got.json().description, '订单系统');
    assert.equal(got.json().secret, undefined, 'the secret is not in ordinary reads');
    const patched = await t.inject({ method: 'PATCH', url: `/v1/webhooks/endpoints/${e.id}`, headers: bearer(ten.secretKey), payload: { enabled: false, event_types: [] } });
    assert.equal(patched.statusCode, 200, patched.body);
    assert.equal(patched.json().enabled, false);
    assert.deepEqual(patched.json().event_types, []);
    const secret = await t.inject({ method: 'GET', url: `/v1/webhooks/endpoints/${e.id}/secret`, headers: bearer(ten.secretKey) });
    assert.equal(secret.json().secret, e.secret);
    const disabled = (await t.inject({ method: 'GET', url: '/v1/webhooks/endpoints?enabled=true', headers: bearer(ten.secretKey) })).json() as { data: unknown[] };
    assert.equal(disabled.data.length, 0);
    assert.equal((await t.inject({ method: 'DELETE', url: `/v1/webhooks/endpoints/${e.id}`, headers: bearer(ten.secretKey) })).statusCode, 204);
    assert.equal((await t.inject({ method: 'DELETE', url: `/v1/webhooks/endpoints/${e.id}`, headers: bearer(ten.secretKey) })).statusCode, 204);
    expectError(await t.inject({ method: 'GET', url: `/v1/webhooks/endpoints/${e.id}`, headers: bearer(ten.secretKey) }), 404, 'webhooks.endpoint_not_found');
  });

  it('names bad URLs and event types', async () => {
    for (const url of ['ftp://example.com/x', 'not a url', 'https://user:pw@example.com/']) {
      const err = expectError(await t.inject({ method: 'POST', url: '/v1/webhooks/endpoints', headers: sk(), payload: { url } }), 400, 'validation_failed');
      findIssue(err, 'body.url');
    }
    const err = expectError(await t.inject({ method: 'POST', url: '/v1/webhooks/endpoints', headers: sk(), payload: { url: rx.url, event_types: ['ok.type', 'Bad Type'] } }), 400, 'validation_failed');
    findIssue(err, 'body.event_types.1');
  });

  it("never shows or changes another app's endpoint", async () => {
    const other = await t.newTenant();
    const e = await createEndpoint({ url: rx.url }, other.secretKey);
    expectError(await t.inject({ method: 'GET', url: `/v1/webhooks/endpoints/${e.id}`, headers: sk() }), 404, 'webhooks.endpoint_not_found');
    expectError(await t.inject({ method: 'PATCH', url: `/v1/webhooks/endpoints/${e.id}`, headers: sk(), payload: { enabled: false } }), 404, 'webhooks.endpoint_not_found');
    expectError(await t.inject({ method: 'POST', url: `/v1/webhooks/endpoints/${e.id}/test`, headers: sk() }), 404, 'webhooks.endpoint_not_found');
    await t.inject({ method: 'DELETE', url: `/v1/webhooks/endpoints/${e.id}`, headers: sk() });
    assert.equal((await t.inject({ method: 'GET', url: `/v1/webhooks/endpoints/${e.id}`, headers: bearer(other.secretKey) })).statusCode, 200);
  });

  it('lets admins manage endpoints and keeps other roles out', async () => {
    const admin = await t.newOperator(tenant.appId, 'admin');
    const op = await t.newOperator(tenant.appId, 'operator');
    const h = (token: string) => ({ ...bearer(token), 'x-canyu-app': tenant.appId });
    const created = await t.inject({ method: 'POST', url: '/v1/webhooks/endpoints', headers: h(admin.token), payload: { url: 'https://example.com/admin' } });
    assert.equal(created.statusCode, 201, created.body);
    expectError(await t.inject({ method: 'POST', url: '/v1/webhooks/endpoints', headers: h(op.token), payload: { url: 'https://example.com/op' } }), 403, 'auth.forbidden');
    expectError(await t.inject({ method: 'GET', url: '/v1/webhooks/endpoints', headers: h(op.token) }), 403, 'auth.forbidden');
    assert.equal((await t.inject({ method: 'GET', url: '/v1/webhooks/deliveries', headers: h(admin.token) })).statusCode, 200);
    await t.inject({ method: 'DELETE', url: `/v1/webhooks/endpoints/${created.json().id}`, headers: h(admin.token) });
  });
});

describe('delivery', () => {
  it('POSTs the event signed over timestamp.body, with ids a receiver can de-duplicate on', async () => {
    const ten = await t.newTenant();
    const e = await createEndpoint({ url: rx.url }, ten.secretKey);
    const before = rx.received.length;
    const ids = await t.services.webhooks.publish(ten.appId, { type: 'group_buy.team.succeeded', key: 'team-1:succeeded', data: { team_id: 'team-1', 成员: 3 } });
    assert.equal(ids.length, 1);
    await t.services.webhooks.idle();
    assert.equal(rx.received.length, before + 1);
    const got = rx.received.at(-1)!;
    const body = JSON.parse(got.body) as { id: string; type: string; app_id: string; data: Record<string, unknown> };
    assert.equal(body.type, 'group_buy.team.succeeded');
    assert.equal(body.app_id, ten.appId);
    assert.deepEqual(body.data, { team_id: 'team-1', 成员: 3 });
    assert.equal(got.headers['canyu-event-id'], body.id);
    assert.equal(got.headers['canyu-event-type'], 'group_buy.team.succeeded');
    assert.equal(got.headers['canyu-delivery-id'], ids[0]);
    const v = verifyWebhookSignature(e.secret, String(got.headers['canyu-signature']), got.body, Math.floor(clock.t / 1000));
    assert.equal(v.ok, true);
    assert.equal(verifyWebhookSignature('whsec_wrong', String(got.headers['canyu-signature']), got.body, Math.floor(clock.t / 1000)).ok, false);

    const log = await deliveries('', ten.secretKey);
    assert.equal(log.length, 1);
    assert.equal(log[0]!.status, 'succeeded');
    assert.equal(log[0]!.last_status_code, 200);
    const detail = (await t.inject({ method: 'GET', url: `/v1/webhooks/deliveries/${ids[0]}`, headers: bearer(ten.secretKey) })).json() as { payload: { id: string }; attempt_log: { status_code: number; response_body: string }[] };
    assert.equal(detail.payload.id, body.id);
    assert.deepEqual(detail.attempt_log.map((a) => [a.status_code, a.response_body]), [[200, 'ok']]);

    // The same occurrence (same key) is never enqueued twice.
    assert.deepEqual(await t.services.webhooks.publish(ten.appId, { type: 'group_buy.team.succeeded', key: 'team-1:succeeded', data: {} }), []);
  });

  it('sends each endpoint only the event types it subscribed to', async () => {
    const ten = await t.newTenant();
    const a = await createEndpoint({ url: `${rx.url}?a`, event_types: ['group_buy.*'] }, ten.secretKey);
    const b = await createEndpoint({ url: `${rx.url}?b`, event_types: ['coupon.redeemed'] }, ten.secretKey);
    const c = await createEndpoint({ url: `${rx.url}?c` }, ten.secretKey);
    await t.inject({ method: 'PATCH', url: `/v1/webhooks/endpoints/${c.id}`, headers: bearer(ten.secretKey), payload: { enabled: false } });
    await t.services.webhooks.publish(ten.appId, { type: 'group_buy.team.failed', key: 'k1', data: {} });
    await t.services.webhooks.publish(ten.appId, { type: 'coupon.redeemed', key: 'k2', data: {} });
    await t.services.webhooks.publish(ten.appId, { type: 'flash_sale.reservation.expired', key: 'k3', data: {} });
    await t.services.webhooks.idle();
    const log = await deliveries('', ten.secretKey);
    assert.deepEqual(log.map((d) => `${d.endpoint_id === a.id ? 'a' : d.endpoint_id === b.id ? 'b' : 'c'}:${d.event_type}`).sort(), ['a:group_buy.team.failed', 'b:coupon.redeemed']);
    const filtered = await deliveries(`?endpoint_id=${b.id}&status=succeeded`, ten.secretKey);
    assert.equal(filtered.length, 1);
  });

  it('retries failures with exponential backoff on the clock, logging each answer, until one succeeds', async () => {
    const ten = await t.newTenant();
    const r = await startReceiver();
    try {
      await createEndpoint({ url: r.url }, ten.secretKey);
      r.answer([500, 503, 200]);
      const wh = createWebhooks({ db: t.database.db, clock, audit: t.services.audit, log: silent, random: () => 0.5 });
      const [id] = await wh.publish(ten.appId, { type: 'coupon.redeemed', key: 'retry-1', data: {} });
      await wh.idle();
      let d = (await deliveries('', ten.secretKey))[0]!;
      assert.deepEqual([d.status, d.attempts, d.last_status_code], ['retrying', 1, 500]);
      // Not due yet: nothing is sent.
      clock.t += 29_000;
      assert.equal(await wh.sweep(), 0);
      clock.t += 1_000;
      assert.equal(await wh.sweep(), 1);
      await wh.idle();
      d = (await deliveries('', ten.secretKey))[0]!;
      assert.deepEqual([d.status, d.attempts, d.last_status_code], ['retrying', 2, 503]);
      clock.t += 59_000;
      assert.equal(await wh.sweep(), 0, 'the second wait is twice the first');
      clock.t += 1_000;
      await wh.sweep();
      await wh.idle();
      d = (await deliveries('', ten.secretKey))[0]!;
      assert.deepEqual([d.status, d.attempts, d.last_status_code], ['succeeded', 3, 200]);
      assert.equal(r.received.length, 3);
      assert.deepEqual(r.received.map((x) => x.headers['canyu-attempt']), ['1', '2', '3']);
      assert.equal(new Set(r.received.map((x) => x.headers['canyu-event-id'])).size, 1, 'one event id across retries');
      const detail = (await t.inject({ method: 'GET', url: `/v1/webhooks/deliveries/${id}`, headers: bearer(ten.secretKey) })).json() as { attempt_log: { status_code: number }[] };
      assert.deepEqual(detail.attempt_log.map((a) => a.status_code), [500, 503, 200]);
    } finally {
      await r.close();
    }
  });

  it('gives up after the last attempt; a manual redelivery starts again', async () => {
    const ten = await t.newTenant();
    const r = await startReceiver();
    try {
      await createEndpoint({ url: r.url }, ten.secretKey);
      r.answer([500]);
      const wh = createWebhooks({ db: t.database.db, clock, audit: t.services.audit, log: silent, retry: { maxAttempts: 2, baseSeconds: 10, maxSeconds: 10 } });
      const [id] = await wh.publish(ten.appId, { type: 'coupon.redeemed', key: 'give-up', data: {} });
      await wh.idle();
      clock.t += 20_000;
      await wh.sweep();
      await wh.idle();
      let d = (await deliveries('', ten.secretKey))[0]!;
      assert.deepEqual([d.status, d.attempts], ['failed', 2]);
      clock.t += 3600_000;
      assert.equal(await wh.sweep(), 0, 'a failed delivery is never retried by itself');
      r.answer([200]);
      const re = await t.inject({ method: 'POST', url: `/v1/webhooks/deliveries/${id}/redeliver`, headers: bearer(ten.secretKey) });
      assert.equal(re.statusCode, 202, re.body);
      await t.services.webhooks.idle();
      d = (await deliveries('', ten.secretKey))[0]!;
      assert.deepEqual([d.status, d.last_status_code], ['succeeded', 200]);
      assert.equal(r.received.length, 3);
      expectError(await t.inject({ method: 'POST', url: '/v1/webhooks/deliveries/whd_nope/redeliver', headers: bearer(ten.secretKey) }), 404, 'webhooks.delivery_not_found');
    } finally {
      await r.close();
    }
  });

  it('times out a receiver that never answers, and records why', async () => {
    const ten = await t.newTenant();
    const r = await startReceiver();
    try {
      await createEndpoint({ url: r.url }, ten.secretKey);
      r.hang();
      const wh = createWebhooks({ db: t.database.db, clock, audit: t.services.audit, log: silent, timeoutMs: 300 });
      await wh.publish(ten.appId, { type: 'coupon.redeemed', key: 'slow', data: {} });
      await wh.idle();
      const d = (await deliveries('', ten.secretKey))[0]!;
      assert.equal(d.status, 'retrying');
      assert.equal(d.last_status_code, null);
      const detail = (await t.inject({ method: 'GET', url: `/v1/webhooks/deliveries/${d.id}`, headers: bearer(ten.secretKey) })).json() as { last_error: string };
      assert.match(detail.last_error, /timed out after 300 ms/);
    } finally {
      await r.close();
    }
  });

  it('never sends one delivery twice when workers race for it', async () => {
    const ten = await t.newTenant();
    const r = await startReceiver();
    try {
      await createEndpoint({ url: r.url }, ten.secretKey);
      const workers = [0, 1, 2].map(() => createWebhooks({ db: t.database.db, clock, audit: t.services.audit, log: silent }));
      const ids: string[] = [];
      for (let i = 0; i < 40; i++) ids.push(...(await workers[0]!.enqueue(t.database.db, ten.appId, { type: 'coupon.redeemed', key: `race-${i}`, data: { i } })));
      // Every worker tries every delivery at once, and sweeps as well.
      await Promise.all([...workers.flatMap((w) => ids.map((id) => w.attempt(id))), ...workers.map((w) => w.sweep())]);
      await Promise.all(workers.map((w) => w.idle()));
      assert.equal(r.received.length, 40);
      assert.equal(new Set(r.received.map((x) => x.headers['canyu-delivery-id'])).size, 40);
    } finally {
      await r.close();
    }
  });

  it('signs with both secrets during a rotation grace period, then only the new one', async () => {
    const ten = await t.newTenant();
    const e = await createEndpoint({ url: rx.url }, ten.secretKey);
    const rot = await t.inject({ method: 'POST', url: `/v1/webhooks/endpoints/${e.id}/rotate-secret`, headers: bearer(ten.secretKey), payload: { grace_seconds: 60 } });
    assert.equal(rot.statusCode, 200, rot.body);
    const fresh = rot.json().secret as string;
    assert.notEqual(fresh, e.secret);
    await t.services.webhooks.publish(ten.appId, { type: 'x.y', key: 'rot-1', data: {} });
    await t.services.webhooks.idle();
    let got = rx.received.at(-1)!;
    const now = Math.floor(clock.t / 1000);
    assert.ok(verifyWebhookSignature(fresh, String(got.headers['canyu-signature']), got.body, now).ok);
    assert.ok(verifyWebhookSignature(e.secret, String(got.headers['canyu-signature']), got.body, now).ok);
    clock.t += 61_000;
    await t.services.webhooks.publish(ten.appId, { type: 'x.y', key: 'rot-2', data: {} });
    await t.services.webhooks.idle();
    got = rx.received.at(-1)!;
    const later = Math.floor(clock.t / 1000);
    assert.ok(verifyWebhookSignature(fresh, String(got.headers['canyu-signature']), got.body, later).ok);
    assert.equal(verifyWebhookSignature(e.secret, String(got.headers['canyu-signature']), got.body, later).ok, false);
  });
});

describe('testing an endpoint', () => {
  it('reports success, an error status, and an unreachable host', async () => {
    const ten = await t.newTenant();
    const r = await startReceiver();
    try {
      const e = await createEndpoint({ url: r.url, event_types: ['coupon.redeemed'] }, ten.secretKey);
      const test = () => t.inject({ method: 'POST', url: `/v1/webhooks/endpoints/${e.id}/test`, headers: bearer(ten.secretKey) });
      let res = await test();
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual([res.json().ok, res.json().status_code, res.json().delivery.event_type], [true, 200, 'webhook.test']);
      assert.equal(JSON.parse(r.received[0]!.body).type, 'webhook.test');
      r.answer([410]);
      res = await test();
      assert.deepEqual([res.json().ok, res.json().status_code, res.json().error, res.json().delivery.status], [false, 410, 'HTTP 410', 'failed']);
      const port = new URL(r.url).port;
      await r.close();
      res = await test();
      assert.equal(res.json().ok, false);
      assert.match(res.json().error, /ECONNREFUSED/);
      assert.ok(port);
      await t.inject({ method: 'PATCH', url: `/v1/webhooks/endpoints/${e.id}`, headers: bearer(ten.secretKey), payload: { enabled: false } });
      expectError(await test(), 409, 'webhooks.endpoint_disabled');
    } finally {
      await r.close().catch(() => {});
    }
  });
});

describe('through pg-boss jobs', () => {
  it('delivers through a real job and retries through a delayed job', { timeout: 60_000 }, async () => {
    const jobs = createJobs({ pool: t.database.pool, log: silent, fast: true });
    // Jobs run on real time, so this instance uses the system clock and a 1 s backoff.
    const wh = createWebhooks({ db: t.database.db, clock: { now: () => new Date() }, audit: t.services.audit, log: silent, retry: { maxAttempts: 3, baseSeconds: 1, maxSeconds: 1 } });
    wh.registerJobs(jobs);
    await jobs.start();
    const r = await startReceiver();
    try {
      const ten = await t.newTenant();
      await createEndpoint({ url: r.url }, ten.secretKey);
      r.answer([500, 200]);
      await wh.publish(ten.appId, { type: 'coupon.redeemed', key: 'via-job', data: {} });
      assert.ok(await r.waitFor(2, 30_000), `got ${r.received.length} of 2 attempts`);
      const until = Date.now() + 10_000;
      let d = (await deliveries('', ten.secretKey))[0]!;
      while (d.status !== 'succeeded' && Date.now() < until) {
        await new Promise((res) => setTimeout(res, 50));
        d = (await deliveries('', ten.secretKey))[0]!;
      }
      assert.deepEqual([d.status, d.attempts, d.last_status_code], ['succeeded', 2, 200]);
      assert.ok(r.received[1]!.at - r.received[0]!.at >= 800, 'the retry waited for its backoff');
    } finally {
      await r.close();
      await jobs.stop();
    }
  });
});

describe('README', () => {
  it('the webhook verification example accepts a real delivery and refuses a tampered one', async () => {
    const fs = await import('node:fs');
    const path = await import('node:path');
    const { createHmac, timingSafeEqual } = await import('node:crypto');
    const readme = fs.readFileSync(path.resolve(import.meta.dirname, '../../../../../README.md'), 'utf8');
    const block = /<!-- readme-example:webhook-verify -->\s*```js\n([\s\S]*?)```/.exec(readme)?.[1];
    assert.ok(block, 'example present');
    const verify = new Function('createHmac', 'timingSafeEqual', `${block.replace(/^import .*$/m, '')}; return verifyCanyuSignature;`)(createHmac, timingSafeEqual) as (body: string, header: string, secret: string) => boolean;
    const ten = await t.newTenant();
    const e = await createEndpoint({ url: rx.url }, ten.secretKey);
    // The example checks the timestamp against the real clock.
    const wh = createWebhooks({ db: t.database.db, clock: { now: () => new Date() }, audit: t.services.audit, log: silent });
    await wh.publish(ten.appId, { type: 'coupon.redeemed', key: 'readme', data: { ok: true } });
    await wh.idle();
    const got = rx.received.at(-1)!;
    assert.equal(verify(got.body, String(got.headers['canyu-signature']), e.secret), true);
    assert.equal(verify(got.body.replace('true', 'false'), String(got.headers['canyu-signature']), e.secret), false);
    assert.equal(verify(got.body, String(got.headers['canyu-signature']), 'whsec_other'), false);
  });
});
