// Replies to group posts are interactions comments on the post's reserved subject
// (canyu.community_post): written once with the ledger, counters and events; kept from the generic
// interactions routes (403 interactions.subject_reserved); moderated in /v1/moderation; erased with
// their author; and moved from the old co_replies bodies by migration 0046.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { bearer, startTestApp, type Tenant, type TestApp } from '../../testing/app.ts';
import { expectError, findIssue } from '../../testing/http.ts';

let offsetMs = 0;
const clock = { now: () => new Date(Date.now() + offsetMs) };

let t: TestApp;
let A: Tenant;
let mod: Record<string, string>;
before(async () => {
  t = await startTestApp({ clock });
  A = await t.newTenant('group-replies');
  const m = await t.newOperator(A.appId, 'moderator');
  mod = { ...bearer(m.token), 'x-canyu-app': A.appId };
});
after(() => t.close());

const sk = () => bearer(A.secretKey);
const ok = (res: LightMyRequestResponse, status = 200) => {
  assert.equal(res.statusCode, status, res.body.slice(0, 500));
  return status === 204 ? null : res.json();
};
type Reply = { id: string; post_id: string; author_id: string; body: string; created_at: string };
const group = async (body: Record<string, unknown> = {}): Promise<{ id: string }> => ok(await t.inject({ method: 'POST', url: '/v1/communities', headers: sk(), payload: { name: '回复群', owner_id: 'owner-1', ...body } }), 201);
const join = async (g: string, u: string) => ok(await t.inject({ method: 'POST', url: `/v1/communities/${g}/join`, headers: sk(), payload: { user_id: u } }));
const postIn = async (g: string, u: string, extra: Record<string, unknown> = {}): Promise<{ id: string; reply_count: number }> => ok(await t.inject({ method: 'POST', url: `/v1/communities/${g}/posts`, headers: sk(), payload: { user_id: u, body: '帖子', ...extra } }), 201);
const replyTo = (g: string, p: string, u: string, body: string) => t.inject({ method: 'POST', url: `/v1/communities/${g}/posts/${p}/replies`, headers: sk(), payload: { user_id: u, body } });
const repliesOf = async (g: string, p: string, q = ''): Promise<{ data: Reply[]; next_cursor: string | null }> => ok(await t.inject({ method: 'GET', url: `/v1/communities/${g}/posts/${p}/replies${q}`, headers: sk() }));
const getPost = async (g: string, p: string) => ok(await t.inject({ method: 'GET', url: `/v1/communities/${g}/posts/${p}`, headers: sk() }));
const settings = async (patch: Record<string, unknown>) => ok(await t.inject({ method: 'PATCH', url: '/v1/interactions/settings', headers: sk(), payload: patch }));
const q1 = async <T = number>(sql: string, params: unknown[]): Promise<T> => (await t.database.pool.query(sql, params)).rows[0]?.n as T;
const events = (name: string, postId: string) => q1(`select count(*)::int as n from ev_log where name = $1 and payload->>'postId' = $2`, [name, postId]);
const commentsOn = (postId: string) => q1(`select count(*)::int as n from ix_comments c join ix_subjects s on s.id = c.subject_id where s.kind = 'canyu.community_post' and s.external_id = $1`, [postId]);

