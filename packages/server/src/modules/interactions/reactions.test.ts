// Subjects, likes, favourites, shares, follows and 一键三连 over HTTP on a real database,
// including races: many users at once, and one user many times at once.
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
});
after(() => t.close());



const like = (subject: string, userId: string, kind = 'video') => t.inject({ method: 'PUT', url: `/v1/subjects/${kind}/${subject}/like`, headers: sk, payload: { user_id: userId } });
const unlike = (subject: string, userId: string, kind = 'video') => t.inject({ method: 'DELETE', url: `/v1/subjects/${kind}/${subject}/like?user_id=${encodeURIComponent(userId)}`, headers: sk });
const subject = async (id: string, kind = 'video') => ok(await t.inject({ method: 'GET', url: `/v1/subjects/${kind}/${id}`, headers: sk }));
const counts = async (id: string, kind = 'video') => (await subject(id, kind)).counts as Record<string, number>;

/** What the rows say, to compare with the sharded counters. */
async function rowCount(type: string, id: string): Promise<number> {
  const r = await t.database.pool.query<{ n: string }>(`select count(*) as n from ix_reactions r join ix_subjects s on s.id = r.subject_id where s.app_id = $1 and s.external_id = $2 and r.type = $3`, [tenant.appId, id, type]);
  return Number(r.rows[0]!.n);
}

