// Hot lists, rankings, curated slots and "for you", on a real database with a controlled clock.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, startTestApp, type Tenant, type TestApp } from '../../testing/app.ts';
import { expectError, findIssue } from '../../testing/http.ts';
import { ok } from './testing.ts';
import { hotScore } from './rules/hot.ts';

let now = new Date('2024-05-06T10:00:00Z'); // a Monday
const clock = { now: () => new Date(now) };
let t: TestApp;

before(async () => {
  t = await startTestApp({ clock });
});
after(() => t.close());

type S = { id: string; hot_score: number | null; counts: { likes: number }; rank_score?: number; created_at: string };

async function app(): Promise<{ tenant: Tenant; h: Record<string, string>; call: (method: string, url: string, payload?: unknown, extra?: Record<string, string>) => Promise<Record<string, unknown>> }> {
  const tenant = await t.newTenant();
  const h = bearer(tenant.secretKey);
  const call = async (method: string, url: string, payload?: unknown, extra: Record<string, string> = {}) => ok(await t.inject({ method: method as 'GET', url, headers: { ...h, ...extra }, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) }), method === 'POST' && !url.includes('/triple') ? 201 : 200);
  return { tenant, h, call };
}

async function refresh() {
  await t.services.interactions.reactions.idle();
  await t.services.interactions.discovery.refresh();
}

const likeMany = (call: Awaited<ReturnType<typeof app>>['call'], id: string, n: number, prefix = 'u', kind = 'video') => Promise.all(Array.from({ length: n }, (_, i) => call('PUT', `/v1/subjects/${kind}/${id}/like`, { user_id: `${prefix}-${id}-${i}` })));

describe('hot list', () => {
  it('ranks by engagement with time decay, from an index refreshed after interactions', async () => {
    const { call } = await app();
    const at = (hoursAgo: number) => new Date(now.getTime() - hoursAgo * 3600_000).toISOString();
    await call('PUT', '/v1/subjects/video/old-viral', { created_at: at(48) });
    await call('PUT', '/v1/subjects/video/new-small', { created_at: at(0) });
    await call('PUT', '/v1/subjects/video/new-big', { created_at: at(1) });
    await call('PUT', '/v1/subjects/video/untouched', { created_at: at(0) });
    await likeMany(call, 'old-viral', 100);
    await likeMany(call, 'new-small', 5);
    await likeMany(call, 'new-big', 50);
    await refresh();
    const hot = (await call('GET', '/v1/hot?kind=video')).data as S[];
    // 48 h at a 12 h decay = 10^4 handicap: 100 likes then rank below 5 fresh ones.
    assert.deepEqual(hot.map((s) => s.id), ['new-big', 'new-small', 'old-viral']);
    // The SQL score is the formula of rules/hot.ts.
    const old = hot.find((s) => s.id === 'old-viral')!;
    assert.ok(Math.abs(old.hot_score! - hotScore(100, new Date(old.created_at), 12)) < 1e-9);
    // Pages by cursor.
    const p1 = await call('GET', '/v1/hot?kind=video&limit=2');
    const p2 = await call('GET', `/v1/hot?kind=video&limit=2&cursor=${p1.next_cursor as string}`);
    assert.deepEqual([...(p1.data as S[]), ...(p2.data as S[])].map((s) => s.id), ['new-big', 'new-small', 'old-viral']);
  });

  it('counts every one of many concurrent comments on one subject while refreshes run: no hot-score mark is lost across counter shards', async () => {
    const { call } = await app();
    await call('PUT', '/v1/subjects/video/storm', {});
    // Writers mark their own shard of (subject, day); refreshes take marks (SKIP LOCKED) meanwhile.
    let stop = false;
    const refresher = (async () => {
      while (!stop) await t.services.interactions.discovery.refresh();
    })();
    await Promise.all(Array.from({ length: 40 }, (_, i) => call('POST', '/v1/subjects/video/storm/comments', { user_id: `storm-${i}`, body: `评论 ${i} <b>!</b>` })));
    stop = true;
    await refresher;
    await refresh();
    const s = (await call('GET', '/v1/subjects/video/storm')) as unknown as S & { counts: { comments: number } };
    assert.equal(s.counts.comments, 40);
    // Default weights: a comment counts 2; decay 12 hours.
    assert.ok(Math.abs(s.hot_score! - hotScore(80, new Date(s.created_at), 12)) < 1e-9, `hot score ${s.hot_score} is that of 40 comments`);
    const marks = await t.database.pool.query(`select count(*)::int as n from ix_dirty d join ix_subjects x on x.id = d.subject_id where x.external_id = 'storm'`);
    assert.equal(marks.rows[0].n, 0, 'every mark taken');
  });

  it('weighs interactions by the app settings, and rescores when the weights change', async () => {
    const { call } = await app();
    await call('PUT', '/v1/subjects/video/shared', {});
    await call('PUT', '/v1/subjects/video/liked', {});
    for (let i = 0; i < 3; i++) await call('POST', '/v1/subjects/video/shared/shares', { user_id: `s${i}`, channel: 'wechat' });
    await likeMany(call, 'liked', 10);
    await refresh();
    // Default weights: 3 shares × 4 = 12 > 10 likes × 1.
    assert.deepEqual(((await call('GET', '/v1/hot?kind=video')).data as S[]).map((s) => s.id), ['shared', 'liked']);
    await call('PATCH', '/v1/interactions/settings', { hot: { weights: { share: 1 } } });
    assert.deepEqual(((await call('GET', '/v1/hot?kind=video')).data as S[]).map((s) => s.id), ['liked', 'shared']);
  });

  it('refuses a tampered cursor and a missing kind', async () => {
    const { call, h } = await app();
    await call('GET', '/v1/hot?kind=video');
    expectError(await t.inject({ method: 'GET', url: '/v1/hot?kind=video&cursor=eyJoIjoieCJ9', headers: h }), 400, 'invalid_cursor');
    findIssue(expectError(await t.inject({ method: 'GET', url: '/v1/hot', headers: h }), 400, 'validation_failed'), 'query.kind');
  });
});

