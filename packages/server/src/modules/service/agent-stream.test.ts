// The agents' side of customer service in real time, on two servers sharing one database: an
// agent's console stream (GET /v1/realtime/operator on one server) hears of conversations opened,
// queued, assigned and resolved and of every message — internal notes included — made through the
// other server; a role that may not read conversations hears none of it; the user's own stream
// never carries an internal note; and a signed-out agent's stream ends.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, startTwoServers, type Tenant, type TestApp } from '../../testing/app.ts';
import { sseClient, type Received, type TestClient } from '../../testing/realtime.ts';

let two: Awaited<ReturnType<typeof startTwoServers>>;
let s1: TestApp;
let tenant: Tenant;
const streams: TestClient[] = [];

before(async () => {
  // Streams check their session at every heartbeat: short here so that a sign-out shows quickly.
  two = await startTwoServers({ config: { realtimeHeartbeatMs: 150 } });
  s1 = two.s1;
  tenant = await s1.newTenant();
});
after(async () => {
  for (const c of streams) c.close();
  await two.close();
});

const call = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: object, headers = bearer(tenant.secretKey)) => s1.inject({ method, url, headers, ...(payload ? { payload } : {}) });
const asOp = (token: string) => ({ authorization: `Bearer ${token}`, 'x-canyu-app': tenant.appId });
const operatorStream = async (token: string) => {
  const c = await sseClient(two.url2, {}, { path: '/v1/realtime/operator', headers: asOp(token) });
  assert.equal(c.status, 200);
  streams.push(c);
  return c;
};
const isChange = (id: string, change: string) => (e: Received) => e.type === 'service.conversation' && e.change === change && (e.conversation as { id: string }).id === id;
const isMessage = (text: string) => (e: Received) => e.type === 'service.message' && (e.message as { text: string }).text === text;

describe('the agents’ realtime stream', () => {
  it('carries every change and message of the app’s conversations to agents on another server, and nothing to other roles', async () => {
    const agent = await s1.newOperator(tenant.appId, 'agent');
    const moderator = await s1.newOperator(tenant.appId, 'moderator');
    const agentStream = await operatorStream(agent.token);
    const modStream = await operatorStream(moderator.token);
    assert.equal(agentStream.events[0]!.role, 'agent');
    // Without the bot a new conversation waits for a person at once.
    assert.equal((await call('PUT', '/v1/service/settings', { bot_enabled: false })).statusCode, 200);
    const userStream = await sseClient(two.url1, { key: tenant.publishableKey, user_token: await s1.userToken(tenant, 'cs-user') });
    streams.push(userStream);

    const opened = await call('POST', '/v1/service/conversations', { user_id: 'cs-user', text: '<img src=x onerror=alert(1)> 订单没收到' });
    assert.equal(opened.statusCode, 201, opened.body);
    const id = (opened.json() as { conversation: { id: string } }).conversation.id;
    await agentStream.next(isChange(id, 'opened'));
    const waiting = await agentStream.next(isChange(id, 'waiting'));
    assert.equal((waiting.conversation as { status: string }).status, 'waiting');
    await agentStream.next(isMessage('&lt;img src=x onerror=alert(1)&gt; 订单没收到'));

    // The agent's note and reply, made on the other server.
    const note = await s1.inject({ method: 'POST', url: `/v1/service/conversations/${id}/messages`, headers: asOp(agent.token), payload: { text: '查物流中', internal: true } });
    assert.equal(note.statusCode, 201, note.body);
    const n = await agentStream.next(isMessage('查物流中'));
    assert.equal((n.message as { internal: boolean }).internal, true);
    assert.equal((await s1.inject({ method: 'POST', url: `/v1/service/conversations/${id}/messages`, headers: asOp(agent.token), payload: { text: '已为您补发' } })).statusCode, 201);
    const assigned = await agentStream.next(isChange(id, 'assigned'));
    assert.equal((assigned.conversation as { agent_id: string }).agent_id, agent.operatorId);
    await agentStream.next(isMessage('已为您补发'));
    await userStream.next((e) => e.type === 'service.message' && (e.message as { text: string }).text === '已为您补发');
    assert.ok(!userStream.events.some((e) => e.type === 'service.message' && (e.message as { internal: boolean }).internal), 'the user never hears an internal note');

    assert.equal((await s1.inject({ method: 'POST', url: `/v1/service/conversations/${id}/resolve`, headers: asOp(agent.token) })).statusCode, 200);
    await agentStream.next(isChange(id, 'resolved'));
    // Delivered to both streams on that server in one pass: the moderator's has nothing of it.
    assert.deepEqual(modStream.events.map((e) => e.type), ['hello']);
  });

  it('ends when the operator signs out, and refuses keys and users', async () => {
    const agent = await s1.newOperator(tenant.appId, 'agent');
    const stream = await operatorStream(agent.token);
    assert.equal((await s1.inject({ method: 'POST', url: '/v1/auth/logout', headers: bearer(agent.token) })).statusCode < 300, true);
    await stream.next((e) => e.type === 'stream-end');
    const withKey = await sseClient(two.url2, {}, { path: '/v1/realtime/operator', headers: { authorization: `Bearer ${tenant.secretKey}` } });
    assert.equal(withKey.status, 403);
    const anonymous = await sseClient(two.url2, {}, { path: '/v1/realtime/operator' });
    assert.equal(anonymous.status, 401);
  });
});
