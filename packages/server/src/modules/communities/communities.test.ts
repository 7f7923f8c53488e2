// Communities over HTTP on a real database: groups, membership under races (capacity, invite use
// limits, double joins), the welcome by name exactly once (also when the log is read again), and
// the leave follow-up with a controlled clock.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { bearer, startTestApp, type Tenant, type TestApp } from '../../testing/app.ts';
import { expectError, findIssue } from '../../testing/http.ts';

let offsetMs = 0;
const clock = { now: () => new Date(Date.now() + offsetMs) };

let t: TestApp;
let A: Tenant;
before(async () => {
  t = await startTestApp({ clock });
  A = await t.newTenant('communities');
});
after(() => t.close());

const sk = () => bearer(A.secretKey);
const ok = (res: LightMyRequestResponse, status = 200) => {
  assert.equal(res.statusCode, status, res.body.slice(0, 500));
  return status === 204 ? null : res.json();
};
type Group = { id: string; member_count: number; type: string; name: string; welcome: unknown };
const createGroup = async (body: Record<string, unknown> = {}): Promise<Group> =>
  ok(await t.inject({ method: 'POST', url: '/v1/communities', headers: sk(), payload: { name: '核心用户群', owner_id: 'owner-1', rules: '友善交流，不发广告', ...body } }), 201);
const join = (groupId: string, userId: string, extra: Record<string, unknown> = {}) => t.inject({ method: 'POST', url: `/v1/communities/${groupId}/join`, headers: sk(), payload: { user_id: userId, ...extra } });
const act = (groupId: string, userId: string, what: string, payload?: object) => t.inject({ method: 'POST', url: `/v1/communities/${groupId}/members/${encodeURIComponent(userId)}/${what}`, headers: sk(), ...(payload ? { payload } : {}) });
const activeCount = async (groupId: string) => (await t.database.pool.query<{ n: number }>("select count(*)::int as n from co_members where group_id = $1 and status = 'active'", [groupId])).rows[0]!.n;
const inbox = async (userId: string): Promise<{ title: string; body: string }[]> => ok(await t.inject({ method: 'GET', url: `/v1/users/${encodeURIComponent(userId)}/inbox`, headers: sk() })).data;
const welcome = { 'zh-CN': { title: '欢迎加入{{group}}', body: '你好 {{name}}！群规：{{rules}}' }, en: { title: 'Welcome to {{group}}', body: 'Hi {{name}}! Rules: {{rules}}' } };

