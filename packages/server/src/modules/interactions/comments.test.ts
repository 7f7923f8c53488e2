// Threaded comments over HTTP on a real database: threads, placeholders, sorting, likes, official
// replies, pins, featured comments, limits and the sensitive-word filter.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, startTestApp, type Tenant, type TestApp } from '../../testing/app.ts';
import { expectError, findIssue } from '../../testing/http.ts';
import { ok, recording } from './testing.ts';

let t: TestApp;
let tenant: Tenant;
let sk: Record<string, string>;

before(async () => {
  t = await startTestApp();
  tenant = await t.newTenant();
  sk = bearer(tenant.secretKey);
  // Most tests post many comments quickly; the posting limit has its own test.
  await settings({ moderation: { posting_limit: null } });
});
after(() => t.close());

type C = { id: string; body: string | null; status: string; root_id: string | null; parent_id: string | null; reply_to_user_id: string | null; likes: number; reply_count: number; official: string | null; pinned: boolean; featured: boolean; featured_by: string | null; user_id: string; viewer?: { liked: boolean } };
type Page = { data: C[]; next_cursor: string | null };

async function settings(patch: Record<string, unknown>, h = sk) {
  ok(await t.inject({ method: 'PATCH', url: '/v1/interactions/settings', headers: h, payload: patch }));
}
const post = (subject: string, userId: string, body: string, extra: Record<string, unknown> = {}, h = sk) => t.inject({ method: 'POST', url: `/v1/subjects/video/${subject}/comments`, headers: h, payload: { user_id: userId, body, ...extra } });
const reply = (id: string, userId: string, body: string, extra: Record<string, unknown> = {}, h = sk) => t.inject({ method: 'POST', url: `/v1/comments/${id}/replies`, headers: h, payload: { user_id: userId, body, ...extra } });
const list = async (subject: string, query = '') => ok<Page>(await t.inject({ method: 'GET', url: `/v1/subjects/video/${subject}/comments?${query}`, headers: sk }));
const like = (id: string, userId: string) => t.inject({ method: 'PUT', url: `/v1/comments/${id}/like`, headers: sk, payload: { user_id: userId } });
const commentCount = async (subject: string) => (ok<{ counts: { comments: number } }>(await t.inject({ method: 'GET', url: `/v1/subjects/video/${subject}`, headers: sk })).counts.comments);


