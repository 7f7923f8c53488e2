// Automation workflows end to end over HTTP on a real database: two servers on one database, a fake
// clock, a restart in the middle of a wait, exactly-once effects, versions, splits with a holdout,
// bad definitions.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp, type Tenant } from '../../testing/app.ts';

const DAY = 86_400_000;
const T0 = Date.parse('2026-03-02T01:00:00Z');
let offset = 0;
const clock = { now: () => new Date(T0 + offset) };

let s1: TestApp;
let s2: TestApp;
let A: Tenant;
const servers = () => [s1, s2];
const sk = () => ({ authorization: `Bearer ${A.secretKey}` });
const call = (s: TestApp, method: 'GET' | 'POST' | 'PATCH' | 'PUT', url: string, payload?: unknown) => s.inject({ method, url, headers: sk(), ...(payload !== undefined ? { payload: payload as object } : {}) });
/** Every server's consumers caught up, then every due run moved (both executors at once). */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await Promise.all(servers().map((s) => s.services.bus.drain()));
    await Promise.all(servers().map((s) => s.services.automation.tick()));
  }
  await Promise.all(servers().map((s) => s.services.bus.drain()));
}
/** Settles until `cond` holds (a loaded machine may need more rounds), failing after a minute. */
async function settleUntil(cond: () => Promise<boolean>, what: string): Promise<void> {
  const until = Date.now() + 60_000;
  for (;;) {
    await settle();
    if (await cond()) return;
    if (Date.now() > until) assert.fail(`still not settled after a minute: ${what}`);
  }
}
const balance = async (u: string) => (await s1.services.points.balance(s1.systemCtx(), A.appId, u, 'points')).balance;
const inbox = async (u: string) => (await call(s1, 'GET', `/v1/users/${u}/inbox`)).json().data as { title: string; body: string }[];

before(async () => {
  s1 = await startTestApp({ clock });
  s2 = await startTestApp({ clock, database: s1.database });
  A = await s1.newTenant();
  assert.equal((await call(s1, 'PUT', '/v1/points/types/points', { name: 'Points' })).statusCode, 201);
  const t = await call(s1, 'POST', '/v1/messaging/templates', {
    key: 'nudge',
    category: 'activity',
    content: { 'zh-CN': { title: '{{name}}，今天还没签到', body: '签到领积分' }, en: { title: '{{name}}, check in today', body: 'Check in to earn points' } },
    variables: { name: { sample: 'Ann', fallback: 'friend' } },
  });
  assert.equal(t.statusCode, 201, t.body);
});
after(async () => {
  await s2?.app.close();
  await s1?.app.close();
  await s2?.database.close();
});

const onboarding = {
  name: 'Welcome: check in within a day',
  active: true,
  trigger: { event: 'user.identified', conditions: { created: true } },
  goal: { event: 'checkin.completed', within_hours: 72 },
  steps: [
    { id: 'wait_1d', type: 'wait', seconds: 86_400 },
    { id: 'checked_in', type: 'branch', condition: { did_event: { event: 'checkin.completed' } }, then: 'reward', else: 'nudge' },
    { id: 'reward', type: 'grant_points', points_type: 'points', amount: 7, reason: 'Checked in on day one', next: 'end' },
    { id: 'nudge', type: 'send_message', template: 'nudge', data: { name: '$trigger.traits.name' } },
  ],
};

