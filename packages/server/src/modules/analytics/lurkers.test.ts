// Lurkers (visits without interaction) and churn risk (activity fell against the user's own
// baseline) on hand-built activity, over HTTP and a real database.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { shardSql } from '../../events/index.ts';
import { bearer, startTestApp, type Tenant, type TestApp } from '../../testing/app.ts';
import { expectError, findIssue } from '../../testing/http.ts';

let t: TestApp;
let a: Tenant;
const DAY = 86_400_000;
const ago = (d: number) => new Date(Date.now() - d * DAY).toISOString();
let n = 0;
const ev = (user: string, name: string, daysAgo: number) => ({ event_id: `l${n++}`, user_id: user, name, timestamp: ago(daysAgo) });
const get = async (url: string) => {
  const r = await t.inject({ method: 'GET', url, headers: bearer(a.secretKey) });
  assert.equal(r.statusCode, 200, r.body);
  return r.json();
};

before(async () => {
  t = await startTestApp();
  a = await t.newTenant('lurkers');
  const events = [
    ev('lurk', 'app.opened', 1), ev('lurk', 'app.opened', 3), ev('lurk', 'page.viewed', 5),
    ev('liker', 'app.opened', 2),
    ev('commenter', 'app.opened', 2), ev('commenter', 'comment.posted', 2),
    ev('gone', 'app.opened', 30),
  ];
  // Churn: one event a day (half a day back) for the days listed.
  const days = (user: string, ds: number[]) => ds.map((d) => ev(user, 'app.opened', d + 0.5));
  const range = (from: number, to: number, step = 1) => Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, k) => from + k * step);
  events.push(...days('steady', range(0, 69)), ...days('fading', [3, ...range(14, 69)]), ...days('half', [...range(0, 12, 2), ...range(14, 69)]), ...days('fresh', range(0, 13)));
  const r = await t.inject({ method: 'POST', url: '/v1/events', headers: bearer(a.secretKey), payload: { events } });
  assert.equal(r.statusCode, 200, r.body);
  // liker liked something (a Canyu interaction, as the interactions module logs it).
  await t.database.pool.query(
    `insert into ev_log (app_id, shard, kind, name, actor_id, user_ids, key, payload, created_at)
     values ($1, ${shardSql('$1::text', '$2::text')}, 'domain', 'interaction.liked', $2, array[$2], gen_random_uuid()::text, jsonb_build_object('appId', $1::text, 'userId', $2::text), now() - interval '1 day')`,
    [a.appId, 'liker'],
  );
  await t.services.bus.drain();
});
after(() => t.close());

describe('lurkers and churn risk', () => {
  it('lurkers: visited in the window, no Canyu interaction and no listed interaction event', async () => {
    const all = (await get('/v1/analytics/lurkers?days=14')).data as { user_id: string; active_days: number }[];
    const ids = all.map((u) => u.user_id);
    assert.ok(ids.includes('lurk') && ids.includes('commenter'), JSON.stringify(ids));
    assert.ok(!ids.includes('liker'), 'a like is an interaction');
    assert.ok(!ids.includes('gone'), 'not seen in the window');
    assert.equal(all.find((u) => u.user_id === 'lurk')!.active_days, 3);
    const withComments = (await get(`/v1/analytics/lurkers?days=14&interaction_events=${encodeURIComponent('["comment.posted"]')}`)).data as { user_id: string }[];
    assert.ok(!withComments.some((u) => u.user_id === 'commenter'));
    const visits = (await get(`/v1/analytics/lurkers?days=14&visit_events=${encodeURIComponent('["page.viewed"]')}`)).data as { user_id: string }[];
    assert.deepEqual(visits.map((u) => u.user_id), ['lurk']);
    const p1 = await get('/v1/analytics/lurkers?days=14&limit=2');
    const p2 = await get(`/v1/analytics/lurkers?days=14&limit=100&cursor=${encodeURIComponent(p1.next_cursor)}`);
    assert.deepEqual([...p1.data, ...p2.data].map((u: { user_id: string }) => u.user_id), ids);
  });

  it('churn risk: the drop against each user’s own baseline, largest first', async () => {
    const rows = (await get('/v1/analytics/churn-risk?recent_days=14&baseline_days=56&min_drop=0.5')).data as { user_id: string; recent_active_days: number; baseline_active_days: number; drop: number }[];
    assert.deepEqual(rows.map((r) => r.user_id), ['fading', 'half']);
    assert.deepEqual([rows[0]!.recent_active_days, rows[0]!.baseline_active_days], [1, 56]);
    assert.ok(Math.abs(rows[0]!.drop - 13 / 14) < 1e-9);
    assert.ok(Math.abs(rows[1]!.drop - 0.5) < 1e-9);
    const strict = (await get('/v1/analytics/churn-risk?min_drop=0.6')).data as { user_id: string }[];
    assert.deepEqual(strict.map((r) => r.user_id), ['fading']);
  });

  it('refuses bad input by field', async () => {
    const bad = async (url: string, field: string) => findIssue(expectError(await t.inject({ method: 'GET', url, headers: bearer(a.secretKey) }), 400, 'validation_failed'), field);
    await bad('/v1/analytics/lurkers?days=0', 'query.days');
    await bad('/v1/analytics/lurkers?visit_events=nope', 'query.visit_events');
    await bad('/v1/analytics/churn-risk?min_drop=2', 'query.min_drop');
    expectError(await t.inject({ method: 'GET', url: '/v1/analytics/churn-risk?cursor=abc', headers: bearer(a.secretKey) }), 400, 'invalid_cursor');
  });
});