describe('subjects', () => {
  it('upserts a subject with the secret key and updates only the fields sent', async () => {
    const a = ok(await t.inject({ method: 'PUT', url: '/v1/subjects/video/BV1', headers: sk, payload: { title: '猫猫 <b>大</b> 合集', author_id: 'up1', tags: ['猫', 'cute', '猫'], created_at: '2024-05-01T08:00:00+08:00', metadata: { duration: 120 } } }));
    assert.equal(a.created, true);
    assert.deepEqual(a.tags, ['猫', 'cute']);
    assert.equal(a.created_at, '2024-05-01T00:00:00.000Z');
    assert.deepEqual(a.counts, { likes: 0, favourites: 0, shares: 0, comments: 0, follows: 0, coins: 0 });
    const b = ok(await t.inject({ method: 'PUT', url: '/v1/subjects/video/BV1', headers: sk, payload: { title: 'Cats' } }));
    assert.equal(b.created, false);
    assert.equal(b.title, 'Cats');
    assert.equal(b.author_id, 'up1');
    assert.deepEqual(b.metadata, { duration: 120 });
  });

  it('refuses a kind the app does not use, naming it and the kinds it does', async () => {
    const err = expectError(await t.inject({ method: 'PUT', url: '/v1/subjects/bogus/1', headers: sk, payload: {} }), 400, 'interactions.unknown_kind');
    assert.deepEqual(err.details?.kinds, ['video', 'post', 'article', 'product', 'image', 'audio', 'live']);
    expectError(await like('x1', 'u1', 'bogus'), 400, 'interactions.unknown_kind');
    expectError(await t.inject({ method: 'GET', url: '/v1/subjects/bogus/1', headers: sk }), 400, 'interactions.unknown_kind');
    // A malformed kind is a validation error on the path parameter.
    const v = expectError(await like('x1', 'u1', 'Not A Kind'), 400, 'validation_failed');
    findIssue(v, 'params.kind');
  });

  it('creates a subject on first interaction, or answers 404 when the app does not allow it', async () => {
    ok(await like('fresh-1', 'u1'));
    assert.equal((await counts('fresh-1')).likes, 1);
    const other = await t.newTenant();
    ok(await t.inject({ method: 'PATCH', url: '/v1/interactions/settings', headers: bearer(other.secretKey), payload: { auto_create_subjects: false } }));
    const res = await t.inject({ method: 'PUT', url: '/v1/subjects/video/nope/like', headers: bearer(other.secretKey), payload: { user_id: 'u1' } });
    expectError(res, 404, 'interactions.subject_not_found');
    expectError(await t.inject({ method: 'GET', url: '/v1/subjects/video/nope', headers: bearer(other.secretKey) }), 404, 'interactions.subject_not_found');
  });

  it('keeps apps apart: the same host id in another app is another subject', async () => {
    const other = await t.newTenant();
    ok(await t.inject({ method: 'PUT', url: '/v1/subjects/video/BV1/like', headers: bearer(other.secretKey), payload: { user_id: 'u1' } }));
    assert.equal((await counts('BV1')).likes, 0);
  });

  it('lists subjects by kind, author, tag and ids, with cursors', async () => {
    for (let i = 0; i < 5; i++) ok(await t.inject({ method: 'PUT', url: `/v1/subjects/article/list-${i}`, headers: sk, payload: { author_id: i % 2 ? 'w1' : 'w2', tags: i < 2 ? ['news'] : [] } }));
    const p1 = ok(await t.inject({ method: 'GET', url: '/v1/subjects?kind=article&limit=3', headers: sk }));
    const p2 = ok(await t.inject({ method: 'GET', url: `/v1/subjects?kind=article&limit=3&cursor=${p1.next_cursor as string}`, headers: sk }));
    const ids = [...(p1.data as { id: string }[]), ...(p2.data as { id: string }[])].map((s) => s.id);
    assert.deepEqual(ids, ['list-4', 'list-3', 'list-2', 'list-1', 'list-0']);
    assert.equal(p2.next_cursor, null);
    const byAuthor = ok(await t.inject({ method: 'GET', url: '/v1/subjects?author_id=w1', headers: sk }));
    assert.deepEqual((byAuthor.data as { id: string }[]).map((s) => s.id), ['list-3', 'list-1']);
    const byTag = ok(await t.inject({ method: 'GET', url: '/v1/subjects?tag=news', headers: sk }));
    assert.equal((byTag.data as unknown[]).length, 2);
    const byIds = ok(await t.inject({ method: 'GET', url: '/v1/subjects?kind=article&ids=list-0,list-4,missing', headers: sk }));
    assert.deepEqual((byIds.data as { id: string }[]).map((s) => s.id).sort(), ['list-0', 'list-4']);
    expectError(await t.inject({ method: 'GET', url: '/v1/subjects?cursor=eyJpZCI6Inh4In0', headers: sk }), 400, 'invalid_cursor');
  });

  it('deletes a subject with everything attached', async () => {
    ok(await like('doomed', 'u1'));
    assert.equal((await t.inject({ method: 'DELETE', url: '/v1/subjects/video/doomed', headers: sk })).statusCode, 204);
    assert.equal(await rowCount('like', 'doomed'), 0);
    expectError(await t.inject({ method: 'DELETE', url: '/v1/subjects/video/doomed', headers: sk }), 404, 'interactions.subject_not_found');
  });
});

