// The contact budget under pressure, on a real database: frequency caps hold under hundreds of
// concurrent sends (single, list and audience sends racing each other), transactional messages
// bypass them, quiet hours defer per user timezone with a controllable clock, digests gather
// notifications into one, rules fire on domain and host events exactly once, scheduled sends run.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Clock } from '../../lib/clock.ts';
import { bearer, startTestApp, type Tenant, type TestApp } from '../../testing/app.ts';
import { expectError, findIssue } from '../../testing/http.ts';

let t: TestApp;
let tenant: Tenant;
let now = new Date('2025-01-15T15:00:00Z');
const clock: Clock = { now: () => new Date(now) };

before(async () => {
  t = await startTestApp({ clock, config: { dbPoolSize: 10 } });
});
beforeEach(async () => {
  tenant = await t.newTenant();
  now = new Date('2025-01-15T15:00:00Z');
});
after(() => t.close());

const api = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) => t.inject({ method, url, headers: bearer(tenant.secretKey), ...(payload === undefined ? {} : { payload: payload as object }) });
const identify = (userId: string, body: object) => api('POST', `/v1/users/${encodeURIComponent(userId)}`, body);
const content = (title: string) => ({ 'zh-CN': { title, body: '…' } });
const q = async <T>(sql: string, params: unknown[]) => (await t.database.pool.query(sql, params)).rows as T[];
const m = () => t.services.messaging;

