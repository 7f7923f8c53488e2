// 投币 (coins) over HTTP on a real database: coins are points of the app's coin type, spent from
// the giver and credited to the author in one transaction, capped per user and subject, also under
// real races; the coin of 一键三连; idempotent retries; erasure; bad input.
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

const coin = (id: string, userId: string, coins?: number, headers: Record<string, string> = {}) =>
  t.inject({ method: 'POST', url: `/v1/subjects/video/${id}/coins`, headers: { ...sk, ...headers }, payload: { user_id: userId, ...(coins === undefined ? {} : { coins }) } });
const give = async (userId: string, amount: number) => ok(await t.inject({ method: 'POST', url: `/v1/users/${userId}/points/earn`, headers: sk, payload: { type: 'coin', amount, idempotency_key: `grant-${userId}-${amount}-${Math.random()}` } }), 201);
const balance = async (userId: string) => (ok(await t.inject({ method: 'GET', url: `/v1/users/${userId}/points/coin`, headers: sk })) as { balance: number }).balance;
const subject = async (id: string, userId: string) => ok(await t.inject({ method: 'GET', url: `/v1/subjects/video/${id}?user_id=${userId}`, headers: sk })) as { counts: { coins: number; likes: number }; viewer: { coins: number; liked: boolean } };
const author = (id: string, authorId: string) => t.inject({ method: 'PUT', url: `/v1/subjects/video/${id}`, headers: sk, payload: { title: id, author_id: authorId } });

