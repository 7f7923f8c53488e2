// Customer service through the HTTP API on a real database with a controlled clock: the FAQ bot
// answers, suggests and hands over by its rules; routing by skill and seats; racing claims; SLA
// breaches flagged once; CSAT once and in the workload view; bad input and other users' data.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { bearer, startTestApp, type Tenant, type TestApp } from '../../testing/app.ts';
import { BOT_TEXT, decide, mentions } from './rules/bot.ts';

const clock = {
  t: Date.parse('2031-03-02T02:00:00Z'),
  now() {
    return new Date(this.t);
  },
};
let t: TestApp;
let tenant: Tenant;
let owner: Awaited<ReturnType<TestApp['newOperator']>>;

function ok<T = Record<string, unknown>>(res: LightMyRequestResponse, status = 200): T {
  assert.equal(res.statusCode, status, res.body.slice(0, 600));
  return res.json() as T;
}
const secret = () => bearer(tenant.secretKey);
const asOp = (token: string) => ({ ...bearer(token), 'x-canyu-app': tenant.appId });
const post = (url: string, payload: unknown, headers: Record<string, string> = secret()) => t.inject({ method: 'POST', url, headers, payload: payload as object });
const get = (url: string, headers: Record<string, string> = secret()) => t.inject({ method: 'GET', url, headers });

type Conv = { id: string; status: string; agent_id: string | null; waiting_seconds: number | null; sla: { first_response_breached_at: string | null; resolution_breached_at: string | null }; rating: { score: number } | null };
type Msg = { id: string; author: { kind: string; id: string | null }; text: string; internal: boolean; sources: { entry_id: string }[] | null };
type Opened = { conversation: Conv; message: Msg | null; replies: Msg[] };

const FAQ = [
  { question: '怎么申请退款？', variants: ['退款流程是什么'], answer: '在订单详情页点击“申请退款”，1-3 个工作日内原路退回。', locale: 'zh-CN' },
  { question: '多久发货？', variants: ['什么时候发货', '下单后多久能发货'], answer: '付款后 48 小时内发货，预售商品以页面为准。', locale: 'zh-CN' },
  { question: '积分怎么获得？', variants: ['如何赚积分', '签到有积分吗'], answer: '每日签到、评价晒单和参与活动都可以获得积分。', locale: 'zh-CN' },
  { question: 'How do I reset my password?', variants: ['I forgot my password'], answer: 'Use “Forgot password” on the sign-in page; a reset link is emailed to you.', locale: 'en' },
];

before(async () => {
  t = await startTestApp({ clock });
  tenant = await t.newTenant();
  owner = await t.newOperator(tenant.appId, 'owner');
  for (const e of FAQ) ok(await post('/v1/faq/entries', e), 201);
});
after(() => t.close());

describe('the bot’s rules (pure)', () => {
  const hit = (score: number) => ({ entry_id: 'e', question: 'q', answer: 'a', score });
  it('answers when confident, suggests when unsure, hands over on a word or a second unsure answer', () => {
    const o = { threshold: 0.6, keywords: ['人工', 'human'], lowConfidenceSoFar: 0 };
    assert.equal(decide('多久发货', [hit(0.8)], o).kind, 'answer');
    assert.equal(decide('嗯', [hit(0.3)], o).kind, 'suggest');
    assert.deepEqual(decide('嗯', [hit(0.3)], { ...o, lowConfidenceSoFar: 1 }), { kind: 'handover', reason: 'low_confidence' });
    assert.deepEqual(decide('我要转人工客服', [hit(0.9)], o), { kind: 'handover', reason: 'keyword' });
    assert.deepEqual(decide('a HUMAN please', [], o), { kind: 'handover', reason: 'keyword' });
    assert.equal(mentions('the reagent', 'agent'), false, 'whole words for Latin keywords');
    assert.equal(decide('???', [], o).kind, 'suggest', 'nothing found: ask to rephrase');
  });
});

