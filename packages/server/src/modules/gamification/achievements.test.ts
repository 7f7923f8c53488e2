// Badges and tasks on a real database: counted from ingested events and Canyu's own activities,
// each activity once, each badge awarded once, tasks reset in the user's time zone and claimed once.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { bearer, startTestApp, type Tenant, type TestApp } from '../../testing/app.ts';
import { expectError, findIssue } from '../../testing/http.ts';

const DAY = 86_400_000;
let fixed: number | null = null;
const clock = { now: () => new Date(fixed ?? Date.now()) };

let t: TestApp;
let A: Tenant;
const sk = () => bearer(A.secretKey);
const post = (url: string, payload?: unknown) => t.inject({ method: 'POST', url, headers: sk(), ...(payload === undefined ? {} : { payload: payload as object }) });
const ingest = async (events: { event_id: string; user_id: string; name: string; properties?: Record<string, unknown> }[]) => {
  const r = await post('/v1/events', { events });
  assert.equal(r.statusCode, 200, r.body);
  await t.services.bus.drain();
};
const balance = async (userId: string, type = 'points') => (await t.services.points.balance(t.systemCtx(), A.appId, userId, type)).balance;
const track = (userId: string, name: string, sourceId: string) => t.services.gamification.achievements.track(t.systemCtx(), A.appId, { userId, name, sourceId, properties: {} });

before(async () => {
  t = await startTestApp({ clock });
  A = await t.newTenant();
  for (const key of ['points', 'growth']) assert.equal((await t.inject({ method: 'PUT', url: `/v1/points/types/${key}`, headers: sk(), payload: { name: key } })).statusCode, 201);
});
after(() => t.close());
beforeEach(() => void (fixed = null));