describe('communities: groups', () => {
  it('creates, reads, lists with filters and pages, updates and deletes a group; the owner and admins are its first members', async () => {
    const g = await createGroup({ tags: ['core', 'vip'], type: 'open', capacity: 100, admin_ids: ['admin-1'], time_zone: 'Asia/Shanghai', description: '<b>inert</b>' });
    assert.equal(g.member_count, 2, 'the owner and the admin are its first members');
    assert.equal((g as unknown as { description: string }).description, '<b>inert</b>');
    await createGroup({ name: 'Other', tags: ['misc'], type: 'invite_only' });
    const got = ok(await t.inject({ method: 'GET', url: `/v1/communities/${g.id}`, headers: sk() }));
    assert.deepEqual(got.tags, ['core', 'vip']);
    const byTag = ok(await t.inject({ method: 'GET', url: '/v1/communities?tag=vip', headers: sk() }));
    assert.deepEqual(byTag.data.map((x: Group) => x.id), [g.id]);
    const byType = ok(await t.inject({ method: 'GET', url: '/v1/communities?type=invite_only', headers: sk() }));
    assert.ok(byType.data.every((x: Group) => x.type === 'invite_only'));
    const p1 = ok(await t.inject({ method: 'GET', url: '/v1/communities?limit=1', headers: sk() }));
    assert.equal(p1.data.length, 1);
    const p2 = ok(await t.inject({ method: 'GET', url: `/v1/communities?limit=1&cursor=${p1.next_cursor}`, headers: sk() }));
    assert.notEqual(p2.data[0].id, p1.data[0].id);
    const patched = ok(await t.inject({ method: 'PATCH', url: `/v1/communities/${g.id}`, headers: sk(), payload: { name: '核心用户群 2', capacity: null } }));
    assert.equal(patched.name, '核心用户群 2');
    assert.equal(patched.capacity, null);
    const owner = ok(await t.inject({ method: 'GET', url: `/v1/communities/${g.id}/members/owner-1`, headers: sk() }));
    assert.equal(owner.role, 'owner');
    ok(await t.inject({ method: 'DELETE', url: `/v1/communities/${g.id}`, headers: sk() }), 204);
    expectError(await t.inject({ method: 'GET', url: `/v1/communities/${g.id}`, headers: sk() }), 404, 'communities.not_found');
  });

  it('bad input → 400 naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ name: '' }, 'body.name'],
      [{ type: 'secret' }, 'body.type'],
      [{ capacity: 0 }, 'body.capacity'],
      [{ time_zone: 'Mars/Base' }, 'body.time_zone'],
      [{ owner_id: undefined }, 'body.owner_id'],
      [{ welcome: {} }, 'body.welcome'],
      [{ leave_followup: { delay_minutes: -1, message: welcome } }, 'body.leave_followup.delay_minutes'],
    ];
    for (const [body, field] of cases) {
      const res = await t.inject({ method: 'POST', url: '/v1/communities', headers: sk(), payload: { name: 'x', owner_id: 'o', ...body } });
      findIssue(expectError(res, 400, 'validation_failed'), field);
    }
    const g = await createGroup({ type: 'apply', questions: ['你用了多久？'] });
    findIssue(expectError(await join(g.id, 'u-bad', { answers: [] }), 400, 'validation_failed'), 'body.answers');
    findIssue(expectError(await act(g.id, 'u', 'mute', { minutes: 0 }), 400, 'validation_failed'), 'body.minutes');
    findIssue(expectError(await t.inject({ method: 'POST', url: `/v1/communities/${g.id}/invites`, headers: sk(), payload: { expires_at: '2000-01-01T00:00:00Z' } }), 400, 'validation_failed'), 'body.expires_at');
  });
});

