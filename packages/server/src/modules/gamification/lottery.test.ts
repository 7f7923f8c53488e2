// The points lottery on a real database: 1,000 concurrent draws on 10 units award exactly 10,
// a budget holds under concurrency, daily limits in the user's time zone, replays by
// request_id, the published odds, the audit log and machine-speed draws flagged.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, startTestApp, type Tenant, type TestApp } from '../../testing/app.ts';
import { expectError, findIssue } from '../../testing/http.ts';
import { odds, pick } from './rules/lottery.ts';

let fixed: number | null = null;
const clock = { now: () => new Date(fixed ?? Date.now()) };

let t: TestApp;
let A: Tenant;
const sk = () => bearer(A.secretKey);
const create = (payload: unknown) => t.inject({ method: 'POST', url: '/v1/lotteries', headers: sk(), payload: payload as object });
const draw = (userId: string, lotteryId: string, body?: unknown, headers: Record<string, string> = {}) =>
  t.inject({ method: 'POST', url: `/v1/users/${userId}/lotteries/${lotteryId}/draws`, headers: { ...sk(), ...headers }, ...(body === undefined ? {} : { payload: body as object }) });
const give = (userId: string, amount: number, type = 'points') => t.services.points.earn(t.systemCtx(), A.appId, { userId, type, amount, key: `gift:${userId}:${type}:${amount}:${Math.random()}` });
const balance = async (userId: string, type = 'points') => (await t.services.points.balance(t.systemCtx(), A.appId, userId, type)).balance;

before(async () => {
  t = await startTestApp({ clock });
  A = await t.newTenant();
  for (const key of ['points', 'coupons']) assert.equal((await t.inject({ method: 'PUT', url: `/v1/points/types/${key}`, headers: sk(), payload: { name: key } })).statusCode, 201);
});
after(() => t.close());

describe('lottery configuration and odds', () => {
  it('refuses bad pools, naming the field', async () => {
    findIssue(expectError(await create({ name: 'x', cost: 5, prizes: [{ name: 'p', kind: 'none', weight: 1 }] }), 400, 'validation_failed'), 'body.cost_type');
    findIssue(expectError(await create({ name: 'x', prizes: [{ name: 'p', kind: 'points', weight: 1 }] }), 400, 'validation_failed'), 'body.prizes.0.reward_type');
    findIssue(expectError(await create({ name: 'x', prizes: [{ name: 'p', kind: 'none', weight: 0 }] }), 400, 'validation_failed'), 'body.prizes');
    findIssue(expectError(await create({ name: 'x', prizes: [{ name: 'p', kind: 'none', weight: -1 }] }), 400, 'validation_failed'), 'body.prizes.0.weight');
    findIssue(expectError(await create({ name: 'x', prizes: [] }), 400, 'validation_failed'), 'body.prizes');
    const unknown = expectError(await create({ name: 'x', prizes: [{ name: 'p', kind: 'points', reward_type: 'gems', reward_amount: 1, weight: 1 }] }), 404, 'points.unknown_type');
    assert.equal(unknown.details?.field, 'body.prizes.0.reward_type');
    expectError(await t.inject({ method: 'GET', url: '/v1/lotteries/lot_nope/odds', headers: sk() }), 404, 'lottery.not_found');
  });

  it('publishes odds exactly as configured (概率公示), readable by clients', async () => {
    const r = await create({
      name: '幸运转盘',
      cost_type: 'points',
      cost: 10,
      prizes: [
        { name: '100 积分', kind: 'points', reward_type: 'points', reward_amount: 100, weight: 1, stock: 5 },
        { name: '优惠券', kind: 'item', weight: 3 },
        { name: '谢谢参与', kind: 'none', weight: 6 },
      ],
    });
    assert.equal(r.statusCode, 201, r.body);
    const res = await t.inject({ method: 'GET', url: `/v1/lotteries/${r.json().id}/odds`, headers: bearer(A.publishableKey) });
    assert.equal(res.statusCode, 200, res.body);
    const o = res.json();
    assert.equal(o.total_weight, 10);
    assert.deepEqual(
      o.prizes.map((p: { name: string; probability: number; percent: string; stock: number | null }) => [p.name, p.probability, p.percent, p.stock]),
      [
        ['100 积分', 0.1, '10.00%', 5],
        ['优惠券', 0.3, '30.00%', null],
        ['谢谢参与', 0.6, '60.00%', null],
      ],
    );
    assert.match(o.note.zh, /未中奖/);
  });

  it('maps every roll to the prize whose range holds it: P = weight / total exactly', () => {
    const prizes = [
      { id: 'a', weight: 1 },
      { id: 'b', weight: 3 },
      { id: 'c', weight: 6 },
    ];
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    for (let roll = 0; roll < 10; roll++) counts[pick(prizes, roll).id]!++;
    assert.deepEqual(counts, { a: 1, b: 3, c: 6 });
    assert.throws(() => pick(prizes, 10), RangeError);
    assert.deepEqual(odds(prizes).map((p) => p.probability), [0.1, 0.3, 0.6]);
  });
});

