// Live rooms on two Canyu servers sharing one database: chat reaches every subscriber on both,
// filtered for sensitive words; per-user send limits hold under concurrent sends; online counts
// add up across servers; a flood of taps becomes exact periodic totals; polls and lotteries reach
// the room and the domain event bus. The sensitive words are the app's (interactions settings).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, startTestApp, type Tenant, type TestApp } from '../../testing/app.ts';
import { createTestDatabase, type TestDatabase } from '../../testing/db.ts';
import { expectError } from '../../testing/http.ts';
import { wsClient, type Received, type TestClient } from '../../testing/realtime.ts';

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

const api = (s: TestApp, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown, headers = bearer(tenant.secretKey)) => s.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });
const asUser = async (userId: string) => ({ ...bearer(tenant.publishableKey), 'x-user-token': await s1.userToken(tenant, userId) });
const join = async (base: string, userId: string, roomId: string) => {
  const c = await wsClient(base, { key: tenant.publishableKey, user_token: await s1.userToken(tenant, userId), topics: `live:${roomId}` });
  clients.push(c);
  await c.next((e) => e.type === 'subscribed' || e.type === 'error');
  return c;
};
const newRoom = async (body: object = {}) => {
  const r = await api(s1, 'POST', '/v1/live/rooms', { title: '发布会直播', ...body });
  assert.equal(r.statusCode, 201, r.body);
  return r.json().id as string;
};
const settle = (ms = 300) => new Promise((r) => setTimeout(r, ms));