describe('communities: membership under races', () => {
  it('capacity holds under 60 concurrent joins', async () => {
    const g = await createGroup({ capacity: 10 });
    const res = await Promise.all(Array.from({ length: 60 }, (_, i) => join(g.id, `cap-${i}`)));
    const joined = res.filter((r) => r.statusCode === 200);
    assert.equal(joined.length, 9, 'the owner holds one of the 10 seats');
    for (const r of res.filter((r) => r.statusCode !== 200)) expectError(r, 409, 'communities.full');
    assert.equal(await activeCount(g.id), 10);
    assert.equal(ok(await t.inject({ method: 'GET', url: `/v1/communities/${g.id}`, headers: sk() })).member_count, 10);
    // A leave frees a seat for the next one.
    ok(await t.inject({ method: 'POST', url: `/v1/communities/${g.id}/leave`, headers: sk(), payload: { user_id: joined[0]!.json().user_id } }));
    assert.equal(ok(await join(g.id, 'cap-late')).joined, true);
  });

  it('an invite link is never used more than its limit, and expires', async () => {
    const g = await createGroup({ type: 'invite_only' });
    expectError(await join(g.id, 'no-invite'), 403, 'communities.invite_required');
    const inv = ok(await t.inject({ method: 'POST', url: `/v1/communities/${g.id}/invites`, headers: sk(), payload: { max_uses: 5 } }), 201);
    const res = await Promise.all(Array.from({ length: 30 }, (_, i) => join(g.id, `inv-${i}`, { invite: inv.code })));
    assert.equal(res.filter((r) => r.statusCode === 200).length, 5);
    for (const r of res.filter((r) => r.statusCode !== 200)) expectError(r, 409, 'communities.invite_invalid');
    const invites = ok(await t.inject({ method: 'GET', url: `/v1/communities/${g.id}/invites`, headers: sk() }));
    assert.equal(invites.data[0].uses, 5);
    const soon = ok(await t.inject({ method: 'POST', url: `/v1/communities/${g.id}/invites`, headers: sk(), payload: { expires_at: new Date(clock.now().getTime() + 60_000).toISOString() } }), 201);
    offsetMs += 120_000;
    expectError(await join(g.id, 'too-late', { invite: soon.code }), 409, 'communities.invite_invalid');
  });

  it('apply, approve and reject; ban blocks joining; remove; mute; user tokens act only for themselves', async () => {
    const g = await createGroup({ type: 'apply', questions: ['为什么想加入？'] });
    const applied = ok(await join(g.id, 'app-1', { answers: ['<script>alert(1)</script>'] }));
    assert.equal(applied.status, 'pending');
    assert.deepEqual(applied.answers, ['&lt;script&gt;alert(1)&lt;/script&gt;'], 'user content comes back HTML-escaped');
    ok(await join(g.id, 'app-2', { answers: ['x'] }));
    const pending = ok(await t.inject({ method: 'GET', url: `/v1/communities/${g.id}/members?status=pending`, headers: sk() }));
    assert.deepEqual(pending.data.map((m: { user_id: string }) => m.user_id), ['app-1', 'app-2']);
    assert.equal(ok(await act(g.id, 'app-1', 'approve')).status, 'active');
    assert.equal(ok(await act(g.id, 'app-2', 'reject')).status, 'rejected');
    expectError(await act(g.id, 'app-2', 'approve'), 404, 'communities.no_application');
    const muted = ok(await act(g.id, 'app-1', 'mute', { minutes: 30 }));
    assert.ok(muted.muted_until);
    assert.equal(ok(await act(g.id, 'app-1', 'remove')).status, 'removed');
    ok(await act(g.id, 'app-2', 'ban'));
    expectError(await join(g.id, 'app-2', { answers: ['again'] }), 403, 'communities.banned');
    assert.equal(ok(await act(g.id, 'app-2', 'unban')).status, 'left');
    assert.equal(ok(await join(g.id, 'app-2', { answers: ['again'] })).status, 'pending');
    expectError(await t.inject({ method: 'POST', url: `/v1/communities/${g.id}/leave`, headers: sk(), payload: { user_id: 'owner-1' } }), 409, 'communities.owner_cannot_leave');

    const open = await createGroup();
    const token = await t.userToken(A, 'tok-user');
    const user = { ...bearer(A.publishableKey), 'x-user-token': token };
    assert.equal(ok(await t.inject({ method: 'POST', url: `/v1/communities/${open.id}/join`, headers: user, payload: {} })).user_id, 'tok-user');
    expectError(await t.inject({ method: 'POST', url: `/v1/communities/${open.id}/join`, headers: user, payload: { user_id: 'someone-else' } }), 403, 'auth.wrong_user');
    expectError(await t.inject({ method: 'POST', url: `/v1/communities`, headers: user, payload: { name: 'x', owner_id: 'tok-user' } }), 403, 'auth.forbidden');
    expectError(await t.inject({ method: 'GET', url: `/v1/communities/${open.id}/members/owner-1`, headers: user }), 403, 'auth.wrong_user');
    ok(await t.inject({ method: 'POST', url: `/v1/communities/${open.id}/leave`, headers: user, payload: {} }));
  });
});

describe('communities: welcome by name', () => {
  it('concurrent double joins welcome each member exactly once, by name, also when the log is read again', async () => {
    const g = await createGroup({ name: '米粉核心群', welcome });
    for (let u = 0; u < 20; u++) ok(await t.inject({ method: 'POST', url: `/v1/users/wel-${u}`, headers: sk(), payload: { traits: { name: `米粉${u}号` } } }));
    const res = await Promise.all(Array.from({ length: 100 }, (_, i) => join(g.id, `wel-${i % 20}`)));
    assert.ok(res.every((r) => r.statusCode === 200), res.find((r) => r.statusCode !== 200)?.body);
    assert.equal(res.filter((r) => r.json().joined).length, 20);
    await t.services.bus.drain();
    for (let u = 0; u < 20; u++) {
      const msgs = await inbox(`wel-${u}`);
      assert.equal(msgs.length, 1, `wel-${u} got ${msgs.length} welcomes`);
      assert.match(msgs[0]!.body, new RegExp(`米粉${u}号`));
      assert.match(msgs[0]!.body, /友善交流/);
      assert.match(msgs[0]!.title, /米粉核心群/);
    }
    // Reading the whole log again (as after a crash between effect and checkpoint) sends nothing new.
    await t.database.pool.query("update ev_consumers set txid = '0'::xid8, last_id = 0 where consumer = 'communities.welcome'");
    t.services.bus.poke();
    await t.services.bus.drain();
    const again = await t.database.pool.query<{ n: number }>("select count(*)::int as n from ms_sends where dedupe_key like $1", [`co:welcome:${g.id}:%`]);
    assert.equal(again.rows[0]!.n, 20);
    for (let u = 0; u < 3; u++) assert.equal((await inbox(`wel-${u}`)).length, 1);
    // Leaving and joining again is a new join: welcomed again.
    ok(await t.inject({ method: 'POST', url: `/v1/communities/${g.id}/leave`, headers: sk(), payload: { user_id: 'wel-0' } }));
    assert.equal(ok(await join(g.id, 'wel-0')).joined, true);
    await t.services.bus.drain();
    assert.equal((await inbox('wel-0')).length, 2);
  });
});