describe('badges', () => {
  it('validates definitions, naming the field', async () => {
    const ok = await post('/v1/badges', { key: 'first-like', name: '初次点赞', criteria: { kind: 'event_count', event: 'like.given', count: 1 } });
    assert.equal(ok.statusCode, 201, ok.body);
    const dup = expectError(await post('/v1/badges', { key: 'first-like', name: 'x', criteria: { kind: 'manual' } }), 409, 'badges.key_taken');
    assert.equal(dup.details?.field, 'body.key');
    findIssue(expectError(await post('/v1/badges', { key: 'x', name: 'x', criteria: { kind: 'magic' } }), 400, 'validation_failed'), 'body.criteria.kind');
    findIssue(expectError(await post('/v1/badges', { key: 'x', name: 'x', criteria: { kind: 'event_count', event: 'e', count: 0 } }), 400, 'validation_failed'), 'body.criteria.count');
    findIssue(expectError(await post('/v1/badges', { key: 'Bad Key', name: 'x', criteria: { kind: 'manual' } }), 400, 'validation_failed'), 'body.key');
    const unknown = expectError(await post('/v1/badges', { key: 'x', name: 'x', criteria: { kind: 'manual' }, rewards: [{ type: 'gems', amount: 1 }] }), 404, 'points.unknown_type');
    assert.equal(unknown.details?.field, 'body.rewards.0.type');
  });

  it('"received 3 likes": counted from ingested events once per event id, awarded once with its reward', async () => {
    const b = (await post('/v1/badges', { key: 'liked-3', name: '人气新星', criteria: { kind: 'event_count', event: 'like.received', count: 3 }, rewards: [{ type: 'points', amount: 30 }] })).json();
    const awards: string[] = [];
    const off = t.services.bus.subscribe('badge.awarded', (e) => void (e.badgeId === b.id && awards.push(e.userId)));
    await ingest([{ event_id: 'lk-1', user_id: 'star', name: 'like.received' }]);
    await ingest([{ event_id: 'lk-1', user_id: 'star', name: 'like.received' }]); // duplicate id
    await ingest([{ event_id: 'lk-2', user_id: 'star', name: 'like.received' }]);
    let wall = (await t.inject({ method: 'GET', url: '/v1/users/star/badges', headers: sk() })).json();
    const item = wall.data.find((w: { badge: { key: string } }) => w.badge.key === 'liked-3');
    assert.deepEqual([item.earned, item.progress], [false, { have: 2, need: 3 }]);
    await ingest([
      { event_id: 'lk-3', user_id: 'star', name: 'like.received' },
      { event_id: 'lk-4', user_id: 'star', name: 'like.received' },
    ]);
    off();
    assert.deepEqual(awards, ['star']);
    assert.equal(await balance('star'), 30);
    wall = (await t.inject({ method: 'GET', url: '/v1/users/star/badges', headers: sk() })).json();
    assert.equal(wall.data.find((w: { badge: { key: string } }) => w.badge.key === 'liked-3').earned, true);
    assert.equal(wall.earned, 1);
  });

  it('concurrent activity: 50 distinct ids count 50, 20 copies of one id count once; the badge is awarded once', async () => {
    await post('/v1/badges', { key: 'fan-40', name: 'Fan', criteria: { kind: 'event_count', event: 'video.liked', count: 40 }, rewards: [{ type: 'points', amount: 7 }] });
    await Promise.all(Array.from({ length: 50 }, (_, i) => track('fan', 'video.liked', `v-${i}`)));
    await Promise.all(Array.from({ length: 20 }, () => track('fan', 'video.liked', 'v-same')));
    await t.services.bus.drain();
    const { rows } = await t.database.pool.query(`select value from gm_counters where app_id = $1 and user_id = 'fan' and name = 'event:video.liked'`, [A.appId]);
    assert.equal(Number(rows[0].value), 51);
    assert.equal(await balance('fan'), 7);
  });

  it('streak, level, lifetime-points and manual badges', async () => {
    await post('/v1/badges', { key: 'streak-3', name: '连签 3 天', criteria: { kind: 'checkin_streak', days: 3 } });
    await post('/v1/badges', { key: 'level-2', name: 'Silver', criteria: { kind: 'level', level: 2 } });
    await post('/v1/badges', { key: 'earned-100', name: 'Centurion', criteria: { kind: 'points_earned', type: 'points', amount: 100 } });
    const manual = (await post('/v1/badges', { key: 'vip', name: 'VIP', criteria: { kind: 'manual' } })).json();
    await t.inject({ method: 'PUT', url: '/v1/gamification/levels', headers: sk(), payload: { levels: [{ level: 1, name: 'L1', threshold: 0 }, { level: 2, name: 'L2', threshold: 50 }] } });
    fixed = Date.parse('2025-09-01T04:00:00Z');
    for (let d = 0; d < 3; d++) {
      assert.equal((await post('/v1/users/hero/checkins')).statusCode, 201);
      fixed += DAY;
    }
    await t.services.bus.drain();
    await t.services.points.earn(t.systemCtx(), A.appId, { userId: 'hero', type: 'growth', amount: 60, key: 'hero-growth' });
    await t.services.points.earn(t.systemCtx(), A.appId, { userId: 'hero', type: 'points', amount: 100, key: 'hero-points' });
    await t.services.bus.drain();
    await t.services.bus.drain();
    const first = await post(`/v1/users/hero/badges/${manual.id}`, {});
    assert.deepEqual(first.json(), { awarded: true });
    assert.deepEqual((await post(`/v1/users/hero/badges/${manual.id}`, {})).json(), { awarded: false });
    const wall = (await t.inject({ method: 'GET', url: '/v1/users/hero/badges', headers: sk() })).json();
    const earned = wall.data.filter((w: { earned: boolean }) => w.earned).map((w: { badge: { key: string } }) => w.badge.key).sort();
    assert.deepEqual(earned, ['earned-100', 'level-2', 'streak-3', 'vip']);
    assert.equal(wall.data.find((w: { badge: { key: string } }) => w.badge.key === 'vip').progress, null);
    expectError(await post('/v1/users/hero/badges/badge_nope', {}), 404, 'badges.not_found');
  });
});

