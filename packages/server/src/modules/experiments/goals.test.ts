// Goals on a real database: the daily progress row is written exactly once under racing
// writers (as by several servers or a retried job), the report places the latest value on the
// linear path, bad days are refused naming the field, and active users come from analytics.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, startTestApp, type Tenant, type TestApp } from '../../testing/app.ts';
import { expectError, findIssue } from '../../testing/http.ts';
import { createGoals, measureWithAnalytics } from './goals.ts';

const clock = { now: () => new Date() };
let t: TestApp;
let A: Tenant;
before(async () => {
  t = await startTestApp({ clock });
  A = await t.newTenant('goals');
});
after(() => t.close());

const ctx = () => t.systemCtx({ type: 'cli', id: null });

describe('goals', () => {
  it('records one row per goal per day however many writers race, and reports on/off track', async () => {
    // Daily buyers (a stand-in measure: 225 on 8 March) from 200 on 1 March to 300 on 31 March.
    let calls = 0;
    const goals = createGoals({ clock, measure: async () => (calls++, 225), audit: t.services.audit });
    const g = await goals.create(ctx(), A.appId, { name: '日购买用户 / Daily buyers', metric: { kind: 'event_count', event: 'order.paid' }, baseline: 200, target: 300, start_day: '2026-03-01', due_day: '2026-03-31' });
    const written = await Promise.all(Array.from({ length: 8 }, () => goals.recordDay(ctx(), A.appId, '2026-03-08')));
    assert.equal(written.reduce((s, n) => s + n, 0), 1);
    assert.equal(calls, 8);
    const { rows } = await t.database.pool.query<{ n: number }>('select count(*)::int as n from ex_goal_progress where goal_id = $1', [g.id]);
    assert.equal(rows[0]!.n, 1);
    // The path expects 200 + 100·7/30 = 223.33 on day 7: 225 is on track.
    const r = await goals.report(ctx(), A.appId, g.id);
    assert.equal(r.latest?.status, 'on_track');
    assert.ok(Math.abs(r.latest.expected - 223.3333333) < 1e-6);
    assert.deepEqual(r.days, [{ day: '2026-03-08', value: 225 }]);
    // Outside the goal's days nothing is recorded.
    assert.equal(await goals.recordDay(ctx(), A.appId, '2026-04-01'), 0);
  });

  it('measures active users through the analytics service', async () => {
    const goals = createGoals({ clock, measure: measureWithAnalytics(t.services.analytics), audit: t.services.audit });
    const g = await goals.create(ctx(), A.appId, { name: 'DAU', metric: { kind: 'active_users', window: 'dau' }, baseline: 0, target: 100, start_day: '2026-03-01', due_day: '2026-03-11' });
    assert.equal(await goals.recordDay(ctx(), A.appId, '2026-03-02'), 2); // this goal and the first test's
    const r = await goals.report(ctx(), A.appId, g.id);
    assert.deepEqual(r.days, [{ day: '2026-03-02', value: 0 }]);
    assert.equal(r.latest?.status, 'off_track'); // 0 against an expected 10
  });

  it('the daily job records yesterday for every app with live goals, once', async () => {
    const B = await t.newTenant('goals-b');
    const fixed = { now: () => new Date('2026-03-05T01:17:00Z') };
    const goals = createGoals({ clock: fixed, measure: async () => 5, audit: t.services.audit });
    await goals.create(ctx(), B.appId, { name: 'B', metric: { kind: 'active_users', window: 'wau' }, baseline: 0, target: 10, start_day: '2026-03-01', due_day: '2026-03-11' });
    const runs = await Promise.all([goals.recordYesterday(ctx()), goals.recordYesterday(ctx())]);
    assert.equal(runs[0] + runs[1], 3); // A's two goals and B's one, for 4 March
    assert.equal(await goals.recordYesterday(ctx()), 0);
  });

  it('refuses a due day before the start and an unknown goal, with 4xx codes', async () => {
    const goals = createGoals({ clock, measure: async () => 1, audit: t.services.audit });
    await assert.rejects(goals.create(ctx(), A.appId, { name: 'x', metric: { kind: 'active_users', window: 'dau' }, baseline: 0, target: 1, start_day: '2026-03-10', due_day: '2026-03-01' }), (e: { status?: number; field?: string; details?: unknown }) => (assert.match(JSON.stringify(e), /body\.due_day/), true));
    await assert.rejects(goals.report(ctx(), A.appId, 'goal_missing'), (e: { code?: string }) => (assert.equal(e.code, 'goals.not_found'), true));
  });

  it('over HTTP: an event-count goal measured from the events of the day, listed, and bad input refused by field', async () => {
    const C = await t.newTenant('goals-http');
    const h = bearer(C.secretKey);
    const r = await t.inject({ method: 'POST', url: '/v1/goals', headers: h, payload: { name: '每日签到 1000', metric: { kind: 'event_count', event: 'checkin.done' }, baseline: 0, target: 10, start_day: '2026-03-01', due_day: '2026-03-11' } });
    assert.equal(r.statusCode, 201, r.body);
    const g = r.json();
    const events = Array.from({ length: 4 }, (_, i) => ({ event_id: `c${i}`, user_id: `u${i}`, name: 'checkin.done', timestamp: `2026-03-03T0${i}:00:00Z` }));
    events.push({ event_id: 'other-day', user_id: 'u9', name: 'checkin.done', timestamp: '2026-03-04T00:00:01Z' });
    assert.equal((await t.inject({ method: 'POST', url: '/v1/events', headers: h, payload: { events } })).statusCode, 200);
    const m = await t.inject({ method: 'POST', url: `/v1/goals/${g.id}/measure`, headers: h, payload: { day: '2026-03-03' } });
    assert.equal(m.statusCode, 200, m.body);
    assert.deepEqual(m.json().days, [{ day: '2026-03-03', value: 4 }]);
    // 4 on day 2 of 10 against an expected 2: on track.
    assert.equal(m.json().latest.status, 'on_track');
    const list = await t.inject({ method: 'GET', url: '/v1/goals', headers: h });
    assert.deepEqual(list.json().data.map((x: { id: string }) => x.id), [g.id]);
    findIssue(expectError(await t.inject({ method: 'POST', url: '/v1/goals', headers: h, payload: { name: 'x', metric: { kind: 'event_count', event: 'e' }, baseline: 0, target: 1, start_day: '2026-03-10', due_day: '2026-03-01' } }), 400, 'validation_failed'), 'body.due_day');
    findIssue(expectError(await t.inject({ method: 'POST', url: '/v1/goals', headers: h, payload: { name: 'x', metric: { kind: 'revenue' }, baseline: 0, target: 1, start_day: '2026-03-01', due_day: '2026-03-10' } }), 400, 'validation_failed'), 'body.metric.kind');
    expectError(await t.inject({ method: 'GET', url: '/v1/goals/goal_nope', headers: h }), 404, 'goals.not_found');
  });
});
