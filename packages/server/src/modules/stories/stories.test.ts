// User stories and hashtag campaigns over HTTP on a real database: moderation, the gallery ranked
// by likes (exact under racing likes), featured entries, hashtag collection from ingested posts,
// and winners by operator or by rule with their prize events.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import type { DomainEvents } from '../../events.ts';
import { bearer, startTestApp, type Tenant, type TestApp } from '../../testing/app.ts';
import { captureEvents } from '../../testing/events.ts';
import { expectError, findIssue } from '../../testing/http.ts';

let t: TestApp;
let A: Tenant;
let mod: { token: string };
before(async () => {
  t = await startTestApp();
  A = await t.newTenant('stories');
  mod = await t.newOperator(A.appId, 'moderator');
});
after(() => t.close());

const sk = () => bearer(A.secretKey);
const modH = () => ({ ...bearer(mod.token), 'x-canyu-app': A.appId });
const ok = (res: LightMyRequestResponse, status = 200) => {
  assert.equal(res.statusCode, status, res.body.slice(0, 500));
  return res.json();
};
type Entry = { id: string; status: string; likes: number; featured: boolean; user_id: string; source: string; text: string; image_urls: string[] };
const campaign = async (body: Record<string, unknown>) => ok(await t.inject({ method: 'POST', url: '/v1/stories/campaigns', headers: sk(), payload: { kind: 'story', title: '我和咖啡的故事', ...body } }), 201) as { id: string };
const submit = async (campaignId: string, userId: string, body: Record<string, unknown> = {}): Promise<Entry> =>
  ok(await t.inject({ method: 'POST', url: `/v1/stories/campaigns/${campaignId}/entries`, headers: sk(), payload: { user_id: userId, text: `${userId} 的故事`, image_urls: ['https://img.example.com/a.jpg'], ...body } }), 201);
const gallery = async (campaignId: string, query = '', headers: Record<string, string> = sk()) => ok(await t.inject({ method: 'GET', url: `/v1/stories/campaigns/${campaignId}/entries?${query}`, headers }));
const like = (entryId: string, userId: string) => t.inject({ method: 'POST', url: `/v1/stories/entries/${entryId}/likes`, headers: sk(), payload: { user_id: userId } });
const approve = async (entryId: string) => ok(await t.inject({ method: 'POST', url: `/v1/stories/entries/${entryId}/moderation`, headers: modH(), payload: { decision: 'approve' } }));

const capture = <K extends keyof DomainEvents & string>(name: K, fn: () => Promise<unknown>) => captureEvents(t.services.bus, name, fn);

