// Feedback boards over HTTP on a real database: visibility, votes under races, merging while votes
// arrive, statuses with notes and notifications, official responses, similar-post suggestions in
// Chinese and English, the changelog, the roadmap and the operator workload view.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import type { DomainEvents } from '../../events.ts';
import { createEventLog } from '../../events/index.ts';
import { bearer, startTestApp, type Tenant, type TestApp } from '../../testing/app.ts';
import { captureEvents } from '../../testing/events.ts';
import { expectError, findIssue } from '../../testing/http.ts';
import { createFeedback } from './index.ts';

let offsetMs = 0;
const clock = { now: () => new Date(Date.now() + offsetMs) };

let t: TestApp;
let A: Tenant;
let op: { operatorId: string; token: string };
before(async () => {
  t = await startTestApp({ clock });
  A = await t.newTenant('feedback');
  op = await t.newOperator(A.appId, 'operator');
});
after(() => t.close());

const sk = () => bearer(A.secretKey);
const ops = () => ({ ...bearer(op.token), 'x-canyu-app': A.appId });
const asUser = async (userId: string) => ({ ...bearer(A.publishableKey), 'x-user-token': await t.userToken(A, userId) });
const ok = (res: LightMyRequestResponse, status = 200) => {
  assert.equal(res.statusCode, status, res.body.slice(0, 500));
  return res.json();
};
type Post = { id: string; votes: number; vote_weight: number; followers: number; status: string; merged_into: string | null; my_vote: boolean | null; response: { body: string; official: boolean } | null; first_response_at: string | null; score?: number; title: string };
const newBoard = async (body: Record<string, unknown> = {}) => ok(await t.inject({ method: 'POST', url: '/v1/feedback/boards', headers: sk(), payload: { name: '产品建议', ...body } }), 201) as { id: string };
const newPost = async (boardId: string, userId: string, body: Record<string, unknown>): Promise<Post> =>
  ok(await t.inject({ method: 'POST', url: `/v1/feedback/boards/${boardId}/posts`, headers: sk(), payload: { user_id: userId, ...body } }), 201);
const vote = (postId: string, userId: string) => t.inject({ method: 'POST', url: `/v1/feedback/posts/${postId}/votes`, headers: sk(), payload: { user_id: userId } });
const getPost = async (postId: string): Promise<Post> => ok(await t.inject({ method: 'GET', url: `/v1/feedback/posts/${postId}`, headers: sk() }));
const truth = async (postId: string) => (await t.database.pool.query<{ n: number }>('select count(*)::int as n from fb_votes where post_id = $1', [postId])).rows[0]!.n;

