// Realtime across two Canyu servers on one database: a message sent through one server reaches
// the user's WebSocket and SSE clients on both; an announcement reaches every connected client of
// the app whose traits match; acknowledgements record delivery. The hub itself is tested on
// PostgreSQL LISTEN/NOTIFY and on Redis.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, startTestApp, type Tenant, type TestApp } from '../testing/app.ts';
import { createTestDatabase, type TestDatabase } from '../testing/db.ts';
import { expectError } from '../testing/http.ts';
import { sseClient, wsClient, type TestClient } from '../testing/realtime.ts';
import { createHub, postgresTransport, redisTransport, type Hub } from './index.ts';

const redisAvailable = !!process.env.CANYU_TEST_REDIS_URL || (await redisUp());
let database: TestDatabase;
let s1: TestApp;
let s2: TestApp;
let url1: string;
let url2: string;
let tenant: Tenant;
const clients: TestClient[] = [];

before(async () => {
  database = await createTestDatabase();
  s1 = await startTestApp({ database });
  s2 = await startTestApp({ database });
  url1 = await s1.app.listen({ port: 0, host: '127.0.0.1' });
  url2 = await s2.app.listen({ port: 0, host: '127.0.0.1' });
  tenant = await s1.newTenant();
});
after(async () => {
  for (const c of clients) c.close();
  await s2.close();
  await s1.close();
  await database.close();
});

const creds = async (userId: string) => ({ key: tenant.publishableKey, user_token: await s1.userToken(tenant, userId) });
const connect = async (kind: 'ws' | 'sse', base: string, userId: string) => {
  const c = kind === 'ws' ? await wsClient(base, await creds(userId)) : await sseClient(base, await creds(userId));
  clients.push(c);
  return c;
};