describe('threads', () => {
  it('stores text as written and escapes it in every answer', async () => {
    const raw = '<img src=x onerror="alert(1)"> & \'quotes\' `tick`';
    const c = ok<C>(await post('X1', 'u1', raw), 201);
    assert.equal(c.body, '&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; &#39;quotes&#39; &#96;tick&#96;');
    const stored = await t.database.pool.query('select body from ix_comments where id = $1', [c.id]);
    assert.equal(stored.rows[0].body, raw);
    assert.equal((await list('X1')).data[0]!.body, c.body);
  });

  it('threads replies under one root with reply-to users, and publishes replies and mentions', async () => {
    const { result, events } = await recording(t, ['comment.created', 'comment.replied', 'comment.mentioned'], async () => {
      const root = ok<C>(await post('T1', 'alice', 'first!', { mentions: ['bob', 'alice', 'bob'] }), 201);
      const r1 = ok<C>(await reply(root.id, 'bob', 'hi alice'), 201);
      const r2 = ok<C>(await reply(r1.id, 'carol', 'hi bob', { mentions: ['dave'] }), 201);
      return { root, r1, r2 };
    });
    const { root, r1, r2 } = result;
    assert.equal(r1.root_id, root.id);
    assert.equal(r2.root_id, root.id);
    assert.equal(r2.parent_id, r1.id);
    assert.equal(r2.reply_to_user_id, 'bob');
    // The log orders events per acting user, not across users: compare sorted.
    const replied = events.filter((e) => e.name === 'comment.replied').map((e) => [e.payload.userId, e.payload.replyToUserId]).sort();
    assert.deepEqual(replied, [
      ['bob', 'alice'],
      ['carol', 'bob'],
    ]);
    assert.deepEqual(events.filter((e) => e.name === 'comment.mentioned').map((e) => e.payload.mentionedUserId).sort(), ['bob', 'dave']);
    assert.equal(events.filter((e) => e.name === 'comment.created').length, 3);
    const roots = await list('T1');
    assert.deepEqual(roots.data.map((c) => [c.id, c.reply_count]), [[root.id, 2]]);
    const thread = ok<Page>(await t.inject({ method: 'GET', url: `/v1/comments/${r2.id}/replies`, headers: sk }));
    assert.deepEqual(thread.data.map((c) => c.id), [r1.id, r2.id]);
    assert.equal(await commentCount('T1'), 3);
  });

  it('soft-deletes with placeholders that keep threads intact, and keeps counts exact', async () => {
    const lone = ok<C>(await post('D1', 'u1', 'lonely'), 201);
    const root = ok<C>(await post('D1', 'u2', 'root'), 201);
    const r1 = ok<C>(await reply(root.id, 'u3', 'reply'), 201);
    assert.equal(await commentCount('D1'), 3);
    const { events } = await recording(t, ['comment.deleted'], async () => {
      ok(await t.inject({ method: 'DELETE', url: `/v1/comments/${root.id}?user_id=u2`, headers: sk }));
      ok(await t.inject({ method: 'DELETE', url: `/v1/comments/${root.id}?user_id=u2`, headers: sk }));
      ok(await t.inject({ method: 'DELETE', url: `/v1/comments/${lone.id}?user_id=u1`, headers: sk }));
    });
    assert.equal(events.length, 2, 'a repeated delete publishes nothing');
    const roots = await list('D1', 'sort=new');
    assert.deepEqual(roots.data.map((c) => [c.id, c.status, c.body]), [[root.id, 'deleted', null]]);
    assert.equal(await commentCount('D1'), 1);
    expectError(await reply(root.id, 'u4', 'too late'), 409, 'interactions.comment_deleted');
    // Once its last reply is gone, the deleted root leaves the list.
    ok(await t.inject({ method: 'DELETE', url: `/v1/comments/${r1.id}?user_id=u3`, headers: sk }));
    assert.deepEqual((await list('D1')).data, []);
    const thread = ok<Page>(await t.inject({ method: 'GET', url: `/v1/comments/${root.id}/replies`, headers: sk }));
    assert.deepEqual(thread.data.map((c) => [c.status, c.body]), [['deleted', null]]);
    assert.equal(await commentCount('D1'), 0);
  });

  it("lets the subject's author delete comments under it, and nobody else", async () => {
    ok(await t.inject({ method: 'PUT', url: '/v1/subjects/video/D2', headers: sk, payload: { author_id: 'up' } }));
    const c = ok<C>(await post('D2', 'troll', 'bad'), 201);
    expectError(await t.inject({ method: 'DELETE', url: `/v1/comments/${c.id}?user_id=stranger`, headers: sk }), 403, 'interactions.not_author');
    const token = await t.userToken(tenant, 'up');
    const del = ok<C>(await t.inject({ method: 'DELETE', url: `/v1/comments/${c.id}`, headers: { ...bearer(tenant.publishableKey), 'x-user-token': token } }));
    assert.equal(del.status, 'deleted');
  });

  it('edits by the author only, re-screening the text', async () => {
    const c = ok<C>(await post('E1', 'writer', 'typo'), 201);
    const e = ok<C & { edited_at: string }>(await t.inject({ method: 'PATCH', url: `/v1/comments/${c.id}?user_id=writer`, headers: sk, payload: { body: 'fixed <b>' } }));
    assert.equal(e.body, 'fixed &lt;b&gt;');
    assert.ok(e.edited_at);
    expectError(await t.inject({ method: 'PATCH', url: `/v1/comments/${c.id}?user_id=other`, headers: sk, payload: { body: 'hijack' } }), 403, 'interactions.not_author');
    ok(await t.inject({ method: 'DELETE', url: `/v1/comments/${c.id}?user_id=writer`, headers: sk }));
    expectError(await t.inject({ method: 'PATCH', url: `/v1/comments/${c.id}?user_id=writer`, headers: sk, payload: { body: 'again' } }), 409, 'interactions.comment_deleted');
  });

  it('refuses bad input with clear 4xx answers', async () => {
    const long = 'x'.repeat(2001);
    const err = expectError(await post('B1', 'u', long), 400, 'interactions.comment_too_long');
    assert.equal(err.details?.field, 'body.body');
    assert.equal(err.details?.max_length, 2000);
    findIssue(expectError(await post('B1', 'u', 'y'.repeat(10_001)), 400, 'validation_failed'), 'body.body');
    findIssue(expectError(await post('B1', 'u', '   '), 400, 'validation_failed'), 'body.body');
    findIssue(expectError(await post('B1', 'u', 'a\u0000b'), 400, 'validation_failed'), 'body.body');
    expectError(await t.inject({ method: 'POST', url: '/v1/subjects/nope/B1/comments', headers: sk, payload: { user_id: 'u', body: 'x' } }), 400, 'interactions.unknown_kind');
    expectError(await reply('999999999', 'u', 'to nothing'), 404, 'interactions.comment_not_found');
    findIssue(expectError(await reply('abc', 'u', 'x'), 400, 'validation_failed'), 'params.commentId');
    // A comment of another app is not found from this one.
    const other = await t.newTenant();
    const theirs = ok<C>(await post('B2', 'u', 'theirs', {}, bearer(other.secretKey)), 201);
    expectError(await reply(theirs.id, 'u', 'cross-app'), 404, 'interactions.comment_not_found');
    expectError(await like(theirs.id, 'u'), 404, 'interactions.comment_not_found');
    expectError(await t.inject({ method: 'GET', url: `/v1/comments/${theirs.id}`, headers: sk }), 404, 'interactions.comment_not_found');
    // Cursors: garbage, and a cursor of another sort order.
    expectError(await t.inject({ method: 'GET', url: '/v1/subjects/video/B1/comments?cursor=%%%', headers: sk }), 400, 'invalid_cursor');
    const newCursor = Buffer.from(JSON.stringify({ id: 5 })).toString('base64url');
    expectError(await t.inject({ method: 'GET', url: `/v1/subjects/video/B1/comments?sort=top&cursor=${newCursor}`, headers: sk }), 400, 'invalid_cursor');
    findIssue(expectError(await t.inject({ method: 'GET', url: '/v1/subjects/video/B1/comments?sort=best', headers: sk }), 400, 'validation_failed'), 'query.sort');
  });
});