describe('frequency caps', () => {
  it('hold under 200 concurrent sends to one user: exactly max sent, the rest recorded as capped', async () => {
    assert.equal((await api('POST', '/v1/messaging/caps', { category: 'activity', max: 3, period: 'day' })).statusCode, 201);
    const res = await Promise.all(Array.from({ length: 200 }, (_, i) => api('POST', '/v1/messaging/sends', { to: { user_id: 'hot' }, content: content(`promo ${i}`), category: 'activity' })));
    assert.ok(res.every((r) => r.statusCode === 201), res.find((r) => r.statusCode !== 201)?.body);
    const statuses = res.map((r) => r.json().results[0].status as string);
    assert.equal(statuses.filter((s) => s === 'sent').length, 3);
    assert.equal(statuses.filter((s) => s === 'capped').length, 197);
    const rows = await q<{ status: string; n: number }>('select status, count(*)::int as n from ms_messages where app_id = $1 group by status order by status', [tenant.appId]);
    assert.deepEqual(rows, [{ status: 'capped', n: 197 }, { status: 'sent', n: 3 }], 'every capped message is recorded');
    assert.equal((await api('GET', '/v1/users/hot/inbox/unread')).json().total, 3);
    // Other categories are not capped by this rule; transactional messages bypass caps.
    assert.equal((await api('POST', '/v1/messaging/sends', { to: { user_id: 'hot' }, content: content('reply'), category: 'interaction' })).json().results[0].status, 'sent');
    assert.equal((await api('POST', '/v1/messaging/sends', { to: { user_id: 'hot' }, content: content('receipt'), category: 'activity', transactional: true })).json().results[0].status, 'sent');
  });

  it('cap a channel on its own: the inbox copy goes out, the capped push is recorded per channel', async () => {
    await api('POST', '/v1/messaging/caps', { channel: 'realtime', max: 2, period: 'day' });
    const res = await Promise.all(Array.from({ length: 60 }, (_, i) => api('POST', '/v1/messaging/sends', { to: { user_id: 'pushy' }, content: content(`n${i}`), category: 'interaction', channels: ['in_app', 'realtime'] })));
    const rt = res.map((r) => r.json().results[0].channels.realtime.status as string);
    assert.equal(rt.filter((s) => s === 'queued').length, 2);
    assert.equal(rt.filter((s) => s === 'capped').length, 58);
    assert.ok(res.every((r) => r.json().results[0].status === 'sent'));
    const d = await q<{ status: string; n: number }>(`select case when status in ('queued','sending','sent') then 'out' else status end as status, count(*)::int as n from ms_deliveries where app_id = $1 group by 1 order by 1`, [tenant.appId]);
    assert.deepEqual(d, [{ status: 'capped', n: 58 }, { status: 'out', n: 2 }]);
  });

  it('hold when list sends and single sends race over the same 300 users: one message per user per day', async () => {
    await api('POST', '/v1/messaging/caps', { category: 'activity', max: 1, period: 'day' });
    const users = Array.from({ length: 300 }, (_, i) => `u${String(i).padStart(3, '0')}`);
    const lists = Array.from({ length: 4 }, (_, k) => api('POST', '/v1/messaging/sends', { to: { user_ids: k % 2 ? [...users].reverse() : users }, content: content(`list ${k}`), category: 'activity' }));
    const singles = users.slice(0, 100).map((u) => api('POST', '/v1/messaging/sends', { to: { user_id: u }, content: content('single'), category: 'activity' }));
    const res = await Promise.all([...lists, ...singles]);
    assert.ok(res.every((r) => r.statusCode === 201), res.find((r) => r.statusCode !== 201)?.body);
    const perUser = await q<{ user_id: string; sent: number; total: number }>(`select user_id, count(*) filter (where status = 'sent')::int as sent, count(*)::int as total from ms_messages where app_id = $1 group by user_id`, [tenant.appId]);
    assert.equal(perUser.length, 300);
    for (const u of perUser) {
      assert.equal(u.sent, 1, `${u.user_id} got ${u.sent} messages`);
      assert.equal(u.total, u.user_id < 'u100' ? 5 : 4);
    }
    const counters = await q<{ used: number }>('select used from ms_budget_counters where app_id = $1', [tenant.appId]);
    assert.ok(counters.length === 300 && counters.every((c) => c.used === 1));
  });

  it('hold when an audience send races list sends over the same users', async () => {
    await api('POST', '/v1/messaging/caps', { category: 'activity', max: 2, period: 'day' });
    const users = Array.from({ length: 120 }, (_, i) => `a${String(i).padStart(3, '0')}`);
    for (const u of users) await identify(u, { traits: { tier: 'gold' } });
    const audience = await Promise.all([0, 1, 2].map((k) => api('POST', '/v1/messaging/sends', { to: { audience: { traits: { tier: 'gold' } } }, content: content(`aud ${k}`), category: 'activity' })));
    assert.ok(audience.every((r) => r.statusCode === 202), audience[0]!.body);
    const lists = await Promise.all([0, 1].map((k) => api('POST', '/v1/messaging/sends', { to: { user_ids: users }, content: content(`list ${k}`), category: 'activity' })));
    assert.ok(lists.every((r) => r.statusCode === 201));
    await m().idle();
    const perUser = await q<{ sent: number; total: number }>(`select count(*) filter (where status = 'sent')::int as sent, count(*)::int as total from ms_messages where app_id = $1 group by user_id`, [tenant.appId]);
    assert.equal(perUser.length, 120);
    assert.ok(perUser.every((u) => u.sent === 2 && u.total === 5), JSON.stringify(perUser.slice(0, 3)));
    for (const a of audience) {
      const s = (await api('GET', `/v1/messaging/sends/${a.json().id}`)).json();
      assert.equal(s.status, 'done');
      assert.equal(s.counts.targeted, 120);
      assert.equal(s.counts.sent + s.counts.capped, 120);
      assert.equal(s.stats.inbox.sent, s.counts.sent);
    }
  });

  it('count in the user’s own day: 23:30 and 00:30 Shanghai time are two days', async () => {
    await api('POST', '/v1/messaging/caps', { category: 'activity', max: 1, period: 'day' });
    await identify('sh', { timezone: 'Asia/Shanghai' });
    now = new Date('2025-01-15T15:30:00Z'); // 23:30 in Shanghai
    assert.equal((await api('POST', '/v1/messaging/sends', { to: { user_id: 'sh' }, content: content('a'), category: 'activity' })).json().results[0].status, 'sent');
    now = new Date('2025-01-15T16:30:00Z'); // 00:30 the next day in Shanghai, still the 15th in UTC
    assert.equal((await api('POST', '/v1/messaging/sends', { to: { user_id: 'sh' }, content: content('b'), category: 'activity' })).json().results[0].status, 'sent');
    assert.equal((await api('POST', '/v1/messaging/sends', { to: { user_id: 'sh' }, content: content('c'), category: 'activity' })).json().results[0].status, 'capped');
  });
});