describe('coins (投币)', () => {
  it('are off until a point type is set; an unknown type is refused by field', async () => {
    expectError(await coin('C0', 'u0'), 409, 'interactions.coins_disabled');
    const bad = expectError(await t.inject({ method: 'PATCH', url: '/v1/interactions/settings', headers: sk, payload: { coins: { point_type: 'coin' } } }), 404, 'points.unknown_type');
    assert.equal(bad.details?.field, 'body.coins.point_type');
    ok(await t.inject({ method: 'PUT', url: '/v1/points/types/coin', headers: sk, payload: { name: '硬币' } }), 201);
    const s = ok(await t.inject({ method: 'PATCH', url: '/v1/interactions/settings', headers: sk, payload: { coins: { point_type: 'coin' } } })) as { coins: unknown };
    assert.deepEqual(s.coins, { point_type: 'coin', max_per_user: 2, to_author: true });
    findIssue(expectError(await t.inject({ method: 'PATCH', url: '/v1/interactions/settings', headers: sk, payload: { coins: { max_per_user: 0 } } }), 400, 'validation_failed'), 'body.coins.max_per_user');
  });

  it('spend the giver’s points, pay the author, count on the subject, stop at the cap', async () => {
    ok(await author('C1', 'up-1'));
    await give('fan-1', 5);
    const { result, events } = await recording(t, ['interaction.coined'], () => coin('C1', 'fan-1'));
    const first = ok(result, 201) as { coins: number; total: number; counts: { coins: number } };
    assert.deepEqual([first.coins, first.total, first.counts.coins], [1, 1, 1]);
    assert.deepEqual(events.map((e) => [e.payload.coins, e.payload.total, e.payload.pointType]), [[1, 1, 'coin']]);
    assert.equal(await balance('fan-1'), 4);
    assert.equal(await balance('up-1'), 1);
    // 1 + 2 passes the cap of 2: refused whole, nothing spent.
    assert.equal(expectError(await coin('C1', 'fan-1', 2), 409, 'interactions.coin_limit').details?.field, 'body.coins');
    assert.equal(await balance('fan-1'), 4);
    ok(await coin('C1', 'fan-1', 1), 201);
    expectError(await coin('C1', 'fan-1', 1), 409, 'interactions.coin_limit');
    const s = await subject('C1', 'fan-1');
    assert.equal(s.counts.coins, 2);
    assert.equal(s.viewer.coins, 2);
    assert.equal(await balance('fan-1'), 3);
    assert.equal(await balance('up-1'), 2);
    // Coining one's own subject pays nobody.
    await give('up-1', 0 + 1);
    ok(await coin('C1', 'up-1'), 201);
    assert.equal(await balance('up-1'), 2);
  });

  it('without coins: points.insufficient_balance and nothing recorded', async () => {
    expectError(await coin('C2', 'broke'), 409, 'points.insufficient_balance');
    const s = await subject('C2', 'broke');
    assert.equal(s.counts.coins, 0);
    assert.equal(s.viewer.coins, 0);
  });

  it('races: 30 coins at once from one user reach the cap exactly; 20 subjects at once never overdraw', async () => {
    ok(await author('C3', 'up-3'));
    await give('racer', 10);
    const res = await Promise.all(Array.from({ length: 30 }, () => coin('C3', 'racer')));
    assert.equal(res.filter((r) => r.statusCode === 201).length, 2, res.map((r) => r.statusCode).join());
    assert.ok(res.every((r) => r.statusCode === 201 || r.json().error.code === 'interactions.coin_limit'));
    assert.equal(await balance('racer'), 8);
    assert.equal(await balance('up-3'), 2);
    assert.equal((await subject('C3', 'racer')).counts.coins, 2);
    // 8 coins left, 20 subjects at once (2 coins each): exactly 4 succeed.
    const many = await Promise.all(Array.from({ length: 20 }, (_, i) => coin(`R${i}`, 'racer', 2)));
    assert.equal(many.filter((r) => r.statusCode === 201).length, 4, many.map((r) => r.statusCode).join());
    assert.ok(many.every((r) => r.statusCode === 201 || r.json().error.code === 'points.insufficient_balance'));
    assert.equal(await balance('racer'), 0);
    const rows = await t.database.pool.query<{ n: string }>(`select coalesce(sum(coins), 0) as n from ix_coins where app_id = $1 and user_id = 'racer'`, [tenant.appId]);
    assert.equal(Number(rows.rows[0]!.n), 10);
  });

  it('a retry with the same Idempotency-Key gives once', async () => {
    await give('retry', 3);
    const h = { 'idempotency-key': 'coin-retry-1' };
    const [a, b] = await Promise.all([coin('C4', 'retry', 1, h), coin('C4', 'retry', 1, h)]);
    const again = await coin('C4', 'retry', 1, h);
    assert.ok([a, b, again].some((r) => r.statusCode === 201), [a, b, again].map((r) => r.body).join('\n'));
    assert.ok([a, b, again].every((r) => r.statusCode === 201 || r.statusCode === 409), [a, b, again].map((r) => r.body).join('\n'));
    assert.equal(await balance('retry'), 2);
    assert.equal((await subject('C4', 'retry')).viewer.coins, 1);
  });

  it('一键三连 with coin in the set gives one coin once; without coins the rest still happens', async () => {
    ok(await t.inject({ method: 'PATCH', url: '/v1/interactions/settings', headers: sk, payload: { triple: { default: ['like', 'coin', 'favourite'] } } }));
    ok(await author('C5', 'up-5'));
    await give('tri', 1);
    const triple = (userId: string) => t.inject({ method: 'POST', url: '/v1/subjects/video/C5/triple', headers: sk, payload: { user_id: userId } });
    const { result, events } = await recording(t, ['interaction.coined', 'interaction.triple'], () => triple('tri'));
    const r = ok(result) as { parts: Record<string, string>; counts: { coins: number } };
    assert.deepEqual(r.parts, { like: 'new', coin: 'new', favourite: 'new' });
    assert.equal(r.counts.coins, 1);
    assert.deepEqual(events.map((e) => e.name).sort(), ['interaction.coined', 'interaction.triple']);
    assert.deepEqual(events.find((e) => e.name === 'interaction.triple')!.payload.parts, ['like', 'coin', 'favourite']);
    assert.equal(await balance('tri'), 0);
    assert.equal(await balance('up-5'), 1);
    assert.deepEqual((ok(await triple('tri')) as { parts: unknown }).parts, { like: 'existing', coin: 'existing', favourite: 'existing' });
    const poor = ok(await triple('tri-poor')) as { parts: unknown; counts: { coins: number; likes: number } };
    assert.deepEqual(poor.parts, { like: 'new', coin: 'insufficient', favourite: 'new' });
    assert.deepEqual([poor.counts.coins, poor.counts.likes], [1, 2]);
    assert.equal((await subject('C5', 'tri-poor')).viewer.liked, true);
    // Coins off: the coin part is skipped, the rest happens.
    ok(await t.inject({ method: 'PATCH', url: '/v1/interactions/settings', headers: sk, payload: { coins: { point_type: null } } }));
    assert.deepEqual((ok(await t.inject({ method: 'POST', url: '/v1/subjects/video/C6/triple', headers: sk, payload: { user_id: 'tri' } })) as { parts: unknown }).parts, { like: 'new', coin: 'skipped', favourite: 'new' });
    ok(await t.inject({ method: 'PATCH', url: '/v1/interactions/settings', headers: sk, payload: { coins: { point_type: 'coin' }, triple: { default: ['like', 'favourite', 'follow_author'] } } }));
  });

  it('erasing a giver takes their coins off the subject', async () => {
    await give('leaver', 2);
    ok(await coin('C7', 'leaver', 2), 201);
    assert.equal((await subject('C7', 'x')).counts.coins, 2);
    assert.equal((await t.inject({ method: 'DELETE', url: '/v1/users/leaver', headers: sk })).statusCode, 204);
    await t.services.bus.drain();
    assert.equal((await subject('C7', 'x')).counts.coins, 0);
  });

  it('bad input names the field; a user token coins only for itself', async () => {
    for (const bad of [0, 101, 1.5, '1']) findIssue(expectError(await coin('C8', 'u8', bad as number), 400, 'validation_failed'), 'body.coins');
    findIssue(expectError(await t.inject({ method: 'POST', url: '/v1/subjects/video/C8/coins', headers: sk, payload: { coins: 1 } }), 400, 'validation_failed'), 'body.user_id');
    findIssue(expectError(await coin('C8', 'a\u0000b'), 400, 'validation_failed'), 'body.user_id');
    expectError(await t.inject({ method: 'POST', url: '/v1/subjects/nokind/C8/coins', headers: sk, payload: { user_id: 'u8' } }), 400, 'interactions.unknown_kind');
    const token = await t.userToken(tenant, 'u8');
    const h = { authorization: `Bearer ${tenant.publishableKey}`, 'x-user-token': token };
    expectError(await t.inject({ method: 'POST', url: '/v1/subjects/video/C8/coins', headers: h, payload: { user_id: 'u9' } }), 403, 'auth.wrong_user');
    await give('u8', 1);
    ok(await t.inject({ method: 'POST', url: '/v1/subjects/video/C8/coins', headers: h, payload: {} }), 201);
    expectError(await t.inject({ method: 'POST', url: '/v1/subjects/video/C8/coins', headers: { authorization: `Bearer ${tenant.publishableKey}` }, payload: { user_id: 'u8' } }), 401, 'auth.user_token_required');
  });
});