describe('sorting and likes', () => {
  it('sorts by new, top and hot, with cursors that walk every comment once', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push(ok<C>(await post('S1', `w${i}`, `c${i}`), 201).id);
    // likes: c3 gets 3, c5 gets 2, c1 gets 1
    for (const [i, n] of [
      [3, 3],
      [5, 2],
      [1, 1],
    ] as const)
      for (let k = 0; k < n; k++) ok(await like(ids[i]!, `liker-${k}`));
    const walk = async (sort: string) => {
      const out: C[] = [];
      let cursor: string | null = null;
      do {
        const p: Page = await list('S1', `sort=${sort}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        out.push(...p.data);
        cursor = p.next_cursor;
      } while (cursor);
      return out;
    };
    assert.deepEqual((await walk('new')).map((c) => c.id), [...ids].reverse());
    const top = await walk('top');
    assert.deepEqual(top.map((c) => [c.id, c.likes]), [ids[3], ids[5], ids[1], ids[6], ids[4], ids[2], ids[0]].map((id, i) => [id, [3, 2, 1, 0, 0, 0, 0][i]]));
    const hot = await walk('hot');
    assert.equal(hot.length, 7);
    assert.deepEqual(hot.slice(0, 3).map((c) => c.id), [ids[3], ids[5], ids[1]]);
  });

  it('counts 200 concurrent comment likes exactly, and one user once', async () => {
    const c = ok<C>(await post('L1', 'author', 'like me'), 201);
    const res = await Promise.all([...Array.from({ length: 200 }, (_, i) => like(c.id, `fan-${i}`)), ...Array.from({ length: 30 }, () => like(c.id, 'fan-0'))]);
    for (const r of res) assert.equal(r.statusCode, 200, r.body);
    assert.equal(res.filter((r) => r.json().changed).length, 200);
    const got = ok<C>(await t.inject({ method: 'GET', url: `/v1/comments/${c.id}?user_id=fan-7`, headers: sk }));
    assert.equal(got.likes, 200);
    assert.deepEqual(got.viewer, { liked: true });
    const un = ok<{ likes: number; changed: boolean }>(await t.inject({ method: 'DELETE', url: `/v1/comments/${c.id}/like?user_id=fan-7`, headers: sk }));
    assert.deepEqual([un.likes, un.changed], [199, true]);
  });

  it('features a comment by rule exactly once when concurrent likes cross the threshold', async () => {
    await settings({ comments: { featured_rule: { min_likes: 25, within_hours: 24 } } });
    const c = ok<C>(await post('F1', 'star', 'insightful'), 201);
    const { result, events } = await recording(t, ['comment.featured'], () => Promise.all(Array.from({ length: 60 }, (_, i) => like(c.id, `f-${i}`))));
    for (const r of result) assert.equal(r.statusCode, 200, r.body);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.payload.by, 'rule');
    assert.equal(events[0]!.payload.userId, 'star');
    const featured = await list('F1', 'featured=true');
    assert.deepEqual(featured.data.map((x) => [x.id, x.featured_by]), [[c.id, 'rule']]);
  });
});

describe('official replies, pins and featured comments', () => {
  it('badges the subject author and the app; refuses official from a user', async () => {
    ok(await t.inject({ method: 'PUT', url: '/v1/subjects/video/O1', headers: sk, payload: { author_id: 'up-o' } }));
    assert.equal(ok<C>(await post('O1', 'up-o', 'thanks all'), 201).official, 'author');
    assert.equal(ok<C>(await post('O1', 'fan', 'nice'), 201).official, null);
    assert.equal(ok<C>(await post('O1', 'official-account', 'announcement', { official: true }), 201).official, 'operator');
    const op = await t.newOperator(tenant.appId, 'operator');
    const byOp = ok<C>(await post('O1', 'official-account', 'from the console', {}, { ...bearer(op.token), 'x-canyu-app': tenant.appId }), 201);
    assert.equal(byOp.official, 'operator');
    const token = await t.userToken(tenant, 'fan');
    expectError(await post('O1', 'fan', 'me official', { official: true }, { ...bearer(tenant.publishableKey), 'x-user-token': token }), 403, 'auth.forbidden');
    assert.equal((await list('O1', 'official=true')).data.length, 3);
  });

  it('pins up to the limit, even when pins race', async () => {
    await settings({ comments: { pin_limit: 2 } });
    ok(await t.inject({ method: 'PUT', url: '/v1/subjects/video/P1', headers: sk, payload: { author_id: 'up-p' } }));
    const cs: C[] = [];
    for (let i = 0; i < 5; i++) cs.push(ok<C>(await post('P1', `p${i}`, `c${i}`), 201));
    const res = await Promise.all(cs.map((c) => t.inject({ method: 'PUT', url: `/v1/comments/${c.id}/pin`, headers: sk })));
    assert.equal(res.filter((r) => r.statusCode === 200).length, 2);
    for (const r of res.filter((x) => x.statusCode !== 200)) expectError(r, 409, 'interactions.pin_limit');
    assert.equal((await list('P1', 'pinned=true')).data.length, 2);
    const pinned = (await list('P1', 'pinned=true')).data[0]!;
    ok(await t.inject({ method: 'DELETE', url: `/v1/comments/${pinned.id}/pin`, headers: sk }));
    // The subject's author may pin; another user may not; replies cannot be pinned.
    const free = cs.find((c) => c.id !== pinned.id && !(res[cs.indexOf(c)]!.statusCode === 200))!;
    expectError(await t.inject({ method: 'PUT', url: `/v1/comments/${free.id}/pin?user_id=p0`, headers: sk }), 403, 'interactions.not_author');
    ok(await t.inject({ method: 'PUT', url: `/v1/comments/${free.id}/pin?user_id=up-p`, headers: sk }));
    const r = ok<C>(await reply(free.id, 'x', 'a reply'), 201);
    expectError(await t.inject({ method: 'PUT', url: `/v1/comments/${r.id}/pin`, headers: sk }), 400, 'interactions.not_root');
    await settings({ comments: { pin_limit: 3 } });
  });

  it('features and unfeatures by hand (the app only), audited', async () => {
    const c = ok<C>(await post('G1', 'gem', 'a gem'), 201);
    const op = await t.newOperator(tenant.appId, 'operator');
    const h = { ...bearer(op.token), 'x-canyu-app': tenant.appId };
    const f = ok<C>(await t.inject({ method: 'PUT', url: `/v1/comments/${c.id}/feature`, headers: h }));
    assert.deepEqual([f.featured, f.featured_by], [true, 'operator']);
    const token = await t.userToken(tenant, 'gem');
    expectError(await t.inject({ method: 'PUT', url: `/v1/comments/${c.id}/feature`, headers: { ...bearer(tenant.publishableKey), 'x-user-token': token } }), 403, 'auth.forbidden');
    const un = ok<C>(await t.inject({ method: 'DELETE', url: `/v1/comments/${c.id}/feature`, headers: h }));
    assert.equal(un.featured, false);
    const owner = await t.newOperator(tenant.appId, 'owner');
    const log = ok<{ data: { action: string }[] }>(await t.inject({ method: 'GET', url: `/v1/apps/${tenant.appId}/audit-log?target_id=${c.id}`, headers: bearer(owner.token) }));
    assert.deepEqual(log.data.map((e) => e.action), ['comment.unfeature', 'comment.feature']);
  });
});

describe('posting limits and the sensitive-word filter', () => {
  it('limits posts per user per window exactly, even when they race', async () => {
    const other = await t.newTenant();
    const h = bearer(other.secretKey);
    await settings({ moderation: { posting_limit: { max: 3, window_seconds: 60 } } }, h);
    const res = await Promise.all(Array.from({ length: 10 }, (_, i) => post('R1', 'spammer', `spam ${i}`, {}, h)));
    assert.equal(res.filter((r) => r.statusCode === 201).length, 3);
    const refused = res.find((r) => r.statusCode !== 201)!;
    expectError(refused, 429, 'interactions.posting_too_fast');
    assert.ok(Number(refused.headers['retry-after']) >= 1);
    assert.equal((await post('R1', 'someone-else', 'fine', {}, h)).statusCode, 201);
  });

  it('masks or rejects sensitive words in Chinese and English', async () => {
    const other = await t.newTenant();
    const h = bearer(other.secretKey);
    await settings({ moderation: { posting_limit: null, filter_mode: 'mask', words: ['傻逼', 'fuck', '法轮'] } }, h);
    const masked = ok<C>(await post('W1', 'u', '你这个傻 逼，FUCK off; 法-轮', {}, h), 201);
    assert.equal(masked.body, '你这个***，**** off; ***');
    assert.equal(ok<C>(await post('W1', 'u', 'the fuckup? no: classic and passion', {}, h), 201).body, 'the fuckup? no: classic and passion');
    await settings({ moderation: { filter_mode: 'reject' } }, h);
    const err = expectError(await post('W1', 'u', '傻逼', {}, h), 400, 'interactions.sensitive_content');
    assert.equal(err.details?.field, 'body.body');
    const c = ok<C>(await post('W1', 'u', 'clean', {}, h), 201);
    expectError(await t.inject({ method: 'PATCH', url: `/v1/comments/${c.id}?user_id=u`, headers: h, payload: { body: 'now fuck' } }), 400, 'interactions.sensitive_content');
    expectError(await t.inject({ method: 'POST', url: '/v1/users/u/folders', headers: h, payload: { name: '傻逼收藏' } }), 400, 'interactions.sensitive_content');
  });
});

describe('viewer state is private (issue 11 #18)', () => {
  it('a publishable key alone cannot read a named user\'s likes; a user token reads only its own', async () => {
    ok(await t.inject({ method: 'PUT', url: '/v1/subjects/video/PV1/like', headers: sk, payload: { user_id: 'victim' } }));
    const c = ok<{ id: string }>(await t.inject({ method: 'POST', url: '/v1/subjects/video/PV1/comments', headers: sk, payload: { user_id: 'poster', body: 'hi' } }), 201);
    ok(await t.inject({ method: 'PUT', url: `/v1/comments/${c.id}/like`, headers: sk, payload: { user_id: 'victim' } }));
    const pk = bearer(tenant.publishableKey);
    for (const url of ['/v1/subjects/video/PV1?user_id=victim', '/v1/subjects?user_id=victim', '/v1/subjects/video/PV1/comments?user_id=victim', `/v1/comments/${c.id}?user_id=victim`, `/v1/comments/${c.id}/replies?user_id=victim`]) {
      const res = await t.inject({ method: 'GET', url, headers: pk });
      const e = expectError(res, 403, 'auth.forbidden');
      assert.equal((e.details as { field: string }).field, 'query.user_id', url);
    }
    // Without user_id the publishable key still reads the public view.
    ok(await t.inject({ method: 'GET', url: '/v1/subjects/video/PV1', headers: pk }));
    const victim = { ...pk, 'x-user-token': await t.userToken(tenant, 'victim') };
    const own = ok<{ viewer: { liked: boolean } }>(await t.inject({ method: 'GET', url: '/v1/subjects/video/PV1', headers: victim }));
    assert.equal(own.viewer.liked, true);
    const other = { ...pk, 'x-user-token': await t.userToken(tenant, 'snoop') };
    expectError(await t.inject({ method: 'GET', url: '/v1/subjects/video/PV1?user_id=victim', headers: other }), 403, 'auth.wrong_user');
    // The secret key (the host's backend) may name anyone.
    assert.equal(ok<{ viewer: { liked: boolean } }>(await t.inject({ method: 'GET', url: '/v1/subjects/video/PV1?user_id=victim', headers: sk })).viewer.liked, true);
  });
});

describe('pinned comments first (issue 11 #19)', () => {
  it('the default list starts with the pinned comments on its first page and never repeats them', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(ok<C>(await post('PF1', `pf-${i}`, `comment ${i}`), 201).id);
    ok(await t.inject({ method: 'PUT', url: `/v1/comments/${ids[0]!}/pin`, headers: sk }));
    const p1 = await list('PF1', 'sort=new&limit=2');
    assert.deepEqual(p1.data.map((c) => [c.id, c.pinned]), [[ids[0], true], [ids[4], false], [ids[3], false]]);
    const p2 = await list('PF1', `sort=new&limit=10&cursor=${p1.next_cursor!}`);
    assert.deepEqual(p2.data.map((c) => c.id), [ids[2], ids[1]]);
    assert.deepEqual((await list('PF1', 'pinned=false&sort=new')).data.map((c) => c.id), [ids[4], ids[3], ids[2], ids[1]]);
  });
});

describe('@mentions written in the text (issue 11 #19)', () => {
  type M = C & { mentions: string[] };
  const mentioned = (events: { name: string; payload: Record<string, unknown> }[]) => events.filter((e) => e.name === 'comment.mentioned').map((e) => e.payload);

  it('a comment naming two users mentions both, each told once by a comment.mentioned event', async () => {
    const { result: c, events } = await recording(t, ['comment.mentioned'], async () => ok<M>(await post('MN1', 'u_author', '@u_123 and @u_456 look at this; @u_123 again, and me @u_author'), 201));
    assert.deepEqual(c.mentions, ['u_123', 'u_456']);
    const got = mentioned(events);
    assert.deepEqual(got.map((p) => p.mentionedUserId).sort(), ['u_123', 'u_456']);
    for (const p of got) {
      assert.equal(p.userId, 'u_author');
      assert.equal(p.commentId, c.id);
      assert.equal(p.appId, tenant.appId);
      assert.deepEqual(p.subject, { kind: 'video', id: 'MN1', authorId: null });
    }
    assert.deepEqual((await list('MN1')).data.map((x) => (x as M).mentions), [['u_123', 'u_456']]);
    const stored = await t.database.pool.query('select mentions from ix_comments where id = $1', [c.id]);
    assert.deepEqual(stored.rows[0].mentions, ['u_123', 'u_456']);
  });

  it('handles end at punctuation, ASCII and Chinese; an e-mail address is not a mention', async () => {
    const c = ok<M>(await post('MN2', 'writer', '谢谢@张三，还有@李四！(@bob), @carol: see a@b.com or mail x.y@example.cn。@dave.'), 201);
    assert.deepEqual(c.mentions, ['张三', '李四', 'bob', 'carol', 'dave']);
    const r = ok<M>(await reply(c.id, 'bob', '回复@writer：好的、@eve；@frank？'), 201);
    assert.deepEqual(r.mentions, ['writer', 'eve', 'frank']);
  });

  it('joins the explicit list, and an edit announces only users newly mentioned', async () => {
    const c = ok<M>(await post('MN3', 'writer', 'hi @amy', { mentions: ['ben'] }), 201);
    assert.deepEqual(c.mentions, ['ben', 'amy']);
    const { result: e, events } = await recording(t, ['comment.mentioned'], async () =>
      ok<M>(await t.inject({ method: 'PATCH', url: `/v1/comments/${c.id}?user_id=writer`, headers: sk, payload: { body: 'hi @amy and @cat' } })),
    );
    assert.deepEqual(e.mentions, ['ben', 'amy', 'cat'], 'the explicit list stays; the text is read again');
    assert.deepEqual(mentioned(events).map((p) => p.mentionedUserId), ['cat']);
    const dropped = ok<M>(await t.inject({ method: 'PATCH', url: `/v1/comments/${c.id}?user_id=writer`, headers: sk, payload: { body: 'just @cat now' } }));
    assert.deepEqual(dropped.mentions, ['ben', 'cat']);
  });

  it('keeps at most 20, whatever the text holds', async () => {
    const body = Array.from({ length: 25 }, (_, i) => `@m${i}`).join(' ');
    const { result: c, events } = await recording(t, ['comment.mentioned'], async () => ok<M>(await post('MN4', 'writer', body), 201));
    assert.equal(c.mentions.length, 20);
    assert.equal(mentioned(events).length, 20);
  });
});

describe("a comment inside a caller's transaction", () => {
  it('commits with the caller, and a rollback of the caller leaves no comment, counter or event', async () => {
    const ix = t.services.interactions;
    const db = t.database.db;
    const actor = { type: 'system' as const, id: null };
    const boom = new Error('caller failed after the comment');
    await assert.rejects(
      db.transaction(async (tx) => {
        await ix.comments.create({ db: tx, actor }, tenant.appId, 'video', 'TX1', { kind: 'user', userId: 'tx-u' }, { userId: 'tx-u', body: 'rolled back' });
        throw boom;
      }),
      (err) => err === boom,
    );
    const gone = await t.database.pool.query("select count(*)::int as n from ix_comments where app_id = $1 and body = 'rolled back'", [tenant.appId]);
    assert.equal(gone.rows[0].n, 0);
    const events = await t.database.pool.query("select count(*)::int as n from ev_log where name = 'comment.created' and payload->>'body' = 'rolled back'");
    assert.equal(events.rows[0].n, 0);
    const kept = await db.transaction((tx) => ix.comments.create({ db: tx, actor }, tenant.appId, 'video', 'TX1', { kind: 'user', userId: 'tx-u' }, { userId: 'tx-u', body: 'committed' }));
    assert.equal(kept.body, 'committed');
    assert.equal(await commentCount('TX1'), 1);
  });
});