describe('the public budget API', () => {
  it('reserves race-free and idempotently per source+ref; canContact reads without taking', async () => {
    await api('POST', '/v1/messaging/caps', { channel: 'webhook', max: 3, period: 'day' });
    const check = await api('GET', '/v1/users/rv/contact-budget?category=activity&channel=webhook');
    assert.deepEqual({ allowed: check.json().allowed, used: check.json().caps[0].used }, { allowed: true, used: 0 });
    const reserve = (ref: string) => api('POST', '/v1/users/rv/contact-budget/reservations', { category: 'activity', channel: 'webhook', source: 'surveys', ref });
    const res = await Promise.all(Array.from({ length: 100 }, (_, i) => reserve(`survey-${i % 50}`)));
    const byRef = new Map<string, Set<string>>();
    for (const r of res) {
      assert.ok(r.statusCode === 200 || r.statusCode === 201, r.body);
      const b = r.json();
      byRef.set(b.ref, (byRef.get(b.ref) ?? new Set()).add(b.outcome));
    }
    assert.equal(byRef.size, 50);
    for (const [ref, outcomes] of byRef) assert.equal(outcomes.size, 1, `${ref} answered ${[...outcomes]}`);
    const allowed = [...byRef.values()].filter((o) => o.has('allowed')).length;
    assert.equal(allowed, 3);
    assert.equal((await q<{ n: number }>(`select count(*)::int as n from ms_contact_log where app_id = $1 and outcome = 'capped'`, [tenant.appId]))[0]!.n, 47);
    const after = (await api('GET', '/v1/users/rv/contact-budget?category=activity&channel=webhook')).json();
    assert.deepEqual({ allowed: after.allowed, reason: after.reason, used: after.caps[0].used }, { allowed: false, reason: 'capped', used: 3 });
    // A module in-process asks the same budget.
    const inProcess = await m().reserve(t.systemCtx(), tenant.appId, 'rv', { category: 'activity', channel: 'webhook', source: 'lottery', ref: 'x', transactional: false });
    assert.equal(inProcess.row.outcome, 'capped');
    const err = expectError(await api('GET', '/v1/users/rv/contact-budget?category=activity&channel=fax'), 400, 'validation_failed');
    findIssue(err, 'query.channel');
  });

  it('answers unsubscribed and quiet_hours (with retry_at) without taking a unit', async () => {
    await api('PATCH', '/v1/messaging/settings', { quiet_hours: { start: '22:00', end: '08:00' } });
    await identify('night', { timezone: 'Asia/Shanghai' });
    await api('PATCH', '/v1/users/optout/messaging-preferences', { disabled: [{ category: 'activity', channel: '*' }] });
    const a = (await api('POST', '/v1/users/night/contact-budget/reservations', { category: 'activity', channel: 'email', source: 's', ref: '1' })).json();
    assert.deepEqual({ o: a.outcome, r: a.retry_at }, { o: 'quiet_hours', r: '2025-01-16T00:00:00.000Z' });
    const b = (await api('POST', '/v1/users/optout/contact-budget/reservations', { category: 'activity', channel: 'email', source: 's', ref: '2' })).json();
    assert.equal(b.outcome, 'unsubscribed');
    const c = (await api('POST', '/v1/users/optout/contact-budget/reservations', { category: 'activity', channel: 'email', source: 's', ref: '3', transactional: true })).json();
    assert.equal(c.outcome, 'allowed', 'transactional ignores opt-outs');
  });
});