describe('live rooms across two servers', () => {
  it('broadcast chat to every subscriber on both servers, masking sensitive words', async () => {
    assert.equal((await api(s1, 'PATCH', '/v1/interactions/settings', { moderation: { words: ['傻瓜', 'SPAM'], filter_mode: 'mask' } })).statusCode, 200);
    const room = await newRoom();
    const alice = await join(url1, 'alice', room);
    const bob = await join(url1, 'bob', room);
    const carol = await join(url2, 'carol', room);
    alice.send({ type: 'live.chat', room, text: '你真是个傻 瓜，ｓｐａｍ!', id: 'm1' });
    const ok = await alice.next((e) => e.type === 'live.chat.ok');
    assert.deepEqual([ok.re, ok.text, ok.masked], ['m1', '你真是个***，****!', true]);
    const isChat = (e: Received) => e.type === 'live.chat' && (e.message as { id: string }).id === ok.id;
    const got = await Promise.all([alice, bob, carol].map((c) => c.next(isChat)));
    for (const e of got) assert.equal((e.message as { text: string; user_id: string }).text, '你真是个***，****!');
    // Over REST too (for SSE clients), and the history keeps it.
    const rest = await api(s2, 'POST', `/v1/live/rooms/${room}/messages`, { text: '主播好' }, await asUser('dave'));
    assert.equal(rest.statusCode, 201, rest.body);
    await carol.next((e) => e.type === 'live.chat' && (e.message as { text: string }).text === '主播好');
    const hist = (await api(s1, 'GET', `/v1/live/rooms/${room}/messages`)).json().data as { text: string }[];
    assert.deepEqual(hist.map((m) => m.text), ['主播好', '你真是个***，****!']);
    expectError(await api(s1, 'POST', `/v1/live/rooms/${room}/messages`, { text: 'x' }), 400, 'validation_failed');
  });

  it('refuse a sensitive message when the app rejects, and unknown or closed rooms', async () => {
    const other = await s1.newTenant();
    const h = bearer(other.secretKey);
    await api(s1, 'PATCH', '/v1/interactions/settings', { moderation: { words: ['傻瓜'], filter_mode: 'reject' } }, h);
    const room = (await api(s1, 'POST', '/v1/live/rooms', { title: '严格模式' }, h)).json().id as string;
    expectError(await api(s2, 'POST', `/v1/live/rooms/${room}/messages`, { text: '傻 瓜', user_id: 'u1' }, h), 400, 'interactions.sensitive_content');
    assert.equal((await api(s2, 'POST', `/v1/live/rooms/${room}/messages`, { text: '你好', user_id: 'u1' }, h)).statusCode, 201);
    const c = await join(url1, 'erin', 'room_nope');
    assert.equal(c.events.find((e) => e.type === 'error')?.code, 'live.room_not_found');
    assert.equal((await api(s1, 'POST', `/v1/live/rooms/${room}/close`, undefined, h)).json().status, 'closed');
    await settle(200); // the other server hears of it through the hub
    expectError(await api(s2, 'POST', `/v1/live/rooms/${room}/messages`, { text: 'hi', user_id: 'u1' }, h), 409, 'live.room_closed');
    const room2 = await newRoom();
    await api(s1, 'POST', `/v1/live/rooms/${room2}/close`);
    const late = await join(url2, 'erin', room2);
    assert.equal(late.events.find((e) => e.type === 'error')?.code, 'live.room_closed');
  });

  it('limit each user’s sends per room, under 40 concurrent sends, and tell them when to retry', async () => {
    const room = await newRoom({ chat: { max: 3, window_seconds: 60 } });
    const h = await asUser('fast');
    const res = await Promise.all(Array.from({ length: 40 }, (_, i) => api(s1, 'POST', `/v1/live/rooms/${room}/messages`, { text: `刷屏 ${i}` }, h)));
    assert.equal(res.filter((r) => r.statusCode === 201).length, 3);
    const limited = res.filter((r) => r.statusCode === 429);
    assert.equal(limited.length, 37);
    assert.ok(Number(limited[0]!.headers['retry-after']) >= 1);
    expectError(limited[0]!, 429, 'live.rate_limited');
    // Another user has their own allowance; so does the same user over the WebSocket on the same server.
    assert.equal((await api(s1, 'POST', `/v1/live/rooms/${room}/messages`, { text: '我也来' }, await asUser('slow'))).statusCode, 201);
    const ws = await join(url1, 'fast', room);
    ws.send({ type: 'live.chat', room, text: 'again', id: 9 });
    assert.equal((await ws.next((e) => e.re === 9)).code, 'live.rate_limited');
  });

  it('count who is online across servers', async () => {
    const room = await newRoom();
    const a = await join(url1, 'o1', room);
    await join(url1, 'o2', room);
    const c = await join(url2, 'o3', room);
    s1.services.live.publishPresence();
    s2.services.live.publishPresence();
    await settle();
    assert.equal((await api(s1, 'GET', `/v1/live/rooms/${room}`)).json().online, 3);
    assert.equal((await api(s2, 'GET', `/v1/live/rooms/${room}`)).json().online, 3);
    await a.next((e) => e.type === 'live.online' && e.online === 3);
    await c.next((e) => e.type === 'live.online' && e.online === 3);
    a.close();
    await settle(100);
    s1.services.live.publishPresence();
    await c.next((e) => e.type === 'live.online' && e.online === 2);
    assert.equal((await api(s2, 'GET', `/v1/live/rooms/${room}`)).json().online, 2);
  });

  it('turn a flood of taps on both servers into exact periodic totals', async () => {
    const room = await newRoom();
    const viewer = await join(url2, 'watcher', room);
    const tapper = await join(url1, 'tapper', room);
    const h = await asUser('tapper');
    const rest = Array.from({ length: 150 }, (_, i) => api(i % 2 ? s1 : s2, 'POST', `/v1/live/rooms/${room}/likes`, { count: 2 }, h));
    for (let i = 0; i < 100; i++) tapper.send({ type: 'live.like', room, count: 1 });
    assert.ok((await Promise.all(rest)).every((r) => r.statusCode === 202));
    await settle(300);
    await Promise.all([s1.services.live.flushLikes(), s2.services.live.flushLikes()]);
    assert.equal((await api(s1, 'GET', `/v1/live/rooms/${room}`)).json().likes, 400);
    await settle(200);
    const updates = viewer.events.filter((e) => e.type === 'live.likes');
    assert.ok(updates.length >= 1 && updates.length <= 4, `a few totals, not 250 events (${updates.length})`);
    assert.equal(Math.max(...updates.map((e) => e.total as number)), 400);
    assert.equal(updates.reduce((n, e) => n + (e.delta as number), 0), 400);
  });

  it('start live polls and lotteries: the room sees them, the owning modules get the event', async () => {
    const room = await newRoom();
    const v = await join(url2, 'voter', room);
    const seen: unknown[] = [];
    const off = s1.services.bus.subscribe('live.interaction.started', (p) => void seen.push(p));
    const r = await api(s1, 'POST', `/v1/live/rooms/${room}/interactions`, { kind: 'poll', ref: 'poll_123', title: '下一首唱什么？' });
    assert.equal(r.statusCode, 201, r.body);
    const e = await v.next((x) => x.type === 'live.interaction');
    assert.deepEqual([e.kind, e.ref, e.title], ['poll', 'poll_123', '下一首唱什么？']);
    await s1.services.bus.drain();
    off();
    assert.deepEqual(seen, [{ appId: tenant.appId, roomId: room, kind: 'poll', ref: 'poll_123', title: '下一首唱什么？', data: null }]);
    expectError(await api(s1, 'POST', `/v1/live/rooms/${room}/interactions`, { kind: 'raffle', ref: 'x' }), 400, 'validation_failed');
  });
});