describe('a workflow across two servers, a fake clock and a restart', () => {
  it('join → wait a day → checked in? 7 points : a nudge — each effect once', async () => {
    const created = await call(s1, 'POST', '/v1/automation/workflows', onboarding);
    assert.equal(created.statusCode, 201, created.body);
    const wf = created.json();
    assert.equal(wf.status, 'active');
    assert.equal(wf.definition.trigger.source, 'domain', 'a catalogued name is a domain event');

    // Users join through either server.
    assert.equal((await call(s1, 'POST', '/v1/users/alice', { traits: { name: 'Alice' } })).statusCode, 200);
    assert.equal((await call(s2, 'POST', '/v1/users/bob', { traits: { name: 'Bob' } })).statusCode, 200);
    await call(s2, 'POST', '/v1/users/alice', { traits: { vip: true } }); // an update: created is false, no entry
    await settle();
    let runs = (await call(s2, 'GET', `/v1/automation/runs?workflow_id=${wf.id}`)).json().data as { id: string; user_id: string; step: string; status: string; wake_at: string }[];
    assert.deepEqual(runs.map((r) => r.user_id).sort(), ['alice', 'bob']);
    for (const r of runs) {
      assert.equal(r.step, 'wait_1d');
      assert.equal(r.wake_at, new Date(T0 + DAY).toISOString());
    }

    // Alice checks in a few hours later.
    offset = 5 * 3_600_000;
    assert.equal((await call(s2, 'POST', '/v1/users/alice/checkins')).statusCode, 201);
    await settle();
    const checkinReward = await balance('alice'); // what check-in itself grants

    // Server 1 stops in the middle of the wait; a new server takes its place.
    await s1.app.close();
    s1 = await startTestApp({ clock, database: s2.database });
    offset = DAY + 60_000;
    await settle();
    await settle(); // again: nothing more happens

    assert.equal(await balance('alice'), checkinReward + 7);
    assert.equal(await balance('bob'), 0);
    const bobs = await inbox('bob');
    assert.equal(bobs.length, 1);
    assert.match(bobs[0]!.title, /Bob/);
    assert.equal((await inbox('alice')).length, 0);

    runs = (await call(s1, 'GET', `/v1/automation/runs?workflow_id=${wf.id}`)).json().data;
    assert.deepEqual(runs.map((r) => r.status), ['completed', 'completed']);
    const alice = runs.find((r) => r.user_id === 'alice')!;
    const detail = (await call(s1, 'GET', `/v1/automation/runs/${alice.id}`)).json();
    assert.deepEqual(
      detail.history.map((h: { step_id: string; outcome: string }) => `${h.step_id}:${h.outcome}`),
      ['wait_1d:waited', 'checked_in:then', 'reward:done'],
    );
    assert.deepEqual(detail.history[1].detail, { checks: { did_event: true } });
    assert.ok(detail.converted_at, 'the check-in is the goal');

    const stats = (await call(s2, 'GET', `/v1/automation/workflows/${wf.id}/stats`)).json();
    assert.equal(stats.entered, 2);
    assert.equal(stats.completed, 2);
    assert.equal(stats.converted, 1);
    assert.equal(stats.conversion_rate, 0.5);
    const branch = stats.steps.find((s: { step_id: string }) => s.step_id === 'checked_in');
    assert.deepEqual(branch.outcomes.sort((a: { outcome: string }, b: { outcome: string }) => a.outcome.localeCompare(b.outcome)), [
      { outcome: 'else', runs: 1, converted: 0 },
      { outcome: 'then', runs: 1, converted: 1 },
    ]);
  });
});

