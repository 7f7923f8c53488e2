// Reports, automatic hiding, the moderation queue and decisions, and blocks, over HTTP.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, startTestApp, type Tenant, type TestApp } from '../../testing/app.ts';
import { expectError, findIssue } from '../../testing/http.ts';
import { ok, recording } from './testing.ts';

let t: TestApp;
let tenant: Tenant;
let sk: Record<string, string>;
let mod: Record<string, string>;

before(async () => {
  t = await startTestApp();
  tenant = await t.newTenant();
  sk = bearer(tenant.secretKey);
  const m = await t.newOperator(tenant.appId, 'moderator');
  mod = { ...bearer(m.token), 'x-canyu-app': tenant.appId };
  await patch({ moderation: { auto_hide_reports: 3, posting_limit: null } });
});
after(() => t.close());

type C = { id: string; status: string; body: string | null; open_reports?: number; moderation?: string };
async function patch(p: Record<string, unknown>) {
  ok(await t.inject({ method: 'PATCH', url: '/v1/interactions/settings', headers: sk, payload: p }));
}
const post = async (subject: string, userId: string, body: string) => ok<C>(await t.inject({ method: 'POST', url: `/v1/subjects/video/${subject}/comments`, headers: sk, payload: { user_id: userId, body } }), 201);
const report = (id: string, userId: string, reason = 'spam') => t.inject({ method: 'POST', url: `/v1/comments/${id}/reports`, headers: sk, payload: { user_id: userId, reason } });
const counts = async (subject: string) => ok<{ counts: { comments: number } }>(await t.inject({ method: 'GET', url: `/v1/subjects/video/${subject}`, headers: sk })).counts.comments;
const roots = async (subject: string) => ok<{ data: C[] }>(await t.inject({ method: 'GET', url: `/v1/subjects/video/${subject}/comments?sort=new`, headers: sk })).data;


describe('reports and automatic hiding', () => {
  it('counts one report per user and hides the comment at the threshold', async () => {
    const c = await post('R1', 'troll', 'buy cheap stuff at spam.example');
    const first = ok<{ new: boolean; open_reports: number; hidden: boolean }>(await report(c.id, 'r1'), 201);
    assert.deepEqual([first.new, first.open_reports, first.hidden], [true, 1, false]);
    const again = ok<{ new: boolean; open_reports: number }>(await report(c.id, 'r1', 'abuse'), 201);
    assert.deepEqual([again.new, again.open_reports], [false, 1]);
    ok(await report(c.id, 'r2'), 201);
    const { result, events } = await recording(t, ['comment.moderated', 'comment.reported'], () => report(c.id, 'r3', 'abuse'));
    const third = ok<{ hidden: boolean; open_reports: number }>(result, 201);
    assert.deepEqual([third.hidden, third.open_reports], [true, 3]);
    // Two users' events (the reporter's, the author's): ordered per user, so compare sorted.
    assert.deepEqual(events.map((e) => [e.name, e.payload.action ?? e.payload.reason, e.payload.auto ?? null]).sort(), [
      ['comment.moderated', 'hide', true],
      ['comment.reported', 'abuse', null],
    ]);
    assert.equal(await counts('R1'), 0);
    assert.deepEqual(await roots('R1'), [], 'a hidden root without replies leaves the public list');
    const pub = ok<C>(await t.inject({ method: 'GET', url: `/v1/comments/${c.id}`, headers: sk }));
    assert.deepEqual([pub.status, pub.body], ['hidden', null]);
    expectError(await t.inject({ method: 'POST', url: `/v1/comments/${c.id}/replies`, headers: sk, payload: { user_id: 'x', body: 'hi' } }), 409, 'interactions.comment_deleted');
  });

  it('hides exactly once when many users report at the same time', async () => {
    const c = await post('R2', 'troll2', 'offensive');
    const { result, events } = await recording(t, ['comment.moderated'], () => Promise.all(Array.from({ length: 20 }, (_, i) => report(c.id, `mob-${i}`))));
    for (const r of result) assert.equal(r.statusCode, 201, r.body);
    assert.equal(events.length, 1);
    const q = ok<{ data: { comment: C; reasons: Record<string, number> }[] }>(await t.inject({ method: 'GET', url: '/v1/moderation/queue?status=hidden', headers: mod }));
    const item = q.data.find((i) => i.comment.id === c.id)!;
    assert.equal(item.comment.open_reports, 20);
    assert.deepEqual(item.reasons, { spam: 20 });
    assert.equal(item.comment.body, 'offensive', 'moderators see the text');
    assert.equal(await counts('R2'), 0);
  });

  it('refuses reports of deleted or unknown comments, and bad reasons', async () => {
    const c = await post('R3', 'u', 'x');
    ok(await t.inject({ method: 'DELETE', url: `/v1/comments/${c.id}?user_id=u`, headers: sk }));
    expectError(await report(c.id, 'r'), 409, 'interactions.comment_deleted');
    expectError(await report('987654321', 'r'), 404, 'interactions.comment_not_found');
    findIssue(expectError(await report(c.id, 'r', 'because'), 400, 'validation_failed'), 'body.reason');
  });
});