describe('communities: leave follow-up', () => {
  it('is sent after the delay, at most once per period, and not to a user who came back', async () => {
    const g = await createGroup({ name: 'FU', leave_followup: { delay_minutes: 10, period_days: 30, message: { 'zh-CN': { title: '{{name}}，想念你', body: '回到 {{group}} 看看吧' } } } });
    const leave = (u: string) => t.inject({ method: 'POST', url: `/v1/communities/${g.id}/leave`, headers: sk(), payload: { user_id: u } });
    ok(await join(g.id, 'fu-1'));
    ok(await join(g.id, 'fu-2'));
    ok(await leave('fu-1'));
    ok(await leave('fu-2'));
    await t.services.bus.drain();
    await t.services.communities.tick();
    assert.equal((await inbox('fu-1')).length, 0, 'not before the delay');
    ok(await join(g.id, 'fu-2')); // came back: no follow-up
    offsetMs += 11 * 60_000;
    await t.services.communities.tick();
    const msgs = await inbox('fu-1');
    assert.equal(msgs.length, 1);
    assert.equal(msgs[0]!.title, 'fu-1，想念你');
    assert.equal((await inbox('fu-2')).length, 0);
    // Within the period: another leave arms nothing.
    ok(await join(g.id, 'fu-1'));
    ok(await leave('fu-1'));
    await t.services.bus.drain();
    offsetMs += 11 * 60_000;
    await t.services.communities.tick();
    assert.equal((await inbox('fu-1')).length, 1);
  });
});