/** Waits (on a connection of its own: the pool may be busy) until `n` sessions wait for a row lock. */
async function waitForLockWaiters(n: number): Promise<void> {
  const c = new pg.Client({ connectionString: t.database.url });
  await c.connect();
  try {
    for (let i = 0; i < 500; i++) {
      const { rows } = await c.query<{ n: number }>("select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'");
      if (rows[0]!.n >= n) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error('no request ever waited for the merge');
  } finally {
    await c.end();
  }
}

/** Collects domain events published while `fn` runs (after the bus drains). */
const capture = <K extends keyof DomainEvents & string>(name: K, fn: () => Promise<unknown>) => captureEvents(t.services.bus, name, fn);

describe('feedback: posts and visibility', () => {
  it('a bug report carries steps, version, device and attachments; bad details are named', async () => {
    const b = await newBoard();
    const bug = { steps: '1. 打开设置\n2. 点击夜间模式', app_version: '3.2.1', device: { os: 'iOS 17.4', model: 'iPhone 15' }, attachment_urls: ['https://cdn.example.com/shot.png'] };
    const p = await newPost(b.id, 'reporter', { type: 'bug', title: '夜间模式下闪退', bug, tags: ['crash', 'ios'], category: '稳定性' });
    const got = ok(await t.inject({ method: 'GET', url: `/v1/feedback/posts/${p.id}`, headers: sk() }));
    assert.deepEqual(got.bug, bug);
    assert.equal(got.votes, 1, 'the author votes for their own post');
    assert.equal(got.followers, 1);
    assert.equal(got.status, 'open');
    findIssue(expectError(await t.inject({ method: 'POST', url: `/v1/feedback/boards/${b.id}/posts`, headers: sk(), payload: { user_id: 'u', type: 'idea', title: 'x', bug: { steps: 'a' } } }), 400, 'validation_failed'), 'body.bug');
    findIssue(expectError(await t.inject({ method: 'POST', url: `/v1/feedback/boards/${b.id}/posts`, headers: sk(), payload: { user_id: 'u', type: 'bug', title: 'x', bug: { attachment_urls: ['ftp://x'] } } }), 400, 'validation_failed'), 'body.bug.attachment_urls.0');
    findIssue(expectError(await t.inject({ method: 'POST', url: `/v1/feedback/boards/${b.id}/posts`, headers: sk(), payload: { user_id: 'u', type: 'wish', title: 'x' } }), 400, 'validation_failed'), 'body.type');
    findIssue(expectError(await t.inject({ method: 'POST', url: `/v1/feedback/boards/${b.id}/posts`, headers: sk(), payload: { title: 'x' } }), 400, 'validation_failed'), 'body.user_id');
    expectError(await t.inject({ method: 'POST', url: '/v1/feedback/boards/board_nope/posts', headers: sk(), payload: { user_id: 'u', title: 'x' } }), 404, 'feedback.board_not_found');
  });

  it('a private board is a ballot box: users see only their own posts, operators see all', async () => {
    const b = await newBoard({ visibility: 'private', name: '内部意见箱' });
    const mine = await newPost(b.id, 'alice', { title: '工资条能不能加密' });
    await newPost(b.id, 'bob', { title: '食堂菜太咸' });
    const alice = await asUser('alice');
    const list = ok(await t.inject({ method: 'GET', url: `/v1/feedback/boards/${b.id}/posts`, headers: alice }));
    assert.deepEqual(
      list.data.map((p: Post) => p.id),
      [mine.id],
    );
    const bobPosts = ok(await t.inject({ method: 'GET', url: `/v1/feedback/boards/${b.id}/posts?author_id=bob`, headers: alice }));
    assert.deepEqual(bobPosts.data, []);
    const all = ok(await t.inject({ method: 'GET', url: `/v1/feedback/boards/${b.id}/posts`, headers: ops() }));
    assert.equal(all.data.length, 2);
    const bobId = all.data.find((p: Post & { author_id: string }) => p.author_id === 'bob').id;
    expectError(await t.inject({ method: 'GET', url: `/v1/feedback/posts/${bobId}`, headers: alice }), 404, 'feedback.post_not_found');
    expectError(await t.inject({ method: 'POST', url: `/v1/feedback/posts/${bobId}/votes`, headers: alice }), 404, 'feedback.post_not_found');
    const sim = ok(await t.inject({ method: 'GET', url: `/v1/feedback/similar?q=${encodeURIComponent('食堂的菜太咸了')}`, headers: alice }));
    assert.deepEqual(sim.data, [], 'private posts never leak through suggestions');
    // A visitor (publishable key, nobody signed in) sees nothing of a private board, and a public board's posts.
    const visitor = bearer(A.publishableKey);
    assert.deepEqual(ok(await t.inject({ method: 'GET', url: `/v1/feedback/boards/${b.id}/posts`, headers: visitor })).data, []);
    const pub = await newBoard({ name: '公开建议' });
    const open = await newPost(pub.id, 'carol', { title: '<b>深色模式</b>' });
    const seen = ok(await t.inject({ method: 'GET', url: `/v1/feedback/boards/${pub.id}/posts`, headers: visitor }));
    assert.deepEqual(seen.data.map((p: Post) => p.id), [open.id]);
    assert.equal(ok(await t.inject({ method: 'GET', url: `/v1/feedback/boards/${pub.id}`, headers: visitor })).name, '公开建议');
    expectError(await t.inject({ method: 'GET', url: `/v1/feedback/boards/${pub.id}/posts?user_id=carol`, headers: visitor }), 403, 'auth.forbidden');
    expectError(await t.inject({ method: 'GET', url: `/v1/feedback/posts/${open.id}`, headers: visitor }), 401, 'auth.user_token_required');
  });

  it('a user token posts and votes only as itself; votes need no body', async () => {
    const b = await newBoard();
    const carol = await asUser('carol');
    const p = ok(await t.inject({ method: 'POST', url: `/v1/feedback/boards/${b.id}/posts`, headers: carol, payload: { title: 'Export to CSV' } }), 201);
    assert.equal(p.author_id, 'carol');
    expectError(await t.inject({ method: 'POST', url: `/v1/feedback/boards/${b.id}/posts`, headers: carol, payload: { user_id: 'dave', title: 'x' } }), 403, 'auth.wrong_user');
    const dave = await asUser('dave');
    const voted = ok(await t.inject({ method: 'POST', url: `/v1/feedback/posts/${p.id}/votes`, headers: dave }));
    assert.equal(voted.votes, 2);
    assert.equal(voted.my_vote, true);
    expectError(await t.inject({ method: 'POST', url: `/v1/feedback/posts/${p.id}/status`, headers: dave, payload: { status: 'planned', note: 'x' } }), 403, 'auth.forbidden');
  });
});

describe('feedback: votes under races', () => {
  it('1,000 concurrent voters and 5× double votes: exact counts, one vote per user', async () => {
    const b = await newBoard();
    const p = await newPost(b.id, 'author-1', { title: '支持 Apple Watch' });
    const reqs = [];
    for (let i = 0; i < 1000; i++) reqs.push(vote(p.id, `v-${i}`));
    for (let rep = 0; rep < 4; rep++) for (let i = 0; i < 100; i++) reqs.push(vote(p.id, `v-${i}`));
    const res = await Promise.all(reqs);
    assert.deepEqual(
      res.filter((r) => r.statusCode !== 200).map((r) => r.body),
      [],
    );
    assert.equal(res.filter((r) => r.json().changed).length, 1000);
    const after = await getPost(p.id);
    assert.equal(after.votes, 1001);
    assert.equal(after.vote_weight, 1001);
    assert.equal(await truth(p.id), 1001);
  });

  it('votes and withdrawals racing: the counter equals the stored votes', async () => {
    const b = await newBoard();
    const p = await newPost(b.id, 'author-2', { title: 'Offline mode' });
    const reqs = [];
    for (let i = 0; i < 300; i++) {
      const u = `flip-${i % 60}`;
      reqs.push(i % 3 === 2 ? t.inject({ method: 'DELETE', url: `/v1/feedback/posts/${p.id}/votes/${u}`, headers: sk() }) : vote(p.id, u));
    }
    for (const r of await Promise.all(reqs)) assert.ok([200, 204].includes(r.statusCode) || (r.statusCode === 404 && r.json().error.code === 'feedback.not_voted'), r.body);
    assert.equal((await getPost(p.id)).votes, await truth(p.id));
  });
});

describe('feedback: merging duplicates', () => {
  it('merging while votes arrive loses none and counts nobody twice; voters are told', async () => {
    const b = await newBoard();
    const dup = await newPost(b.id, 'dup-author', { title: '希望增加夜间模式' });
    const kept = await newPost(b.id, 'kept-author', { title: '能不能加个夜间模式' });
    // Users 0-299 vote for the duplicate, 200-499 for the kept post (200-299 vote for both).
    const wave = (from: number, to: number) => {
      const out: Promise<LightMyRequestResponse>[] = [];
      for (let i = from; i < to; i++) out.push(vote(dup.id, `m-${i}`), vote(kept.id, `m-${i + 200}`));
      return out;
    };
    let second: Promise<LightMyRequestResponse>[] = [];
    const events = await capture('feedback.post.merged', async () => {
      const first = wave(0, 150);
      // The merge runs while the first wave is in flight, and its transaction stays open (holding
      // both posts) while the second wave arrives: those votes must wait, then follow the merge.
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const merging = t.database.db.transaction(async (tx) => {
        await t.services.feedback.merge({ db: tx, actor: { type: 'operator', id: op.operatorId } }, A.appId, dup.id, kept.id);
        second = wave(150, 300);
        await waitForLockWaiters(1);
        await gate;
      });
      await new Promise((r) => setImmediate(r));
      release();
      await merging;
      for (const r of await Promise.all([...first, ...second])) assert.equal(r.statusCode, 200, r.body);
    });
    const secondDup = (await Promise.all(second)).filter((_, i) => i % 2 === 0);
    assert.equal(secondDup.length, 150);
    for (const r of secondDup) assert.equal(r.json().redirected_from, dup.id, 'a vote for the duplicate after the merge lands on the kept post');
    const k = await getPost(kept.id);
    const d = await getPost(dup.id);
    // 500 distinct voters plus the two authors, each counted once.
    assert.equal(k.votes, 502);
    assert.equal(await truth(kept.id), 502);
    assert.equal(d.votes, 0);
    assert.equal(d.merged_into, kept.id);
    assert.equal(k.followers, 2, 'both authors follow the kept post');
    assert.equal(events.length, 1);
    assert.ok(events[0]!.voters.includes('dup-author'));
    assert.equal(events[0]!.intoPostId, kept.id);
    // A repeat vote for the duplicate by someone already counted changes nothing.
    assert.equal(ok(await vote(dup.id, 'm-5')).changed, false);
    assert.equal((await getPost(kept.id)).votes, 502);
    // Merged posts leave lists and suggestions; merging again is refused.
    const list = ok(await t.inject({ method: 'GET', url: `/v1/feedback/boards/${b.id}/posts`, headers: sk() }));
    assert.ok(!list.data.some((p: Post) => p.id === dup.id));
    expectError(await t.inject({ method: 'POST', url: `/v1/feedback/posts/${dup.id}/merge`, headers: ops(), payload: { into_post_id: kept.id } }), 409, 'feedback.merge_invalid');
    findIssue(expectError(await t.inject({ method: 'POST', url: `/v1/feedback/posts/${kept.id}/merge`, headers: ops(), payload: { into_post_id: kept.id } }), 400, 'validation_failed'), 'body.into_post_id');
    findIssue(expectError(await t.inject({ method: 'POST', url: `/v1/feedback/posts/${kept.id}/merge`, headers: ops(), payload: { into_post_id: 'post_nope' } }), 400, 'validation_failed'), 'body.into_post_id');
  });

  it('a chain of merges forwards votes to the last kept post', async () => {
    const b = await newBoard();
    const [x, y, z] = [await newPost(b.id, 'cx', { title: 'x' }), await newPost(b.id, 'cy', { title: 'y' }), await newPost(b.id, 'cz', { title: 'z' })];
    ok(await t.inject({ method: 'POST', url: `/v1/feedback/posts/${x.id}/merge`, headers: ops(), payload: { into_post_id: y.id } }));
    expectError(await t.inject({ method: 'POST', url: `/v1/feedback/posts/${z.id}/merge`, headers: ops(), payload: { into_post_id: x.id } }), 409, 'feedback.merge_invalid');
    ok(await t.inject({ method: 'POST', url: `/v1/feedback/posts/${y.id}/merge`, headers: ops(), payload: { into_post_id: z.id } }));
    assert.equal((await getPost(x.id)).merged_into, z.id);
    assert.equal(ok(await vote(x.id, 'chain-voter')).id, z.id);
    assert.equal((await getPost(z.id)).votes, 4);
  });
});

describe('feedback: statuses, responses, changelog and roadmap', () => {
  it('each status change has a note, notifies voters and followers once, and refuses impossible moves', async () => {
    const b = await newBoard();
    const p = await newPost(b.id, 'st-author', { title: 'Widgets' });
    ok(await vote(p.id, 'st-voter'));
    ok(await t.inject({ method: 'POST', url: `/v1/feedback/posts/${p.id}/followers`, headers: sk(), payload: { user_id: 'st-follower' } }));
    ok(await t.inject({ method: 'POST', url: `/v1/feedback/posts/${p.id}/followers`, headers: sk(), payload: { user_id: 'st-voter' } }));
    const events = await capture('feedback.post.status_changed', async () => {
      ok(await t.inject({ method: 'POST', url: `/v1/feedback/posts/${p.id}/status`, headers: ops(), payload: { status: 'planned', note: '排进 6 月版本' } }));
    });
    assert.equal(events.length, 1);
    assert.deepEqual(events[0]!.recipients, ['st-author', 'st-follower', 'st-voter']);
    assert.equal(events[0]!.note, '排进 6 月版本');
    assert.equal(events[0]!.from, 'open');
    findIssue(expectError(await t.inject({ method: 'POST', url: `/v1/feedback/posts/${p.id}/status`, headers: ops(), payload: { status: 'done' } }), 400, 'validation_failed'), 'body.note');
    findIssue(expectError(await t.inject({ method: 'POST', url: `/v1/feedback/posts/${p.id}/status`, headers: ops(), payload: { status: 'shipped', note: 'x' } }), 400, 'validation_failed'), 'body.status');
    const bad = expectError(await t.inject({ method: 'POST', url: `/v1/feedback/posts/${p.id}/status`, headers: ops(), payload: { status: 'open', note: 'x' } }), 409, 'feedback.invalid_transition');
    assert.deepEqual(bad.details?.allowed, ['under_review', 'in_progress', 'done', 'declined']);
    ok(await t.inject({ method: 'POST', url: `/v1/feedback/posts/${p.id}/status`, headers: ops(), payload: { status: 'in_progress', note: '开发中' } }));
    ok(await t.inject({ method: 'POST', url: `/v1/feedback/posts/${p.id}/status`, headers: ops(), payload: { status: 'done', note: '已在 3.3 上线' } }));
    const hist = ok(await t.inject({ method: 'GET', url: `/v1/feedback/posts/${p.id}/history`, headers: sk() }));
    assert.deepEqual(
      hist.data.map((h: { from: string; to: string }) => `${h.from}>${h.to}`),
      ['open>planned', 'planned>in_progress', 'in_progress>done'],
    );
    const log = ok(await t.inject({ method: 'GET', url: `/v1/feedback/changelog?board_id=${b.id}`, headers: await asUser('reader') }));
    assert.deepEqual(
      log.data.map((c: { note: string }) => c.note),
      ['已在 3.3 上线'],
    );
    findIssue(expectError(await t.inject({ method: 'GET', url: `/v1/feedback/changelog?status=done,nope`, headers: sk() }), 400, 'validation_failed'), 'query.status');
    const audited = await t.database.pool.query("select actor_type, actor_id, after->>'to' as to from au_log where target_id = $1 and action = 'feedback.post.status' order by id", [p.id]);
    assert.deepEqual(
      audited.rows.map((r) => [r.actor_type, r.actor_id, r.to]),
      [
        ['operator', op.operatorId, 'planned'],
        ['operator', op.operatorId, 'in_progress'],
        ['operator', op.operatorId, 'done'],
      ],
      'operator status changes are in the audit log',
    );
  });

  it('the roadmap shows planned, in progress and done posts of public boards, most voted first', async () => {
    const b = await newBoard({ name: 'roadmap' });
    const hidden = await newBoard({ name: 'secret', visibility: 'private' });
    const a = await newPost(b.id, 'r1', { title: 'A' });
    const c = await newPost(b.id, 'r2', { title: 'C' });
    const h = await newPost(hidden.id, 'r3', { title: 'H' });
    ok(await vote(c.id, 'rv'));
    for (const id of [a.id, c.id, h.id]) ok(await t.inject({ method: 'POST', url: `/v1/feedback/posts/${id}/status`, headers: ops(), payload: { status: 'planned', note: 'soon' } }));
    const r = ok(await t.inject({ method: 'GET', url: '/v1/feedback/roadmap', headers: await asUser('rv') }));
    assert.deepEqual(
      r.columns.map((col: { status: string }) => col.status),
      ['planned', 'in_progress', 'done'],
    );
    const planned = r.columns[0].posts.map((p: Post) => p.id);
    assert.ok(planned.indexOf(c.id) < planned.indexOf(a.id), 'more votes first');
    assert.ok(!planned.includes(h.id), 'private boards stay off the public roadmap');
    const opView = ok(await t.inject({ method: 'GET', url: `/v1/feedback/roadmap?board_id=${hidden.id}`, headers: ops() }));
    assert.deepEqual(
      opView.columns[0].posts.map((p: Post) => p.id),
      [h.id],
    );
  });

  it('official responses are pinned, timed as the first response and sent to the audience', async () => {
    const b = await newBoard();
    const p = await newPost(b.id, 'resp-author', { title: 'Dark mode' });
    ok(await t.inject({ method: 'POST', url: `/v1/feedback/posts/${p.id}/comments`, headers: sk(), payload: { user_id: 'commenter', body: '+1 from me' } }), 201);
    assert.equal((await getPost(p.id)).first_response_at, null, 'a user comment is not a response');
    const events = await capture('feedback.post.responded', async () => {
      ok(await t.inject({ method: 'POST', url: `/v1/feedback/posts/${p.id}/response`, headers: ops(), payload: { body: '感谢反馈，已排期' } }));
    });
    assert.deepEqual(events[0]!.recipients, ['resp-author']);
    const got = await getPost(p.id);
    assert.equal(got.response?.body, '感谢反馈，已排期');
    assert.equal(got.response?.official, true);
    assert.ok(got.first_response_at);
    const official = ok(await t.inject({ method: 'POST', url: `/v1/feedback/posts/${p.id}/comments`, headers: ops(), payload: { body: '补充：预计两周' } }), 201);
    assert.equal(official.official, true);
    assert.equal(official.author_type, 'operator');
    findIssue(expectError(await t.inject({ method: 'POST', url: `/v1/feedback/posts/${p.id}/comments`, headers: ops(), payload: { user_id: 'x', body: 'y' } }), 400, 'validation_failed'), 'body.user_id');
    const list = ok(await t.inject({ method: 'GET', url: `/v1/feedback/posts/${p.id}/comments?limit=2`, headers: sk() }));
    assert.equal(list.data.length, 2);
    const rest = ok(await t.inject({ method: 'GET', url: `/v1/feedback/posts/${p.id}/comments?limit=2&cursor=${list.next_cursor}`, headers: sk() }));
    assert.equal(rest.data.length, 1);
    assert.equal((await getPost(p.id) as Post & { comments: number }).comments, 3);
  });
});

describe('feedback: erasing a user', () => {
  it('removes their posts, votes, follows and comments, and recounts the posts they touched', async () => {
    const b = await newBoard();
    const theirs = await newPost(b.id, 'eraser', { title: 'mine' });
    const other = await newPost(b.id, 'keeper', { title: 'yours' });
    ok(await vote(other.id, 'eraser'));
    ok(await t.inject({ method: 'POST', url: `/v1/feedback/posts/${other.id}/followers`, headers: sk(), payload: { user_id: 'eraser' } }));
    ok(await t.inject({ method: 'POST', url: `/v1/feedback/posts/${other.id}/comments`, headers: sk(), payload: { user_id: 'eraser', body: 'hi' } }), 201);
    assert.equal((await t.inject({ method: 'DELETE', url: '/v1/users/eraser', headers: sk() })).statusCode, 204);
    await t.services.bus.drain();
    expectError(await t.inject({ method: 'GET', url: `/v1/feedback/posts/${theirs.id}`, headers: sk() }), 404, 'feedback.post_not_found');
    const kept = (await getPost(other.id)) as Post & { comments: number };
    assert.deepEqual([kept.votes, kept.followers, kept.comments], [1, 1, 0]);
  });
});

describe('feedback: similar posts while typing', () => {
  it('finds Chinese paraphrases (no spaces) and English ones, best first, and ignores unrelated posts', async () => {
    const b = await newBoard({ name: 'similar' });
    const night = await newPost(b.id, 's1', { title: '希望增加夜间模式' });
    await newPost(b.id, 's2', { title: '希望增加导出功能' });
    await newPost(b.id, 's3', { title: '视频播放卡顿' });
    const dark = await newPost(b.id, 's4', { title: 'Add a dark mode to the editor' });
    await newPost(b.id, 's5', { title: 'Export invoices as PDF' });
    const search = async (q: string) => ok(await t.inject({ method: 'GET', url: `/v1/feedback/similar?board_id=${b.id}&q=${encodeURIComponent(q)}`, headers: sk() })).data as Post[];
    const zh = await search('能不能加个夜间模式');
    assert.equal(zh[0]?.id, night.id, JSON.stringify(zh.map((p) => [p.title, p.score])));
    assert.ok(!zh.some((p) => p.title === '视频播放卡顿'));
    const en = await search('dark modes please');
    assert.equal(en[0]?.id, dark.id);
    assert.ok(!en.some((p) => p.title === 'Export invoices as PDF'));
    assert.deepEqual(await search('的了吗'), []);
    const mixed = await search('editor 夜间模式');
    assert.equal(mixed[0]?.id, night.id);
  });
});

describe('feedback: weighted votes (the level seam)', () => {
  it('a weight provider weighs votes; a merge keeps each weight once', async () => {
    const bus = createEventLog({ db: t.database.db, log: { error: () => {} } });
    const fb = createFeedback({ db: t.database.db, bus, clock, audit: t.services.audit, voteWeight: async (_c, _a, userId) => (userId.startsWith('vip') ? 5 : 1) });
    const ctx = t.systemCtx();
    const board = await fb.createBoard(ctx, A.appId, { name: 'weighted', visibility: 'public' });
    const p = await fb.createPost(ctx, A.appId, board.id, 'vip-author', { type: 'idea', title: 'weighted' });
    const q = await fb.createPost(ctx, A.appId, board.id, 'plain', { type: 'idea', title: 'weighted dup' });
    const v = { privileged: true, operatorId: null, userId: null };
    await fb.vote(ctx, A.appId, p.post.id, 'vip-2', v);
    await fb.vote(ctx, A.appId, q.post.id, 'vip-2', v);
    await fb.vote(ctx, A.appId, q.post.id, 'u-1', v);
    await fb.merge(ctx, A.appId, q.post.id, p.post.id);
    const kept = await fb.getPost(ctx, A.appId, p.post.id, v);
    assert.equal(kept.post.voteCount, 4);
    assert.equal(kept.post.voteWeight, 5 + 5 + 1 + 1);
  });
});

describe('feedback: operator workload (QQ Mail 1000/100/10)', () => {
  it('counts per operator and month: received, read, answered, users, median first response', async () => {
    const A2 = await t.newTenant('workload');
    const op1 = await t.newOperator(A2.appId, 'operator');
    const op2 = await t.newOperator(A2.appId, 'moderator');
    const h1 = { ...bearer(op1.token), 'x-canyu-app': A2.appId };
    const h2 = { ...bearer(op2.token), 'x-canyu-app': A2.appId };
    const board = ok(await t.inject({ method: 'POST', url: '/v1/feedback/boards', headers: h1, payload: { name: 'inbox', default_assignee: op1.operatorId } }), 201);
    const post = async (u: string) => ok(await t.inject({ method: 'POST', url: `/v1/feedback/boards/${board.id}/posts`, headers: bearer(A2.secretKey), payload: { user_id: u, title: `from ${u}` } }), 201) as Post;
    // The hour of activity below must not cross into the next month: near a month's end, start in the next one.
    const saved = offsetMs;
    const start = clock.now();
    const nextMonth = Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1);
    if (nextMonth - start.getTime() < 3 * 3600_000) offsetMs += nextMonth - start.getTime() + 3600_000;
    const month = clock.now().toISOString().slice(0, 7);
    const p1 = await post('w1');
    const p2 = await post('w2');
    const p3 = await post('w3');
    // op1 reads all three (twice each: counted once), answers p1 after 10 min and p2 after 30 min.
    for (const p of [p1, p2, p3, p1, p2]) ok(await t.inject({ method: 'GET', url: `/v1/feedback/posts/${p.id}`, headers: h1 }));
    offsetMs += 10 * 60_000;
    ok(await t.inject({ method: 'POST', url: `/v1/feedback/posts/${p1.id}/response`, headers: h1, payload: { body: 'ok' } }));
    offsetMs += 20 * 60_000;
    ok(await t.inject({ method: 'POST', url: `/v1/feedback/posts/${p2.id}/comments`, headers: h1, payload: { body: 'looking' } }), 201);
    // op2 reads p3 and answers it after op1 already answered nothing there: op2 is the first responder.
    ok(await t.inject({ method: 'GET', url: `/v1/feedback/posts/${p3.id}`, headers: h2 }));
    offsetMs += 30 * 60_000;
    ok(await t.inject({ method: 'POST', url: `/v1/feedback/posts/${p3.id}/comments`, headers: h2, payload: { body: 'fixed' } }), 201);
    ok(await t.inject({ method: 'PATCH', url: `/v1/feedback/posts/${p3.id}`, headers: h1, payload: { assignee: op2.operatorId } }));
    offsetMs = saved;
    const w = ok(await t.inject({ method: 'GET', url: `/v1/feedback/workload?month=${month}`, headers: h1 }));
    const o1 = w.operators.find((o: { operator_id: string }) => o.operator_id === op1.operatorId);
    const o2 = w.operators.find((o: { operator_id: string }) => o.operator_id === op2.operatorId);
    assert.deepEqual(
      { received: o1.received, read: o1.read, answered: o1.answered, users: o1.users_answered, first: o1.first_responses, median: o1.median_first_response_s },
      { received: 2, read: 3, answered: 2, users: 2, first: 2, median: 20 * 60 },
    );
    assert.deepEqual({ received: o2.received, read: o2.read, answered: o2.answered, first: o2.first_responses, median: o2.median_first_response_s }, { received: 1, read: 1, answered: 1, first: 1, median: 60 * 60 });
    assert.deepEqual(w.totals, { received: 3, answered: 3 });
    assert.deepEqual(w.targets, { read: 1000, users_answered: 100, surveys_run: 10 });
    const other = ok(await t.inject({ method: 'GET', url: '/v1/feedback/workload?month=2001-01', headers: h1 }));
    assert.deepEqual(other.operators, []);
    findIssue(expectError(await t.inject({ method: 'GET', url: '/v1/feedback/workload?month=2025-13', headers: h1 }), 400, 'validation_failed'), 'query.month');
    findIssue(expectError(await t.inject({ method: 'GET', url: `/v1/feedback/workload?month=${month}&tz=Mars/Olympus`, headers: h1 }), 400, 'validation_failed'), 'query.tz');
  });
});