describe('entries, waits and versions', () => {
  it('a host event enters once per event; re-entry rules and the hourly rate hold; wait_for_event resumes at once', async () => {
    const r = await call(s1, 'POST', '/v1/automation/workflows', {
      name: 'Cart rescue',
      active: true,
      trigger: { event: 'cart.abandoned', conditions: { total: { gte: 100 } } },
      entry: { reentry: 'after_exit', max_per_hour: 3 },
      steps: [
        { id: 'wait_order', type: 'wait_for_event', event: 'order.paid', conditions: { total: { gte: 1 } }, timeout_seconds: 3600, on_event: 'thanks', on_timeout: 'remind' },
        { id: 'thanks', type: 'set_traits', traits: { rescued: true }, next: 'end' },
        { id: 'remind', type: 'call_webhook', data: { kind: 'remind' } },
      ],
    });
    assert.equal(r.statusCode, 201, r.body);
    const wf = r.json();
    assert.equal(wf.definition.trigger.source, 'event');
    const ingest = (events: object[]) => call(s2, 'POST', '/v1/events', { events });
    const ev = (id: string, user: string, name: string, props: object) => ({ event_id: id, user_id: user, name, properties: props });
    assert.equal((await ingest([ev('c1', 'u1', 'cart.abandoned', { total: 150 }), ev('c1', 'u1', 'cart.abandoned', { total: 150 }), ev('c2', 'u1', 'cart.abandoned', { total: 120 }), ev('c3', 'u2', 'cart.abandoned', { total: 50 })])).statusCode, 200);
    await settle();
    const list = async () => (await call(s1, 'GET', `/v1/automation/runs?workflow_id=${wf.id}`)).json().data as { user_id: string; status: string; id: string; step: string | null }[];
    assert.deepEqual((await list()).map((x) => x.user_id), ['u1'], 'one active run for u1 (after_exit), none for a total under 100');

    // u1 pays: the waiting run moves at once, not at the timeout.
    await ingest([ev('p1', 'u1', 'order.paid', { total: 150 })]);
    await settle();
    const [done] = await list();
    assert.equal(done!.status, 'completed');
    const user = (await call(s1, 'GET', '/v1/users/u1')).json();
    assert.equal(user.traits.rescued, true);

    // The hourly rate: 3 entries an hour in all; the rest are counted as throttled.
    await ingest(['a', 'b', 'c', 'd', 'e'].map((u, i) => ev(`r${i}`, `rate-${u}`, 'cart.abandoned', { total: 100 })));
    await settle();
    const got = (await call(s1, 'GET', `/v1/automation/workflows/${wf.id}/stats`)).json();
    assert.equal(got.entered, 3, 'u1 and two of five');
    assert.equal(got.throttled, 3, 'three of the five over the rate (u1 again was refused by re-entry, not counted)');
  });

  it('editing a live workflow creates a version; runs in flight finish on theirs', async () => {
    const r = await call(s1, 'POST', '/v1/automation/workflows', {
      name: 'Versioned',
      active: true,
      trigger: { event: 'lesson.done' },
      entry: { reentry: 'always' },
      steps: [
        { id: 'w', type: 'wait', seconds: 600 },
        { id: 'give', type: 'grant_points', points_type: 'points', amount: 1 },
      ],
    });
    const wf = r.json();
    await call(s1, 'POST', '/v1/events', { events: [{ event_id: 'l1', user_id: 'learner', name: 'lesson.done' }] });
    await settle();
    const p = await call(s2, 'PATCH', `/v1/automation/workflows/${wf.id}`, {
      definition: { trigger: { event: 'lesson.done' }, entry: { reentry: 'always' }, steps: [{ id: 'give', type: 'grant_points', points_type: 'points', amount: 5 }] },
    });
    assert.equal(p.statusCode, 200, p.body);
    assert.equal(p.json().version, 2);
    await call(s1, 'POST', '/v1/events', { events: [{ event_id: 'l2', user_id: 'learner', name: 'lesson.done' }] });
    await settle();
    assert.equal(await balance('learner'), 5, 'the new version ran at once');
    offset += 601_000;
    await settle();
    assert.equal(await balance('learner'), 6, 'the run of version 1 granted its 1 after its wait');
    const got = (await call(s1, 'GET', `/v1/automation/workflows/${wf.id}`)).json();
    assert.deepEqual(got.versions.map((v: { version: number }) => v.version), [2, 1]);
    // A rename alone keeps the version.
    assert.equal((await call(s1, 'PATCH', `/v1/automation/workflows/${wf.id}`, { name: 'Renamed' })).json().version, 2);
  });

  it('a split draws each run once, holdout runs exit and are measured', async () => {
    const r = await call(s1, 'POST', '/v1/automation/workflows', {
      name: 'A/B',
      active: true,
      trigger: { event: 'ab.entered' },
      goal: { event: 'ab.converted' },
      steps: [
        { id: 'split', type: 'split', paths: [{ weight: 1, next: 'a' }, { weight: 1, next: 'b' }], holdout_weight: 1 },
        { id: 'a', type: 'grant_points', points_type: 'points', amount: 1, next: 'end' },
        { id: 'b', type: 'grant_points', points_type: 'points', amount: 2, next: 'end' },
      ],
    });
    const wf = r.json();
    const users = Array.from({ length: 60 }, (_, i) => `ab-${i}`);
    await call(s2, 'POST', '/v1/events', { events: users.map((u) => ({ event_id: `e-${u}`, user_id: u, name: 'ab.entered' })) });
    await settle();
    await call(s2, 'POST', '/v1/events', { events: users.slice(0, 30).map((u) => ({ event_id: `c-${u}`, user_id: u, name: 'ab.converted' })) });
    await settle();
    const stats = (await call(s1, 'GET', `/v1/automation/workflows/${wf.id}/stats`)).json();
    assert.equal(stats.entered, 60);
    assert.equal(stats.converted, 30);
    const split = stats.steps.find((s: { step_id: string }) => s.step_id === 'split');
    const by = Object.fromEntries(split.outcomes.map((o: { outcome: string; runs: number }) => [o.outcome, o.runs]));
    assert.equal(by.path_1 + by.path_2 + by.holdout, 60);
    for (const k of ['path_1', 'path_2', 'holdout']) assert.ok(by[k] >= 8, `${k} drew ${by[k]} of 60`);
    assert.equal(stats.holdout, by.holdout);
    assert.ok(stats.holdout_conversion_rate !== null);
    let total = 0;
    for (const u of users) total += await balance(u);
    assert.equal(total, by.path_1 + 2 * by.path_2);
  });

  it('archiving ends runs in flight; an archived workflow cannot change', async () => {
    const r = await call(s1, 'POST', '/v1/automation/workflows', { name: 'Archive me', active: true, trigger: { event: 'arc.go' }, steps: [{ id: 'w', type: 'wait', seconds: 3600 }, { id: 'g', type: 'grant_points', points_type: 'points', amount: 1 }] });
    const wf = r.json();
    await call(s1, 'POST', '/v1/events', { events: [{ event_id: 'arc1', user_id: 'arc-user', name: 'arc.go' }] });
    await settle();
    assert.equal((await call(s1, 'POST', `/v1/automation/workflows/${wf.id}/archive`)).json().status, 'archived');
    offset += 3_700_000;
    await settle();
    assert.equal(await balance('arc-user'), 0);
    const [run] = (await call(s1, 'GET', `/v1/automation/runs?workflow_id=${wf.id}`)).json().data;
    assert.equal(run.status, 'exited');
    assert.equal(run.exit_reason, 'archived');
    const again = await call(s1, 'POST', `/v1/automation/workflows/${wf.id}/activate`);
    assert.equal(again.statusCode, 409);
    assert.equal(again.json().error.code, 'automation.archived');
  });
});