describe('realtime across two servers', () => {
  it('delivers a message sent through server 1 to the user’s clients on both servers, and nobody else', async () => {
    const aliceOn1 = await connect('ws', url1, 'alice');
    const aliceOn2 = await connect('sse', url2, 'alice');
    const bobOn2 = await connect('ws', url2, 'bob');
    const r = await s1.inject({ method: 'POST', url: '/v1/messaging/sends', headers: bearer(tenant.secretKey), payload: { to: { user_id: 'alice' }, content: { 'zh-CN': { title: '你好', body: '实时消息' } }, category: 'interaction', channels: ['in_app', 'realtime'] } });
    assert.equal(r.statusCode, 201, r.body);
    const id = r.json().results[0].message_id as string;
    const isIt = (e: { type: string; item?: unknown }) => e.type === 'message' && (e.item as { id: string }).id === id;
    const [e1, e2] = await Promise.all([aliceOn1.next(isIt), aliceOn2.next(isIt)]);
    assert.equal((e1.item as { title: string }).title, '你好');
    assert.equal(e2.delivery_id, e1.delivery_id);
    await new Promise((res) => setTimeout(res, 200));
    assert.ok(!bobOn2.events.some((e) => e.type === 'message'), 'bob got nothing');

    // The client acknowledges over its WebSocket: the delivery is recorded as delivered, once.
    aliceOn1.send({ type: 'ack', delivery_id: e1.delivery_id, id: 7 });
    const acked = await aliceOn1.next((e) => e.type === 'acked');
    assert.equal(acked.re, 7);
    const msg = await s2.inject({ method: 'GET', url: `/v1/messaging/messages/${id}`, headers: bearer(tenant.secretKey) });
    assert.equal(msg.json().deliveries[0].status, 'delivered');
    // Bob cannot acknowledge alice's delivery.
    bobOn2.send({ type: 'ack', delivery_id: e1.delivery_id, id: 'x' });
    const err = await bobOn2.next((e) => e.type === 'error' && e.re === 'x');
    assert.equal(err.code, 'messaging.delivery_not_found');
  });

  it('pushes an announcement made on server 2 to the matching clients of both servers', async () => {
    await s1.inject({ method: 'POST', url: '/v1/users/vip', headers: bearer(tenant.secretKey), payload: { traits: { plan: 'pro' } } });
    await s1.inject({ method: 'POST', url: '/v1/users/basic', headers: bearer(tenant.secretKey), payload: { traits: { plan: 'free' } } });
    const vip = await connect('ws', url1, 'vip');
    const basic = await connect('sse', url2, 'basic');
    const other = await connect('ws', url2, 'basic');
    const all = await s2.inject({ method: 'POST', url: '/v1/messaging/announcements', headers: bearer(tenant.secretKey), payload: { content: { 'zh-CN': { title: '维护通知', body: '今晚维护' }, en: { title: 'Maintenance', body: 'Tonight' } } } });
    assert.equal(all.statusCode, 201, all.body);
    const isAll = (e: { type: string; item?: unknown }) => e.type === 'announcement' && (e.item as { id: string }).id === all.json().id;
    await Promise.all([vip.next(isAll), basic.next(isAll), other.next(isAll)]);
    const pro = await s2.inject({ method: 'POST', url: '/v1/messaging/announcements', headers: bearer(tenant.secretKey), payload: { content: { en: { title: 'Pro only', body: '.' } }, audience: { traits: { plan: 'pro' } } } });
    const isPro = (e: { type: string; item?: unknown }) => e.type === 'announcement' && (e.item as { id: string }).id === pro.json().id;
    const got = await vip.next(isPro);
    assert.deepEqual((got.item as { title: unknown }).title, { 'zh-CN': 'Pro only', en: 'Pro only' });
    await new Promise((res) => setTimeout(res, 200));
    assert.ok(!basic.events.some(isPro) && !other.events.some(isPro), 'free users are not in the audience');
  });

  it('tells the followers of a subject on both servers its live counts when users on either server like it', async () => {
    const onWs = await connect('ws', url2, 'viewer1');
    const onSse = await sseClient(url1, { ...(await creds('viewer2')), topics: 'subject:video:BV-live' });
    clients.push(onSse);
    onWs.send({ type: 'subscribe', topic: 'subject:video:BV-live', id: 'sub' });
    await Promise.all([onWs.next((e) => e.type === 'subscribed' && e.topic === 'subject:video:BV-live'), onSse.next((e) => e.type === 'subscribed')]);
    // 30 users like at once, half through each server: both followers end on 30 (changes are
    // coalesced, so the events in between may be fewer than 30).
    const like = (i: number) => (i % 2 ? s1 : s2).inject({ method: 'PUT', url: '/v1/subjects/video/BV-live/like', headers: bearer(tenant.secretKey), payload: { user_id: `fan${i}` } });
    const rs = await Promise.all(Array.from({ length: 30 }, (_, i) => like(i)));
    for (const r of rs) assert.equal(r.statusCode, 200, r.body);
    const at = (n: number) => (e: { type: string; counts?: unknown; id?: unknown }) => e.type === 'subject.counts' && e.id === 'BV-live' && (e.counts as { likes: number }).likes === n;
    const [w] = await Promise.all([onWs.next(at(30)), onSse.next(at(30))]);
    assert.equal(w.kind, 'video');
    assert.match(String(w.as_of), /^\d{4}-\d\d-\d\dT/);
    // Events of the two servers may arrive out of order: the newest snapshot (as a client keeps it) has all 30.
    const newest = onWs.events.filter((e) => e.type === 'subject.counts' && e.id === 'BV-live').reduce((a, e) => (String(e.as_of) > String(a.as_of) ? e : a));
    assert.equal((newest.counts as { likes: number }).likes, 30);
    // An unlike and a comment are heard too.
    assert.equal((await s1.inject({ method: 'DELETE', url: '/v1/subjects/video/BV-live/like?user_id=fan0', headers: bearer(tenant.secretKey) })).statusCode, 200);
    await onWs.next(at(29));
    const c = await s2.inject({ method: 'POST', url: '/v1/subjects/video/BV-live/comments', headers: bearer(tenant.secretKey), payload: { user_id: 'fan1', body: '好看' } });
    assert.equal(c.statusCode, 201, c.body);
    await onSse.next((e) => e.type === 'subject.counts' && (e.counts as { comments: number }).comments === 1);
    // A client that does not follow the subject hears nothing of it.
    const other = await connect('ws', url1, 'viewer3');
    const from = onWs.events.length;
    await like(99);
    await onWs.next((e) => onWs.events.indexOf(e) >= from && at(30)(e));
    assert.ok(!other.events.some((e) => e.type === 'subject.counts'));
  });

  it('delivers the counts of many subjects changed at once (packed into few hub messages) to their followers on the other server', async () => {
    const c = await connect('ws', url2, 'many-follower');
    for (let i = 0; i < 120; i++) c.send({ type: 'subscribe', topic: `subject:image:长标题-${i}`, id: `m${i}` });
    await c.next((e) => e.type === 'subscribed' && e.re === 'm119');
    const rs = await Promise.all(Array.from({ length: 120 }, (_, i) => s1.inject({ method: 'PUT', url: `/v1/subjects/image/${encodeURIComponent(`长标题-${i}`)}/like`, headers: bearer(tenant.secretKey), payload: { user_id: 'liker' } })));
    for (const r of rs) assert.equal(r.statusCode, 200, r.body);
    for (let i = 0; i < 120; i++) await c.next((e) => e.type === 'subject.counts' && e.id === `长标题-${i}` && (e.counts as { likes: number }).likes === 1);
  });

  it('refuses a malformed subject topic and more topics than a connection may follow', async () => {
    const c = await connect('ws', url1, 'dave');
    for (const [i, topic] of ['subject:', 'subject:video', 'subject:video:', 'subject::x'].entries()) {
      c.send({ type: 'subscribe', topic, id: `bad${i}` });
      assert.equal((await c.next((e) => e.type === 'error' && e.re === `bad${i}`)).code, 'realtime.unknown_topic', topic);
    }
    for (let i = 0; i < 200; i++) c.send({ type: 'subscribe', topic: `subject:video:v${i}`, id: `ok${i}` });
    await c.next((e) => e.type === 'subscribed' && e.re === 'ok199');
    c.send({ type: 'subscribe', topic: 'subject:video:one-too-many', id: 'over' });
    const err = await c.next((e) => e.type === 'error' && e.re === 'over');
    assert.equal(err.code, 'realtime.too_many_topics');
    assert.equal((err.details as { max: number }).max, 200);
    // Leaving one makes room.
    c.send({ type: 'unsubscribe', topic: 'subject:video:v0', id: 'leave' });
    await c.next((e) => e.type === 'unsubscribed' && e.re === 'leave');
    c.send({ type: 'subscribe', topic: 'subject:video:one-too-many', id: 'room' });
    await c.next((e) => e.type === 'subscribed' && e.re === 'room');
  });

  it('refuses bad credentials before upgrading, and answers bad client messages in the standard shape', async () => {
    await assert.rejects(wsClient(url1, { key: tenant.publishableKey, user_token: 'nope' }), /401/);
    await assert.rejects(wsClient(url1, {}), /401/);
    await assert.rejects(wsClient(url1, { key: tenant.secretKey, user_token: await s1.userToken(tenant, 'x') }), /403/);
    const sse = await sseClient(url2, { key: tenant.publishableKey, user_token: 'bad' });
    assert.equal(sse.status, 401);
    const c = await connect('ws', url1, 'carol');
    c.send({ type: 'subscribe', topic: 'nowhere:1', id: 1 });
    assert.equal((await c.next((e) => e.type === 'error' && e.re === 1)).code, 'realtime.unknown_topic');
    c.send({ type: 'teleport', id: 2 });
    assert.equal((await c.next((e) => e.type === 'error' && e.re === 2)).code, 'realtime.unknown_message');
    c.send({ type: 'ping', id: 3 });
    await c.next((e) => e.type === 'pong' && e.re === 3);
    expectError(await s1.inject({ method: 'GET', url: '/v1/realtime/sse?key=pk_x&user_token=y&extra=1' }), 400, 'validation_failed');
  });
});