describe('tasks', () => {
  it('newcomer, daily and weekly tasks: progress from events, claim once, bad claims refused', async () => {
    const newcomer = (await post('/v1/tasks', { key: 'complete-profile', name: '完善资料', period: 'once', event: 'profile.completed', rewards: [{ type: 'points', amount: 50 }], group: 'newcomer', sort: 1 })).json();
    const daily = (await post('/v1/tasks', { key: 'daily-checkin', name: '每日签到', period: 'daily', event: 'gm.checkin', rewards: [{ type: 'points', amount: 5 }] })).json();
    const weekly = (await post('/v1/tasks', { key: 'watch-3', name: '本周看 3 个视频', period: 'weekly', event: 'video.watched', target: 3, conditions: { full: true }, rewards: [{ type: 'points', amount: 20 }, { type: 'growth', amount: 10 }] })).json();
    expectError(await post('/v1/tasks', { key: 'complete-profile', name: 'x', period: 'once', event: 'e', rewards: [{ type: 'points', amount: 1 }] }), 409, 'tasks.key_taken');
    findIssue(expectError(await post('/v1/tasks', { key: 'x', name: 'x', period: 'hourly', event: 'e', rewards: [{ type: 'points', amount: 1 }] }), 400, 'validation_failed'), 'body.period');
    findIssue(expectError(await post('/v1/tasks', { key: 'x', name: 'x', period: 'once', event: 'e', rewards: [] }), 400, 'validation_failed'), 'body.rewards');
    const u = 'doer';
    const claim = (id: string) => post(`/v1/users/${u}/tasks/${id}/claim`, {});
    const nc = expectError(await claim(newcomer.id), 409, 'tasks.not_completed');
    assert.deepEqual([nc.details?.progress, nc.details?.target], [0, 1]);
    await ingest([{ event_id: 'pc-1', user_id: u, name: 'profile.completed' }]);
    assert.equal((await post(`/v1/users/${u}/checkins`)).statusCode, 201);
    await t.services.bus.drain();
    await ingest([
      { event_id: 'vw-1', user_id: u, name: 'video.watched', properties: { full: true } },
      { event_id: 'vw-2', user_id: u, name: 'video.watched', properties: { full: false } },
      { event_id: 'vw-3', user_id: u, name: 'video.watched', properties: { full: true } },
    ]);
    const list = (await t.inject({ method: 'GET', url: `/v1/users/${u}/tasks`, headers: sk() })).json().data;
    const byKey = Object.fromEntries(list.map((x: { task: { key: string } }) => [x.task.key, x]));
    assert.deepEqual([byKey['complete-profile'].claimable, byKey['daily-checkin'].claimable, byKey['watch-3'].progress, byKey['watch-3'].claimable], [true, true, 2, false]);
    assert.equal(byKey['complete-profile'].resets_at, null);
    assert.ok(byKey['daily-checkin'].resets_at);
    const before = await balance(u);
    const claims = await Promise.all(Array.from({ length: 20 }, () => claim(newcomer.id)));
    assert.equal(claims.filter((r) => r.statusCode === 200).length, 1);
    for (const r of claims.filter((x) => x.statusCode !== 200)) expectError(r, 409, 'tasks.already_claimed');
    assert.equal((await claim(daily.id)).statusCode, 200);
    assert.equal(await balance(u), before + 55);
    await ingest([{ event_id: 'vw-4', user_id: u, name: 'video.watched', properties: { full: true } }]);
    const w = await claim(weekly.id);
    assert.equal(w.statusCode, 200, w.body);
    assert.equal(w.json().entries.length, 2);
    const newcomers = (await t.inject({ method: 'GET', url: `/v1/users/${u}/tasks?group=newcomer`, headers: sk() })).json().data;
    assert.deepEqual(newcomers.map((x: { task: { key: string }; claimed: boolean }) => [x.task.key, x.claimed]), [['complete-profile', true]]);
    expectError(await claim('task_nope'), 404, 'tasks.not_found');
  });

  it("daily tasks reset at the user's local midnight (Los Angeles); 20 copies of one activity advance once", async () => {
    const task = (await post('/v1/tasks', { key: 'share-2', name: 'Share twice', period: 'daily', event: 'content.shared', target: 2, rewards: [{ type: 'points', amount: 4 }] })).json();
    await post('/v1/users/la-doer', { timezone: 'America/Los_Angeles' });
    fixed = Date.parse('2025-10-02T06:50:00Z'); // 23:50 Oct 1 in Los Angeles
    await Promise.all(Array.from({ length: 20 }, () => track('la-doer', 'content.shared', 's-1')));
    let mine = (await t.inject({ method: 'GET', url: '/v1/users/la-doer/tasks', headers: sk() })).json().data.find((x: { task: { id: string } }) => x.task.id === task.id);
    assert.deepEqual([mine.period_key, mine.progress], ['2025-10-01', 1]);
    assert.equal(mine.resets_at, '2025-10-02T07:00:00.000Z');
    await track('la-doer', 'content.shared', 's-2');
    fixed = Date.parse('2025-10-02T07:10:00Z'); // 00:10 Oct 2 in Los Angeles: a new day
    mine = (await t.inject({ method: 'GET', url: '/v1/users/la-doer/tasks', headers: sk() })).json().data.find((x: { task: { id: string } }) => x.task.id === task.id);
    assert.deepEqual([mine.period_key, mine.progress, mine.completed], ['2025-10-02', 0, false]);
    expectError(await post(`/v1/users/la-doer/tasks/${task.id}/claim`, {}), 409, 'tasks.not_completed');
  });

  it('Canyu activities drive tasks: draws and redemptions', async () => {
    const task = (await post('/v1/tasks', { key: 'draw-once', name: 'Try the wheel', period: 'daily', event: 'gm.draw', rewards: [{ type: 'points', amount: 1 }] })).json();
    const lot = (await post('/v1/lotteries', { name: 'Wheel', prizes: [{ name: 'Thanks', kind: 'none', weight: 1 }] })).json();
    assert.equal((await post(`/v1/users/spinner/lotteries/${lot.id}/draws`)).statusCode, 201);
    await t.services.bus.drain();
    assert.equal((await post(`/v1/users/spinner/tasks/${task.id}/claim`, {})).statusCode, 200);
  });
});

