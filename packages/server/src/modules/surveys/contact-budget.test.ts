// A survey offered is a contact: /v1/surveys/next takes from the same contact budget as messaging
// (frequency caps, opt-outs, quiet hours), atomically with the offer, also under concurrency.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import type { Clock } from '../../lib/clock.ts';
import { bearer, startTestApp, type Tenant, type TestApp } from '../../testing/app.ts';

let t: TestApp;
let tenant: Tenant;
let now = new Date('2025-03-10T04:00:00Z'); // noon in Shanghai
const clock: Clock = { now: () => new Date(now) };
const DAY = 86_400_000;

before(async () => {
  t = await startTestApp({ clock, config: { dbPoolSize: 10 } });
});
beforeEach(async () => {
  tenant = await t.newTenant();
  now = new Date('2025-03-10T04:00:00Z');
  ok(await api('PUT', '/v1/surveys/settings', { recontact_days: 0 }));
});
after(() => t.close());

const api = (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown) => t.inject({ method, url, headers: bearer(tenant.secretKey), ...(payload === undefined ? {} : { payload: payload as object }) });
const ok = <T = Record<string, unknown>>(res: LightMyRequestResponse, status = 200): T => {
  assert.equal(res.statusCode, status, res.body.slice(0, 600));
  return res.json() as T;
};
type Next = { survey: { id: string } | null; reason: string; next_eligible_at: string | null };
const next = async (userId: string) => ok<Next>(await api('POST', '/v1/surveys/next', { user_id: userId }));
const survey = async (name: string) => ok<{ id: string }>(await api('POST', '/v1/surveys', { name, status: 'active', questions: [{ id: 'q', type: 'nps', title: '推荐给朋友？' }] }), 201).id;
const cap = async (max: number) => ok<{ id: string }>(await api('POST', '/v1/messaging/caps', { max, period: 'day' }), 201).id;
const used = async (userId: string) => (await t.database.pool.query<{ n: number }>(`select coalesce(sum(used), 0)::int as n from ms_budget_counters where app_id = $1 and user_id = $2`, [tenant.appId, userId])).rows[0]!.n;

describe('surveys and the contact budget', () => {
  it('offers no survey under a cap of 0 a day, and leaves nothing reserved', async () => {
    await survey('s1');
    const capId = await cap(0);
    const r = await next('u0');
    assert.deepEqual([r.survey, r.reason], [null, 'capped']);
    // The refusal is not remembered: once the cap is lifted the same offer is made.
    assert.equal((await api('DELETE', `/v1/messaging/caps/${capId}`)).statusCode, 204);
    const r2 = await next('u0');
    assert.ok(r2.survey, JSON.stringify(r2));
    assert.equal(r2.reason, 'shown');
  });

  it('under a cap of 1 a day offers one survey; the second offer that day is refused, the next day allowed', async () => {
    const s1 = await survey('s1');
    const s2 = await survey('s2');
    await cap(1);
    const first = await next('u1');
    assert.ok(first.survey && [s1, s2].includes(first.survey.id));
    assert.equal(await used('u1'), 1);
    const second = await next('u1');
    assert.deepEqual([second.survey, second.reason], [null, 'capped']);
    now = new Date(now.getTime() + DAY);
    const third = await next('u1');
    assert.ok(third.survey && third.survey.id !== first.survey.id, JSON.stringify(third));
  });

  it('shares the budget with messages: a message sent takes the unit a survey would', async () => {
    await survey('s1');
    await cap(1);
    const send = ok<{ results: { status: string }[] }>(await api('POST', '/v1/messaging/sends', { to: { user_id: 'u2' }, content: { 'zh-CN': { title: '你好', body: '…' } }, category: 'activity' }), 201);
    assert.equal(send.results[0]!.status, 'sent');
    assert.equal((await next('u2')).reason, 'capped');
  });

  it('respects an opt-out of in-app activity contacts', async () => {
    await survey('s1');
    ok(await t.inject({ method: 'PATCH', url: '/v1/users/u3/messaging-preferences', headers: bearer(tenant.secretKey), payload: { disabled: [{ category: 'activity', channel: 'in_app' }] } }));
    assert.equal((await next('u3')).reason, 'unsubscribed');
  });

  it('gives one unit to exactly one of many concurrent offers and messages', async () => {
    for (let i = 0; i < 3; i++) await survey(`s${i}`);
    await cap(1);
    const offers = Array.from({ length: 6 }, () => api('POST', '/v1/surveys/next', { user_id: 'u4' }));
    const reservations = Array.from({ length: 6 }, (_, i) => api('POST', '/v1/users/u4/contact-budget/reservations', { category: 'activity', channel: 'in_app', source: 'test', ref: `r${i}` }));
    const res = await Promise.all([...offers, ...reservations]);
    const shown = res.slice(0, 6).filter((r) => ok<Next>(r).survey !== null).length;
    const allowed = res.slice(6).filter((r) => (r.json() as { outcome: string }).outcome === 'allowed').length;
    assert.equal(shown + allowed, 1, `shown ${shown}, allowed ${allowed}`);
    assert.equal(await used('u4'), 1);
  });
});