describe('likes', () => {
  it('likes once per user: a repeat changes nothing and publishes nothing', async () => {
    const { result, events } = await recording(t, ['interaction.liked', 'interaction.unliked'], async () => [await like('L1', 'a'), await like('L1', 'a'), await unlike('L1', 'a'), await unlike('L1', 'a')]);
    const [first, repeat, undo, undoAgain] = result.map((r) => ok(r));
    assert.deepEqual([first!.changed, repeat!.changed, undo!.changed, undoAgain!.changed], [true, false, true, false]);
    assert.deepEqual([first!.likes, repeat!.likes, undo!.likes, undoAgain!.likes], [1, 1, 0, 0]);
    assert.deepEqual(
      events.map((e) => e.name),
      ['interaction.liked', 'interaction.unliked'],
    );
    assert.deepEqual(events[0]!.payload.subject, { kind: 'video', id: 'L1', authorId: null });
    assert.equal(events[0]!.payload.userId, 'a');
  });

  it('acts as the user of a user token, and refuses acting for someone else', async () => {
    const token = await t.userToken(tenant, 'tok-user');
    const h = { ...bearer(tenant.publishableKey), 'x-user-token': token };
    const r = ok(await t.inject({ method: 'PUT', url: '/v1/subjects/video/L2/like', headers: h, payload: {} }));
    assert.equal(r.liked, true);
    const s = ok(await t.inject({ method: 'GET', url: '/v1/subjects/video/L2', headers: h }));
    assert.deepEqual(s.viewer, { liked: true, favourited: false, following: false, coins: 0 });
    expectError(await t.inject({ method: 'PUT', url: '/v1/subjects/video/L2/like', headers: h, payload: { user_id: 'someone-else' } }), 403, 'auth.wrong_user');
    const err = expectError(await t.inject({ method: 'PUT', url: '/v1/subjects/video/L2/like', headers: sk, payload: {} }), 400, 'validation_failed');
    findIssue(err, 'body.user_id');
    findIssue(expectError(await t.inject({ method: 'DELETE', url: '/v1/subjects/video/L2/like', headers: sk }), 400, 'validation_failed'), 'query.user_id');
    // A publishable key alone cannot like.
    expectError(await t.inject({ method: 'PUT', url: '/v1/subjects/video/L2/like', headers: bearer(tenant.publishableKey), payload: { user_id: 'x' } }), 401, 'auth.user_token_required');
  });

  it('1,000 concurrent likes from distinct users leave exactly 1,000', async () => {
    const res = await Promise.all(Array.from({ length: 1000 }, (_, i) => like('viral', `fan-${i}`)));
    for (const r of res) assert.equal(r.statusCode, 200, r.body);
    assert.equal(res.filter((r) => r.json().changed).length, 1000);
    assert.equal((await counts('viral')).likes, 1000);
    assert.equal(await rowCount('like', 'viral'), 1000);
    // Shards really are spread: more than one counter row holds the total.
    const shards = await t.database.pool.query(`select count(*)::int as n from ix_counters c join ix_subjects s on s.id = c.subject_id where s.external_id = 'viral' and s.app_id = $1`, [tenant.appId]);
    assert.ok(shards.rows[0].n > 1, `likes spread over ${shards.rows[0].n} shards`);
  });

  it('1,000 concurrent likes and unlikes from distinct users leave exact counts', async () => {
    await Promise.all(Array.from({ length: 500 }, (_, i) => like('churn', `c-${i}`)));
    // Half of the likers unlike while 500 others like, all at once; 100 of them also repeat.
    const ops = [
      ...Array.from({ length: 500 }, (_, i) => () => unlike('churn', `c-${i}`)),
      ...Array.from({ length: 500 }, (_, i) => () => like('churn', `c-${500 + i}`)),
      ...Array.from({ length: 100 }, (_, i) => () => unlike('churn', `c-${i}`)),
      ...Array.from({ length: 100 }, (_, i) => () => like('churn', `c-${500 + i}`)),
    ].sort(() => Math.random() - 0.5);
    const res = await Promise.all(ops.map((op) => op()));
    for (const r of res) assert.equal(r.statusCode, 200, r.body);
    assert.equal((await counts('churn')).likes, 500);
    assert.equal(await rowCount('like', 'churn'), 500);
  });

  it('the same user liking many times at once counts once and publishes once', async () => {
    const { result, events } = await recording(t, ['interaction.liked'], () => Promise.all(Array.from({ length: 50 }, () => like('same', 'one-user'))));
    assert.equal(result.filter((r) => r.json().changed).length, 1);
    assert.equal(events.length, 1);
    assert.equal((await counts('same')).likes, 1);
  });

  it('the same user liking and unliking at once ends consistent with the rows', async () => {
    await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? like('flip', 'flipper') : unlike('flip', 'flipper'))));
    assert.equal((await counts('flip')).likes, await rowCount('like', 'flip'));
  });

  it('lists likers newest first with a cursor, and rejects a tampered cursor', async () => {
    for (const u of ['l-a', 'l-b', 'l-c']) ok(await like('likers', u));
    const p1 = ok(await t.inject({ method: 'GET', url: '/v1/subjects/video/likers/likers?limit=2', headers: sk }));
    const p2 = ok(await t.inject({ method: 'GET', url: `/v1/subjects/video/likers/likers?limit=2&cursor=${p1.next_cursor as string}`, headers: sk }));
    assert.deepEqual([...(p1.data as { user_id: string }[]), ...(p2.data as { user_id: string }[])].map((x) => x.user_id), ['l-c', 'l-b', 'l-a']);
    const tampered = Buffer.from(JSON.stringify({ t: 'yesterday', u: 1 })).toString('base64url');
    expectError(await t.inject({ method: 'GET', url: `/v1/subjects/video/likers/likers?cursor=${tampered}`, headers: sk }), 400, 'invalid_cursor');
  });
});