describe('rankings', () => {
  it('ranks by interactions within the day, ISO week, month and all time, keeping past windows', async () => {
    const { call } = await app();
    now = new Date('2024-05-06T10:00:00Z'); // Monday
    await likeMany(call, 'monday', 3);
    await call('POST', '/v1/subjects/video/monday/shares', { user_id: 'sh', channel: 'link' }); // weight 4
    now = new Date('2024-05-08T10:00:00Z'); // Wednesday
    await likeMany(call, 'wednesday', 9);
    now = new Date('2024-05-13T10:00:00Z'); // next Monday
    await likeMany(call, 'next-week', 1);
    await refresh();
    const ranking = async (q: string) => {
      const r = await call('GET', `/v1/rankings?kind=video&${q}`);
      return { ids: (r.data as S[]).map((s) => [s.id, s.rank_score]), start: r.start, end: r.end };
    };
    assert.deepEqual(await ranking('period=week&date=2024-05-08'), { ids: [['wednesday', 9], ['monday', 7]], start: '2024-05-06', end: '2024-05-13' });
    assert.deepEqual((await ranking('period=day&date=2024-05-06')).ids, [['monday', 7]]);
    assert.deepEqual((await ranking('period=week')).ids, [['next-week', 1]], 'defaults to the current week');
    assert.deepEqual(await ranking('period=month&date=2024-05-20'), { ids: [['wednesday', 9], ['monday', 7], ['next-week', 1]], start: '2024-05-01', end: '2024-06-01' });
    assert.deepEqual((await ranking('period=all')).ids, [['wednesday', 9], ['monday', 7], ['next-week', 1]]);
    // Undoing Monday's likes a week later takes them out of Monday's windows.
    for (let i = 0; i < 3; i++) await call('DELETE', `/v1/subjects/video/monday/like?user_id=u-monday-${i}`);
    await refresh();
    assert.deepEqual((await ranking('period=day&date=2024-05-06')).ids, [['monday', 4]]);
    assert.deepEqual((await ranking('period=week&date=2024-05-06')).ids, [['wednesday', 9], ['monday', 4]]);
  });

  it("buckets days in the app's timezone", async () => {
    const { call } = await app();
    await call('PATCH', '/v1/interactions/settings', { timezone: 'Asia/Shanghai' });
    now = new Date('2024-05-06T20:00:00Z'); // already Tuesday 04:00 in Shanghai
    await likeMany(call, 'late', 2);
    await refresh();
    assert.equal(((await call('GET', '/v1/rankings?kind=video&period=day&date=2024-05-07')).data as S[]).length, 1);
    assert.equal(((await call('GET', '/v1/rankings?kind=video&period=day&date=2024-05-06')).data as S[]).length, 0);
  });

  it('validates the period and date', async () => {
    const { h } = await app();
    findIssue(expectError(await t.inject({ method: 'GET', url: '/v1/rankings?kind=video&period=year', headers: h }), 400, 'validation_failed'), 'query.period');
    findIssue(expectError(await t.inject({ method: 'GET', url: '/v1/rankings?kind=video&date=2024-02-30', headers: h }), 400, 'validation_failed'), 'query.date');
  });
});