describe('quiet hours', () => {
  it("defer interruptive channels to the end of each user's own quiet window, and deliver them then", async () => {
    await api('PATCH', '/v1/messaging/settings', { quiet_hours: { start: '22:00', end: '08:00' } });
    const zones = { shanghai: 'Asia/Shanghai', auckland: 'Pacific/Auckland', newyork: 'America/New_York', kolkata: 'Asia/Kolkata', london: 'Europe/London' };
    for (const [u, tz] of Object.entries(zones)) await identify(u, { timezone: tz });
    await identify('own', { timezone: 'America/New_York' });
    await api('PATCH', '/v1/users/own/messaging-preferences', { quiet_hours: { start: '09:00', end: '12:00' } });
    // 15:00Z: 23:00 Shanghai, 04:00 Auckland (NZDT), 10:00 New York, 20:30 Kolkata, 15:00 London.
    const r = await api('POST', '/v1/messaging/sends', { to: { user_ids: [...Object.keys(zones), 'own'] }, content: content('news'), category: 'activity', channels: ['in_app', 'realtime'] });
    assert.equal(r.statusCode, 201, r.body);
    const by = Object.fromEntries((r.json().results as { user_id: string; status: string; channels: { realtime: { status: string; deliver_at: string } } }[]).map((x) => [x.user_id, x]));
    assert.deepEqual(by.shanghai!.channels.realtime, { status: 'deferred', deliver_at: '2025-01-16T00:00:00.000Z' });
    assert.deepEqual(by.auckland!.channels.realtime, { status: 'deferred', deliver_at: '2025-01-15T19:00:00.000Z' });
    assert.deepEqual(by.own!.channels.realtime, { status: 'deferred', deliver_at: '2025-01-15T17:00:00.000Z' }, "the user's own quiet hours (09-12 New York)");
    for (const u of ['newyork', 'kolkata', 'london']) assert.equal(by[u]!.channels.realtime.status, 'queued', u);
    assert.ok(Object.values(by).every((x) => x.status === 'sent'), 'the inbox never waits');
    assert.equal(r.json().counts.deferred, 0, 'their inbox copies went out, so they count as sent');

    const status = async () => Object.fromEntries((await q<{ user_id: string; status: string }>(`select user_id, status from ms_deliveries where app_id = $1`, [tenant.appId])).map((x) => [x.user_id, x.status]));
    await m().tick();
    let s = await status();
    assert.deepEqual([s.shanghai, s.auckland, s.own, s.newyork], ['deferred', 'deferred', 'deferred', 'sent']);
    now = new Date('2025-01-15T17:00:00Z');
    await m().tick();
    s = await status();
    assert.deepEqual([s.shanghai, s.auckland, s.own], ['deferred', 'deferred', 'sent']);
    now = new Date('2025-01-15T19:00:00Z');
    await m().tick();
    assert.deepEqual([(await status()).shanghai, (await status()).auckland], ['deferred', 'sent']);
    now = new Date('2025-01-16T00:00:01Z');
    await m().tick();
    assert.equal((await status()).shanghai, 'sent', 'deferred, not lost');
  });

  it('refuses quiet hours on the inbox and equal start/end', async () => {
    let err = expectError(await api('PATCH', '/v1/messaging/settings', { quiet_hours: { start: '22:00', end: '08:00', channels: ['in_app'] } }), 400, 'validation_failed');
    findIssue(err, 'body.quiet_hours.channels');
    err = expectError(await api('PATCH', '/v1/messaging/settings', { quiet_hours: { start: '22:00', end: '22:00' } }), 400, 'validation_failed');
    findIssue(err, 'body.quiet_hours.end');
    err = expectError(await api('PATCH', '/v1/messaging/settings', { quiet_hours: { start: '25:00', end: '08:00' } }), 400, 'validation_failed');
    findIssue(err, 'body.quiet_hours.start');
  });
});