describe('favourites and folders', () => {
  const fav = (id: string, userId: string, folderIds?: string[]) => t.inject({ method: 'PUT', url: `/v1/subjects/video/${id}/favourite`, headers: sk, payload: { user_id: userId, ...(folderIds ? { folder_ids: folderIds } : {}) } });

  it('favourites into the default folder, or into the folders named, and counts once', async () => {
    const first = ok(await fav('F1', 'fu'));
    assert.equal(first.changed, true);
    assert.equal(first.favourites, 1);
    const folders = ok(await t.inject({ method: 'GET', url: '/v1/users/fu/folders', headers: sk }));
    const def = (folders.data as { id: string; is_default: boolean; items: number; name: string }[])[0]!;
    assert.equal(def.is_default, true);
    assert.equal(def.name, '默认收藏夹');
    assert.deepEqual(first.folder_ids, [def.id]);

    const made = ok(await t.inject({ method: 'POST', url: '/v1/users/fu/folders', headers: sk, payload: { name: '<script>x</script> 学习' } }), 201);
    assert.equal(made.name, '&lt;script&gt;x&lt;/script&gt; 学习');
    const moved = ok(await fav('F1', 'fu', [made.id as string, def.id]));
    assert.equal(moved.changed, false);
    assert.equal(moved.favourites, 1);
    assert.deepEqual((moved.folder_ids as string[]).sort(), [def.id, made.id as string].sort());
    const items = ok(await t.inject({ method: 'GET', url: `/v1/users/fu/folders/${made.id as string}/items`, headers: sk }));
    assert.deepEqual((items.data as { id: string }[]).map((s) => s.id), ['F1']);

    expectError(await t.inject({ method: 'POST', url: '/v1/users/fu/folders', headers: sk, payload: { name: '<script>x</script> 学习' } }), 409, 'interactions.folder_name_taken');
    const other = ok(await t.inject({ method: 'POST', url: '/v1/users/someone/folders', headers: sk, payload: { name: 'theirs' } }), 201);
    const err = expectError(await fav('F1', 'fu', [other.id as string]), 404, 'interactions.folder_not_found');
    assert.equal(err.details?.field, 'body.folder_ids.0');
  });

  it('deleting a folder unfavourites what was only in it; the default folder stays', async () => {
    const f = ok(await t.inject({ method: 'POST', url: '/v1/users/fd/folders', headers: sk, payload: { name: 'temp' } }), 201);
    ok(await fav('F2', 'fd', [f.id as string]));
    ok(await fav('F3', 'fd'));
    ok(await fav('F3', 'fd', [f.id as string]));
    const r = ok(await t.inject({ method: 'DELETE', url: `/v1/users/fd/folders/${f.id as string}`, headers: sk }));
    assert.equal(r.unfavourited, 2);
    assert.equal((await counts('F2')).favourites, 0);
    assert.equal((await counts('F3')).favourites, 0);
    const def = ((ok(await t.inject({ method: 'GET', url: '/v1/users/fd/folders', headers: sk })).data as { id: string }[])[0]!).id;
    expectError(await t.inject({ method: 'DELETE', url: `/v1/users/fd/folders/${def}`, headers: sk }), 409, 'interactions.default_folder');
    expectError(await t.inject({ method: 'DELETE', url: '/v1/users/fd/folders/999999', headers: sk }), 404, 'interactions.folder_not_found');
  });

  it('unfavourites from every folder; a user token only sees its own folders', async () => {
    ok(await fav('F4', 'fx'));
    const u = ok(await t.inject({ method: 'DELETE', url: '/v1/subjects/video/F4/favourite?user_id=fx', headers: sk }));
    assert.equal(u.changed, true);
    assert.equal(u.favourites, 0);
    const token = await t.userToken(tenant, 'fy');
    expectError(await t.inject({ method: 'GET', url: '/v1/users/fx/folders', headers: { ...bearer(tenant.publishableKey), 'x-user-token': token } }), 403, 'auth.wrong_user');
  });

  it('lists what a user liked, favourited and follows', async () => {
    ok(await like('mine-1', 'lister'));
    ok(await like('mine-2', 'lister'));
    ok(await fav('mine-2', 'lister'));
    const liked = ok(await t.inject({ method: 'GET', url: '/v1/users/lister/subjects?relation=liked', headers: sk }));
    assert.deepEqual((liked.data as { id: string }[]).map((s) => s.id), ['mine-2', 'mine-1']);
    assert.deepEqual((liked.data as { viewer: unknown }[])[0]!.viewer, { liked: true, favourited: true, following: false, coins: 0 });
    const favd = ok(await t.inject({ method: 'GET', url: '/v1/users/lister/subjects?relation=favourited', headers: sk }));
    assert.deepEqual((favd.data as { id: string }[]).map((s) => s.id), ['mine-2']);
  });
});