describe('user stories: moderation and the gallery', () => {
  it('pre-moderated stories wait for approval; the author sees their own; rejections say why', async () => {
    const c = await campaign({});
    const tok = { ...bearer(A.publishableKey), 'x-user-token': await t.userToken(A, 'writer') };
    const mine = ok(await t.inject({ method: 'POST', url: `/v1/stories/campaigns/${c.id}/entries`, headers: tok, payload: { text: '第一次在门店学拉花', image_urls: ['https://img.example.com/latte.jpg'] } }), 201);
    assert.equal(mine.status, 'pending');
    assert.deepEqual((await gallery(c.id, '', tok)).data, []);
    assert.equal((await gallery(c.id, 'mine=true', tok)).data.length, 1);
    const other = { ...bearer(A.publishableKey), 'x-user-token': await t.userToken(A, 'reader') };
    expectError(await t.inject({ method: 'GET', url: `/v1/stories/entries/${mine.id}`, headers: other }), 404, 'stories.entry_not_found');
    assert.equal((await gallery(c.id, 'status=pending', modH())).data.length, 1, 'the moderation queue');
    const events = await capture('story.entry.moderated', () => approve(mine.id));
    assert.equal(events[0]!.userId, 'writer');
    assert.equal((await gallery(c.id, '', other)).data[0].id, mine.id);
    const bad = await submit(c.id, 'spammer', { text: '加微信领优惠' });
    const rejected = ok(await t.inject({ method: 'POST', url: `/v1/stories/entries/${bad.id}/moderation`, headers: modH(), payload: { decision: 'reject', reason: '广告' } }));
    assert.equal(rejected.reject_reason, '广告');
    expectError(await like(bad.id, 'x'), 409, 'stories.not_approved');
    expectError(await t.inject({ method: 'POST', url: `/v1/stories/entries/${bad.id}/feature`, headers: sk(), payload: { featured: true } }), 409, 'stories.not_approved');
    expectError(await t.inject({ method: 'POST', url: `/v1/stories/entries/${bad.id}/moderation`, headers: other, payload: { decision: 'approve' } }), 403, 'auth.forbidden');
  });

  it('likes are exact under 500 racing users with repeats; the gallery ranks by likes; featured filter', async () => {
    const c = await campaign({ moderation: 'post' });
    const [e1, e2, e3] = [await submit(c.id, 'g1'), await submit(c.id, 'g2'), await submit(c.id, 'g3')];
    assert.equal(e1.status, 'approved', 'post-moderation shows entries at once');
    const reqs = [];
    for (let i = 0; i < 500; i++) reqs.push(like(e2.id, `fan-${i}`));
    for (let i = 0; i < 200; i++) reqs.push(like(e2.id, `fan-${i}`));
    for (let i = 0; i < 50; i++) reqs.push(like(e3.id, `fan-${i}`));
    const res = await Promise.all(reqs);
    assert.ok(res.every((r) => r.statusCode === 200), res.find((r) => r.statusCode !== 200)?.body);
    assert.equal(res.filter((r) => r.json().changed).length, 550);
    const unl = await Promise.all(Array.from({ length: 40 }, (_, i) => t.inject({ method: 'DELETE', url: `/v1/stories/entries/${e3.id}/likes/fan-${i % 20}`, headers: sk() })));
    assert.equal(unl.filter((r) => r.statusCode === 200).length, 20);
    for (const r of unl.filter((x) => x.statusCode !== 200)) expectError(r, 404, 'stories.not_liked');
    const stored = async (id: string) => (await t.database.pool.query('select count(*)::int as n from st_likes where entry_id = $1', [id])).rows[0].n;
    const g = await gallery(c.id, 'user_id=fan-1');
    assert.deepEqual(
      g.data.map((e: Entry) => [e.id, e.likes]),
      [
        [e2.id, 500],
        [e3.id, 30],
        [e1.id, 0],
      ],
    );
    assert.equal(await stored(e2.id), 500);
    assert.equal(await stored(e3.id), 30);
    assert.deepEqual(
      g.data.map((e: Entry & { liked: boolean }) => e.liked),
      [true, false, false],
    );
    const p1 = await gallery(c.id, 'limit=2');
    const p2 = await gallery(c.id, `limit=2&cursor=${p1.next_cursor}`);
    assert.deepEqual([...p1.data, ...p2.data].map((e: Entry) => e.id), [e2.id, e3.id, e1.id]);
    const featured = await capture('story.entry.featured', async () => ok(await t.inject({ method: 'POST', url: `/v1/stories/entries/${e1.id}/feature`, headers: sk(), payload: { featured: true } })));
    assert.equal(featured.length, 1);
    assert.deepEqual(
      (await gallery(c.id, 'featured=true')).data.map((e: Entry) => e.id),
      [e1.id],
    );
  });

  it('names bad input and refuses a closed campaign', async () => {
    findIssue(expectError(await t.inject({ method: 'POST', url: '/v1/stories/campaigns', headers: sk(), payload: { kind: 'hashtag', title: 'x' } }), 400, 'validation_failed'), 'body.hashtag');
    findIssue(expectError(await t.inject({ method: 'POST', url: '/v1/stories/campaigns', headers: sk(), payload: { kind: 'story', title: 'x', hashtag: '#a' } }), 400, 'validation_failed'), 'body.hashtag');
    const c = await campaign({});
    findIssue(expectError(await t.inject({ method: 'POST', url: `/v1/stories/campaigns/${c.id}/entries`, headers: sk(), payload: { user_id: 'u', text: 'x', image_urls: ['data:image/png;base64,xx'] } }), 400, 'validation_failed'), 'body.image_urls.0');
    findIssue(expectError(await t.inject({ method: 'POST', url: `/v1/stories/campaigns/${c.id}/entries`, headers: sk(), payload: { user_id: 'u', text: '' } }), 400, 'validation_failed'), 'body.text');
    ok(await t.inject({ method: 'PATCH', url: `/v1/stories/campaigns/${c.id}`, headers: sk(), payload: { status: 'closed' } }));
    expectError(await t.inject({ method: 'POST', url: `/v1/stories/campaigns/${c.id}/entries`, headers: sk(), payload: { user_id: 'u', text: 'late' } }), 409, 'stories.campaign_closed');
  });
});