describe('communities: posts, questions and the unanswered alert', () => {
  it('members post and reply; non-members and muted members cannot; the author accepts an answer', async () => {
    const g = await createGroup();
    ok(await join(g.id, 'p-1'));
    ok(await join(g.id, 'p-2'));
    const post = (u: string, body: object) => t.inject({ method: 'POST', url: `/v1/communities/${g.id}/posts`, headers: sk(), payload: { user_id: u, ...body } });
    const q = ok(await post('p-1', { kind: 'question', title: '怎么导出数据？', body: '<img src=x onerror=alert(1)>' }), 201);
    assert.equal(q.body, '&lt;img src=x onerror=alert(1)&gt;', 'user content comes back HTML-escaped');
    expectError(await post('stranger', { body: 'hi' }), 404, 'communities.not_member');
    findIssue(expectError(await post('p-1', { body: '' }), 400, 'validation_failed'), 'body.body');
    findIssue(expectError(await post('p-1', { body: 'x', kind: 'poll' }), 400, 'validation_failed'), 'body.kind');
    ok(await act(g.id, 'p-2', 'mute', { minutes: 10 }));
    expectError(await t.inject({ method: 'POST', url: `/v1/communities/${g.id}/posts/${q.id}/replies`, headers: sk(), payload: { user_id: 'p-2', body: '我知道' } }), 403, 'communities.muted');
    const r = ok(await t.inject({ method: 'POST', url: `/v1/communities/${g.id}/posts/${q.id}/replies`, headers: sk(), payload: { user_id: 'owner-1', body: '设置 → 导出' } }), 201);
    expectError(await t.inject({ method: 'POST', url: `/v1/communities/${g.id}/posts/${q.id}/accept`, headers: sk(), payload: { user_id: 'p-2', reply_id: r.id } }), 403, 'auth.forbidden');
    findIssue(expectError(await t.inject({ method: 'POST', url: `/v1/communities/${g.id}/posts/${q.id}/accept`, headers: sk(), payload: { user_id: 'p-1', reply_id: 'nope' } }), 400, 'validation_failed'), 'body.reply_id');
    const accepted = ok(await t.inject({ method: 'POST', url: `/v1/communities/${g.id}/posts/${q.id}/accept`, headers: sk(), payload: { user_id: 'p-1', reply_id: r.id } }));
    assert.equal(accepted.accepted_reply_id, r.id);
    assert.equal(accepted.reply_count, 1);
    const replies = ok(await t.inject({ method: 'GET', url: `/v1/communities/${g.id}/posts/${q.id}/replies`, headers: sk() }));
    assert.deepEqual(replies.data.map((x: { body: string }) => x.body), ['设置 → 导出']);
  });

  it('the app’s sensitive-word filter applies to posts and replies (reject names the field)', async () => {
    const g = await createGroup();
    ok(await join(g.id, 'sw-1'));
    ok(await t.inject({ method: 'PATCH', url: '/v1/interactions/settings', headers: sk(), payload: { moderation: { filter_mode: 'reject', words: ['傻逼'] } } }));
    try {
      const err = expectError(await t.inject({ method: 'POST', url: `/v1/communities/${g.id}/posts`, headers: sk(), payload: { user_id: 'sw-1', title: '你傻逼', body: 'ok' } }), 400, 'interactions.sensitive_content');
      assert.equal(err.details?.field, 'body.title');
      ok(await t.inject({ method: 'POST', url: `/v1/communities/${g.id}/posts`, headers: sk(), payload: { user_id: 'sw-1', title: '正常', body: 'ok' } }), 201);
    } finally {
      ok(await t.inject({ method: 'PATCH', url: '/v1/interactions/settings', headers: sk(), payload: { moderation: { filter_mode: 'off' } } }));
    }
  });

  it('a question without a reply alerts the owner and admins at N minutes, escalates at 2N, and an answer closes it', async () => {
    const g = await createGroup({ name: '答疑群', admin_ids: ['adm-1'], unanswered_minutes: 5 });
    ok(await join(g.id, 'asker'));
    const ask = async (title: string) => ok(await t.inject({ method: 'POST', url: `/v1/communities/${g.id}/posts`, headers: sk(), payload: { user_id: 'asker', kind: 'question', title, body: title } }), 201);
    const q1 = await ask('Q1 没人回');
    const q2 = await ask('Q2 很快有人回');
    const q3 = await ask('Q3 第一次提醒后回复');
    ok(await t.inject({ method: 'POST', url: `/v1/communities/${g.id}/posts/${q2.id}/replies`, headers: sk(), payload: { user_id: 'owner-1', body: '答' } }), 201);
    const alerts = async () => (await t.database.pool.query<{ post: string; level: number }>("select payload->>'postId' as post, (payload->>'level')::int as level from ev_log where name = 'community.question_unanswered' and payload->>'groupId' = $1 order by id", [g.id])).rows;
    offsetMs += 4 * 60_000;
    await t.services.communities.tick();
    assert.deepEqual(await alerts(), []);
    offsetMs += 2 * 60_000;
    await t.services.communities.tick();
    await t.services.communities.tick(); // a second tick sends nothing more
    assert.deepEqual((await alerts()).map((a) => `${a.post}:${a.level}`).sort(), [`${q1.id}:1`, `${q3.id}:1`].sort());
    for (const admin of ['owner-1', 'adm-1']) {
      const msgs = (await inbox(admin)).filter((m) => m.body.includes('答疑群'));
      assert.equal(msgs.length, 2, `${admin} gets one alert per waiting question`);
    }
    ok(await t.inject({ method: 'POST', url: `/v1/communities/${g.id}/posts/${q3.id}/replies`, headers: sk(), payload: { user_id: 'adm-1', body: '来了' } }), 201);
    offsetMs += 5 * 60_000;
    await t.services.communities.tick();
    assert.deepEqual((await alerts()).map((a) => `${a.post}:${a.level}`).sort(), [`${q1.id}:1`, `${q1.id}:2`, `${q3.id}:1`].sort());
    const closed = await t.database.pool.query("select 1 from ev_log where name = 'community.question_answered' and payload->>'postId' = $1", [q3.id]);
    assert.equal(closed.rowCount, 1);
    offsetMs += 60 * 60_000;
    await t.services.communities.tick();
    assert.equal((await alerts()).length, 3, 'no alert after 2N');
    const unanswered = ok(await t.inject({ method: 'GET', url: `/v1/communities/${g.id}/posts?kind=question&unanswered=true`, headers: sk() }));
    assert.deepEqual(unanswered.data.map((p: { id: string }) => p.id), [q1.id]);
  });
});