describe('shares', () => {
  it('counts every share and reports the channels', async () => {
    const share = (channel: string) => t.inject({ method: 'POST', url: '/v1/subjects/video/S1/shares', headers: sk, payload: { user_id: 'sh', channel } });
    ok(await share('wechat'), 201);
    ok(await share('wechat'), 201);
    const last = ok(await share('weibo'), 201);
    assert.equal(last.shares, 3);
    assert.deepEqual(last.by_channel, { wechat: 2, weibo: 1 });
    findIssue(expectError(await share('WeChat!'), 400, 'validation_failed'), 'body.channel');
  });

  it('counts concurrent shares exactly', async () => {
    const res = await Promise.all(Array.from({ length: 200 }, (_, i) => t.inject({ method: 'POST', url: '/v1/subjects/video/S2/shares', headers: sk, payload: { user_id: `s-${i % 20}`, channel: 'link' } })));
    for (const r of res) assert.equal(r.statusCode, 201, r.body);
    assert.equal((await counts('S2')).shares, 200);
  });
});

describe('follows', () => {
  const follow = (a: string, b: string) => t.inject({ method: 'PUT', url: `/v1/users/${a}/following/${b}`, headers: sk });

  it('follows users, lists followers and following with mutual marks, and counts exactly', async () => {
    ok(await follow('f-a', 'f-b'));
    ok(await follow('f-b', 'f-a'));
    ok(await follow('f-c', 'f-b'));
    const again = ok(await follow('f-c', 'f-b'));
    assert.equal(again.changed, false);
    assert.equal(again.target_followers, 2);
    const followers = ok(await t.inject({ method: 'GET', url: '/v1/users/f-b/followers', headers: sk }));
    assert.deepEqual(followers.data && (followers.data as { user_id: string; mutual: boolean }[]).map((f) => [f.user_id, f.mutual]), [
      ['f-c', false],
      ['f-a', true],
    ]);
    const mutual = ok(await t.inject({ method: 'GET', url: '/v1/users/f-b/following?mutual=true', headers: sk }));
    assert.deepEqual((mutual.data as { user_id: string }[]).map((f) => f.user_id), ['f-a']);
    assert.deepEqual(ok(await t.inject({ method: 'GET', url: '/v1/users/f-a/relationships/f-b', headers: sk })), { following: true, followed_by: true, mutual: true });
    assert.deepEqual(ok(await t.inject({ method: 'GET', url: '/v1/users/f-b/follow-counts', headers: sk })), { user_id: 'f-b', followers: 2, following: 1 });
    const un = ok(await t.inject({ method: 'DELETE', url: '/v1/users/f-c/following/f-b', headers: sk }));
    assert.equal(un.target_followers, 1);
    expectError(await follow('f-a', 'f-a'), 400, 'interactions.self_follow');
  });

  it('counts 300 concurrent followers of one user, and pairs following each other at once, exactly', async () => {
    const res = await Promise.all([
      ...Array.from({ length: 300 }, (_, i) => follow(`fan-${i}`, 'celebrity')),
      ...Array.from({ length: 50 }, (_, i) => follow(`p-${i}`, `q-${i}`)),
      ...Array.from({ length: 50 }, (_, i) => follow(`q-${i}`, `p-${i}`)),
    ]);
    for (const r of res) assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(ok(await t.inject({ method: 'GET', url: '/v1/users/celebrity/follow-counts', headers: sk })), { user_id: 'celebrity', followers: 300, following: 0 });
    assert.deepEqual(ok(await t.inject({ method: 'GET', url: '/v1/users/p-7/follow-counts', headers: sk })), { user_id: 'p-7', followers: 1, following: 1 });
  });

  it('follows a subject (counted on the subject)', async () => {
    const r = ok(await t.inject({ method: 'PUT', url: '/v1/subjects/video/FS/follow', headers: sk, payload: { user_id: 'fs' } }));
    assert.equal(r.following, true);
    assert.equal(r.follows, 1);
    assert.equal((await counts('FS')).follows, 1);
  });
});

