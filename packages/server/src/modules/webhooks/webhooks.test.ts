// Webhooks: endpoints over HTTP, signed deliveries to a real receiver on 127.0.0.1, retries with
// backoff on a controllable clock, exhaustion and manual redelivery, the test button, claims that
// never send twice, and delivery through real pg-boss jobs.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { drizzle } from 'drizzle-orm/node-postgres';
import { createPool } from '../../db/index.ts';
import { bearer, startTestApp, TEST_MASTER_KEY, type Tenant, type TestApp } from '../../testing/app.ts';
import { expectError, findIssue } from '../../testing/http.ts';
import { startReceiver, type Receiver } from '../../testing/receiver.ts';
import { createNetGuard, parseAllowList } from '../../lib/net-guard.ts';
import { secretBoxFor } from '../../lib/secrets.ts';
import { createWebhooks, verifyWebhookSignature } from './index.ts';

const clock = { t: Date.parse('2030-01-01T00:00:00Z'), now() { return new Date(this.t); } };
const silent = { error() {}, warn() {}, info() {} };
// Receivers run on 127.0.0.1, which only the allow-list lets webhooks reach.
const allowLocal = parseAllowList('127.0.0.1');
const guard = createNetGuard({ allow: allowLocal });
// Webhooks made here read the signing secrets the test app sealed.
const secrets = secretBoxFor(TEST_MASTER_KEY);

let t: TestApp;
let tenant: Tenant;
let rx: Receiver;

