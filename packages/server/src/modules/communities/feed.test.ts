// Core-user groups fed by a segment (the seed's "first 100 seed users"), group check-in and pinned
// announcements, through the HTTP API on a real database with a controlled clock.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { asTenant, startTestApp, type Tenant, type TestApp } from '../../testing/app.ts';

const clock = {
  t: Date.parse('2031-05-10T10:00:00Z'),
  now() {
    return new Date(this.t);
  },
};
let t: TestApp;
let A: Tenant;
let ok: ReturnType<typeof asTenant>['ok'];
let call: ReturnType<typeof asTenant>['call'];

before(async () => {
  t = await startTestApp({ clock });
  A = await t.newTenant('community-feed');
  ({ ok, call } = asTenant(t, A));
});
after(() => t.close());

type Report = { counts: { invited: number; accepted: number; added: number }; data: { user_id: string; status: string }[] };
const inbox = async (userId: string): Promise<{ title: string; body: string }[]> => (await ok('GET', `/v1/users/${userId}/inbox`)).data;

describe('core-user groups fed by a segment', () => {
  it('invites the segment’s members once (also when ticks race), reports who accepted, and invites later entrants', async () => {
    for (let i = 1; i <= 5; i++) await ok('POST', `/v1/users/core-${i}`, { traits: { core: true, name: `种子用户${i}` } });
    await ok('POST', '/v1/users/casual-1', { traits: { core: false } });
    const seg = (await ok('POST', '/v1/segments', { name: '核心用户', rules: { all: [{ kind: 'traits', conditions: { core: true } }] } })).id as string;
    await t.services.bus.drain();
    const g = await ok('POST', '/v1/communities', { name: '种子用户群', owner_id: 'staff-1', type: 'invite_only', feed: { segment_id: seg, mode: 'invite' } });
    assert.deepEqual(g.feed, { segment_id: seg, mode: 'invite', backfilled: false });
    await Promise.all([t.services.communities.tick(), t.services.communities.tick(), t.services.communities.tick()]);
    await t.services.communities.tick();
    let r = (await ok('GET', `/v1/communities/${g.id}/feed`)) as Report;
    assert.deepEqual(r.counts, { invited: 5, accepted: 0, added: 0 });
    assert.deepEqual(r.data.map((x) => x.user_id), ['core-1', 'core-2', 'core-3', 'core-4', 'core-5']);
    const msgs = await inbox('core-2');
    assert.equal(msgs.length, 1, 'one invite each');
    assert.match(msgs[0]!.body, /种子用户2/);
    const code = /(inv_\w+)/.exec(msgs[0]!.body)![1]!;
    assert.equal((await inbox('casual-1')).length, 0);

    // Two accept with the code; the report says so.
    for (const u of ['core-2', 'core-4']) await ok('POST', `/v1/communities/${g.id}/join`, { user_id: u, invite: code });
    await t.services.bus.drain();
    r = (await ok('GET', `/v1/communities/${g.id}/feed`)) as Report;
    assert.deepEqual(r.counts, { invited: 3, accepted: 2, added: 0 });
    assert.deepEqual((await ok('GET', `/v1/communities/${g.id}/feed?status=accepted`)).data.map((x: { user_id: string }) => x.user_id), ['core-2', 'core-4']);

    // A user who enters the segment later is invited through the event graph.
    await ok('POST', '/v1/users/casual-1', { traits: { core: true } });
    await t.services.bus.drain();
    r = (await ok('GET', `/v1/communities/${g.id}/feed`)) as Report;
    assert.equal(r.counts.invited, 4);
    assert.equal((await inbox('casual-1')).length, 1);
  });

  it('mode add seats the segment’s members at once, within the group’s capacity', async () => {
    for (let i = 1; i <= 4; i++) await ok('POST', `/v1/users/rfm-${i}`, { traits: { rfm: 'champion' } });
    const seg = (await ok('POST', '/v1/segments', { name: '重要价值用户', rules: { all: [{ kind: 'traits', conditions: { rfm: 'champion' } }] } })).id as string;
    await t.services.bus.drain();
    const g = await ok('POST', '/v1/communities', { name: 'VIP 群', owner_id: 'staff-2', capacity: 4, feed: { segment_id: seg, mode: 'add' } });
    await t.services.communities.tick();
    const after = await ok('GET', `/v1/communities/${g.id}`);
    assert.equal(after.member_count, 4, 'the owner and three members: the fourth did not fit');
    const r = (await ok('GET', `/v1/communities/${g.id}/feed`)) as Report;
    assert.equal(r.counts.added, 4, 'everyone was reached once (one found the group full)');
  });

  it('refuses a feed from an unknown segment, naming the field', async () => {
    const res = await call('POST', '/v1/communities', { name: 'x', owner_id: 'o', feed: { segment_id: 'seg_nope' } });
    assert.equal(res.statusCode, 400);
    assert.ok(res.body.includes('body.feed.segment_id'), res.body);
  });
});