describe('the moderation queue', () => {
  it('approves (restoring a hidden comment), hides and deletes, resolving reports, audited', async () => {
    const a = await post('Q1', 'qa', 'fine actually');
    const b = await post('Q1', 'qb', 'borderline');
    const c = await post('Q1', 'qc', 'nasty');
    for (const r of ['x1', 'x2', 'x3']) ok(await report(a.id, r), 201);
    ok(await report(b.id, 'x1'), 201);
    ok(await report(c.id, 'x1', 'abuse'), 201);
    assert.equal(await counts('Q1'), 2);
    const queue = ok<{ data: { comment: C }[] }>(await t.inject({ method: 'GET', url: '/v1/moderation/queue', headers: mod }));
    const ids = queue.data.map((i) => i.comment.id);
    assert.ok(ids.indexOf(a.id) < ids.indexOf(b.id), 'most reported first');

    const approved = ok<{ comment: C; resolved_reports: number }>(await t.inject({ method: 'POST', url: `/v1/moderation/comments/${a.id}/decision`, headers: mod, payload: { action: 'approve', note: '误报' } }));
    assert.deepEqual([approved.comment.status, approved.comment.moderation, approved.comment.open_reports, approved.resolved_reports], ['visible', 'approved', 0, 3]);
    assert.equal(await counts('Q1'), 3);
    ok(await t.inject({ method: 'POST', url: `/v1/moderation/comments/${b.id}/decision`, headers: mod, payload: { action: 'hide' } }));
    ok(await t.inject({ method: 'POST', url: `/v1/moderation/comments/${c.id}/decision`, headers: mod, payload: { action: 'delete' } }));
    assert.equal(await counts('Q1'), 1);
    assert.deepEqual((await roots('Q1')).map((x) => x.id), [a.id]);

    // An approved comment is queued again by new reports but not hidden automatically.
    for (const r of ['y1', 'y2', 'y3', 'y4']) ok(await report(a.id, r), 201);
    const again = ok<C>(await t.inject({ method: 'GET', url: `/v1/comments/${a.id}`, headers: sk }));
    assert.equal(again.status, 'visible');
    const open = ok<{ data: unknown[] }>(await t.inject({ method: 'GET', url: `/v1/moderation/reports?comment_id=${a.id}&open=true`, headers: mod }));
    assert.equal(open.data.length, 4);

    const owner = await t.newOperator(tenant.appId, 'owner');
    const log = ok<{ data: { action: string; actor_type: string }[] }>(await t.inject({ method: 'GET', url: `/v1/apps/${tenant.appId}/audit-log?target_type=comment`, headers: bearer(owner.token) }));
    const actions = log.data.map((e) => e.action);
    for (const a2 of ['comment.moderate.approve', 'comment.moderate.hide', 'comment.moderate.delete', 'comment.auto_hide']) assert.ok(actions.includes(a2), a2);
    assert.equal(log.data.find((e) => e.action === 'comment.moderate.approve')!.actor_type, 'operator');
  });

  it('is for moderators: other roles and user tokens are refused', async () => {
    const op = await t.newOperator(tenant.appId, 'operator');
    expectError(await t.inject({ method: 'GET', url: '/v1/moderation/queue', headers: { ...bearer(op.token), 'x-canyu-app': tenant.appId } }), 403, 'auth.forbidden');
    const token = await t.userToken(tenant, 'u');
    expectError(await t.inject({ method: 'GET', url: '/v1/moderation/queue', headers: { ...bearer(tenant.publishableKey), 'x-user-token': token } }), 403, 'auth.forbidden');
    findIssue(expectError(await t.inject({ method: 'POST', url: '/v1/moderation/comments/1/decision', headers: mod, payload: { action: 'ban' } }), 400, 'validation_failed'), 'body.action');
    expectError(await t.inject({ method: 'GET', url: '/v1/moderation/queue?cursor=e30', headers: mod }), 400, 'invalid_cursor');
  });
});