describe('communities: lurkers and health', () => {
  it('lists members silent since joining and reports the group’s health', async () => {
    const g = await createGroup({ name: '健康群' });
    for (const u of ['l-1', 'l-2', 'l-3', 'l-4']) ok(await join(g.id, u));
    const post = (u: string, kind = 'post') => t.inject({ method: 'POST', url: `/v1/communities/${g.id}/posts`, headers: sk(), payload: { user_id: u, kind, body: 'x' } });
    const q = ok(await post('l-1', 'question'), 201);
    ok(await post('l-2'), 201);
    ok(await post('l-1', 'question'), 201);
    offsetMs += 90_000;
    ok(await t.inject({ method: 'POST', url: `/v1/communities/${g.id}/posts/${q.id}/replies`, headers: sk(), payload: { user_id: 'l-3', body: 'y' } }), 201);
    const none = ok(await t.inject({ method: 'GET', url: `/v1/communities/${g.id}/lurkers?days=7`, headers: sk() }));
    assert.deepEqual(none.data, [], 'nobody joined 7 days ago yet');
    offsetMs += 8 * 86_400_000;
    const lurkers = ok(await t.inject({ method: 'GET', url: `/v1/communities/${g.id}/lurkers?days=7`, headers: sk() }));
    assert.deepEqual(lurkers.data.map((m: { user_id: string }) => m.user_id), ['l-4']);
    const h = ok(await t.inject({ method: 'GET', url: `/v1/communities/${g.id}/health?days=30`, headers: sk() }));
    assert.equal(h.members, 5);
    assert.equal(h.active_members, 3);
    assert.equal(h.active_members_pct, 60);
    assert.equal(h.questions, 2);
    assert.equal(h.questions_answered_pct, 50);
    assert.ok(h.median_first_answer_seconds >= 90 && h.median_first_answer_seconds < 120, String(h.median_first_answer_seconds));
    assert.equal(h.posts_per_day, 0.1);
    findIssue(expectError(await t.inject({ method: 'GET', url: `/v1/communities/${g.id}/health?days=0`, headers: sk() }), 400, 'validation_failed'), 'query.days');
  });
});

describe('communities: erasure', () => {
  it('erasing a user frees their seats and removes their posts and replies, recounting the rest', async () => {
    const g = await createGroup({ capacity: 3 });
    ok(await join(g.id, 'er-1'));
    ok(await join(g.id, 'er-2'));
    const q = ok(await t.inject({ method: 'POST', url: `/v1/communities/${g.id}/posts`, headers: sk(), payload: { user_id: 'er-2', kind: 'question', body: '?' } }), 201);
    const r = ok(await t.inject({ method: 'POST', url: `/v1/communities/${g.id}/posts/${q.id}/replies`, headers: sk(), payload: { user_id: 'er-1', body: '!' } }), 201);
    ok(await t.inject({ method: 'POST', url: `/v1/communities/${g.id}/posts/${q.id}/accept`, headers: sk(), payload: { user_id: 'er-2', reply_id: r.id } }));
    await t.services.communities.erasure.eraseUser(t.database.db, A.appId, 'er-1');
    const after = ok(await t.inject({ method: 'GET', url: `/v1/communities/${g.id}/posts/${q.id}`, headers: sk() }));
    assert.equal(after.reply_count, 0);
    assert.equal(after.accepted_reply_id, null);
    assert.equal(after.first_reply_at, null);
    assert.equal(ok(await t.inject({ method: 'GET', url: `/v1/communities/${g.id}`, headers: sk() })).member_count, 2);
    assert.equal(ok(await join(g.id, 'er-3')).joined, true, 'the freed seat is taken');
  });
});
