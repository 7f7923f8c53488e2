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
import { waitFor } from '../../testing/wait.ts';

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
    const onS2 = await wsClient(url2, { key: other.publishableKey, user_token: await s1.userToken(other, 'watcher'), topics: `live:${room}` });
    clients.push(onS2);
    await onS2.next((e) => e.type === 'subscribed');
    assert.equal((await api(s1, 'POST', `/v1/live/rooms/${room}/close`, undefined, h)).json().status, 'closed');
    // The other server heard of it through the hub (the room's cache entry is dropped before live.closed arrives).
    await onS2.next((e) => e.type === 'live.closed');
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

  it('hold the per-user send limit across servers', async () => {
    const room = await newRoom({ chat: { max: 3, window_seconds: 60 } });
    const h = await asUser('roamer');
    const send = (s: TestApp, i: number) => api(s, 'POST', `/v1/live/rooms/${room}/messages`, { text: `第${i}条` }, h);
    const res = [];
    for (let i = 0; i < 6; i++) res.push(await send(i % 2 ? s2 : s1, i));
    assert.deepEqual(res.map((r) => r.statusCode), [201, 201, 201, 429, 429, 429], 'three messages in all, not three per server');
    // Concurrently through both servers too.
    const room2 = await newRoom({ chat: { max: 3, window_seconds: 60 } });
    const burst = await Promise.all(Array.from({ length: 20 }, (_, i) => api(i % 2 ? s2 : s1, 'POST', `/v1/live/rooms/${room2}/messages`, { text: `x${i}` }, h)));
    assert.equal(burst.filter((r) => r.statusCode === 201).length, 3);
  });

  it('count who is online across servers', async () => {
    const room = await newRoom();
    const a = await join(url1, 'o1', room);
    await join(url1, 'o2', room);
    const c = await join(url2, 'o3', room);
    s1.services.live.publishPresence();
    s2.services.live.publishPresence();
    // Each server announces the total once it has heard the other's count.
    await a.next((e) => e.type === 'live.online' && e.online === 3);
    await c.next((e) => e.type === 'live.online' && e.online === 3);
    assert.equal((await api(s1, 'GET', `/v1/live/rooms/${room}`)).json().online, 3);
    assert.equal((await api(s2, 'GET', `/v1/live/rooms/${room}`)).json().online, 3);
    a.close();
    await waitFor('server 1 to see the connection leave', () => s1.services.live.online(tenant.appId, room) === 2);
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
    // WebSocket taps are counted as the server reads them: flush until all 400 are written.
    await waitFor('all 400 taps written', async () => {
      await Promise.all([s1.services.live.flushLikes(), s2.services.live.flushLikes()]);
      return (await api(s1, 'GET', `/v1/live/rooms/${room}`)).json().likes === 400;
    });
    const updates = () => viewer.events.filter((e) => e.type === 'live.likes');
    await waitFor('the viewer to get every total', () => updates().reduce((n, e) => n + (e.delta as number), 0) === 400);
    assert.ok(updates().length >= 1 && updates().length <= 20, `a few totals, not 250 events (${updates().length})`);
    assert.equal(Math.max(...updates().map((e) => e.total as number)), 400);
  });

  it('start live polls and lotteries: validated, announced, results and draws pushed to the room on every server', async () => {
    const room = await newRoom();
    const v = await join(url2, 'voter', room);
    const w = await join(url1, 'watcher2', room);
    for (const kind of ['poll', 'lottery']) {
      const bad = await api(s1, 'POST', `/v1/live/rooms/${room}/interactions`, { kind, ref: 'nope_123' });
      expectError(bad, 400, 'validation_failed');
      assert.equal(bad.json().error.details.issues[0].field, 'body.ref', bad.body);
    }
    const poll = (await api(s1, 'POST', '/v1/polls', { question: '下一首唱什么？', options: [{ text: 'A' }, { text: 'B' }] })).json();
    const seen: unknown[] = [];
    const off = s1.services.bus.subscribe('live.interaction.started', (p) => void seen.push(p));
    const r = await api(s1, 'POST', `/v1/live/rooms/${room}/interactions`, { kind: 'poll', ref: poll.id, title: '投票' });
    assert.equal(r.statusCode, 201, r.body);
    const e = await v.next((x) => x.type === 'live.interaction');
    assert.deepEqual([e.kind, e.ref, e.title, (e.poll as { voters: number }).voters], ['poll', poll.id, '投票', 0]);
    await s1.services.bus.drain();
    off();
    assert.deepEqual(seen, [{ appId: tenant.appId, roomId: room, kind: 'poll', ref: poll.id, title: '投票', data: null }]);
    // Votes through either server reach clients on both, as results.
    const optB = poll.options[1].id as string;
    for (const [i, s] of [s1, s2, s1].entries()) assert.equal((await api(s, 'POST', `/v1/polls/${poll.id}/votes`, { user_id: `v${i}`, option_ids: [optB] })).statusCode, 200);
    const votesFor = (x: Received) => (x.poll as { options: { id: string; votes?: number }[] }).options.find((o) => o.id === optB)?.votes;
    for (const c of [v, w]) await c.next((x) => x.type === 'live.poll.results' && x.interaction === r.json().id && votesFor(x) === 3 && (x.poll as { voters: number }).voters === 3);

    const lot = (await api(s1, 'POST', '/v1/lotteries', { name: '福袋', prizes: [{ name: '谢谢参与', kind: 'none', weight: 1 }] })).json();
    const li = await api(s2, 'POST', `/v1/live/rooms/${room}/interactions`, { kind: 'lottery', ref: lot.id });
    assert.equal(li.statusCode, 201, li.body);
    assert.equal((await v.next((x) => x.type === 'live.interaction' && x.kind === 'lottery')).ref, lot.id);
    const d = await api(s2, 'POST', `/v1/users/lucky/lotteries/${lot.id}/draws`);
    assert.equal(d.statusCode, 201, d.body);
    for (const c of [v, w]) {
      const got = await c.next((x) => x.type === 'live.lottery.draw');
      assert.deepEqual([got.interaction, (got.draw as { user_id: string; lottery_id: string }).user_id, (got.draw as { lottery_id: string }).lottery_id], [li.json().id, 'lucky', lot.id]);
    }
    expectError(await api(s1, 'POST', `/v1/live/rooms/${room}/interactions`, { kind: 'raffle', ref: 'x' }), 400, 'validation_failed');
  });
});
