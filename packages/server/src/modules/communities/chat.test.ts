// Group chat on two Canyu servers sharing one database: a member's message reaches members
// subscribed on either server, non-members cannot listen, history pages newest first, muted members
// and non-members are refused, and a member past the send limit gets 429.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, startTwoServers, type Tenant, type TestApp } from '../../testing/app.ts';
import { wsClient, type TestClient } from '../../testing/realtime.ts';

let two: Awaited<ReturnType<typeof startTwoServers>>;
let s1: TestApp;
let s2: TestApp;
let url1: string;
let url2: string;
let tenant: Tenant;
const clients: TestClient[] = [];

before(async () => {
  two = await startTwoServers();
  ({ s1, s2, url1, url2 } = two);
  tenant = await s1.newTenant();
});
after(async () => {
  for (const c of clients) c.close();
  await two.close();
});

const api = (s: TestApp, method: 'GET' | 'POST', url: string, payload?: unknown) => s.inject({ method, url, headers: bearer(tenant.secretKey), ...(payload === undefined ? {} : { payload: payload as object }) });
const listen = async (base: string, userId: string, groupId: string) => {
  const c = await wsClient(base, { key: tenant.publishableKey, user_token: await s1.userToken(tenant, userId), topics: `community:${groupId}` });
  clients.push(c);
  return { c, first: await c.next((e) => e.type === 'subscribed' || e.type === 'error') };
};

describe('group chat across two servers', () => {
  it('delivers to members on both servers, refuses listeners and senders who are not members, keeps history', async () => {
    const g = (await api(s1, 'POST', '/v1/communities', { name: '聊天群', owner_id: 'chat-owner' })).json() as { id: string };
    for (const u of ['chat-a', 'chat-b']) assert.equal((await api(s1, 'POST', `/v1/communities/${g.id}/join`, { user_id: u })).statusCode, 200);
    const a = await listen(url1, 'chat-a', g.id);
    const b = await listen(url2, 'chat-b', g.id);
    assert.equal(a.first.type, 'subscribed');
    assert.equal(b.first.type, 'subscribed');
    const outsider = await listen(url1, 'chat-x', g.id);
    assert.equal(outsider.first.type, 'error', 'a non-member cannot listen');

    const sent = await api(s2, 'POST', `/v1/communities/${g.id}/chat`, { user_id: 'chat-a', text: '<b>大家好</b> hello' });
    assert.equal(sent.statusCode, 201, sent.body);
    for (const c of [a.c, b.c]) {
      const e = await c.next((x) => x.type === 'community.chat');
      assert.equal((e.message as { text: string }).text, '&lt;b&gt;大家好&lt;/b&gt; hello', 'stored as given, sent HTML-escaped (user content)');
    }
    assert.equal((await api(s1, 'POST', `/v1/communities/${g.id}/chat`, { user_id: 'chat-x', text: 'hi' })).statusCode, 404);
    for (let i = 0; i < 3; i++) await api(s1, 'POST', `/v1/communities/${g.id}/chat`, { user_id: 'chat-b', text: `msg ${i}` });
    const page1 = (await api(s2, 'GET', `/v1/communities/${g.id}/chat?limit=2`)).json() as { data: { text: string }[]; next_cursor: string };
    assert.deepEqual(page1.data.map((m) => m.text), ['msg 2', 'msg 1']);
    const page2 = (await api(s2, 'GET', `/v1/communities/${g.id}/chat?limit=2&cursor=${encodeURIComponent(page1.next_cursor)}`)).json() as { data: { text: string }[] };
    assert.deepEqual(page2.data.map((m) => m.text), ['msg 0', '&lt;b&gt;大家好&lt;/b&gt; hello']);
  });

  it('refuses a muted member and limits how fast a member sends', async () => {
    const g = (await api(s1, 'POST', '/v1/communities', { name: '限速群', owner_id: 'rl-owner' })).json() as { id: string };
    await api(s1, 'POST', `/v1/communities/${g.id}/join`, { user_id: 'rl-a' });
    await api(s1, 'POST', `/v1/communities/${g.id}/join`, { user_id: 'rl-m' });
    await api(s1, 'POST', `/v1/communities/${g.id}/members/rl-m/mute`, { minutes: 10 });
    const muted = await api(s1, 'POST', `/v1/communities/${g.id}/chat`, { user_id: 'rl-m', text: 'hi' });
    assert.equal(muted.statusCode, 403);
    assert.equal(muted.json().error.code, 'communities.muted');
    const codes: number[] = [];
    for (let i = 0; i < 12; i++) codes.push((await api(i % 2 ? s1 : s2, 'POST', `/v1/communities/${g.id}/chat`, { user_id: 'rl-a', text: `${i}` })).statusCode);
    assert.equal(codes.filter((c) => c === 201).length, 10, JSON.stringify(codes));
    assert.equal(codes.filter((c) => c === 429).length, 2);
    const bad = await api(s1, 'POST', `/v1/communities/${g.id}/chat`, { user_id: 'rl-a', text: 'x'.repeat(1001) });
    assert.equal(bad.statusCode, 400);
  });

  it('a group post’s live counters are not open to followers (reserved subject kind), other subjects are', async () => {
    const g = (await api(s1, 'POST', '/v1/communities', { name: '计数群', owner_id: 'ct-owner' })).json() as { id: string };
    const p = (await api(s1, 'POST', `/v1/communities/${g.id}/posts`, { user_id: 'ct-owner', body: '帖子' })).json() as { id: string };
    const c = await wsClient(url1, { key: tenant.publishableKey, user_token: await s1.userToken(tenant, 'ct-x') });
    clients.push(c);
    c.send({ type: 'subscribe', topic: `subject:canyu.community_post:${p.id}`, id: 'reserved' });
    assert.equal((await c.next((e) => e.re === 'reserved')).code, 'interactions.subject_reserved');
    c.send({ type: 'subscribe', topic: 'subject:video:open', id: 'open' });
    assert.equal((await c.next((e) => e.re === 'open')).type, 'subscribed');
  });
});