describe('WebSocket upgrades elsewhere', () => {
  it('are refused with realtime.no_websocket and their socket closed, while /v1/realtime still upgrades', async () => {
    const net = await import('node:net');
    const { port } = new URL(url1);
    for (const path of ['/health', '/v1/me', '/no/such/route']) {
      const raw = await new Promise<string>((resolve, reject) => {
        const s = net.connect({ host: '127.0.0.1', port: Number(port) });
        let got = '';
        s.on('data', (c) => (got += c.toString()));
        // Resolves only when the server closes the socket: a leaked socket fails by the test's timeout.
        s.once('close', () => resolve(got));
        s.once('error', reject);
        s.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nAuthorization: Bearer ${tenant.secretKey}\r\n\r\n`);
      });
      assert.match(raw, /^HTTP\/1\.1 400 /, `${path}: ${raw.slice(0, 200)}`);
      assert.match(raw, /"code":"realtime\.no_websocket"/, path);
    }
    const ws = await connect('ws', url1, 'upgrader');
    assert.ok(ws, 'the realtime route still takes WebSockets');
  });
});

describe('the hub', () => {
  const silent = { error() {}, warn() {} };
  const pair = async (make: () => ReturnType<typeof postgresTransport>) => {
    const a = createHub({ transport: make(), log: silent });
    const b = createHub({ transport: make(), log: silent });
    await a.start();
    await b.start();
    return [a, b] as const;
  };
  const exchange = async (a: Hub, b: Hub) => {
    const got: number[] = [];
    const mine: number[] = [];
    b.on('t.order', (p) => void got.push((p as { n: number }).n));
    a.on('t.order', (p) => void mine.push((p as { n: number }).n));
    for (let n = 0; n < 500; n++) a.publish('t.order', { n, pad: 'x'.repeat(50) });
    await a.flush();
    const until = Date.now() + 10_000;
    while ((got.length < 500 || mine.length < 500) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(got, Array.from({ length: 500 }, (_, n) => n), 'every message, in publish order, on the other server');
    assert.equal(mine.length, 500, 'and on the publishing server itself');
  };

  it('carries messages between servers over PostgreSQL LISTEN/NOTIFY, batched and in order', async () => {
    const [a, b] = await pair(() => postgresTransport(database.pool));
    try {
      await exchange(a, b);
      assert.throws(() => a.publish('t.big', { s: 'x'.repeat(9000) }), /at most 7900/);
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it('carries messages between servers over Redis pub/sub', { skip: redisAvailable ? false : 'no Redis on 127.0.0.1:6379' }, async () => {
    const url = process.env.CANYU_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
    const [a, b] = await pair(() => redisTransport(url));
    try {
      await exchange(a, b);
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});

async function redisUp(): Promise<boolean> {
  const net = await import('node:net');
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port: 6379 });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
    setTimeout(() => (s.destroy(), resolve(false)), 500).unref();
  });
}