describe('scheduled triggers and lists of users', () => {
  it('a daily schedule enters its audience once per occurrence, page by page, with two servers ticking at once; pausing stops it', async () => {
    // 230 pro users (more than one page of 200) and a few free ones.
    for (let i = 0; i < 230; i++) assert.ok((await call(s1, 'POST', `/v1/users/pro-${String(i).padStart(3, '0')}`, { traits: { plan: 'pro' } })).statusCode < 300);
    for (const u of ['free-1', 'free-2']) assert.ok((await call(s1, 'POST', `/v1/users/${u}`, { traits: { plan: 'free' } })).statusCode < 300);
    const r = await call(s1, 'POST', '/v1/automation/workflows', {
      name: 'Daily pro bonus',
      active: true,
      timezone: 'Asia/Shanghai',
      trigger: { schedule: { every: 'day', at: '10:00' }, audience: { traits: { plan: 'pro' } } },
      entry: { reentry: 'always' },
      steps: [{ id: 'bonus', type: 'grant_points', points_type: 'points', amount: 5, reason: 'Daily bonus' }],
    });
    assert.equal(r.statusCode, 201, r.body);
    const wf = r.json();
    const first = new Date(wf.next_fire_at as string);
    assert.ok(first.getTime() > clock.now().getTime(), 'the next time is in the future');
    assert.equal(first.getUTCHours(), 2, '10:00 in Shanghai is 02:00 UTC');
    assert.equal(first.getUTCMinutes(), 0);
    const before = await balance('pro-000');
    // Not yet: nobody enters.
    await settle();
    assert.equal(await balance('pro-000'), before);
    offset += first.getTime() - clock.now().getTime() + 1000;
    const stats = async () => (await call(s1, 'GET', `/v1/automation/workflows/${wf.id}/stats`)).json();
    const paid = async (amount: number) => {
      for (const u of ['pro-000', 'pro-199', 'pro-200', 'pro-229']) if ((await balance(u)) !== amount) return false;
      return true;
    };
    await settleUntil(paid.bind(null, before + 5), 'the first occurrence pays every pro user');
    for (const u of ['pro-000', 'pro-199', 'pro-200', 'pro-229']) assert.equal(await balance(u), before + 5, u);
    assert.equal(await balance('free-1'), 0);
    assert.equal((await stats()).entered, 230);
    const after1 = (await call(s1, 'GET', `/v1/automation/workflows/${wf.id}`)).json();
    assert.equal(new Date(after1.next_fire_at as string).getTime(), first.getTime() + DAY, 'the next occurrence is a day later');
    // Ticking again the same day enters nobody twice.
    await settle();
    assert.equal((await stats()).entered, 230);
    // A day later: once more.
    offset += DAY;
    await settleUntil(async () => (await balance('pro-117')) === before + 10 && (await balance('pro-229')) === before + 10, 'the second occurrence');
    assert.equal(await balance('pro-117'), before + 10);
    assert.equal((await stats()).entered, 460);
    // Paused: no time, no entries.
    assert.equal((await call(s1, 'POST', `/v1/automation/workflows/${wf.id}/pause`)).statusCode, 200);
    assert.equal((await call(s1, 'GET', `/v1/automation/workflows/${wf.id}`)).json().next_fire_at, null);
    offset += DAY;
    await settle();
    assert.equal((await stats()).entered, 460);
  });

  it('an event naming a list of users enters each of them once', async () => {
    const r = await call(s1, 'POST', '/v1/automation/workflows', {
      name: 'Team welcome',
      active: true,
      trigger: { event: 'team.formed', user: 'members' },
      steps: [{ id: 'gift', type: 'grant_points', points_type: 'points', amount: 3 }],
    });
    assert.equal(r.statusCode, 201, r.body);
    const ev = { event_id: 'team-1', user_id: 'captain', name: 'team.formed', properties: { members: ['m1', 'm2', 'm3', 'm2'] } };
    assert.equal((await call(s2, 'POST', '/v1/events', { events: [ev, ev] })).statusCode, 200);
    await settleUntil(async () => (await balance('m3')) === 3 && (await balance('m1')) === 3, 'every member paid');
    await settle();
    for (const u of ['m1', 'm2', 'm3']) assert.equal(await balance(u), 3, u);
    assert.equal(await balance('captain'), 0);
  });

  it('refuses a schedule with an event, a weekly schedule without its day, and an audience without a schedule', async () => {
    const steps = [{ id: 'a', type: 'wait', seconds: 1 }];
    for (const trigger of [
      { event: 'x.y', schedule: { every: 'day', at: '09:00' } },
      { schedule: { every: 'week', at: '09:00' } },
      { schedule: { every: 'day', at: '24:00' } },
      { event: 'x.y', audience: { traits: {} } },
      {},
    ]) {
      const r = await call(s1, 'POST', '/v1/automation/workflows', { name: 'Bad schedule', trigger, steps });
      assert.equal(r.statusCode, 400, `${JSON.stringify(trigger)} → ${r.body}`);
      assert.match(r.body, /body\.trigger/);
    }
    const ok = await call(s1, 'POST', '/v1/automation/workflows', { name: 'Weekly', active: true, timezone: 'Europe/Paris', trigger: { schedule: { every: 'week', at: '08:30', weekday: 1 } }, steps });
    assert.equal(ok.statusCode, 201, ok.body);
    const at = new Date(ok.json().next_fire_at as string);
    assert.equal(at.getUTCDay(), 1, 'a Monday');
    assert.ok(at.getTime() > clock.now().getTime() && at.getTime() <= clock.now().getTime() + 7 * DAY);
  });
});