describe('draw races', () => {
  it('1,000 concurrent draws on 10 units award exactly 10 prizes; stock never below zero', async () => {
    const r = await create({
      name: 'Flash wheel',
      cost_type: 'points',
      cost: 1,
      prizes: [
        { name: 'Jackpot', kind: 'points', reward_type: 'points', reward_amount: 5, weight: 99, stock: 10 },
        { name: 'Thanks', kind: 'none', weight: 1 },
      ],
    });
    const lot = r.json();
    const users = Array.from({ length: 100 }, (_, i) => `wheel-${i}`);
    for (const u of users) await give(u, 10);
    const res = await Promise.all(Array.from({ length: 1000 }, (_, i) => draw(users[i % 100]!, lot.id)));
    const codes = new Set(res.map((x) => x.statusCode));
    assert.deepEqual([...codes], [201], res.find((x) => x.statusCode !== 201)?.body);
    const won = res.filter((x) => x.json().outcome === 'prize');
    assert.equal(won.length, 10);
    const outOfStock = res.filter((x) => x.json().fallback === 'out_of_stock');
    assert.ok(outOfStock.length > 900, `rolled the jackpot after it was gone ${outOfStock.length} times`);
    const after1 = (await t.inject({ method: 'GET', url: `/v1/lotteries/${lot.id}`, headers: sk() })).json();
    assert.equal(after1.prizes[0].stock, 0);
    assert.equal(after1.prizes[0].awarded, 10);
    const { rows } = await t.database.pool.query(`select count(*)::int as n, count(prize_id)::int as won from gm_draws where lottery_id = $1`, [lot.id]);
    assert.deepEqual(rows[0], { n: 1000, won: 10 });
    let total = 0;
    for (const u of users) total += await balance(u);
    assert.equal(total, 100 * 10 - 1000 + 10 * 5, 'every draw paid once, every prize credited once');
    for (const rr of await t.services.points.reconcile(t.systemCtx(), A.appId)) assert.equal(rr.entries, rr.balance);
  });

  it('a budget holds under concurrency: value 5 each, budget 30 → exactly 6 prizes', async () => {
    const lot = (await create({ name: 'Budgeted', budget: 30, prizes: [{ name: 'Coupon', kind: 'points', reward_type: 'coupons', reward_amount: 1, value: 5, weight: 1 }] })).json();
    const res = await Promise.all(Array.from({ length: 40 }, (_, i) => draw(`budget-${i % 8}`, lot.id)));
    assert.equal(res.filter((x) => x.json().outcome === 'prize').length, 6);
    assert.equal(res.filter((x) => x.json().fallback === 'over_budget').length, 34);
    const l = (await t.inject({ method: 'GET', url: `/v1/lotteries/${lot.id}`, headers: sk() })).json();
    assert.equal(l.budget_used, 30);
    assert.equal(l.prizes[0].awarded, 6);
  });

  it('daily limits hold under concurrency and reset at the user’s local midnight; failed payment uses no draw', async () => {
    const lot = (await create({ name: 'Daily', cost_type: 'points', cost: 2, daily_limit: 3, prizes: [{ name: 'Thanks', kind: 'none', weight: 1 }] })).json();
    await t.inject({ method: 'POST', url: '/v1/users/limited', headers: sk(), payload: { timezone: 'America/Los_Angeles' } });
    await give('limited', 100);
    fixed = Date.parse('2025-03-02T07:30:00Z'); // 23:30 Mar 1 in Los Angeles
    const res = await Promise.all(Array.from({ length: 10 }, () => draw('limited', lot.id)));
    assert.equal(res.filter((x) => x.statusCode === 201).length, 3);
    for (const x of res.filter((y) => y.statusCode !== 201)) expectError(x, 409, 'lottery.daily_limit');
    assert.equal(await balance('limited'), 94);
    // The odds say how many draws are left today: to the user's own token, or with a secret key and user_id.
    const left = async (headers: Record<string, string>, q = '') => (await t.inject({ method: 'GET', url: `/v1/lotteries/${lot.id}/odds${q}`, headers })).json().remaining_today as number | null | undefined;
    const asUser = { ...bearer(A.publishableKey), 'x-user-token': await t.userToken(A, 'limited', 86_400 * 30) };
    assert.equal(await left(asUser), 0);
    assert.equal(await left(sk(), '?user_id=limited'), 0);
    assert.equal(await left(sk(), '?user_id=someone-else'), 3);
    assert.equal(await left(sk()), undefined);
    expectError(await t.inject({ method: 'GET', url: `/v1/lotteries/${lot.id}/odds?user_id=limited`, headers: bearer(A.publishableKey) }), 403, 'auth.forbidden');
    expectError(await t.inject({ method: 'GET', url: `/v1/lotteries/${lot.id}/odds?user_id=someone-else`, headers: asUser }), 403, 'auth.wrong_user');
    fixed = Date.parse('2025-03-02T08:30:00Z'); // 00:30 Mar 2 in Los Angeles
    assert.equal(await left(asUser), 3, 'a new local day');
    assert.equal((await draw('limited', lot.id)).statusCode, 201);
    assert.equal(await left(asUser), 2);
    // Not enough points: refused, and the day's count is not used up.
    const poor = (await create({ name: 'Pricey', cost_type: 'points', cost: 1000, daily_limit: 1, prizes: [{ name: 'Thanks', kind: 'none', weight: 1 }] })).json();
    expectError(await draw('limited', poor.id), 409, 'points.insufficient_balance');
    await give('limited', 1000);
    assert.equal((await draw('limited', poor.id)).statusCode, 201);
    fixed = null;
  });

  it('a request_id makes a draw happen once, even when sent 20 times at once', async () => {
    const lot = (await create({ name: 'Once', cost_type: 'points', cost: 1, prizes: [{ name: 'Thanks', kind: 'none', weight: 1 }] })).json();
    await give('once', 10);
    const res = await Promise.all(Array.from({ length: 20 }, () => draw('once', lot.id, { request_id: 'tap-1' })));
    assert.equal(new Set(res.map((x) => x.json().id)).size, 1);
    assert.equal(res.filter((x) => x.statusCode === 201).length, 1);
    assert.equal(res.filter((x) => x.json().replayed).length, 19);
    assert.equal(await balance('once'), 9);
  });
});