describe('group check-in and pinned announcements', () => {
  it('counts a check-in once per local day however many race, keeps the streak, and shows it on the member', async () => {
    const g = await ok('POST', '/v1/communities', { name: '打卡群', owner_id: 'ck-owner', time_zone: 'Asia/Shanghai' });
    await ok('POST', `/v1/communities/${g.id}/join`, { user_id: 'ck-1' });
    const tries = await Promise.all(Array.from({ length: 8 }, () => ok('POST', `/v1/communities/${g.id}/checkins`, { user_id: 'ck-1' })));
    assert.equal(tries.filter((x) => x.checked_in).length, 1);
    assert.ok(tries.every((x) => x.day === '2031-05-10' && x.checkins === 1 && x.streak === 1));
    // 16:00 UTC is midnight in Shanghai: the next local day.
    clock.t = Date.parse('2031-05-10T16:00:00Z');
    const next = await ok('POST', `/v1/communities/${g.id}/checkins`, { user_id: 'ck-1' });
    assert.deepEqual(next, { day: '2031-05-11', checked_in: true, checkins: 2, streak: 2 });
    clock.t += 2 * 86_400_000;
    const gap = await ok('POST', `/v1/communities/${g.id}/checkins`, { user_id: 'ck-1' });
    assert.equal(gap.streak, 1, 'a missed day restarts the streak');
    await ok('POST', `/v1/communities/${g.id}/posts`, { user_id: 'ck-1', body: '大家好' });
    const m = (await ok('GET', `/v1/communities/${g.id}/members`)).data.find((x: { user_id: string }) => x.user_id === 'ck-1');
    assert.deepEqual({ checkins: m.checkins, streak: m.streak, contribution: m.contribution }, { checkins: 3, streak: 1, contribution: 4 });
    const outsider = await call('POST', `/v1/communities/${g.id}/checkins`, { user_id: 'nobody' });
    assert.equal(outsider.statusCode, 404);
    assert.equal(outsider.json().error.code, 'communities.not_member');
  });

  it('counts only working hours toward an unanswered alert (a Friday-evening question alerts on Monday)', async () => {
    // Friday 9 May 2031, 17:50 in Shanghai.
    clock.t = Date.parse('2031-05-16T09:50:00Z');
    const g = await ok('POST', '/v1/communities', { name: '答疑群', owner_id: 'wh-owner', time_zone: 'Asia/Shanghai', unanswered_minutes: 30, working_hours: { days: [1, 2, 3, 4, 5], from: '09:00', to: '18:00' } });
    assert.deepEqual(g.working_hours, { days: [1, 2, 3, 4, 5], from: '09:00', to: '18:00' });
    await ok('POST', `/v1/communities/${g.id}/join`, { user_id: 'wh-1' });
    const q = await ok('POST', `/v1/communities/${g.id}/posts`, { user_id: 'wh-1', kind: 'question', body: '周末有人值班吗？' });
    const level = async () => (await ok('GET', `/v1/communities/${g.id}/posts/${q.id}`)).alert_level as number;
    for (const at of ['2031-05-16T10:30:00Z', '2031-05-17T03:00:00Z', '2031-05-19T01:19:00Z']) {
      clock.t = Date.parse(at); // Friday after closing, Saturday, Monday 09:19
      await t.services.communities.tick();
      assert.equal(await level(), 0, at);
    }
    clock.t = Date.parse('2031-05-19T01:20:00Z'); // Monday 09:20: 10 + 20 working minutes
    await t.services.communities.tick();
    assert.equal(await level(), 1);
    const bad = await call('PATCH', `/v1/communities/${g.id}`, { working_hours: { days: [1], from: '18:00', to: '09:00' } });
    assert.equal(bad.statusCode, 400);
    assert.ok(bad.body.includes('body.working_hours.to'), bad.body);
  });

  it('announces a lurker once per join (event and nudge), never a member who spoke', async () => {
    clock.t = Date.parse('2031-06-01T00:00:00Z');
    const nudge = { 'zh-CN': { title: '{{name}}，来聊聊吧', body: '「{{group}}」的朋友们在等你' } };
    const g = await ok('POST', '/v1/communities', { name: '潜水群', owner_id: 'lk-owner', lurker_days: 3, lurker_nudge: nudge });
    for (const u of ['lk-quiet', 'lk-talker', 'lk-checker']) await ok('POST', `/v1/communities/${g.id}/join`, { user_id: u });
    await ok('POST', `/v1/communities/${g.id}/posts`, { user_id: 'lk-talker', body: '你好' });
    await ok('POST', `/v1/communities/${g.id}/checkins`, { user_id: 'lk-checker' });
    const seen: string[] = [];
    const off = t.services.bus.subscribe('community.member_lurking', (p) => void (p.groupId === g.id && seen.push(p.userId)));
    try {
      clock.t += 2 * 86_400_000;
      await t.services.communities.tick();
      await t.services.bus.drain();
      assert.deepEqual(seen, [], 'not before lurker_days');
      clock.t += 86_400_000;
      await Promise.all([t.services.communities.tick(), t.services.communities.tick()]);
      await t.services.communities.tick();
      await t.services.bus.drain();
      assert.deepEqual(seen.sort(), ['lk-owner', 'lk-quiet'], 'the silent ones, once each');
      const msgs = await inbox('lk-quiet');
      assert.equal(msgs.filter((m) => m.title.includes('来聊聊吧')).length, 1);
    } finally {
      off();
    }
  });

  it('pins and unpins an announcement', async () => {
    const g = await ok('POST', '/v1/communities', { name: '公告群', owner_id: 'pin-owner' });
    const p = await ok('POST', `/v1/communities/${g.id}/posts`, { user_id: 'pin-owner', title: '群规', body: '请友善交流' });
    await ok('POST', `/v1/communities/${g.id}/posts`, { user_id: 'pin-owner', body: '普通帖子' });
    const pinned = await ok('POST', `/v1/communities/${g.id}/posts/${p.id}/pin`);
    assert.ok(pinned.pinned_at);
    assert.deepEqual((await ok('GET', `/v1/communities/${g.id}/posts?pinned=true`)).data.map((x: { id: string }) => x.id), [p.id]);
    await ok('POST', `/v1/communities/${g.id}/posts/${p.id}/unpin`);
    assert.equal((await ok('GET', `/v1/communities/${g.id}/posts?pinned=true`)).data.length, 0);
    assert.equal((await call('POST', `/v1/communities/${g.id}/posts/cpo_nope/pin`)).statusCode, 404);
  });
});