describe('feedback: assignees are members of the app (issue 11 #19)', () => {
  it('refuses a default_assignee or an assignee who is not an operator of the app, naming the field', async () => {
    const B = await t.newTenant('assignees');
    const member = await t.newOperator(B.appId, 'operator');
    const stranger = await t.newOperator(A.appId, 'operator'); // a member of another app
    const h = bearer(B.secretKey);
    findIssue(expectError(await t.inject({ method: 'POST', url: '/v1/feedback/boards', headers: h, payload: { name: 'x', default_assignee: stranger.operatorId } }), 400, 'validation_failed'), 'body.default_assignee');
    const board = ok(await t.inject({ method: 'POST', url: '/v1/feedback/boards', headers: h, payload: { name: 'inbox', default_assignee: member.operatorId } }), 201) as { id: string };
    findIssue(expectError(await t.inject({ method: 'PATCH', url: `/v1/feedback/boards/${board.id}`, headers: h, payload: { default_assignee: 'op_nobody' } }), 400, 'validation_failed'), 'body.default_assignee');
    const post = ok(await t.inject({ method: 'POST', url: `/v1/feedback/boards/${board.id}/posts`, headers: h, payload: { user_id: 'u', title: 'please' } }), 201) as { id: string; assignee: string | null };
    assert.equal(post.assignee, member.operatorId);
    findIssue(expectError(await t.inject({ method: 'PATCH', url: `/v1/feedback/posts/${post.id}`, headers: h, payload: { assignee: stranger.operatorId } }), 400, 'validation_failed'), 'body.assignee');
  });
});

