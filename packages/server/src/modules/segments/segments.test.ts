// Segments end to end over HTTP on a real database: rules over traits, events in a rolling window
// and points; members kept current by the event log and by full computations; entries and exits
// announced once, also with two servers computing at once; workflows triggered by an entry; bad
// input named; erasure.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'drizzle-orm';
import { startTestApp, type TestApp, type Tenant } from '../../testing/app.ts';
import { expectError, findIssue } from '../../testing/http.ts';

const DAY = 86_400_000;
let offset = 0;
const clock = { now: () => new Date(Date.now() + offset) };

let s1: TestApp;
let s2: TestApp;
let A: Tenant;
const sk = () => ({ authorization: `Bearer ${A.secretKey}` });
const call = async (s: TestApp, method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, payload?: unknown) => s.inject({ method, url, headers: sk(), ...(payload !== undefined ? { payload: payload as object } : {}) });
const ok = async (s: TestApp, method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, payload?: unknown) => {
  const r = await call(s, method, url, payload);
  assert.ok(r.statusCode < 300, `${method} ${url} → ${r.statusCode} ${r.body}`);
  return r.body ? r.json() : null;
};
const drain = () => Promise.all([s1.services.bus.drain(), s2.services.bus.drain()]);
const members = async (id: string) => ((await ok(s1, 'GET', `/v1/segments/${id}/members?limit=200`)).data as { user_id: string }[]).map((m) => m.user_id).sort();
const announced = async (name: string, userId: string, segmentId: string) => {
  const r = await s1.database.db.execute<{ n: number }>(sql`select count(*)::int as n from ev_log where app_id = ${A.appId} and name = ${name} and payload->>'userId' = ${userId} and payload->>'segmentId' = ${segmentId}`);
  return r.rows[0]!.n;
};
const ago = (days: number) => new Date(Date.now() - days * DAY).toISOString();

before(async () => {
  s1 = await startTestApp({ clock });
  s2 = await startTestApp({ clock, database: s1.database });
  A = await s1.newTenant();
  await ok(s1, 'PUT', '/v1/points/types/coins', { name: 'Coins' });
  for (const [u, plan] of [['ann', 'pro'], ['bob', 'pro'], ['cid', 'free'], ['dee', 'pro']] as const) await ok(s1, 'POST', `/v1/users/${u}`, { traits: { plan } });
  await ok(s1, 'POST', '/v1/events', {
    events: [
      { event_id: 'o1', user_id: 'ann', name: 'order.paid', properties: { amount: 300 }, timestamp: ago(2) },
      { event_id: 'o2', user_id: 'ann', name: 'order.paid', properties: { amount: 250 }, timestamp: ago(20) },
      { event_id: 'o3', user_id: 'bob', name: 'order.paid', properties: { amount: 400 }, timestamp: ago(1) },
      { event_id: 'o4', user_id: 'bob', name: 'order.paid', properties: { amount: 900 }, timestamp: ago(45) }, // outside 30 days
      { event_id: 'o5', user_id: 'cid', name: 'order.paid', properties: { amount: 5000 }, timestamp: ago(1) }, // not pro
      { event_id: 'o6', user_id: 'dee', name: 'order.paid', properties: { amount: 'lots' }, timestamp: ago(1) }, // not a number
    ],
  });
});
after(async () => {
  await s2?.app.close();
  await s1?.app.close();
  await s2?.database.close();
});

const bigSpenders = { all: [{ kind: 'traits', conditions: { plan: 'pro' } }, { kind: 'event_sum', event: 'order.paid', property: 'amount', within_days: 30, min: 500 }] };

