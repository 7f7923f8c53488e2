// The SDK against a real Canyu server (in-process app listening on 127.0.0.1, real PostgreSQL):
// user tokens signed by signUserToken are accepted, webhooks the server really signs verify (and a
// tampered one does not), track() lands in the event log, Idempotency-Key makes a retried create
// happen once, and server errors arrive as CanyuError.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type Tenant, type TestApp } from '../../server/src/testing/app.ts';
import { allowReceivers, startReceiver, type Receiver } from '../../server/src/testing/receiver.ts';
import { waitFor } from '../../server/src/testing/wait.ts';
import { createBrowserClient } from './browser.ts';
import { CanyuError } from './errors.ts';
import { createServerClient, signUserToken, verifyWebhook } from './node.ts';

let t: TestApp;
let tenant: Tenant;
let baseUrl: string;
let rx: Receiver;

before(async () => {
  t = await startTestApp({ config: allowReceivers });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  baseUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  tenant = await t.newTenant('sdk');
  rx = await startReceiver();
});
after(async () => {
  await rx.close();
  await t.close();
});

const server = () => createServerClient({ baseUrl, secretKey: tenant.secretKey });

describe('signUserToken', () => {
  it('makes a token the server accepts for that user', async () => {
    const c = createBrowserClient({ baseUrl, publishableKey: tenant.publishableKey, userToken: signUserToken('alice', tenant.secretKey, 600), storage: null });
    try {
      const { data, response } = await c.api.GET('/v1/users/{userId}/inbox/unread', { params: { path: { userId: 'alice' } } });
      assert.equal(response.status, 200);
      assert.ok(data);
      // The token acts for alice only.
      await assert.rejects(c.api.GET('/v1/users/{userId}/inbox/unread', { params: { path: { userId: 'bob' } } }), (e: CanyuError) => e.code === 'auth.wrong_user' && e.status === 403);
    } finally {
      c.close();
    }
  });

  it('is refused when tampered with, expired or signed with another key', async () => {
    const good = signUserToken('alice', tenant.secretKey, 600);
    const [h, , s] = good.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ sub: 'mallory', iat: 1, exp: 4_000_000_000 })).toString('base64url')}.${s}`;
    const expired = signUserToken('alice', tenant.secretKey, 60, { now: new Date(Date.now() - 3600_000) });
    const other = signUserToken('alice', (await t.newTenant('other')).secretKey, 600);
    for (const [token, code] of [
      [forged, 'auth.invalid_token'],
      [expired, 'auth.expired_token'],
      [other, 'auth.invalid_token'],
    ] as const) {
      const c = createBrowserClient({ baseUrl, publishableKey: tenant.publishableKey, userToken: token, storage: null });
      await assert.rejects(c.api.GET('/v1/users/{userId}/inbox/unread', { params: { path: { userId: 'alice' } } }), (e: CanyuError) => e instanceof CanyuError && e.code === code && e.status === 401);
      c.close();
    }
  });

  it('an expired token is replaced through the refresh callback and the call goes through', async () => {
    let refreshes = 0;
    const c = createBrowserClient({
      baseUrl,
      publishableKey: tenant.publishableKey,
      userToken: signUserToken('alice', tenant.secretKey, 60, { now: new Date(Date.now() - 3600_000) }),
      refreshUserToken: async () => (refreshes++, signUserToken('alice', tenant.secretKey, 600)),
      storage: null,
    });
    try {
      const { response } = await c.api.GET('/v1/users/{userId}/inbox/unread', { params: { path: { userId: 'alice' } } });
      assert.equal(response.status, 200);
      assert.equal(refreshes, 1);
    } finally {
      c.close();
    }
  });
});

describe('track()', () => {
  it('lands each event once in the event log, under the token user', async () => {
    const c = createBrowserClient({ baseUrl, publishableKey: tenant.publishableKey, userToken: signUserToken('carol', tenant.secretKey, 600), storage: null, batchSize: 100 });
    try {
      const ids = [c.track('video.played', { video: 'v1' }), c.track('video.liked', { video: 'v1' })];
      await c.flush();
      const { data } = await server().GET('/v1/events', { params: { query: { user_id: 'carol' } } });
      assert.deepEqual(new Set(data!.data.map((e) => e.event_id)), new Set(ids));
      assert.deepEqual(data!.data.map((e) => e.name).sort(), ['video.liked', 'video.played']);
    } finally {
      c.close();
    }
  });
});

describe('server client', () => {
  it('a create whose answer was lost is retried with the same Idempotency-Key and happens once', async () => {
    const ten = await t.newTenant('idem');
    let lost = 0;
    const replays: string[] = [];
    const api = createServerClient({
      baseUrl,
      secretKey: ten.secretKey,
      random: () => 0,
      fetch: async (req) => {
        const res = await globalThis.fetch(req);
        if (req.method === 'POST' && lost++ === 0) throw new TypeError('connection reset after the server answered');
        replays.push(res.headers.get('idempotent-replayed') ?? '');
        return res;
      },
    });
    const { data } = await api.POST('/v1/webhooks/endpoints', { body: { url: rx.url } });
    assert.equal(replays[0], 'true', 'the retry got the stored answer');
    const { data: list } = await api.GET('/v1/webhooks/endpoints', { params: { query: {} } });
    assert.deepEqual(list!.data.map((e) => e.id), [data!.id]);
  });

  it('turns error answers into CanyuError with code, status and details', async () => {
    const e = await server()
      .POST('/v1/events', { body: { events: [{ name: '' }] } })
      .then(() => null, (x: unknown) => x);
    assert.ok(e instanceof CanyuError, String(e));
    assert.equal(e.status, 400);
    assert.equal(e.code, 'validation_failed');
    assert.ok(Array.isArray(e.details?.issues));
    assert.ok(e.requestId);
  });
});

describe('verifyWebhook', () => {
  it("accepts the server's own signature and refuses a tampered body, a wrong secret, an old timestamp", async () => {
    const api = server();
    const { data: endpoint } = await api.POST('/v1/webhooks/endpoints', { body: { url: rx.url } });
    const before = rx.received.length;
    await api.POST('/v1/webhooks/endpoints/{endpointId}/test', { params: { path: { endpointId: endpoint!.id } } });
    await waitFor('the test delivery', () => rx.received.length > before);
    const got = rx.received.at(-1)!;

    const event = verifyWebhook(got.body, got.headers, endpoint!.secret);
    assert.equal(event.type, 'webhook.test');
    assert.equal(event.id, got.headers['canyu-event-id']);
    // A Fetch Headers object works too (frameworks on the web platform).
    assert.equal(verifyWebhook(Buffer.from(got.body), new Headers(got.headers as Record<string, string>), endpoint!.secret).id, event.id);

    const refused = (body: string, headers: Record<string, unknown>, secret: string, now?: Date) => {
      try {
        verifyWebhook(body, headers as Record<string, string>, secret, now ? { now } : {});
        return null;
      } catch (e) {
        assert.ok(e instanceof CanyuError);
        return e.code;
      }
    };
    assert.equal(refused(got.body.replace('webhook.test', 'coupon.redeemed'), got.headers, endpoint!.secret), 'webhook.signature_mismatch');
    assert.equal(refused(`${got.body} `, got.headers, endpoint!.secret), 'webhook.signature_mismatch');
    assert.equal(refused(got.body, got.headers, 'whsec_wrong'), 'webhook.signature_mismatch');
    assert.equal(refused(got.body, got.headers, endpoint!.secret, new Date(Date.now() + 3600_000)), 'webhook.timestamp_out_of_tolerance');
    assert.equal(refused(got.body, { ...got.headers, 'canyu-signature': undefined }, endpoint!.secret), 'webhook.signature_malformed');
  });
});