describe('curated slots', () => {
  it('keeps ordered subjects with start and end times, shows the active ones, and audits changes', async () => {
    const { tenant, h, call } = await app();
    now = new Date('2024-06-01T12:00:00Z');
    for (const id of ['a', 'b', 'c']) await call('PUT', `/v1/subjects/video/${id}`, { title: `Video ${id}` });
    await call('POST', '/v1/slots', { key: 'must-watch', title: '入站必刷' });
    expectError(await t.inject({ method: 'POST', url: '/v1/slots', headers: h, payload: { key: 'must-watch', title: 'again' } }), 409, 'interactions.slot_key_taken');
    const set = await call('PUT', '/v1/slots/must-watch/items', {
      items: [
        { kind: 'video', subject_id: 'c' },
        { kind: 'video', subject_id: 'a', starts_at: '2024-06-02T00:00:00Z' },
        { kind: 'video', subject_id: 'b', starts_at: '2024-05-01T00:00:00Z', ends_at: '2024-06-30T00:00:00Z', note: '编辑推荐' },
      ],
    });
    assert.deepEqual((set.items as { subject: S }[]).map((i) => i.subject.id), ['c', 'a', 'b']);
    const token = await t.userToken(tenant, 'viewer');
    const asClient = ok<{ items: { subject: S; note: string | null }[] }>(await t.inject({ method: 'GET', url: '/v1/slots/must-watch?all=true', headers: { ...bearer(tenant.publishableKey), 'x-user-token': token } }));
    assert.deepEqual(asClient.items.map((i) => i.subject.id), ['c', 'b'], 'clients see the active items only');
    now = new Date('2024-06-02T00:00:00Z');
    assert.deepEqual(((await call('GET', '/v1/slots/must-watch')).items as { subject: S }[]).map((i) => i.subject.id), ['c', 'a', 'b']);
    now = new Date('2024-07-01T00:00:00Z');
    assert.deepEqual(((await call('GET', '/v1/slots/must-watch')).items as { subject: S }[]).map((i) => i.subject.id), ['c', 'a']);

    expectError(await t.inject({ method: 'PUT', url: '/v1/slots/must-watch/items', headers: h, payload: { items: [{ kind: 'video', subject_id: 'missing' }] } }), 404, 'interactions.subject_not_found');
    findIssue(expectError(await t.inject({ method: 'PUT', url: '/v1/slots/must-watch/items', headers: h, payload: { items: [{ kind: 'video', subject_id: 'a', starts_at: '2024-06-02T00:00:00Z', ends_at: '2024-06-01T00:00:00Z' }] } }), 400, 'validation_failed'), 'body.items.0.ends_at');
    findIssue(expectError(await t.inject({ method: 'PUT', url: '/v1/slots/must-watch/items', headers: h, payload: { items: [{ kind: 'video', subject_id: 'a' }, { kind: 'video', subject_id: 'a' }] } }), 400, 'validation_failed'), 'body.items.1');
    expectError(await t.inject({ method: 'GET', url: '/v1/slots/nope', headers: h }), 404, 'interactions.slot_not_found');

    now = new Date(); // operator sessions are checked against the database's clock
    const analyst = await t.newOperator(tenant.appId, 'analyst');
    expectError(await t.inject({ method: 'POST', url: '/v1/slots', headers: { ...bearer(analyst.token), 'x-canyu-app': tenant.appId }, payload: { key: 'x', title: 'x' } }), 403, 'auth.forbidden');
    const owner = await t.newOperator(tenant.appId, 'owner');
    const log = ok<{ data: { action: string }[] }>(await t.inject({ method: 'GET', url: `/v1/apps/${tenant.appId}/audit-log?target_type=slot`, headers: bearer(owner.token) }));
    assert.deepEqual(log.data.map((e) => e.action), ['slot.items', 'slot.create']);
    assert.equal((await t.inject({ method: 'DELETE', url: '/v1/slots/must-watch', headers: h })).statusCode, 204);
  });
});