describe('segments', () => {
  let seg: { id: string; size: number };

  it('computes members from traits and a 30-day sum, the same as the preview', async () => {
    const p = await ok(s1, 'POST', '/v1/segments/preview', { rules: bigSpenders });
    assert.deepEqual([p.count, p.users, p.sample], [1, 4, ['ann']]);
    seg = await ok(s1, 'POST', '/v1/segments', { name: 'Pro big spenders 高价值', rules: bigSpenders });
    assert.equal(seg.size, 1);
    assert.deepEqual(await members(seg.id), ['ann']);
    assert.equal(await announced('segment.entered', 'ann', seg.id), 1);
    const mine = await ok(s1, 'GET', '/v1/users/ann/segments');
    assert.deepEqual(mine.data.map((x: { segment_id: string }) => x.segment_id), [seg.id]);
  });

  it('an event that crosses the threshold enters the user once; two servers computing at once announce nothing twice', async () => {
    await ok(s2, 'POST', '/v1/events', { events: [{ event_id: 'o7', user_id: 'bob', name: 'order.paid', properties: { amount: 150 } }] });
    await drain();
    assert.deepEqual(await members(seg.id), ['ann', 'bob']);
    await Promise.all([call(s1, 'POST', `/v1/segments/${seg.id}/refresh`), call(s2, 'POST', `/v1/segments/${seg.id}/refresh`), s1.services.segments.refreshAll()]);
    await drain();
    assert.equal(await announced('segment.entered', 'bob', seg.id), 1);
    assert.equal((await ok(s1, 'GET', `/v1/segments/${seg.id}`)).size, 2);
  });

  it('users leave as their orders age out of the window (full computation), and the exit is announced once', async () => {
    offset = 10 * DAY; // ann's 250 from 20 days ago is now 30 days old and out; 300 alone is under 500
    await Promise.all([s1.services.segments.refreshAll(), s2.services.segments.refreshAll()]);
    assert.deepEqual(await members(seg.id), ['bob']);
    assert.equal(await announced('segment.left', 'ann', seg.id), 1);
    const sizes = await ok(s1, 'GET', `/v1/segments/${seg.id}/sizes?days=60`);
    assert.ok(sizes.data.length >= 1);
    offset = 0;
    await s1.services.segments.refreshAll();
  });

  it('a workflow triggered by segment.entered rewards each newcomer once; a survey can now target the segment', async () => {
    const wf = await ok(s1, 'POST', '/v1/automation/workflows', {
      name: 'Welcome to VIP',
      active: true,
      trigger: { event: 'segment.entered', conditions: { segmentId: seg.id } },
      steps: [{ id: 'gift', type: 'grant_points', points_type: 'coins', amount: 50 }],
    });
    assert.equal(wf.definition.trigger.source, 'domain');
    await ok(s1, 'POST', '/v1/users/eve', { traits: { plan: 'pro' } });
    await ok(s1, 'POST', '/v1/events', { events: [{ event_id: 'o8', user_id: 'eve', name: 'order.paid', properties: { amount: 800 } }] });
    for (let i = 0; i < 3; i++) {
      await drain();
      await s1.services.automation.tick();
    }
    const b = await ok(s1, 'GET', '/v1/users/eve/points');
    assert.equal(b.data.find((x: { type: string }) => x.type === 'coins')?.balance, 50);
    const survey = await call(s1, 'POST', '/v1/surveys', { name: 'VIP survey', status: 'active', targeting: { segment_id: seg.id }, questions: [{ id: 'q', type: 'nps', title: 'Recommend us?' }] });
    assert.equal(survey.statusCode, 201, survey.body);
  });

  it('points and nested segments: a rule on a balance, and "in A but not in B"', async () => {
    await s1.services.points.earn(s1.systemCtx(), A.appId, { userId: 'cid', type: 'coins', amount: 1000, key: 'seed-cid' });
    const rich = await ok(s1, 'POST', '/v1/segments', { name: 'Rich', rules: { all: [{ kind: 'points_balance', points_type: 'coins', min: 1000 }] } });
    assert.deepEqual(await members(rich.id), ['cid']);
    const richNotVip = await ok(s1, 'POST', '/v1/segments', { name: 'Rich, not VIP', rules: { all: [{ kind: 'segment', segment_id: rich.id }, { kind: 'segment', segment_id: seg.id, member: false }] } });
    assert.deepEqual(await members(richNotVip.id), ['cid']);
    // Points drop below: cid leaves Rich, and then Rich-not-VIP, through the log.
    await s1.services.points.spend(s1.systemCtx(), A.appId, { userId: 'cid', type: 'coins', amount: 500, key: 'spend-cid' });
    for (let i = 0; i < 3; i++) await drain();
    assert.deepEqual(await members(rich.id), []);
    assert.deepEqual(await members(richNotVip.id), []);
    const r = await call(s1, 'DELETE', `/v1/segments/${rich.id}`);
    assert.equal(r.statusCode, 409);
    assert.equal(r.json().error.code, 'segments.in_use');
  });

  it('names the field of bad rules and refuses tampered cursors', async () => {
    const bad = async (rules: unknown) => {
      const r = await call(s1, 'POST', '/v1/segments', { name: 'Bad', rules });
      assert.equal(r.statusCode, 400, `${JSON.stringify(rules)} → ${r.body}`);
      return r.json().error;
    };
    await bad({ all: [] });
    await bad({ all: [{ kind: 'event_count', event: 'x', within_days: 7 }] }); // no bounds
    await bad({ all: [{ kind: 'event_count', event: 'x', within_days: 7, min: 5, max: 1 }] });
    await bad({ all: [{ kind: 'event_count', event: 'x', within_days: 0, min: 1 }] });
    await bad({ all: [{ kind: 'nope' }] });
    await bad({ any: [{ all: [{ any: [{ all: [{ kind: 'traits', conditions: {} }] }] }] }] }); // too deep
    const e = await bad({ all: [{ kind: 'segment', segment_id: 'seg_missing' }] });
    assert.equal(e.details.issues[0].field, 'body.rules');
    assert.equal((await call(s1, 'GET', '/v1/segments?cursor=bm9wZQ')).statusCode, 400);
    assert.equal((await call(s1, 'GET', `/v1/segments/${seg.id}/members?cursor=%7B%7D`)).statusCode, 400);
    assert.equal((await call(s1, 'GET', '/v1/segments/seg_missing')).statusCode, 404);
    assert.equal((await call(s1, 'PATCH', `/v1/segments/${seg.id}`, {})).statusCode, 400);
  });

  it('messaging sends to a segment reach its members only, and an unknown segment is refused', async () => {
    const want = await members(seg.id);
    assert.ok(want.length > 0);
    const sent = await ok(s1, 'POST', '/v1/messaging/sends', { to: { audience: { segment: seg.id } }, content: { en: { title: 'For our best customers', body: '…' } }, category: 'activity' });
    await s1.services.messaging.idle();
    const send = await ok(s1, 'GET', `/v1/messaging/sends/${sent.id}`);
    assert.equal(send.status, 'done');
    assert.equal(send.counts.targeted, want.length);
    const r = await s1.database.db.execute<{ user_id: string }>(sql`select user_id from ms_messages where app_id = ${A.appId} and send_id = ${sent.id} order by user_id`);
    assert.deepEqual(r.rows.map((x) => x.user_id), want);
    const bad = await call(s1, 'POST', '/v1/messaging/sends', { to: { audience: { segment: 'seg_nope' } }, content: { en: { title: 't', body: 'b' } }, category: 'activity' });
    findIssue(expectError(bad, 400, 'validation_failed'), 'body.to.audience.segment');
  });

  it('an erased user leaves every segment', async () => {
    assert.ok((await members(seg.id)).includes('bob'));
    assert.equal((await call(s1, 'DELETE', '/v1/users/bob')).statusCode < 300, true);
    for (let i = 0; i < 2; i++) await drain();
    assert.ok(!(await members(seg.id)).includes('bob'));
    assert.deepEqual((await ok(s1, 'GET', '/v1/users/bob/segments')).data, []);
  });
});