describe('customer service over HTTP', () => {
  it('the bot answers from the FAQ with its source, suggests when unsure, then hands over', async () => {
    const o = ok<Opened>(await post('/v1/service/conversations', { user_id: 'u1', text: '下单后多久能发货？' }), 201);
    assert.equal(o.conversation.status, 'bot');
    assert.equal(o.replies.length, 1);
    assert.equal(o.replies[0]!.author.kind, 'bot');
    assert.match(o.replies[0]!.text, /48 小时/);
    assert.equal(o.replies[0]!.sources?.length, 1);

    const unsure = ok<{ conversation: Conv; replies: Msg[] }>(await post(`/v1/service/conversations/${o.conversation.id}/messages`, { user_id: 'u1', text: '那个东西蓝色的有吗' }), 201);
    assert.equal(unsure.conversation.status, 'bot');
    assert.ok(unsure.replies[0]!.text.startsWith(BOT_TEXT.suggest['zh-CN']) || unsure.replies[0]!.text === BOT_TEXT.rephrase['zh-CN'], unsure.replies[0]!.text);
    const again = ok<{ conversation: Conv; replies: Msg[] }>(await post(`/v1/service/conversations/${o.conversation.id}/messages`, { user_id: 'u1', text: '还是不明白你说的' }), 201);
    assert.equal(again.conversation.status, 'waiting', 'a second unsure answer hands over');
    assert.equal(again.replies.at(-1)!.text, BOT_TEXT.queued['zh-CN']);
  });

  it('hands over at once on a hand-over word or when asked, and the queue lists the waiting with their waiting time', async () => {
    const k = ok<Opened>(await post('/v1/service/conversations', { user_id: 'u2', text: '我要投诉，快递员态度很差' }), 201);
    assert.equal(k.conversation.status, 'waiting');
    const a = ok<Opened>(await post('/v1/service/conversations', { user_id: 'u3' }), 201);
    const h = ok<Conv>(await post(`/v1/service/conversations/${a.conversation.id}/handover`, { user_id: 'u3' }));
    assert.equal(h.status, 'waiting');
    clock.t += 90_000;
    const q = ok<{ data: Conv[] }>(await get('/v1/service/queue'));
    const mine = q.data.filter((c) => c.id === k.conversation.id || c.id === a.conversation.id);
    assert.equal(mine.length, 2);
    assert.ok(mine.every((c) => c.waiting_seconds! >= 90));
  });

  it('routes by skill and free seats, and exactly one of two racing claims wins', async () => {
    const a = await t.newOperator(tenant.appId, 'agent');
    const b = await t.newOperator(tenant.appId, 'agent');
    const c = await t.newOperator(tenant.appId, 'agent');
    ok(await t.inject({ method: 'PUT', url: '/v1/service/agents/me', headers: asOp(a.token), payload: { status: 'online', skills: ['billing'], capacity: 1 } }));
    // Coming online took the oldest waiting conversations without a skill up to its one seat.
    const agents = ok<{ data: { operator_id: string; active: number }[] }>(await get('/v1/service/agents'));
    assert.equal(agents.data.find((x) => x.operator_id === a.operatorId)?.active, 1);

    const billing = ok<Opened>(await post('/v1/service/conversations', { user_id: 'u4', skill: 'billing', text: '人工' }), 201);
    assert.equal(billing.conversation.status, 'waiting', 'the billing agent has no free seat');
    // Two agents race for it: one takes it, the other gets 409.
    const [r1, r2] = await Promise.all([b, c].map((x) => t.inject({ method: 'POST', url: `/v1/service/conversations/${billing.conversation.id}/claim`, headers: asOp(x.token) })));
    assert.deepEqual([r1!.statusCode, r2!.statusCode].sort(), [200, 409]);
    const lost = (r1!.statusCode === 409 ? r1! : r2!).json() as { error: { code: string } };
    assert.equal(lost.error.code, 'service.already_assigned');
    const won = (r1!.statusCode === 200 ? r1! : r2!).json() as Conv;
    assert.ok([b.operatorId, c.operatorId].includes(won.agent_id!));

    // The winner replies; an internal note stays with the agents.
    ok(await t.inject({ method: 'POST', url: `/v1/service/conversations/${won.id}/messages`, headers: asOp(r1!.statusCode === 200 ? b.token : c.token), payload: { text: 'VIP 用户，优先处理', internal: true } }), 201);
    ok(await t.inject({ method: 'POST', url: `/v1/service/conversations/${won.id}/messages`, headers: asOp(r1!.statusCode === 200 ? b.token : c.token), payload: { text: '您好，我来帮您看一下账单。' } }), 201);
    const userToken = await t.userToken(tenant, 'u4');
    const seen = ok<{ data: Msg[] }>(await get(`/v1/service/conversations/${won.id}/messages`, { ...bearer(tenant.publishableKey), 'x-user-token': userToken }));
    assert.ok(seen.data.some((m) => m.author.kind === 'agent' && m.text.includes('账单')));
    assert.ok(!seen.data.some((m) => m.internal || m.text.includes('VIP')), 'the note is not shown to the user');
    const all = ok<{ data: Msg[] }>(await get(`/v1/service/conversations/${won.id}/messages`));
    assert.ok(all.data.some((m) => m.internal));

    // Another user cannot see it at all.
    const other = await t.userToken(tenant, 'u5');
    assert.equal((await get(`/v1/service/conversations/${won.id}`, { ...bearer(tenant.publishableKey), 'x-user-token': other })).statusCode, 404);
    assert.equal((await get(`/v1/service/conversations/${won.id}/messages`, { ...bearer(tenant.publishableKey), 'x-user-token': other })).statusCode, 404);
    const own = ok<{ data: Conv[] }>(await get('/v1/service/conversations', { ...bearer(tenant.publishableKey), 'x-user-token': other }));
    assert.equal(own.data.length, 0);
  });

  it('flags a first-response SLA breach once, at its time, and not for a conversation answered in time', async () => {
    ok(await t.inject({ method: 'PUT', url: '/v1/service/settings', headers: secret(), payload: { first_response_minutes: 5 } }));
    const late = ok<Opened>(await post('/v1/service/conversations', { user_id: 'u6', text: '转人工' }), 201);
    const quick = ok<Opened>(await post('/v1/service/conversations', { user_id: 'u7', text: '转人工' }), 201);
    const agent = await t.newOperator(tenant.appId, 'agent');
    clock.t += 4 * 60_000;
    await t.services.service.tick();
    assert.equal(ok<Conv>(await get(`/v1/service/conversations/${late.conversation.id}`)).sla.first_response_breached_at, null);
    ok(await t.inject({ method: 'POST', url: `/v1/service/conversations/${quick.conversation.id}/messages`, headers: asOp(agent.token), payload: { text: '在的，请讲' } }), 201);
    clock.t += 60_000;
    const breached: string[] = [];
    const off = t.services.bus.subscribe('service.sla_breached', (p) => void breached.push(p.conversationId));
    try {
      await Promise.all([t.services.service.tick(), t.services.service.tick()]);
      await t.services.service.tick();
      const l = ok<Conv>(await get(`/v1/service/conversations/${late.conversation.id}`));
      assert.equal(l.sla.first_response_breached_at, clock.now().toISOString());
      assert.equal(ok<Conv>(await get(`/v1/service/conversations/${quick.conversation.id}`)).sla.first_response_breached_at, null);
      const rows = await t.database.pool.query<{ n: number }>(`select count(*)::int as n from ev_log where name = 'service.sla_breached' and payload->>'conversationId' = $1`, [late.conversation.id]);
      assert.equal(rows.rows[0]!.n, 1, 'one breach event, however many ticks');
    } finally {
      off();
    }
  });

  it('CSAT: once, after resolution, and in the workload view', async () => {
    const agent = await t.newOperator(tenant.appId, 'agent');
    const o = ok<Opened>(await post('/v1/service/conversations', { user_id: 'u8', text: '人工' }), 201);
    ok(await t.inject({ method: 'POST', url: `/v1/service/conversations/${o.conversation.id}/claim`, headers: asOp(agent.token) }));
    const early = await post(`/v1/service/conversations/${o.conversation.id}/rating`, { user_id: 'u8', score: 5 });
    assert.equal((early.json() as { error: { code: string } }).error.code, 'service.not_resolved');
    ok(await t.inject({ method: 'POST', url: `/v1/service/conversations/${o.conversation.id}/messages`, headers: asOp(agent.token), payload: { text: '已为您处理好了' } }), 201);
    ok(await t.inject({ method: 'POST', url: `/v1/service/conversations/${o.conversation.id}/resolve`, headers: asOp(agent.token) }));
    const rated = ok<Conv>(await post(`/v1/service/conversations/${o.conversation.id}/rating`, { user_id: 'u8', score: 4, comment: '很快' }));
    assert.equal(rated.rating?.score, 4);
    const twice = await post(`/v1/service/conversations/${o.conversation.id}/rating`, { user_id: 'u8', score: 1 });
    assert.equal(twice.statusCode, 409);
    assert.equal((twice.json() as { error: { code: string } }).error.code, 'service.already_rated');
    const month = clock.now().toISOString().slice(0, 7);
    const w = ok<{ operators: { operator_id: string; conversations_resolved: number; csat_average: number | null; csat_ratings: number }[] }>(await get(`/v1/feedback/workload?month=${month}`));
    const row = w.operators.find((x) => x.operator_id === agent.operatorId);
    assert.deepEqual({ resolved: row?.conversations_resolved, csat: row?.csat_average, n: row?.csat_ratings }, { resolved: 1, csat: 4, n: 1 });
    // The user's next message reopens it into the queue.
    const again = ok<{ conversation: Conv }>(await post(`/v1/service/conversations/${o.conversation.id}/messages`, { user_id: 'u8', text: '还有一个问题' }), 201);
    assert.notEqual(again.conversation.status, 'resolved');
  });

  it('a host bridge’s message is stored once and continues the same conversation', async () => {
    const m = { channel: 'wecom', conversation_id: 'wx-chat-1', message_id: 'wx-msg-1', user_id: 'u9', text: '积分怎么获得？' };
    const [a, b] = await Promise.all([post('/v1/service/inbound', m), post('/v1/service/inbound', m)]);
    const ra = ok<{ conversation: Conv; duplicate: boolean }>(a!);
    const rb = ok<{ conversation: Conv; duplicate: boolean }>(b!);
    assert.equal(ra.conversation.id, rb.conversation.id);
    assert.deepEqual([ra.duplicate, rb.duplicate].sort(), [false, true]);
    const next = ok<{ conversation: Conv; replies: Msg[] }>(await post('/v1/service/inbound', { ...m, message_id: 'wx-msg-2', text: '多久发货' }));
    assert.equal(next.conversation.id, ra.conversation.id);
    const msgs = ok<{ data: Msg[] }>(await get(`/v1/service/conversations/${ra.conversation.id}/messages`));
    assert.equal(msgs.data.filter((x) => x.author.kind === 'user').length, 2);
  });

  it('refuses bad input with the field named', async () => {
    const o = ok<Opened>(await post('/v1/service/conversations', { user_id: 'u10' }), 201);
    const url = `/v1/service/conversations/${o.conversation.id}/messages`;
    const field = async (payload: unknown, want: string) => {
      const r = await post(url, payload);
      assert.equal(r.statusCode, 400, r.body);
      assert.ok(JSON.stringify(r.json()).includes(want), `${want}: ${r.body}`);
    };
    await field({ user_id: 'u10', text: 'x'.repeat(4001) }, 'body.text');
    await field({ user_id: 'u10', text: 'a\u0000b' }, 'body.text');
    await field({ user_id: 'u10', text: 'see', attachments: ['javascript:alert(1)'] }, 'body.attachments');
    await field({ user_id: 'u10', text: 'note', internal: true }, 'body.internal');
    await field({ user_id: 'u10\u0000', text: 'hi' }, 'body.user_id');
    assert.equal((await post('/v1/service/conversations/svc_nope/messages', { user_id: 'u10', text: 'hi' })).statusCode, 404);
    const bad = await t.inject({ method: 'PUT', url: '/v1/service/settings', headers: secret(), payload: { threshold: 2 } });
    assert.equal(bad.statusCode, 400);
    assert.equal((await get('/v1/service/queue?cursor=not-a-cursor')).statusCode, 400);
    assert.equal((await post('/v1/service/conversations/' + o.conversation.id + '/transfer', {}, asOp(owner.token))).statusCode, 400);
  });
});