describe('feedback: authors edit their own open posts (issue 11 #19)', () => {
  it('lets the author fix the title and body while the post is open; others 403, later 409', async () => {
    const b = await newBoard();
    const p = ok(await t.inject({ method: 'POST', url: `/v1/feedback/boards/${b.id}/posts`, headers: sk(), payload: { user_id: 'writer', title: 'Dark mdoe' } }), 201) as { id: string };
    const as = async (u: string) => ({ ...bearer(A.publishableKey), 'x-user-token': await t.userToken(A, u) });
    const fixed = ok(await t.inject({ method: 'PATCH', url: `/v1/feedback/posts/${p.id}`, headers: await as('writer'), payload: { title: 'Dark mode', body: 'Please' } })) as { title: string; body: string };
    assert.deepEqual([fixed.title, fixed.body], ['Dark mode', 'Please']);
    expectError(await t.inject({ method: 'PATCH', url: `/v1/feedback/posts/${p.id}`, headers: await as('someone'), payload: { title: 'mine now' } }), 403, 'feedback.not_author');
    const e = expectError(await t.inject({ method: 'PATCH', url: `/v1/feedback/posts/${p.id}`, headers: await as('writer'), payload: { tags: ['x'] } }), 403, 'auth.forbidden');
    assert.equal((e.details as { field: string }).field, 'body.tags');
    ok(await t.inject({ method: 'POST', url: `/v1/feedback/posts/${p.id}/status`, headers: sk(), payload: { status: 'planned', note: 'soon' } }));
    expectError(await t.inject({ method: 'PATCH', url: `/v1/feedback/posts/${p.id}`, headers: await as('writer'), payload: { title: 'changed after planning' } }), 409, 'feedback.not_editable');
  });
});