describe('user stories: erasing a user', () => {
  it('removes their entries and takes their likes off the counts', async () => {
    const c = await campaign({ moderation: 'post' });
    const theirs = await submit(c.id, 'st-eraser');
    const other = await submit(c.id, 'st-keeper');
    ok(await like(other.id, 'st-eraser'));
    ok(await like(other.id, 'st-fan'));
    assert.equal((await t.inject({ method: 'DELETE', url: '/v1/users/st-eraser', headers: sk() })).statusCode, 204);
    await t.services.bus.drain();
    expectError(await t.inject({ method: 'GET', url: `/v1/stories/entries/${theirs.id}`, headers: sk() }), 404, 'stories.entry_not_found');
    assert.equal(ok(await t.inject({ method: 'GET', url: `/v1/stories/entries/${other.id}`, headers: sk() })).likes, 1);
  });
});

describe('hashtag campaigns (the Starbucks playbook)', () => {
  it('collects ingested posts carrying the hashtag, once per post, into the gallery', async () => {
    const c = ok(await t.inject({ method: 'POST', url: '/v1/stories/campaigns', headers: sk(), payload: { kind: 'hashtag', title: '晒出你的猫爪杯', hashtag: '#星巴克猫爪杯#', moderation: 'post' } }), 201);
    assert.equal(c.hashtag, '星巴克猫爪杯');
    const ev = (id: string, user: string, name: string, properties: Record<string, unknown>) => ({ event_id: id, user_id: user, name, properties });
    ok(
      await t.inject({
        method: 'POST',
        url: '/v1/events',
        headers: sk(),
        payload: {
          events: [
            ev('p1', 'u1', 'post.created', { post_id: 'post-1', text: '#星巴克猫爪杯# 排了两小时终于买到', image_urls: ['https://img.example.com/cup.jpg', 'javascript:alert(1)'] }),
            // The same post again under another event id (a host retry): collected once.
            ev('p1-again', 'u1', 'post.created', { post_id: 'post-1', text: '#星巴克猫爪杯# 排了两小时终于买到', image_urls: ['https://img.example.com/cup.jpg', 'javascript:alert(1)'] }),
            ev('p2', 'u2', 'post.created', { post_id: 'post-2', content: '今天的拿铁 ＃星巴克猫爪杯＃' }),
            ev('p3', 'u3', 'post.created', { post_id: 'post-3', text: '#瑞幸# 新品' }),
            ev('p4', 'u4', 'comment.created', { post_id: 'post-4', text: '#星巴克猫爪杯# 评论不算' }),
            ev('p5', 'u5', 'post.created', { post_id: 'post-5', text: 'no tag', hashtags: ['星巴克猫爪杯'] }),
          ],
        },
      }),
    );
    await t.services.bus.drain();
    const g = await gallery(c.id, 'sort=recent');
    assert.deepEqual(g.data.map((e: Entry & { source_ref: string }) => e.source_ref).sort(), ['post-1', 'post-2', 'post-5']);
    const first = g.data.find((e: Entry & { source_ref: string }) => e.source_ref === 'post-1');
    assert.deepEqual(first.image_urls, ['https://img.example.com/cup.jpg'], 'only http(s) images are kept');
    assert.equal(first.source, 'hashtag');
    findIssue(expectError(await t.inject({ method: 'POST', url: `/v1/stories/campaigns/${c.id}/entries`, headers: sk(), payload: { user_id: 'u9', text: '没有话题' } }), 400, 'validation_failed'), 'body.text');
    const direct = await submit(c.id, 'u9', { text: 'Loving my #星巴克猫爪杯', source_ref: 'post-9' });
    const again = await submit(c.id, 'u9', { text: 'Loving my #星巴克猫爪杯', source_ref: 'post-9' });
    assert.equal(again.id, direct.id, 'the same post is collected once');
  });

  it('winners by rule (top likes) and by operator; ranks continue; one prize event per new winner', async () => {
    const c = ok(await t.inject({ method: 'POST', url: '/v1/stories/campaigns', headers: sk(), payload: { kind: 'hashtag', title: 'cups', hashtag: '#cup', moderation: 'pre' } }), 201);
    const es: Entry[] = [];
    for (let i = 0; i < 4; i++) es.push(await submit(c.id, `w${i}`, { text: `my #cup ${i}` }));
    for (const e of es.slice(0, 3)) await approve(e.id);
    for (let i = 0; i < 5; i++) ok(await like(es[1]!.id, `l${i}`));
    for (let i = 0; i < 3; i++) ok(await like(es[2]!.id, `l${i}`));
    const prizes = await capture('story.prize_awarded', async () => {
      const byRule = ok(await t.inject({ method: 'POST', url: `/v1/stories/campaigns/${c.id}/winners`, headers: sk(), payload: { prize: '星礼卡 100 元', top_likes: 2 } }));
      assert.deepEqual(
        byRule.added.map((w: { entry_id: string; rank: number }) => [w.entry_id, w.rank]),
        [
          [es[1]!.id, 1],
          [es[2]!.id, 2],
        ],
      );
      const byOp = ok(await t.inject({ method: 'POST', url: `/v1/stories/campaigns/${c.id}/winners`, headers: sk(), payload: { prize: '猫爪杯', entry_ids: [es[1]!.id, es[0]!.id] } }));
      assert.deepEqual(
        byOp.added.map((w: { entry_id: string; rank: number; picked_by: string }) => [w.entry_id, w.rank, w.picked_by]),
        [[es[0]!.id, 3, 'operator']],
      );
    });
    assert.deepEqual(
      // Events are ordered per user (their shard of the log), not across users: compare by rank.
      prizes.map((p) => [p.userId, p.rank, p.prize]).sort((x, y) => Number(x[1]) - Number(y[1])),
      [
        ['w1', 1, '星礼卡 100 元'],
        ['w2', 2, '星礼卡 100 元'],
        ['w0', 3, '猫爪杯'],
      ],
    );
    findIssue(expectError(await t.inject({ method: 'POST', url: `/v1/stories/campaigns/${c.id}/winners`, headers: sk(), payload: { prize: 'x', entry_ids: [es[3]!.id] } }), 400, 'validation_failed'), 'body.entry_ids.0');
    findIssue(expectError(await t.inject({ method: 'POST', url: `/v1/stories/campaigns/${c.id}/winners`, headers: sk(), payload: { prize: 'x', entry_ids: ['entry_other'] } }), 400, 'validation_failed'), 'body.entry_ids.0');
    findIssue(expectError(await t.inject({ method: 'POST', url: `/v1/stories/campaigns/${c.id}/winners`, headers: sk(), payload: { prize: 'x' } }), 400, 'validation_failed'), 'body.entry_ids');
    const list = ok(await t.inject({ method: 'GET', url: `/v1/stories/campaigns/${c.id}/winners`, headers: sk() }));
    assert.equal(list.data.length, 3);
    const audited = await t.database.pool.query("select count(*)::int as n from au_log where target_id = $1 and action = 'story.winners'", [c.id]);
    assert.equal(audited.rows[0].n, 2, 'each pick is audited');
  });
});