describe('一键三连', () => {
  const triple = (id: string, userId: string, kind = 'video') => t.inject({ method: 'POST', url: `/v1/subjects/${kind}/${id}/triple`, headers: sk, payload: { user_id: userId } });

  it('likes, favourites and follows the author in one call, reporting which parts were new', async () => {
    ok(await t.inject({ method: 'PUT', url: '/v1/subjects/video/T1', headers: sk, payload: { author_id: 'uploader' } }));
    ok(await like('T1', 'tr'));
    const { result, events } = await recording(t, ['interaction.triple', 'interaction.liked', 'interaction.favourited', 'interaction.followed'], () => triple('T1', 'tr'));
    const r = ok(result);
    assert.deepEqual(r.parts, { like: 'existing', favourite: 'new', follow_author: 'new' });
    assert.equal(r.first, true);
    assert.deepEqual(r.counts, { likes: 1, favourites: 1, shares: 0, comments: 0, follows: 0, coins: 0 });
    assert.deepEqual(events.map((e) => e.name).sort(), ['interaction.favourited', 'interaction.followed', 'interaction.triple']);
    assert.deepEqual(events.find((e) => e.name === 'interaction.triple')!.payload.parts, ['favourite', 'follow_author']);
    const again = ok(await triple('T1', 'tr'));
    assert.deepEqual(again.parts, { like: 'existing', favourite: 'existing', follow_author: 'existing' });
    assert.equal(again.first, false);
    assert.equal(ok(await t.inject({ method: 'GET', url: '/v1/users/tr/relationships/uploader', headers: sk })).following, true);
  });

  it('is idempotent under 30 concurrent calls from the same user', async () => {
    ok(await t.inject({ method: 'PUT', url: '/v1/subjects/video/T2', headers: sk, payload: { author_id: 'uploader2' } }));
    const { result, events } = await recording(t, ['interaction.triple', 'interaction.liked', 'interaction.favourited', 'interaction.followed'], () => Promise.all(Array.from({ length: 30 }, () => triple('T2', 'eager'))));
    const bodies = result.map((r) => ok(r));
    for (const part of ['like', 'favourite', 'follow_author']) assert.equal(bodies.filter((b) => (b.parts as Record<string, string>)[part] === 'new').length, 1, part);
    assert.equal(bodies.filter((b) => b.first).length, 1);
    assert.deepEqual(events.map((e) => e.name).sort(), ['interaction.favourited', 'interaction.followed', 'interaction.liked', 'interaction.triple']);
    assert.deepEqual(await counts('T2'), { likes: 1, favourites: 1, shares: 0, comments: 0, follows: 0, coins: 0 });
    assert.equal(ok(await t.inject({ method: 'GET', url: '/v1/users/uploader2/follow-counts', headers: sk })).followers, 1);
  });

  it('counts exactly when 200 users 一键三连 the same subject at once', async () => {
    ok(await t.inject({ method: 'PUT', url: '/v1/subjects/video/T3', headers: sk, payload: { author_id: 'uploader3' } }));
    const res = await Promise.all(Array.from({ length: 200 }, (_, i) => triple('T3', `crowd-${i}`)));
    for (const r of res) assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(await counts('T3'), { likes: 200, favourites: 200, shares: 0, comments: 0, follows: 0, coins: 0 });
    assert.equal(ok(await t.inject({ method: 'GET', url: '/v1/users/uploader3/follow-counts', headers: sk })).followers, 200);
  });

  it('skips following the author of a subject without one, or one\'s own subject, and uses per-kind sets', async () => {
    const anon = ok(await triple('T4', 'tt'));
    assert.equal((anon.parts as Record<string, string>).follow_author, 'skipped');
    ok(await t.inject({ method: 'PUT', url: '/v1/subjects/video/T5', headers: sk, payload: { author_id: 'self' } }));
    assert.equal(((ok(await triple('T5', 'self')).parts) as Record<string, string>).follow_author, 'skipped');
    ok(await t.inject({ method: 'PATCH', url: '/v1/interactions/settings', headers: sk, payload: { triple: { by_kind: { article: ['like', 'follow_subject'] } } } }));
    const art = ok(await triple('A1', 'tt', 'article'));
    assert.deepEqual(art.parts, { like: 'new', follow_subject: 'new' });
    assert.equal((await counts('A1', 'article')).follows, 1);
  });
});