describe('bad definitions', () => {
  const base = { name: 'Bad', trigger: { event: 'x.y' }, steps: [{ id: 'a', type: 'wait', seconds: 1 }] };
  const post = (body: object) => call(s1, 'POST', '/v1/automation/workflows', body);
  const fieldsOf = (r: { json(): { error: { details: { issues?: { field: string }[]; field?: string } } } }) => {
    const d = r.json().error.details;
    return d.issues ? d.issues.map((i) => i.field) : [d.field];
  };

  it('names the field: loops, unknown steps, repeated ids, unknown domain events and missing references', async () => {
    let r = await post({ ...base, steps: [{ id: 'a', type: 'wait', seconds: 1, next: 'b' }, { id: 'b', type: 'wait', seconds: 1, next: 'a' }] });
    assert.equal(r.statusCode, 400);
    assert.match(r.body, /loop/);
    r = await post({ ...base, steps: [{ id: 'a', type: 'wait', seconds: 1, next: 'nowhere' }] });
    assert.deepEqual(fieldsOf(r), ['body.steps.0.next']);
    r = await post({ ...base, steps: [{ id: 'a', type: 'wait', seconds: 1 }, { id: 'a', type: 'wait', seconds: 2 }] });
    assert.deepEqual(fieldsOf(r), ['body.steps.1.id']);
    r = await post({ ...base, trigger: { event: 'comment.nonexistent', source: 'domain' } });
    assert.equal(r.statusCode, 400);
    assert.equal(r.json().error.code, 'automation.unknown_event');
    assert.equal(r.json().error.details.field, 'body.trigger.event');
    r = await post({ ...base, trigger: { event: 'automation.run_ended' } });
    assert.equal(r.json().error.code, 'automation.unknown_event');
    r = await post({ ...base, steps: [{ id: 'g', type: 'grant_points', points_type: 'nope', amount: 1 }] });
    assert.equal(r.statusCode, 400);
    assert.deepEqual(fieldsOf(r), ['body.steps.0.points_type']);
    r = await post({ ...base, steps: [{ id: 'm', type: 'send_message', template: 'missing' }] });
    assert.deepEqual(fieldsOf(r), ['body.steps.0.template']);
    r = await post({ ...base, steps: [{ id: 'w', type: 'wait', seconds: 1, until_local_time: '09:00' }] });
    assert.equal(r.statusCode, 400);
    r = await post({ ...base, steps: [{ id: 'w', type: 'wait', until_local_time: '25:00' }] });
    assert.equal(r.statusCode, 400);
    r = await post({ ...base, steps: [{ id: 'end', type: 'wait', seconds: 1 }] });
    assert.equal(r.statusCode, 400);
    r = await post({ ...base, name: 'a\u0000b' });
    assert.equal(r.statusCode, 400);
    r = await call(s1, 'PATCH', '/v1/automation/workflows/wf_missing', { name: 'x' });
    assert.equal(r.statusCode, 404);
    r = await call(s1, 'GET', '/v1/automation/runs?cursor=not-a-cursor');
    assert.equal(r.statusCode, 400);
  });
});