describe('a reply is an interactions comment', () => {
  it('is written once with its ledger row and events, listed by the communities routes, and reaches the moderation queue', async () => {
    const g = await group();
    for (const u of ['m-1', 'm-2']) await join(g.id, u);
    const p = await postIn(g.id, 'm-2', { kind: 'question' });
    const r: Reply = ok(await replyTo(g.id, p.id, 'm-1', '<b>看文档</b>'), 201);
    assert.deepEqual(Object.keys(r).sort(), ['author_id', 'body', 'created_at', 'id', 'post_id']);
    assert.deepEqual({ post_id: r.post_id, author_id: r.author_id, body: r.body }, { post_id: p.id, author_id: 'm-1', body: '&lt;b&gt;看文档&lt;/b&gt;' }, 'HTML-escaped in the answer');
    assert.match(r.id, /^\d+$/, 'the reply id is the comment id');
    const c = (await t.database.pool.query(`select c.user_id, c.body, c.status, s.kind, s.external_id from ix_comments c join ix_subjects s on s.id = c.subject_id where c.id = $1`, [r.id])).rows[0];
    assert.deepEqual(c, { user_id: 'm-1', body: '<b>看文档</b>', status: 'visible', kind: 'canyu.community_post', external_id: p.id });
    const ledger = (await t.database.pool.query(`select * from co_replies where id = $1`, [r.id])).rows[0];
    assert.equal(ledger.post_id, p.id);
    assert.equal('body' in ledger, false, 'the text lives in interactions only');
    assert.equal(await events('community.replied', p.id), 1);
    assert.equal(await q1(`select count(*)::int as n from ev_log where name = 'comment.created' and payload->>'commentId' = $1`, [r.id]), 1);
    assert.equal((await getPost(g.id, p.id)).reply_count, 1);
    assert.deepEqual((await repliesOf(g.id, p.id)).data, [r]);

    // A member reports it (once); a stranger cannot; the operator's queue shows it as a comment.
    expectError(await t.inject({ method: 'POST', url: `/v1/communities/${g.id}/posts/${p.id}/replies/${r.id}/reports`, headers: sk(), payload: { user_id: 'stranger', reason: 'spam' } }), 404, 'communities.not_member');
    const rep = ok(await t.inject({ method: 'POST', url: `/v1/communities/${g.id}/posts/${p.id}/replies/${r.id}/reports`, headers: sk(), payload: { user_id: 'm-2', reason: 'spam', note: '广告' } }), 201);
    assert.deepEqual({ new: rep.new, open_reports: rep.open_reports, hidden: rep.hidden }, { new: true, open_reports: 1, hidden: false });
    assert.equal(ok(await t.inject({ method: 'POST', url: `/v1/communities/${g.id}/posts/${p.id}/replies/${r.id}/reports`, headers: sk(), payload: { user_id: 'm-2', reason: 'spam' } }), 201).new, false);
    findIssue(expectError(await t.inject({ method: 'POST', url: `/v1/communities/${g.id}/posts/${p.id}/replies/nope/reports`, headers: sk(), payload: { user_id: 'm-2', reason: 'spam' } }), 400, 'validation_failed'), 'params.replyId');
    const queue = ok(await t.inject({ method: 'GET', url: '/v1/moderation/queue', headers: mod }));
    const item = queue.data.find((i: { comment: { id: string } }) => i.comment.id === r.id);
    assert.ok(item, 'the reply is in the moderation queue');
    assert.deepEqual(item.comment.subject, { kind: 'canyu.community_post', id: p.id });
    assert.deepEqual(item.reasons, { spam: 1 });

    // The moderator hides it: it leaves the list and cannot be accepted, and still counts (see store.ts).
    ok(await t.inject({ method: 'POST', url: `/v1/moderation/comments/${r.id}/decision`, headers: mod, payload: { action: 'hide' } }));
    assert.deepEqual((await repliesOf(g.id, p.id)).data, []);
    findIssue(expectError(await t.inject({ method: 'POST', url: `/v1/communities/${g.id}/posts/${p.id}/accept`, headers: sk(), payload: { user_id: 'm-2', reply_id: r.id } }), 400, 'validation_failed'), 'body.reply_id');
    assert.equal((await getPost(g.id, p.id)).reply_count, 1);
    ok(await t.inject({ method: 'POST', url: `/v1/moderation/comments/${r.id}/decision`, headers: mod, payload: { action: 'approve' } }));
    assert.deepEqual((await repliesOf(g.id, p.id)).data.map((x) => x.id), [r.id]);
    assert.equal(ok(await t.inject({ method: 'POST', url: `/v1/communities/${g.id}/posts/${p.id}/accept`, headers: sk(), payload: { user_id: 'm-2', reply_id: r.id } })).accepted_reply_id, r.id);
  });

  it('pages oldest first by comment id', async () => {
    const g = await group();
    await join(g.id, 'pg-1');
    const p = await postIn(g.id, 'owner-1');
    const ids: string[] = [];
    for (let i = 1; i <= 5; i++) ids.push(ok(await replyTo(g.id, p.id, 'pg-1', `第${i}条`), 201).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await repliesOf(g.id, p.id, `?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      assert.ok(page.data.length <= 2);
      seen.push(...page.data.map((x) => x.id));
      cursor = page.next_cursor;
    } while (cursor);
    assert.deepEqual(seen, ids);
    expectError(await t.inject({ method: 'GET', url: `/v1/communities/${g.id}/posts/${p.id}/replies?cursor=garbage`, headers: sk() }), 400, 'invalid_cursor');
    expectError(await t.inject({ method: 'GET', url: `/v1/communities/${g.id}/posts/nope/replies`, headers: sk() }), 404, 'communities.post_not_found');
  });
});

describe('the generic interactions routes refuse group content', () => {
  it('answers 403 interactions.subject_reserved naming the field, to a member’s user token, the secret key and an operator', async () => {
    const g = await group();
    await join(g.id, 'gen-1');
    const p = await postIn(g.id, 'gen-1');
    const r: Reply = ok(await replyTo(g.id, p.id, 'owner-1', '群内回复'), 201);
    const token = await t.userToken(A, 'gen-1');
    const asUser = { ...bearer(A.publishableKey), 'x-user-token': token };
    const subject = `/v1/subjects/canyu.community_post/${p.id}`;
    const comment = `/v1/comments/${r.id}`;
    const calls: [string, string, Record<string, unknown> | undefined, string][] = [
      ['POST', `${subject}/comments`, { body: '绕过社群' }, 'params.kind'],
      ['GET', `${subject}/comments`, undefined, 'params.kind'],
      ['GET', subject, undefined, 'params.kind'],
      ['PUT', `${subject}/like`, {}, 'params.kind'],
      ['PUT', `${subject}/favourite`, {}, 'params.kind'],
      ['POST', `${subject}/shares`, { channel: 'wechat' }, 'params.kind'],
      ['POST', `${subject}/triple`, {}, 'params.kind'],
      ['GET', `${subject}/likers`, undefined, 'params.kind'],
      ['GET', '/v1/subjects?kind=canyu.community_post', undefined, 'query.kind'],
      ['GET', '/v1/hot?kind=canyu.community_post', undefined, 'query.kind'],
      ['GET', '/v1/rankings?kind=canyu.community_post', undefined, 'query.kind'],
      ['GET', comment, undefined, 'params.commentId'],
      ['GET', `${comment}/replies`, undefined, 'params.commentId'],
      ['POST', `${comment}/replies`, { body: '绕过社群' }, 'params.commentId'],
      ['PATCH', comment, { body: '改写' }, 'params.commentId'],
      ['PUT', `${comment}/like`, {}, 'params.commentId'],
      ['POST', `${comment}/reports`, { reason: 'spam' }, 'params.commentId'],
      ['DELETE', comment, undefined, 'params.commentId'],
    ];
    const withUser = (url: string, body: Record<string, unknown> | undefined, method: string, who: 'user' | 'key') => {
      if (who === 'user') return { url, body };
      // The secret key names the user: in the body for writes, in the query for deletes and edits.
      const named = method === 'DELETE' || method === 'PATCH' ? `${url}${url.includes('?') ? '&' : '?'}user_id=gen-1` : url;
      return { url: named, body: body === undefined || method === 'PATCH' ? body : { ...body, user_id: 'gen-1' } };
    };
    for (const [method, url, body, field] of calls) {
      for (const who of ['user', 'key'] as const) {
        const c = withUser(url, body, method, who);
        const res = await t.inject({ method: method as 'GET', url: c.url, headers: who === 'user' ? asUser : sk(), ...(c.body ? { payload: c.body } : {}) });
        const err = expectError(res, 403, 'interactions.subject_reserved');
        assert.equal(err.details?.field, field, `${method} ${url} as ${who}`);
      }
    }
    // An operator moderates through /v1/moderation, not the generic comment routes.
    assert.equal(expectError(await t.inject({ method: 'DELETE', url: comment, headers: mod }), 403, 'interactions.subject_reserved').details?.field, 'params.commentId');
    // Nothing was written around the community; the reply is untouched.
    assert.equal(await commentsOn(p.id), 1);
    assert.equal(await q1(`select count(*)::int as n from ix_reactions x join ix_subjects s on s.id = x.subject_id where s.kind = 'canyu.community_post'`, []), 0);
    assert.deepEqual((await repliesOf(g.id, p.id)).data, [r]);
    // Reserved subjects stay out of the app's subject list, and the app cannot claim the kind.
    const all = ok(await t.inject({ method: 'GET', url: '/v1/subjects?limit=100', headers: sk() }));
    assert.ok(all.data.every((s: { kind: string }) => !s.kind.startsWith('canyu.')));
    ok(await t.inject({ method: 'POST', url: '/v1/slots', headers: sk(), payload: { key: 'group-picks', title: '群精选' } }), 201);
    const slot = expectError(await t.inject({ method: 'PUT', url: '/v1/slots/group-picks/items', headers: sk(), payload: { items: [{ kind: 'canyu.community_post', subject_id: p.id }] } }), 403, 'interactions.subject_reserved');
    assert.equal(slot.details?.field, 'body.items.0.kind');
    const claim = expectError(await t.inject({ method: 'PATCH', url: '/v1/interactions/settings', headers: sk(), payload: { kinds: ['video', 'canyu.community_post'] } }), 403, 'interactions.subject_reserved');
    assert.equal(claim.details?.field, 'body.kinds.1');
  });
});

describe('who may reply', () => {
  it('a muted member, a non-member and a blocked user cannot; nothing is written for them', async () => {
    const g = await group();
    for (const u of ['mu-1', 'mu-2', 'mu-3']) await join(g.id, u);
    const p = await postIn(g.id, 'mu-1', { kind: 'question' });
    ok(await t.inject({ method: 'POST', url: `/v1/communities/${g.id}/members/mu-2/mute`, headers: sk(), payload: { minutes: 30 } }));
    expectError(await replyTo(g.id, p.id, 'mu-2', '我被禁言了'), 403, 'communities.muted');
    expectError(await replyTo(g.id, p.id, 'outsider', '我不是成员'), 404, 'communities.not_member');
    ok(await t.inject({ method: 'PUT', url: '/v1/moderation/blocks/mu-3', headers: mod, payload: { reason: '刷屏' } }));
    expectError(await replyTo(g.id, p.id, 'mu-3', '我被封了'), 403, 'interactions.user_blocked');
    ok(await t.inject({ method: 'DELETE', url: '/v1/moderation/blocks/mu-3', headers: mod }), 204);
    // With the user token too: the acting user is the token's.
    const token = await t.userToken(A, 'mu-2');
    expectError(await t.inject({ method: 'POST', url: `/v1/communities/${g.id}/posts/${p.id}/replies`, headers: { ...bearer(A.publishableKey), 'x-user-token': token }, payload: { body: '换个方式' } }), 403, 'communities.muted');
    assert.equal(await commentsOn(p.id), 0);
    assert.equal(await q1(`select count(*)::int as n from co_replies where post_id = $1`, [p.id]), 0);
    assert.equal(await events('community.replied', p.id), 0);
    const after = await getPost(g.id, p.id);
    assert.deepEqual({ reply_count: after.reply_count, first_reply_at: after.first_reply_at }, { reply_count: 0, first_reply_at: null });
    // Unmuted (the mute runs out), the same member replies.
    offsetMs += 31 * 60_000;
    ok(await replyTo(g.id, p.id, 'mu-2', '我回来了'), 201);
  });

  it('the app’s comment rules apply once: words masked or refused (naming body.body, nothing written), the posting limit', async () => {
    const g = await group();
    await join(g.id, 'sw-1');
    const p = await postIn(g.id, 'owner-1');
    try {
      await settings({ moderation: { filter_mode: 'mask', words: ['傻逼'] } });
      const masked: Reply = ok(await replyTo(g.id, p.id, 'sw-1', '你傻逼吧'), 201);
      assert.equal(masked.body, '你**吧');
      assert.equal((await repliesOf(g.id, p.id)).data[0]!.body, '你**吧');
      await settings({ moderation: { filter_mode: 'reject' } });
      const err = expectError(await replyTo(g.id, p.id, 'sw-1', '傻逼'), 400, 'interactions.sensitive_content');
      assert.equal(err.details?.field, 'body.body');
      assert.equal(await commentsOn(p.id), 1);
      assert.equal(await events('community.replied', p.id), 1);
      assert.equal((await getPost(g.id, p.id)).reply_count, 1);
      await settings({ moderation: { filter_mode: 'off', posting_limit: { max: 2, window_seconds: 60 } } });
      ok(await replyTo(g.id, p.id, 'sw-1', '二'), 201);
      expectError(await replyTo(g.id, p.id, 'sw-1', '三'), 429, 'interactions.posting_too_fast');
      assert.equal((await getPost(g.id, p.id)).reply_count, 2);
    } finally {
      await settings({ moderation: { filter_mode: 'off', words: [], posting_limit: { max: 20, window_seconds: 60 } } });
    }
  });
});

describe('racing first replies', () => {
  it('close a question’s unanswered alert exactly once, and count every reply', async () => {
    const g = await group({ unanswered_minutes: 5 });
    const users = ['rc-1', 'rc-2', 'rc-3', 'rc-4', 'rc-5', 'rc-6'];
    for (const u of users) await join(g.id, u);
    const p = await postIn(g.id, 'owner-1', { kind: 'question', title: '有人吗？' });
    offsetMs += 6 * 60_000;
    await t.services.communities.tick();
    assert.equal((await getPost(g.id, p.id)).alert_level, 1);
    const res = await Promise.all(users.map((u) => replyTo(g.id, p.id, u, `我来答 ${u}`)));
    for (const r of res) assert.equal(r.statusCode, 201, r.body);
    assert.equal(await events('community.question_answered', p.id), 1);
    assert.equal(await events('community.replied', p.id), users.length);
    assert.equal(await commentsOn(p.id), users.length);
    const after = await getPost(g.id, p.id);
    assert.equal(after.reply_count, users.length);
    const first = (await repliesOf(g.id, p.id)).data[0]!;
    assert.equal(after.first_reply_at, first.created_at);
    offsetMs += 10 * 60_000;
    await t.services.communities.tick();
    assert.equal((await getPost(g.id, p.id)).alert_level, 1, 'no escalation after the answer');
  });
});

describe('erasure and deletion', () => {
  it('erasing a member blanks their replies; erasing a post’s author or deleting the group drops the post’s thread', async () => {
    const g = await group();
    for (const u of ['er-1', 'er-2', 'er-3']) await join(g.id, u);
    const p = await postIn(g.id, 'er-2', { kind: 'question' });
    const mine: Reply = ok(await replyTo(g.id, p.id, 'er-1', '我的回答'), 201);
    const other: Reply = ok(await replyTo(g.id, p.id, 'er-3', '另一个回答'), 201);
    ok(await t.inject({ method: 'DELETE', url: '/v1/users/er-1', headers: sk() }), 204);
    await t.services.bus.drain();
    const c = (await t.database.pool.query(`select body, status, user_id from ix_comments where id = $1`, [mine.id])).rows[0];
    assert.deepEqual({ body: c.body, status: c.status }, { body: '', status: 'deleted' });
    assert.notEqual(c.user_id, 'er-1');
    assert.equal(await q1(`select count(*)::int as n from co_replies where author_id = 'er-1'`, []), 0);
    assert.deepEqual((await repliesOf(g.id, p.id)).data.map((x) => x.id), [other.id]);
    const post = await getPost(g.id, p.id);
    assert.deepEqual({ reply_count: post.reply_count, first_reply_at: post.first_reply_at }, { reply_count: 1, first_reply_at: other.created_at });

    // The question's author goes: their post, and every reply to it, with it.
    ok(await t.inject({ method: 'DELETE', url: '/v1/users/er-2', headers: sk() }), 204);
    await t.services.bus.drain();
    assert.equal(await commentsOn(p.id), 0);
    assert.equal(await q1(`select count(*)::int as n from ix_subjects where kind = 'canyu.community_post' and external_id = $1`, [p.id]), 0);

    // Deleting the group drops its posts' threads.
    const p2 = await postIn(g.id, 'er-3');
    ok(await replyTo(g.id, p2.id, 'owner-1', '再见'), 201);
    assert.equal(await commentsOn(p2.id), 1);
    ok(await t.inject({ method: 'DELETE', url: `/v1/communities/${g.id}`, headers: sk() }), 204);
    assert.equal(await commentsOn(p2.id), 0);
  });
});

describe('migration 0046', () => {
  it('moves the old replies’ bodies into comments, in order, and renames the ledger and accepted answers', async () => {
    const g = await group();
    const p = await postIn(g.id, 'owner-1', { kind: 'question' });
    const file = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../db/migrations/0046_co_replies_comments.sql');
    const statements = fs.readFileSync(file, 'utf8').split('--> statement-breakpoint');
    const client = await t.database.pool.connect();
    try {
      await client.query('begin');
      // The table as it was before 0046, with two replies written the old way.
      // (Replies the other tests wrote the new way are set aside: this database is past 0046.)
      await client.query(`delete from co_replies`);
      await client.query(`alter table co_replies add column body text`);
      const at = (m: number) => new Date(Date.parse('2031-01-01T00:00:00Z') + m * 60_000).toISOString();
      await client.query(`insert into co_replies (id, app_id, group_id, post_id, author_id, body, created_at) values ('cre_b', $1, $2, $3, 'old-2', '后来的', $4), ('cre_a', $1, $2, $3, 'old-1', '先来的', $5)`, [A.appId, g.id, p.id, at(2), at(1)]);
      await client.query(`update co_posts set reply_count = 2, first_reply_at = $2, accepted_reply_id = 'cre_b' where id = $1`, [p.id, at(1)]);
      for (const s of statements) await client.query(s);
      const rows = (await client.query(`select r.id, r.author_id, c.body, c.user_id, c.status, c.created_at = r.created_at as same_time from co_replies r join ix_comments c on c.id = r.id::bigint where r.post_id = $1 order by c.id`, [p.id])).rows;
      assert.deepEqual(rows.map((r) => [r.author_id, r.body, r.user_id, r.status, r.same_time]), [['old-1', '先来的', 'old-1', 'visible', true], ['old-2', '后来的', 'old-2', 'visible', true]]);
      const accepted = (await client.query(`select accepted_reply_id from co_posts where id = $1`, [p.id])).rows[0].accepted_reply_id;
      assert.equal(accepted, rows[1].id);
      const counted = (await client.query(`select sum(x.comments)::int as n from ix_counters x join ix_subjects s on s.id = x.subject_id where s.kind = 'canyu.community_post' and s.external_id = $1`, [p.id])).rows[0].n;
      assert.equal(counted, 2);
      const cols = (await client.query(`select column_name from information_schema.columns where table_name = 'co_replies' and column_name = 'body'`)).rowCount;
      assert.equal(cols, 0);
    } finally {
      await client.query('rollback');
      client.release();
    }
  });
});