before(async () => {
  t = await startTestApp({ clock, config: { webhookAllowPrivate: allowLocal } });
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
      const wh = createWebhooks({ db: t.database.db, guard, clock, audit: t.services.audit, secrets, log: silent, random: () => 0.5 });
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
      const wh = createWebhooks({ db: t.database.db, guard, clock, audit: t.services.audit, secrets, log: silent, retry: { maxAttempts: 2, baseSeconds: 10, maxSeconds: 10 } });
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
      const wh = createWebhooks({ db: t.database.db, guard, clock, audit: t.services.audit, secrets, log: silent, timeoutMs: 300 });
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
      const workers = [0, 1, 2].map(() => createWebhooks({ db: t.database.db, guard, clock, audit: t.services.audit, secrets, log: silent }));
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

const realClock = { now: () => new Date() };

/** Waits for a condition (never a fixed sleep); fails with `what` when it does not come true. */
async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const endpointOf = async (id: string, key: string) => (await t.inject({ method: 'GET', url: `/v1/webhooks/endpoints/${id}`, headers: bearer(key) })).json() as { state: string; consecutive_failures: number; circuit_open_until: string | null };

describe('the delivery worker', () => {
  it('delivers as soon as the enqueuing transaction commits (woken in-process, not polled)', { timeout: 60_000 }, async () => {
    const wh = createWebhooks({ db: t.database.db, pool: t.database.pool, guard, clock: realClock, audit: t.services.audit, secrets, log: silent, worker: { pollMs: 60_000 } });
    await wh.start({ force: true });
    const r = await startReceiver();
    try {
      const ten = await t.newTenant();
      await createEndpoint({ url: r.url }, ten.secretKey);
      // Let the worker's start-up claim pass, so that only a wake-up can explain what follows.
      await until('the worker to be idle', () => true);
      const t0 = Date.now();
      await wh.publish(ten.appId, { type: 'coupon.redeemed', key: 'via-worker', data: {} });
      await until('the delivery', () => r.received.length >= 1, 10_000);
      assert.ok(Date.now() - t0 < 5_000, `took ${Date.now() - t0} ms`);
    } finally {
      await wh.stop();
      await r.close();
    }
  });

  it('retries after the backoff, then succeeds', { timeout: 60_000 }, async () => {
    const wh = createWebhooks({ db: t.database.db, pool: t.database.pool, guard, clock: realClock, audit: t.services.audit, secrets, log: silent, retry: { maxAttempts: 3, baseSeconds: 1, maxSeconds: 1 }, worker: { pollMs: 100 } });
    await wh.start({ force: true });
    const r = await startReceiver();
    try {
      const ten = await t.newTenant();
      await createEndpoint({ url: r.url }, ten.secretKey);
      r.answer([500, 200]);
      await wh.publish(ten.appId, { type: 'coupon.redeemed', key: 'worker-retry', data: {} });
      let d = { status: '', attempts: 0, last_status_code: null as number | null };
      await until('the retry to succeed', async () => (d = (await deliveries('', ten.secretKey))[0]!).status === 'succeeded');
      assert.deepEqual([d.status, d.attempts, d.last_status_code], ['succeeded', 2, 200]);
      assert.equal(r.received.length, 2);
      assert.ok(r.received[1]!.at - r.received[0]!.at >= 800, 'the retry waited for its backoff');
    } finally {
      await wh.stop();
      await r.close();
    }
  });

  it("is woken across servers by NOTIFY: a delivery enqueued on one server is sent at once by another's worker", { timeout: 60_000 }, async () => {
    const other = createPool(t.database.url, { max: 4 });
    // The sending server: its own pool, polling only every minute.
    const sending = createWebhooks({ db: drizzle({ client: other }), pool: other, guard, clock: realClock, audit: t.services.audit, secrets, log: silent, worker: { pollMs: 60_000 } });
    await sending.start({ force: true });
    // The enqueuing server runs no worker and never dispatches: only the commit's NOTIFY tells.
    const enqueuing = createWebhooks({ db: t.database.db, guard, clock: realClock, audit: t.services.audit, secrets, log: silent });
    const r = await startReceiver();
    try {
      const ten = await t.newTenant();
      await createEndpoint({ url: r.url }, ten.secretKey);
      await t.database.db.transaction(async (tx) => {
        await enqueuing.enqueue(tx, ten.appId, { type: 'coupon.redeemed', key: 'notify-1', data: {} });
      });
      // The sender polls once a minute: arriving well inside that proves the NOTIFY woke it.
      await until('the delivery from the other server', () => r.received.length === 1, 20_000);
    } finally {
      await sending.stop();
      await r.close();
      await other.end();
    }
  });

  it('claims each delivery exactly once with two app instances on one database racing', { timeout: 120_000 }, async () => {
    const pool2 = createPool(t.database.url, { max: 10 });
    const db2 = { ...t.database, pool: pool2, db: drizzle({ client: pool2 }) };
    const config = { webhookAllowPrivate: allowLocal };
    const a = await startTestApp({ clock: realClock, database: t.database, config });
    const b = await startTestApp({ clock: realClock, database: db2, config });
    const r = await startReceiver();
    try {
      await Promise.all([a.services.webhooks.start({ force: true }), b.services.webhooks.start({ force: true })]);
      const ten = await a.newTenant();
      for (let i = 0; i < 4; i++) await createEndpoint({ url: `${r.url}?e=${i}` }, ten.secretKey);
      // 4 endpoints × 300 events, enqueued through both instances at once.
      const n = 300;
      await Promise.all(
        [a, b].map((app, k) =>
          app.database.db.transaction(async (tx) => {
            for (let i = k; i < n; i += 2) await app.services.webhooks.enqueue(tx, ten.appId, { type: 'coupon.redeemed', key: `race2-${i}`, data: { i } });
          }),
        ),
      );
      await until('every delivery', () => r.received.length >= 4 * n, 60_000);
      const ids = r.received.map((x) => String(x.headers['canyu-delivery-id']));
      assert.equal(new Set(ids).size, 4 * n);
      assert.equal(ids.length, 4 * n, 'no delivery was sent twice');
      await until('every attempt to be recorded', async () => (await t.database.pool.query(`select count(*)::int as n from wh_deliveries where app_id = $1 and status = 'succeeded'`, [ten.appId])).rows[0].n === 4 * n);
      const attempts = await t.database.pool.query(`select count(*)::int as n from wh_attempts a join wh_deliveries d on d.id = a.delivery_id where d.app_id = $1`, [ten.appId]);
      assert.equal(attempts.rows[0].n, 4 * n, 'one attempt per delivery');
    } finally {
      await r.close();
      await b.close();
      await a.close();
      await pool2.end();
    }
  });

  it('keeps a slow endpoint to its own slots: other endpoints flow past it', { timeout: 60_000 }, async () => {
    const slow = await startReceiver();
    const fast = await startReceiver();
    const wh = createWebhooks({ db: t.database.db, pool: t.database.pool, guard, clock: realClock, audit: t.services.audit, secrets, log: silent, timeoutMs: 5_000, worker: { concurrency: 8, perEndpoint: 2, pollMs: 100 } });
    try {
      slow.hang();
      const t1 = await t.newTenant();
      const t2 = await t.newTenant();
      await createEndpoint({ url: slow.url }, t1.secretKey);
      await createEndpoint({ url: fast.url }, t2.secretKey);
      for (let i = 0; i < 20; i++) await wh.enqueue(t.database.db, t1.appId, { type: 'x.slow', key: `s${i}`, data: {} });
      for (let i = 0; i < 50; i++) await wh.enqueue(t.database.db, t2.appId, { type: 'x.fast', key: `f${i}`, data: {} });
      await wh.start({ force: true });
      await until('the healthy endpoint to get everything', () => fast.received.length === 50);
      assert.ok(slow.received.length <= 2, `the slow endpoint holds at most its 2 slots (got ${slow.received.length})`);
    } finally {
      slow.answer([200]);
      await slow.close();
      await wh.stop();
      await fast.close();
    }
  });

  it('opens the circuit of a failing endpoint after consecutive failures, probes it half-open, closes it on success', { timeout: 60_000 }, async () => {
    const dead = await startReceiver();
    const wh = createWebhooks({
      db: t.database.db,
      pool: t.database.pool,
      guard,
      clock: realClock,
      audit: t.services.audit,
      secrets,
      log: silent,
      retry: { maxAttempts: 10, baseSeconds: 1, maxSeconds: 1 },
      circuit: { threshold: 3, baseSeconds: 1.5, maxSeconds: 1.5 },
      worker: { perEndpoint: 1, pollMs: 50 },
    });
    try {
      const ten = await t.newTenant();
      const e = await createEndpoint({ url: dead.url }, ten.secretKey);
      // Three failures open the circuit; the first probe fails and reopens it; the second closes it.
      dead.answer([500, 500, 500, 503, 200]);
      for (let i = 0; i < 10; i++) await wh.enqueue(t.database.db, ten.appId, { type: 'x.y', key: `cb${i}`, data: {} });
      await wh.start({ force: true });
      // Read through this instance: it runs on the real clock.
      const state = () => wh.getEndpoint(t.systemCtx(), ten.appId, e.id);
      await until('the circuit to open', async () => (await state()).state === 'open');
      const opened = await state();
      assert.equal(opened.failureStreak, 3);
      assert.ok(opened.circuitOpenUntil);
      assert.equal(dead.received.length, 3, 'nothing is sent while open');
      await until('the failed probe', () => dead.received.length === 4);
      await until('every delivery', () => dead.received.length === 14, 30_000);
      await until('the circuit to close', async () => (await state()).state === 'closed');
      assert.deepEqual([(await state()).failureStreak, (await state()).circuitOpenUntil], [0, null]);
      // The receiver answers before the worker records the outcome: wait for the log, not the socket.
      await until('every outcome recorded', async () =>
        (await deliveries('', ten.secretKey)).every((d) => d.status === 'succeeded'));
      // Open periods cost the waiting deliveries no attempts: 10 deliveries, 4 failed attempts in all.
      const log = await deliveries('', ten.secretKey);
      assert.equal(log.filter((d) => d.status === 'succeeded').length, 10);
      assert.equal(log.reduce((s, d) => s + d.attempts, 0), 14);
    } finally {
      await wh.stop();
      await dead.close();
    }
  });
});

describe('circuit state over HTTP', () => {
  it("shows an endpoint's circuit in its GET: closed, open after 5 failures in a row, half-open after the cool-down", async () => {
    const r = await startReceiver();
    try {
      const ten = await t.newTenant();
      const e = await createEndpoint({ url: r.url }, ten.secretKey);
      let got = await endpointOf(e.id, ten.secretKey);
      assert.deepEqual([got.state, got.consecutive_failures, got.circuit_open_until], ['closed', 0, null]);
      r.answer([500]);
      for (let i = 0; i < 5; i++) {
        await t.services.webhooks.publish(ten.appId, { type: 'x.y', key: `state-${i}`, data: {} });
        await t.services.webhooks.idle();
      }
      got = await endpointOf(e.id, ten.secretKey);
      assert.deepEqual([got.state, got.consecutive_failures], ['open', 5]);
      assert.equal(got.circuit_open_until, new Date(clock.t + 10_000).toISOString());
      // While open, a new event waits for the cool-down instead of being attempted.
      const [id] = await t.services.webhooks.publish(ten.appId, { type: 'x.y', key: 'state-while-open', data: {} });
      await t.services.webhooks.idle();
      assert.equal(r.received.length, 5);
      const waiting = (await t.inject({ method: 'GET', url: `/v1/webhooks/deliveries/${id}`, headers: bearer(ten.secretKey) })).json() as { status: string; attempts: number; next_attempt_at: string };
      assert.deepEqual([waiting.status, waiting.attempts, waiting.next_attempt_at], ['pending', 0, got.circuit_open_until]);
      clock.t += 10_000;
      assert.equal((await endpointOf(e.id, ten.secretKey)).state, 'half_open');
    } finally {
      await r.close();
    }
  });
});

describe('SSRF', () => {
  let strict: TestApp;
  before(async () => {
    // The same database, no allow-list: what a default deployment does.
    strict = await startTestApp({ clock, database: t.database });
  });
  after(async () => {
    await strict.close();
  });

  const refused = ['http://169.254.169.254/latest/meta-data', 'http://127.0.0.1:5432', 'http://[::1]/', 'http://localhost', 'http://localhost:4000/x', 'http://api.localhost/', 'http://0.0.0.0/', 'http://127.1/', 'http://2130706433/', 'http://0x7f.1/', 'http://0177.0.0.1/', 'http://[::ffff:127.0.0.1]/', 'http://[::ffff:7f00:1]/', 'http://[::]/', 'http://10.1.2.3/', 'http://172.16.0.1/', 'http://192.168.0.1/', 'http://100.64.0.1/', 'http://[fd00::1]/', 'http://[fe80::1]/', 'http://224.0.0.1/', 'http://metadata.google.internal/', 'http://[fd00:ec2::254]/', 'https://[::ffff:169.254.169.254]/'];
  it('refuses local, private and metadata destinations in every spelling, on create and on update, naming the field', async () => {
    const ten = await strict.newTenant();
    for (const url of refused) {
      const err = expectError(await strict.inject({ method: 'POST', url: '/v1/webhooks/endpoints', headers: bearer(ten.secretKey), payload: { url } }), 400, 'validation_failed');
      assert.equal(findIssue(err, 'body.url').code, 'destination_refused', url);
    }
    const ok = await strict.inject({ method: 'POST', url: '/v1/webhooks/endpoints', headers: bearer(ten.secretKey), payload: { url: 'https://hooks.example.com/canyu' } });
    assert.equal(ok.statusCode, 201, ok.body);
    for (const url of ['http://127.0.0.1:9/', 'http://[::ffff:10.0.0.1]/']) {
      const err = expectError(await strict.inject({ method: 'PATCH', url: `/v1/webhooks/endpoints/${ok.json().id}`, headers: bearer(ten.secretKey), payload: { url } }), 400, 'validation_failed');
      assert.equal(findIssue(err, 'body.url').code, 'destination_refused');
    }
  });

  it('checks again when connecting: a saved local URL is never called, and its answer never read', async () => {
    const r = await startReceiver();
    try {
      const ten = await strict.newTenant();
      const e = (await strict.inject({ method: 'POST', url: '/v1/webhooks/endpoints', headers: bearer(ten.secretKey), payload: { url: 'https://hooks.example.com/x' } })).json() as { id: string };
      // As a row saved before the check existed, or written by hand.
      await strict.database.pool.query('update wh_endpoints set url = $1 where id = $2', [r.url, e.id]);
      const res = await strict.inject({ method: 'POST', url: `/v1/webhooks/endpoints/${e.id}/test`, headers: bearer(ten.secretKey) });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().ok, false);
      assert.match(res.json().error, /^refused: .*loopback/);
      const detail = (await strict.inject({ method: 'GET', url: `/v1/webhooks/deliveries/${res.json().delivery.id}`, headers: bearer(ten.secretKey) })).json() as { attempt_log: { response_body: string | null }[] };
      assert.equal(detail.attempt_log[0]!.response_body, null);
      assert.equal(r.received.length, 0, 'the local receiver was never called');
    } finally {
      await r.close();
    }
  });

  it('refuses a name that resolves to a private address at connection time (DNS rebinding), before connecting', async () => {
    const ten = await strict.newTenant();
    const created = await strict.inject({ method: 'POST', url: '/v1/webhooks/endpoints', headers: bearer(ten.secretKey), payload: { url: 'http://rebind.example/hook' } });
    assert.equal(created.statusCode, 201, 'a name is accepted when saved');
    const asked: string[] = [];
    const rebinding = createNetGuard({
      lookup: (host, _o, cb) => {
        asked.push(host);
        cb(null, [{ address: '10.0.0.7', family: 4 }]);
      },
    });
    const wh = createWebhooks({ db: t.database.db, guard: rebinding, clock, audit: t.services.audit, secrets, log: silent });
    const [id] = await wh.publish(ten.appId, { type: 'x.y', key: 'rebind', data: {} });
    await wh.idle();
    const d = (await strict.inject({ method: 'GET', url: `/v1/webhooks/deliveries/${id}`, headers: bearer(ten.secretKey) })).json() as { status: string; last_error: string };
    assert.equal(d.status, 'retrying');
    assert.match(d.last_error, /refused: rebind\.example \(10\.0\.0\.7\) is a private address/);
    assert.deepEqual(asked, ['rebind.example']);
  });

  it('never follows redirects', async () => {
    const r = await startReceiver();
    try {
      const ten = await t.newTenant();
      const e = await createEndpoint({ url: r.url }, ten.secretKey);
      r.answer([302]);
      const res = await t.inject({ method: 'POST', url: `/v1/webhooks/endpoints/${e.id}/test`, headers: bearer(ten.secretKey) });
      assert.deepEqual([res.json().ok, res.json().status_code, res.json().error], [false, 302, 'HTTP 302: redirects are not followed']);
      assert.equal(r.received.length, 1);
    } finally {
      await r.close();
    }
  });
});

describe('deleting an endpoint', () => {
  it('keeps its delivery log and drops its waiting deliveries', async () => {
    const r = await startReceiver();
    try {
      const ten = await t.newTenant();
      const e = await createEndpoint({ url: r.url }, ten.secretKey);
      r.answer([500]);
      const wh = createWebhooks({ db: t.database.db, guard, clock, audit: t.services.audit, secrets, log: silent });
      await wh.publish(ten.appId, { type: 'x.y', key: 'del-1', data: {} });
      await wh.idle();
      await wh.enqueue(t.database.db, ten.appId, { type: 'x.y', key: 'del-2', data: {} });
      assert.equal((await t.inject({ method: 'DELETE', url: `/v1/webhooks/endpoints/${e.id}`, headers: bearer(ten.secretKey) })).statusCode, 204);
      const log = await deliveries('', ten.secretKey);
      assert.equal(log.length, 2, 'the log is kept');
      assert.deepEqual(log.map((d) => [d.status, d.endpoint_id]), [['failed', e.id], ['failed', e.id]]);
      clock.t += 86_400_000;
      await wh.sweep();
      await wh.idle();
      assert.equal(r.received.length, 1, 'nothing of it is sent again');
      const detail = (await t.inject({ method: 'GET', url: `/v1/webhooks/deliveries/${log[1]!.id}`, headers: bearer(ten.secretKey) })).json() as { last_error: string; attempt_log: unknown[] };
      assert.equal(detail.attempt_log.length, 1);
      expectError(await t.inject({ method: 'GET', url: `/v1/webhooks/endpoints/${e.id}`, headers: bearer(ten.secretKey) }), 404, 'webhooks.endpoint_not_found');
      const list = (await t.inject({ method: 'GET', url: '/v1/webhooks/endpoints', headers: bearer(ten.secretKey) })).json() as { data: unknown[] };
      assert.equal(list.data.length, 0);
      // A new event for the app finds no endpoint.
      assert.deepEqual(await wh.publish(ten.appId, { type: 'x.y', key: 'del-3', data: {} }), []);
    } finally {
      await r.close();
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
    const wh = createWebhooks({ db: t.database.db, guard, clock: { now: () => new Date() }, audit: t.services.audit, secrets, log: silent });
    await wh.publish(ten.appId, { type: 'coupon.redeemed', key: 'readme', data: { ok: true } });
    await wh.idle();
    const got = rx.received.at(-1)!;
    assert.equal(verify(got.body, String(got.headers['canyu-signature']), e.secret), true);
    assert.equal(verify(got.body.replace('true', 'false'), String(got.headers['canyu-signature']), e.secret), false);
    assert.equal(verify(got.body, String(got.headers['canyu-signature']), 'whsec_other'), false);
  });
});