describe('preferences', () => {
  it('suppress opted-out categories and channels, except for transactional messages', async () => {
    const p = await api('PATCH', '/v1/users/picky/messaging-preferences', { disabled: [{ category: 'activity', channel: 'in_app' }] });
    assert.equal(p.statusCode, 200, p.body);
    assert.deepEqual(p.json().disabled, [{ category: 'activity', channel: 'in_app' }]);
    assert.equal((await api('POST', '/v1/messaging/sends', { to: { user_id: 'picky' }, content: content('promo'), category: 'activity' })).json().results[0].status, 'suppressed');
    assert.equal((await api('POST', '/v1/messaging/sends', { to: { user_id: 'picky' }, content: content('promo'), category: 'activity', transactional: true })).json().results[0].status, 'sent');
    assert.equal((await api('POST', '/v1/messaging/sends', { to: { user_id: 'picky' }, content: content('reply'), category: 'interaction' })).json().results[0].status, 'sent');
    const err = expectError(await api('PATCH', '/v1/users/picky/messaging-preferences', { disabled: [{ category: 'spam', channel: 'in_app' }] }), 400, 'validation_failed');
    findIssue(err, 'body.disabled.0.category');
  });
});

describe('scheduled sends', () => {
  it('wait for their time, then run once; can be canceled before', async () => {
    await identify('early', {});
    const at = new Date(now.getTime() + 3600_000).toISOString();
    const s = await api('POST', '/v1/messaging/sends', { to: { user_id: 'early' }, content: content('later'), category: 'service', scheduled_at: at });
    assert.equal(s.statusCode, 202, s.body);
    assert.equal(s.json().status, 'scheduled');
    const c = await api('POST', '/v1/messaging/sends', { to: { user_id: 'early' }, content: content('never'), category: 'service', scheduled_at: at });
    assert.equal((await api('POST', `/v1/messaging/sends/${c.json().id}/cancel`)).json().status, 'canceled');
    expectError(await api('POST', `/v1/messaging/sends/${c.json().id}/cancel`), 409, 'messaging.send_not_cancelable');
    await m().tick();
    assert.equal((await api('GET', '/v1/users/early/inbox')).json().data.length, 0);
    now = new Date(now.getTime() + 3600_000 + 1000);
    await Promise.all([m().tick(), m().tick(), m().sending.run(t.systemCtx(), tenant.appId, s.json().id)]);
    await m().idle();
    const inbox = (await api('GET', '/v1/users/early/inbox')).json().data as { title: string }[];
    assert.deepEqual(inbox.map((x) => x.title), ['later'], 'ran exactly once');
    assert.equal((await api('GET', `/v1/messaging/sends/${s.json().id}`)).json().status, 'done');
  });
});