describe('draw fairness, state and audit', () => {
  it('real draws follow the weights (500 draws, 1:1:2)', async () => {
    const lot = (await create({ name: 'Fair', prizes: [{ name: 'A', kind: 'item', weight: 1 }, { name: 'B', kind: 'item', weight: 1 }, { name: 'C', kind: 'none', weight: 2 }] })).json();
    const ids = lot.prizes.map((p: { id: string }) => p.id);
    const res = await Promise.all(Array.from({ length: 500 }, (_, i) => draw(`fair-${i % 50}`, lot.id)));
    const picked: Record<string, number> = {};
    for (const x of res) picked[x.json().picked_prize_id] = (picked[x.json().picked_prize_id] ?? 0) + 1;
    // Expected 125/125/250; 6 standard deviations is about ±60.
    assert.ok(Math.abs(picked[ids[0]]! - 125) < 60 && Math.abs(picked[ids[1]]! - 125) < 60 && Math.abs(picked[ids[2]]! - 250) < 60, JSON.stringify(picked));
    for (const x of res) {
      const d = x.json();
      assert.ok(d.roll >= 0 && d.roll < 4);
      assert.equal(d.picked_prize_id, ids[d.roll < 1 ? 0 : d.roll < 2 ? 1 : 2], 'the logged roll explains the prize');
    }
  });

  it('paused or ended lotteries refuse draws; stock can be topped up', async () => {
    const lot = (await create({ name: 'Stateful', prizes: [{ name: 'Mug', kind: 'item', weight: 1, stock: 0 }] })).json();
    assert.equal((await draw('state', lot.id)).json().fallback, 'out_of_stock');
    const top = await t.inject({ method: 'PATCH', url: `/v1/lotteries/${lot.id}/prizes/${lot.prizes[0].id}`, headers: sk(), payload: { stock: 1 } });
    assert.equal(top.json().stock, 1);
    assert.equal((await draw('state', lot.id)).json().outcome, 'prize');
    await t.inject({ method: 'PATCH', url: `/v1/lotteries/${lot.id}`, headers: sk(), payload: { status: 'paused' } });
    expectError(await draw('state', lot.id), 409, 'lottery.not_active');
    await t.inject({ method: 'PATCH', url: `/v1/lotteries/${lot.id}`, headers: sk(), payload: { status: 'active', ends_at: new Date(Date.now() - 1000).toISOString() } });
    expectError(await draw('state', lot.id), 409, 'lottery.not_active');
    expectError(await draw('state', 'lot_missing'), 404, 'lottery.not_found');
    findIssue(expectError(await draw('state', lot.id, { request_id: 'has space' }), 400, 'validation_failed'), 'body.request_id');
  });

  it('logs every draw for audit, pages it, and shows users only their own', async () => {
    const lot = (await create({ name: 'Logged', prizes: [{ name: 'Thanks', kind: 'none', weight: 1 }] })).json();
    for (let i = 0; i < 5; i++) await draw(`log-${i % 2}`, lot.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await t.inject({ method: 'GET', url: `/v1/lotteries/${lot.id}/draws?limit=2${cursor ? `&cursor=${cursor}` : ''}`, headers: sk() });
      assert.equal(res.statusCode, 200, res.body);
      seen.push(...res.json().data.map((d: { id: string }) => d.id));
      cursor = res.json().next_cursor;
    } while (cursor);
    assert.equal(new Set(seen).size, 5);
    const h = { ...bearer(A.publishableKey), 'x-user-token': await t.userToken(A, 'log-0') };
    const mine = await t.inject({ method: 'GET', url: `/v1/users/log-0/draws?lottery_id=${lot.id}`, headers: h });
    assert.equal(mine.json().data.length, 3);
    expectError(await t.inject({ method: 'GET', url: `/v1/users/log-1/draws`, headers: h }), 403, 'auth.wrong_user');
    expectError(await t.inject({ method: 'GET', url: `/v1/lotteries/${lot.id}/draws`, headers: h }), 403, 'auth.forbidden');
  });

  it('draws at machine speed raise a rapid_draws flag for operators', async () => {
    assert.equal((await t.inject({ method: 'PUT', url: '/v1/gamification/config', headers: sk(), payload: { abuse: { rapid_draws: { count: 5, window_seconds: 60 } } } })).statusCode, 200);
    const lot = (await create({ name: 'Bot bait', prizes: [{ name: 'Thanks', kind: 'none', weight: 1 }] })).json();
    for (let i = 0; i < 6; i++) await draw('botty', lot.id);
    const flags = (await t.inject({ method: 'GET', url: '/v1/gamification/flags?kind=rapid_draws&user_id=botty', headers: sk() })).json().data;
    assert.equal(flags.length, 1);
    assert.equal(flags[0].subject, 'user:botty');
    assert.ok(flags[0].hits >= 1);
    assert.equal((await t.inject({ method: 'PUT', url: '/v1/gamification/config', headers: sk(), payload: {} })).statusCode, 200);
  });
});