describe('blocks', () => {
  it('stops a blocked user from every interaction until unblocked', async () => {
    const victim = await post('B1', 'author', 'hello');
    ok(await t.inject({ method: 'PUT', url: '/v1/moderation/blocks/bad', headers: mod, payload: { reason: '刷屏' } }));
    const token = await t.userToken(tenant, 'bad');
    const asBad = { ...bearer(tenant.publishableKey), 'x-user-token': token };
    const attempts = [
      t.inject({ method: 'PUT', url: '/v1/subjects/video/B1/like', headers: asBad, payload: {} }),
      t.inject({ method: 'PUT', url: '/v1/subjects/video/B1/favourite', headers: asBad, payload: {} }),
      t.inject({ method: 'PUT', url: '/v1/subjects/video/B1/follow', headers: asBad, payload: {} }),
      t.inject({ method: 'POST', url: '/v1/subjects/video/B1/shares', headers: asBad, payload: { channel: 'link' } }),
      t.inject({ method: 'POST', url: '/v1/subjects/video/B1/triple', headers: asBad, payload: {} }),
      t.inject({ method: 'PUT', url: '/v1/users/bad/following/author', headers: asBad }),
      t.inject({ method: 'POST', url: '/v1/subjects/video/B1/comments', headers: asBad, payload: { body: 'spam' } }),
      t.inject({ method: 'POST', url: `/v1/comments/${victim.id}/replies`, headers: asBad, payload: { body: 'spam' } }),
      t.inject({ method: 'PUT', url: `/v1/comments/${victim.id}/like`, headers: asBad, payload: {} }),
      t.inject({ method: 'POST', url: `/v1/comments/${victim.id}/reports`, headers: asBad, payload: { reason: 'spam' } }),
    ];
    for (const r of await Promise.all(attempts)) expectError(r, 403, 'interactions.user_blocked');
    const s = ok<{ counts: Record<string, number> }>(await t.inject({ method: 'GET', url: '/v1/subjects/video/B1', headers: sk }));
    assert.deepEqual(s.counts, { likes: 0, favourites: 0, shares: 0, comments: 1, follows: 0, coins: 0 });
    const list = ok<{ data: { user_id: string; reason: string }[] }>(await t.inject({ method: 'GET', url: '/v1/moderation/blocks', headers: mod }));
    assert.deepEqual(list.data.map((b) => [b.user_id, b.reason]), [['bad', '刷屏']]);

    assert.equal((await t.inject({ method: 'DELETE', url: '/v1/moderation/blocks/bad', headers: mod })).statusCode, 204);
    ok(await t.inject({ method: 'PUT', url: '/v1/subjects/video/B1/like', headers: asBad, payload: {} }));
  });

  it('lets a block with an end time run out', async () => {
    ok(await t.inject({ method: 'PUT', url: '/v1/moderation/blocks/brief', headers: sk, payload: { until: new Date(Date.now() - 1000).toISOString() } }));
    ok(await t.inject({ method: 'PUT', url: '/v1/subjects/video/B2/like', headers: sk, payload: { user_id: 'brief' } }));
    ok(await t.inject({ method: 'PUT', url: '/v1/moderation/blocks/brief', headers: sk, payload: { until: new Date(Date.now() + 3600_000).toISOString() } }));
    expectError(await t.inject({ method: 'PUT', url: '/v1/subjects/video/B3/like', headers: sk, payload: { user_id: 'brief' } }), 403, 'interactions.user_blocked');
    findIssue(expectError(await t.inject({ method: 'PUT', url: '/v1/moderation/blocks/brief', headers: sk, payload: { until: 'tomorrow' } }), 400, 'validation_failed'), 'body.until');
  });
});