describe('for you', () => {
  type Rec = { subject: S; reason: { type: string; text: string; subject: { id: string } | null; tag: string | null; author_id: string | null; slot: string | null } };

  it('gives a new user curated and hot subjects, each with its reason', async () => {
    const { call } = await app();
    now = new Date('2024-06-01T12:00:00Z');
    await call('PUT', '/v1/subjects/video/pick', { title: 'Editor pick' });
    await call('PUT', '/v1/subjects/video/popular', {});
    await likeMany(call, 'popular', 5);
    await refresh();
    await call('POST', '/v1/slots', { key: 'official', title: '官方推荐' });
    await call('PUT', '/v1/slots/official/items', { items: [{ kind: 'video', subject_id: 'pick' }] });
    const recs = (await call('GET', '/v1/users/newbie/recommendations')).data as Rec[];
    assert.deepEqual(recs.map((r) => [r.subject.id, r.reason.type]), [['pick', 'curated'], ['popular', 'hot']]);
    assert.equal(recs[0]!.reason.text, 'Recommended: 官方推荐');
    const zh = (await call('GET', '/v1/users/newbie/recommendations', undefined, { 'accept-language': 'zh-CN' })).data as Rec[];
    assert.deepEqual(zh.map((r) => r.reason.text), ['官方推荐：官方推荐', '当前热门']);
  });

  it("recommends from the user's tags, authors and co-likes, leaving out what they already have", async () => {
    const { tenant, h, call } = await app();
    now = new Date('2024-06-01T12:00:00Z');
    await call('PUT', '/v1/subjects/video/cat-1', { title: 'Cat one', tags: ['猫'], author_id: 'up-a' });
    await call('PUT', '/v1/subjects/video/cat-2', { title: 'Cat two', tags: ['猫', 'cute'] });
    await call('PUT', '/v1/subjects/video/up-a-2', { title: 'More by A', author_id: 'up-a' });
    await call('PUT', '/v1/subjects/video/by-followed', { author_id: 'up-f' });
    await call('PUT', '/v1/subjects/video/co-liked', { title: 'Liked by the same people' });
    await call('PUT', '/v1/subjects/video/unrelated', {});
    await call('PUT', '/v1/subjects/video/mine', { author_id: 'me', tags: ['猫'] });
    await call('PUT', '/v1/subjects/video/cat-1/like', { user_id: 'me' });
    await call('PUT', '/v1/users/me/following/up-f');
    // Other people who liked cat-1 also liked co-liked.
    for (let i = 0; i < 3; i++) {
      await call('PUT', '/v1/subjects/video/cat-1/like', { user_id: `peer-${i}` });
      await call('PUT', '/v1/subjects/video/co-liked/like', { user_id: `peer-${i}` });
    }
    await refresh();
    const recs = ((await call('GET', '/v1/users/me/recommendations')).data as Rec[]);
    const by = new Map(recs.map((r) => [r.subject.id, r.reason]));
    assert.equal(by.has('cat-1'), false, 'already liked');
    assert.equal(by.has('mine'), false, 'their own subject');
    assert.equal(by.get('cat-2')!.type, 'tag');
    assert.equal(by.get('cat-2')!.tag, '猫');
    assert.equal(by.get('cat-2')!.text, 'Because you liked "Cat one" (#猫)');
    assert.deepEqual(by.get('cat-2')!.subject, { kind: 'video', id: 'cat-1', title: 'Cat one' });
    assert.equal(by.get('up-a-2')!.type, 'liked_author');
    assert.equal(by.get('by-followed')!.type, 'followed_author');
    assert.equal(by.get('co-liked')!.type, 'co_liked');
    assert.equal(by.get('co-liked')!.text, 'People who liked "Cat one" also liked this');
    const personal = new Set(['cat-2', 'up-a-2', 'by-followed', 'co-liked']);
    const firstNonPersonal = recs.findIndex((r) => !personal.has(r.subject.id));
    assert.ok(firstNonPersonal === -1 || recs.slice(firstNonPersonal).every((r) => !personal.has(r.subject.id)), 'personal reasons rank first');

    // Pages; a user token sees only its own; a tampered cursor is refused.
    const p1 = await call('GET', '/v1/users/me/recommendations?limit=2');
    const p2 = await call('GET', `/v1/users/me/recommendations?limit=2&cursor=${p1.next_cursor as string}`);
    assert.deepEqual([...(p1.data as Rec[]), ...(p2.data as Rec[])].map((r) => r.subject.id), recs.slice(0, 4).map((r) => r.subject.id));
    const token = await t.userToken(tenant, 'someone');
    expectError(await t.inject({ method: 'GET', url: '/v1/users/me/recommendations', headers: { ...bearer(tenant.publishableKey), 'x-user-token': token } }), 403, 'auth.wrong_user');
    const bad = Buffer.from(JSON.stringify({ o: -5 })).toString('base64url');
    expectError(await t.inject({ method: 'GET', url: `/v1/users/me/recommendations?cursor=${bad}`, headers: h }), 400, 'invalid_cursor');
  });
});
