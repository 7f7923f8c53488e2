// Erasing a user (DELETE /v1/users/:id) erases their interactions and corrects every counter.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { bearer, startTestApp, type Tenant, type TestApp } from '../../testing/app.ts';

let t: TestApp;
let tenant: Tenant;
let sk: Record<string, string>;

before(async () => {
  t = await startTestApp();
  tenant = await t.newTenant();
  sk = bearer(tenant.secretKey);
});
after(() => t.close());

const call = async (method: string, url: string, payload?: Record<string, unknown>) => {
  const res = await t.inject({ method: method as 'GET', url, headers: sk, ...(payload ? { payload } : {}) });
  assert.ok(res.statusCode < 300, `${method} ${url}: ${res.body}`);
  return res.statusCode === 204 ? {} : (res.json() as Record<string, unknown>);
};
const counts = async (id: string) => (await call('GET', `/v1/subjects/video/${id}`)).counts;

it("erases a deleted user's interactions and keeps every counter exact", async () => {
  for (const u of ['x', 'w', 'other']) await call('PUT', '/v1/subjects/video/S1/like', { user_id: u });
  await call('PUT', '/v1/subjects/video/S2/like', { user_id: 'x' });
  await call('PUT', '/v1/subjects/video/S1/favourite', { user_id: 'x' });
  await call('PUT', '/v1/subjects/video/S1/follow', { user_id: 'x' });
  await call('POST', '/v1/subjects/video/S2/shares', { user_id: 'x', channel: 'wechat' });
  await call('POST', '/v1/subjects/video/S2/shares', { user_id: 'w', channel: 'wechat' });
  await call('PUT', '/v1/users/x/following/y');
  await call('PUT', '/v1/users/z/following/x');
  const xc = await call('POST', '/v1/subjects/video/S1/comments', { user_id: 'x', body: 'my words' });
  const wr = await call('POST', `/v1/comments/${xc.id as string}/replies`, { user_id: 'w', body: 'a reply to x' });
  await call('PUT', `/v1/comments/${wr.id as string}/like`, { user_id: 'x' });
  await call('POST', `/v1/comments/${wr.id as string}/reports`, { user_id: 'x', reason: 'spam' });

  await call('DELETE', '/v1/users/x');
  await t.services.bus.drain();

  assert.deepEqual(await counts('S1'), { likes: 2, favourites: 0, shares: 0, comments: 1, follows: 0, coins: 0 });
  assert.deepEqual(await counts('S2'), { likes: 0, favourites: 0, shares: 1, comments: 0, follows: 0, coins: 0 });
  assert.deepEqual(await call('GET', '/v1/users/y/follow-counts'), { user_id: 'y', followers: 0, following: 0 });
  assert.deepEqual(await call('GET', '/v1/users/z/follow-counts'), { user_id: 'z', followers: 0, following: 0 });
  const root = await call('GET', `/v1/comments/${xc.id as string}`);
  assert.deepEqual([root.status, root.body, root.reply_count], ['deleted', null, 1]);
  const reply = await call('GET', `/v1/comments/${wr.id as string}`);
  assert.deepEqual([reply.status, reply.body, reply.likes], ['visible', 'a reply to x', 0]);
  const thread = (await call('GET', '/v1/subjects/video/S1/comments')).data as { id: string }[];
  assert.deepEqual(thread.map((c) => c.id), [xc.id], 'the placeholder keeps the thread');

  const left = await t.database.pool.query(
    `select (select count(*) from ix_reactions where app_id = $1 and user_id = 'x') + (select count(*) from ix_shares where app_id = $1 and user_id = 'x')
          + (select count(*) from ix_user_follows where app_id = $1 and (follower_id = 'x' or followee_id = 'x')) + (select count(*) from ix_folders where app_id = $1 and user_id = 'x')
          + (select count(*) from ix_comment_likes where app_id = $1 and user_id = 'x') + (select count(*) from ix_reports where app_id = $1 and reporter_id = 'x')
          + (select count(*) from ix_comments where app_id = $1 and user_id = 'x' and body <> '') as n`,
    [tenant.appId],
  );
  assert.equal(Number(left.rows[0].n), 0);
  const open = await t.database.pool.query('select open_reports from ix_comments where id = $1', [wr.id]);
  assert.equal(open.rows[0].open_reports, 0);
});