describe('erasure', () => {
  it("erasing a user erases their check-ins, badges, task progress, draws, orders and ledger", async () => {
    const u = 'forget-me';
    await post(`/v1/users/${u}`, { timezone: 'UTC' });
    assert.equal((await post(`/v1/users/${u}/checkins`)).statusCode, 201);
    await track(u, 'like.received', 'forget-1');
    await t.services.bus.drain();
    const count = async () => {
      const { rows } = await t.database.pool.query(
        `select (select count(*) from gm_checkins where app_id = $1 and user_id = $2) + (select count(*) from gm_checkin_state where app_id = $1 and user_id = $2)
              + (select count(*) from gm_counters where app_id = $1 and user_id = $2) + (select count(*) from pt_entries where app_id = $1 and user_id = $2) as n`,
        [A.appId, u],
      );
      return Number(rows[0].n);
    };
    assert.ok((await count()) >= 3);
    assert.equal((await t.inject({ method: 'DELETE', url: `/v1/users/${u}`, headers: sk() })).statusCode, 204);
    await t.services.bus.drain();
    assert.equal(await count(), 0);
  });
});

describe('whose progress', () => {
  it('a badge for likes received and a task for each team member count for the users a property names', async () => {
    const b = await post('/v1/badges', { key: 'liked-twice', name: '被赞 2 次', criteria: { kind: 'event_count', event: 'comment.liked', count: 2, user: 'commentAuthorId' } });
    assert.equal(b.statusCode, 201, b.body);
    const task = await post('/v1/tasks', { key: 'team-win', name: 'Win with your team', period: 'once', event: 'team.won', user: 'members', target: 1, rewards: [{ type: 'points', amount: 4 }] });
    assert.equal(task.statusCode, 201, task.body);
    assert.equal(task.json().user, 'members');

    const c = await post('/v1/subjects/article/whose/comments', { user_id: 'author-x', body: 'hello' });
    assert.equal(c.statusCode, 201, c.body);
    const like = (u: string) => t.inject({ method: 'PUT', url: `/v1/comments/${c.json().id}/like`, headers: sk(), payload: { user_id: u } });
    assert.equal((await like('liker-1')).statusCode, 200);
    await t.services.bus.drain();
    const earned = async (u: string) => ((await t.inject({ method: 'GET', url: `/v1/users/${u}/badges`, headers: sk() })).json().data as { badge: { key: string }; earned: boolean; progress: unknown }[]).find((w) => w.badge.key === 'liked-twice');
    assert.equal((await earned('author-x'))!.earned, false);
    assert.deepEqual((await earned('author-x'))!.progress, { have: 1, need: 2 });
    assert.equal((await like('liker-2')).statusCode, 200);
    await t.services.bus.drain();
    assert.equal((await earned('author-x'))!.earned, true, 'two likes received');
    assert.equal((await earned('liker-2'))!.earned, false, 'the likers gave likes, they did not receive them');

    await ingest([{ event_id: 'tw-9', user_id: 'coach', name: 'team.won', properties: { members: ['tm-1', 'tm-2'] } }]);
    const tasksOf = async (u: string) => ((await t.inject({ method: 'GET', url: `/v1/users/${u}/tasks`, headers: sk() })).json().data as { task: { key: string }; completed: boolean }[]).find((x) => x.task.key === 'team-win');
    assert.equal((await tasksOf('tm-1'))!.completed, true);
    assert.equal((await tasksOf('tm-2'))!.completed, true);
    assert.equal((await tasksOf('coach'))!.completed, false);
  });
});