describe("feedback: every text a post's author writes goes through the word filter (issue 11 #12)", () => {
  it('tags, category and bug steps are masked like the title and body, or refused naming the field', async () => {
    const B = await t.newTenant('feedback-filter');
    const h = bearer(B.secretKey);
    const filter = async (mode: 'mask' | 'reject') => ok(await t.inject({ method: 'PATCH', url: '/v1/interactions/settings', headers: h, payload: { moderation: { filter_mode: mode, words: ['傻逼', 'scam'] } } }));
    const board = ok(await t.inject({ method: 'POST', url: '/v1/feedback/boards', headers: h, payload: { name: '建议' } }), 201) as { id: string };
    const post = (body: Record<string, unknown>) => t.inject({ method: 'POST', url: `/v1/feedback/boards/${board.id}/posts`, headers: h, payload: { user_id: 'u1', type: 'bug', title: '闪退', ...body } });
    await filter('mask');
    const p = ok(await post({ tags: ['ios', 'scam'], category: '傻逼分类', bug: { steps: '1. open\n2. scam', app_version: '1.0' } }), 201);
    assert.deepEqual(p.tags, ['ios', '****']);
    assert.equal(p.category, '**分类');
    assert.equal(p.bug.steps, '1. open\n2. ****');
    const row = (await t.database.pool.query('select tags, category, bug from fb_posts where id = $1', [p.id])).rows[0];
    assert.deepEqual([row.tags, row.category, row.bug.steps], [['ios', '****'], '**分类', '1. open\n2. ****']);
    await filter('reject');
    for (const [body, field] of [
      [{ tags: ['ok', '傻逼'] }, 'body.tags.1'],
      [{ category: 'scam' }, 'body.category'],
      [{ bug: { steps: '傻 逼' } }, 'body.bug.steps'],
    ] as const) {
      const err = expectError(await post(body), 400, 'interactions.sensitive_content');
      assert.equal(err.details?.field, field);
    }
    ok(await post({ tags: ['ok'], category: '稳定性', bug: { steps: 'fine' } }), 201);
  });
});