describe('settings', () => {
  it('reads defaults, merges patches, audits the change and validates each field', async () => {
    const other = await t.newTenant();
    const h = bearer(other.secretKey);
    const s0 = ok(await t.inject({ method: 'GET', url: '/v1/interactions/settings', headers: h }));
    assert.equal((s0.hot as { weights: { like: number } }).weights.like, 1);
    const s1 = ok(await t.inject({ method: 'PATCH', url: '/v1/interactions/settings', headers: h, payload: { hot: { weights: { like: 5 } }, comments: { pin_limit: 1 } } }));
    assert.deepEqual((s1.hot as { weights: unknown }).weights, { like: 5, favourite: 3, share: 4, comment: 2, follow: 2 });
    assert.equal((s1.comments as { pin_limit: number; max_length: number }).pin_limit, 1);
    assert.equal((s1.comments as { max_length: number }).max_length, 2000);
    const err = expectError(await t.inject({ method: 'PATCH', url: '/v1/interactions/settings', headers: h, payload: { hot: { weights: { like: -1 } }, timezone: 'Mars/Base', triple: { default: ['like', 'like'] } } }), 400, 'validation_failed');
    findIssue(err, 'body.hot.weights.like');
    findIssue(err, 'body.timezone');
    findIssue(err, 'body.triple.default');
    const owner = await t.newOperator(other.appId, 'owner');
    const log = ok(await t.inject({ method: 'GET', url: `/v1/apps/${other.appId}/audit-log?action=interactions.settings.update`, headers: bearer(owner.token) }));
    assert.equal((log.data as unknown[]).length, 1);
    const analyst = await t.newOperator(other.appId, 'analyst');
    expectError(await t.inject({ method: 'PATCH', url: '/v1/interactions/settings', headers: { ...bearer(analyst.token), 'x-canyu-app': other.appId }, payload: { timezone: 'UTC' } }), 403, 'auth.forbidden');
  });
});