describe('rules and digests', () => {
  // Appends an event to the log as a module would (any name: rules match names, not types).
  const publish = (name: string, payload: object) => t.services.bus.emit(t.database.db, name as never, payload as never);

  it('message the comment author on comment.replied and congratulate on level.up, once per event', async () => {
    await api('POST', '/v1/messaging/templates', { key: 'reply', category: 'interaction', content: { 'zh-CN': { title: '{{replier}} 回复了你', body: '{{excerpt}}' }, en: { title: '{{replier}} replied to you', body: '{{excerpt}}' } }, variables: { replier: { sample: '小红' }, excerpt: { sample: '…' } } });
    await api('POST', '/v1/messaging/templates', { key: 'level', category: 'activity', content: { 'zh-CN': { title: '恭喜升到 {{level}} 级', body: '继续加油，{{nickname}}' }, en: { title: 'You reached level {{level}}', body: 'Keep going, {{nickname}}' } }, variables: { level: { sample: 2 } } });
    const r1 = await api('POST', '/v1/messaging/rules', { event: 'comment.replied', recipient: 'comment.authorId', template: 'reply', data: { replier: 'reply.authorName', excerpt: 'reply.text' } });
    assert.equal(r1.statusCode, 201, r1.body);
    assert.equal((await api('POST', '/v1/messaging/rules', { event: 'level.up', recipient: 'userId', template: 'level', data: { level: 'level' } })).statusCode, 201);
    const bad = expectError(await api('POST', '/v1/messaging/rules', { event: 'x', recipient: 'userId', template: 'level', data: { lvl: 'level' } }), 400, 'validation_failed');
    findIssue(bad, 'body.data.lvl');

    const reply = { appId: tenant.appId, comment: { id: 'c1', authorId: 'author' }, reply: { id: 'r1', authorName: '小红', text: '说得好' } };
    await publish('comment.replied', reply);
    await publish('comment.replied', reply); // a duplicate publish of the same event
    await publish('comment.replied', { ...reply, appId: 'app_other' }); // another app's rule set
    await identify('leveller', { traits: { nickname: 'Lee' }, locale: 'en' });
    await publish('level.up', { appId: tenant.appId, userId: 'leveller', level: 5 });
    await t.services.bus.drain();
    const a = (await api('GET', '/v1/users/author/inbox')).json().data as { title: string; body: string }[];
    assert.deepEqual(a.map((x) => [x.title, x.body]), [['小红 回复了你', '说得好']]);
    const l = (await api('GET', '/v1/users/leveller/inbox')).json().data as { title: string; body: string }[];
    assert.deepEqual(l.map((x) => [x.title, x.body]), [['You reached level 5', 'Keep going, Lee']]);
    // Disabled rules do nothing.
    await api('PATCH', `/v1/messaging/rules/${r1.json().id}`, { enabled: false });
    await publish('comment.replied', { ...reply, reply: { ...reply.reply, id: 'r2' } });
    await t.services.bus.drain();
    assert.equal((await api('GET', '/v1/users/author/inbox')).json().data.length, 1);
    expectError(await api('DELETE', '/v1/messaging/templates/reply'), 409, 'messaging.template_in_use');
  });

  it('fire on host events ingested through POST /v1/events', async () => {
    await api('POST', '/v1/messaging/templates', { key: 'shipped', category: 'service', content: { 'zh-CN': { title: '订单 {{order}} 已发货', body: '.' }, en: { title: 'Order {{order}} shipped', body: '.' } }, variables: { order: { sample: 'A1' } } });
    await api('POST', '/v1/messaging/rules', { event: 'order.shipped', recipient: 'userId', template: 'shipped', data: { order: 'properties.order' }, transactional: true });
    const ev = await api('POST', '/v1/events', { events: [{ event_id: 'e-1', user_id: 'buyer', name: 'order.shipped', properties: { order: 'SO-9' } }] });
    assert.equal(ev.statusCode, 200, ev.body);
    await api('POST', '/v1/events', { events: [{ event_id: 'e-1', user_id: 'buyer', name: 'order.shipped', properties: { order: 'SO-9' } }] });
    await t.services.bus.drain();
    assert.deepEqual(((await api('GET', '/v1/users/buyer/inbox')).json().data as { title: string }[]).map((x) => x.title), ['订单 SO-9 已发货']);
  });

  it('a rule with conditions messages only for the events that meet them', async () => {
    await api('POST', '/v1/messaging/templates', { key: 'big-refund', category: 'service', content: { 'zh-CN': { title: '退款 {{amount}} 元已到账', body: '.' }, en: { title: 'Refund of {{amount}} arrived', body: '.' } }, variables: { amount: { sample: 1 } } });
    const r = await api('POST', '/v1/messaging/rules', { event: 'refund.paid', recipient: 'userId', template: 'big-refund', data: { amount: 'properties.amount' }, conditions: { 'properties.amount': { gte: 100 }, 'properties.channel': { ne: 'test' } } });
    assert.equal(r.statusCode, 201, r.body);
    assert.deepEqual(r.json().conditions, { 'properties.amount': { gte: 100 }, 'properties.channel': { ne: 'test' } });
    const ev = (id: string, amount: number, channel = 'app') => ({ event_id: id, user_id: 'refunded', name: 'refund.paid', properties: { amount, channel } });
    await api('POST', '/v1/events', { events: [ev('rf-1', 99), ev('rf-2', 150), ev('rf-3', 500, 'test')] });
    await t.services.bus.drain();
    const titles = ((await api('GET', '/v1/users/refunded/inbox')).json().data as { title: string }[]).map((x) => x.title);
    assert.deepEqual(titles, ['退款 150 元已到账']);
    expectError(await api('POST', '/v1/messaging/rules', { event: 'refund.paid', recipient: 'userId', template: 'big-refund', conditions: { amount: { over: 1 } } }), 400, 'validation_failed');
  });

  it('gather likes into one digest: "X and 12 others liked your post"', async () => {
    const vars = { actor: { sample: '小明' }, others: { sample: 3 }, post: { sample: 'p' } };
    await api('POST', '/v1/messaging/templates', { key: 'like-one', category: 'interaction', content: { 'zh-CN': { title: '{{actor}} 赞了你的帖子', body: '.' }, en: { title: '{{actor}} liked your post', body: '.' } }, variables: vars });
    await api('POST', '/v1/messaging/templates', { key: 'like-many', category: 'interaction', content: { 'zh-CN': { title: '{{actor}} 和其他 {{others}} 人赞了你的帖子', body: '.' }, en: { title: '{{actor}} and {{others}} others liked your post', body: '.' } }, variables: vars });
    const rule = await api('POST', '/v1/messaging/rules', { event: 'post.liked', recipient: 'authorId', template: 'like-one', data: { post: 'postId' }, digest: { key: 'like:{{post}}', window_seconds: 60, actor: 'likerName', template: 'like-many' } });
    assert.equal(rule.statusCode, 201, rule.body);
    await identify('poster', { locale: 'en' });
    // 13 likes at once on one post, 1 like on another.
    for (let i = 0; i < 13; i++) await publish('post.liked', { appId: tenant.appId, authorId: 'poster', postId: 'p1', likerName: i === 0 ? 'Alice' : `fan${i}` });
    await publish('post.liked', { appId: tenant.appId, authorId: 'poster', postId: 'p2', likerName: 'Bob' });
    await t.services.bus.drain();
    const digests = await q<{ key: string; count: number; actors: string[] }>(`select key, count, actors from ms_digests where app_id = $1 order by key`, [tenant.appId]);
    assert.deepEqual(digests.map((d) => [d.key, d.count, d.actors.length]), [['like:p1', 13, 3], ['like:p2', 1, 1]]);
    await m().tick();
    assert.equal((await api('GET', '/v1/users/poster/inbox')).json().data.length, 0, 'the window is still open');
    now = new Date(now.getTime() + 61_000);
    await Promise.all([m().tick(), m().tick()]);
    const titles = ((await api('GET', '/v1/users/poster/inbox')).json().data as { title: string }[]).map((x) => x.title);
    assert.equal(titles.length, 2, JSON.stringify(titles));
    assert.ok(titles.some((x) => /^(Alice|fan\d+) and 12 others liked your post$/.test(x)), JSON.stringify(titles));
    assert.ok(titles.includes('Bob liked your post'));
    // A like after the flush opens a new digest.
    await publish('post.liked', { appId: tenant.appId, authorId: 'poster', postId: 'p1', likerName: 'Carol' });
    await t.services.bus.drain();
    assert.equal((await q<{ n: number }>(`select count(*)::int as n from ms_digests where app_id = $1 and status = 'open'`, [tenant.appId]))[0]!.n, 1);
  });
});
