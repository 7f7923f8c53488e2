// Check-in, levels and abuse defence on a real database: one check-in per local day under a
// 200-request race, time zones around midnight with a fake clock, streak cycles, make-ups,
// the calendar, levels rising with growth and the periodic review, per-IP limits and flags.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { bearer, startTestApp, type Tenant, type TestApp } from '../../testing/app.ts';
import { expectError, findIssue } from '../../testing/http.ts';

const DAY = 86_400_000;
/** A clock the tests set; null = the real time. */
let fixed: number | null = null;
const clock = { now: () => new Date(fixed ?? Date.now()) };
const setClock = (iso: string) => void (fixed = Date.parse(iso));
const advance = (ms: number) => void (fixed = (fixed ?? Date.now()) + ms);

let t: TestApp;
let A: Tenant;
const sk = () => bearer(A.secretKey);
const put = (url: string, payload: unknown) => t.inject({ method: 'PUT', url, headers: sk(), payload: payload as object });
const identify = (userId: string, timezone?: string) => t.inject({ method: 'POST', url: `/v1/users/${userId}`, headers: sk(), payload: timezone ? { timezone } : {} });
const checkIn = (userId: string, headers: Record<string, string> = {}, remoteAddress?: string) =>
  t.inject({ method: 'POST', url: `/v1/users/${userId}/checkins`, headers: { ...sk(), ...headers }, ...(remoteAddress ? { remoteAddress } : {}) });
const balance = async (userId: string, type = 'points') => (await t.services.points.balance(t.systemCtx(), A.appId, userId, type)).balance;

before(async () => {
  t = await startTestApp({ clock });
  A = await t.newTenant();
  for (const key of ['points', 'growth', 'makeup_card']) assert.equal((await put(`/v1/points/types/${key}`, { name: key })).statusCode, 201);
});
after(() => t.close());
beforeEach(() => void (fixed = null));

describe('check-in', () => {
  it('200 concurrent check-ins by one user → exactly one, the rest 409 checkin.already_checked_in', async () => {
    const token = await t.userToken(A, 'racer');
    const h = { ...bearer(A.publishableKey), 'x-user-token': token };
    const res = await Promise.all(Array.from({ length: 200 }, () => t.inject({ method: 'POST', url: '/v1/users/racer/checkins', headers: h })));
    const ok = res.filter((r) => r.statusCode === 201);
    assert.equal(ok.length, 1, res.map((r) => r.statusCode).join(','));
    for (const r of res.filter((x) => x.statusCode !== 201)) expectError(r, 409, 'checkin.already_checked_in');
    assert.equal(ok[0]!.json().streak, 1);
    assert.equal(ok[0]!.json().points, 10, 'day 1 of the default cycle');
    assert.equal(await balance('racer'), 10);
    const rows = await t.database.pool.query(`select count(*)::int as n from gm_checkins where app_id = $1 and user_id = 'racer'`, [A.appId]);
    assert.equal(rows.rows[0].n, 1);
    const entries = await t.services.points.history(t.systemCtx(), A.appId, { limit: 10, userId: 'racer' });
    assert.equal(entries.length, 1);
    assert.equal(entries[0]!.sourceType, 'checkin');
  });

  it("counts days in the user's own time zone: Shanghai and Los Angeles around midnight", async () => {
    await identify('sh', 'Asia/Shanghai');
    await identify('la', 'America/Los_Angeles');
    setClock('2025-03-01T15:59:00Z'); // 23:59 Mar 1 in Shanghai; 07:59 Mar 1 in Los Angeles
    assert.equal((await checkIn('sh')).json().date, '2025-03-01');
    assert.equal((await checkIn('la')).json().date, '2025-03-01');
    advance(2 * 60_000); // 00:01 Mar 2 in Shanghai; still Mar 1 in Los Angeles
    const sh2 = await checkIn('sh');
    assert.equal(sh2.statusCode, 201, sh2.body);
    assert.equal(sh2.json().date, '2025-03-02');
    assert.equal(sh2.json().streak, 2);
    const la2 = expectError(await checkIn('la'), 409, 'checkin.already_checked_in');
    assert.equal(la2.details?.date, '2025-03-01');
    setClock('2025-03-02T07:59:00Z'); // 23:59 Mar 1 in Los Angeles
    expectError(await checkIn('la'), 409, 'checkin.already_checked_in');
    advance(2 * 60_000); // 00:01 Mar 2 in Los Angeles
    const la3 = await checkIn('la');
    assert.equal(la3.json().date, '2025-03-02');
    assert.equal(la3.json().streak, 2);
    assert.equal(la3.json().timezone, 'America/Los_Angeles');
    // A user with no time zone counts in the app's (Asia/Shanghai by default).
    setClock('2025-03-01T16:30:00Z');
    assert.equal((await checkIn('no-tz')).json().date, '2025-03-02');
  });

  it('streak rewards follow the configured cycle; a missed day restarts the streak', async () => {
    assert.equal((await put('/v1/gamification/config', { checkin: { rewards: [1, 2, 5], growth: 3 } })).statusCode, 200);
    setClock('2025-04-01T04:00:00Z');
    const got: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await checkIn('cycler');
      assert.equal(r.statusCode, 201, r.body);
      got.push(r.json().points);
      advance(DAY);
    }
    assert.deepEqual(got, [1, 2, 5, 1], 'day 3 bonus, then the cycle repeats');
    assert.equal(await balance('cycler'), 9);
    assert.equal(await balance('cycler', 'growth'), 12);
    advance(DAY); // skip a day
    const r = await checkIn('cycler');
    assert.equal(r.json().streak, 1);
    assert.equal(r.json().longest, 4);
    assert.equal(r.json().total, 5);
  });

  it('make-up check-in (补签) fills a missed day, restores the streak, is paid and limited per month', async () => {
    assert.equal((await put('/v1/gamification/config', { checkin: { rewards: [10], makeup: { max_per_month: 1, cost_points: 15 } } })).statusCode, 200);
    const u = 'maker';
    await identify(u, 'Asia/Shanghai');
    for (const d of ['2025-05-01', '2025-05-02', '2025-05-04', '2025-05-05']) {
      setClock(`${d}T02:00:00Z`);
      assert.equal((await checkIn(u)).statusCode, 201);
    }
    assert.equal(await balance(u), 40);
    const makeup = (body: unknown) => t.inject({ method: 'POST', url: `/v1/users/${u}/checkins/makeup`, headers: sk(), payload: body as object });
    findIssue(expectError(await makeup({ date: '2025-05-05', pay_with: 'points' }), 400, 'validation_failed'), 'body.date'); // today
    findIssue(expectError(await makeup({ date: '2025-04-30', pay_with: 'points' }), 400, 'validation_failed'), 'body.date'); // last month
    findIssue(expectError(await makeup({ date: '2025-02-30', pay_with: 'points' }), 400, 'validation_failed'), 'body.date');
    findIssue(expectError(await makeup({ date: '2025-05-03', pay_with: 'gold' }), 400, 'validation_failed'), 'body.pay_with');
    expectError(await makeup({ date: '2025-05-03', pay_with: 'card' }), 409, 'points.insufficient_balance');
    expectError(await makeup({ date: '2025-05-02', pay_with: 'points' }), 409, 'checkin.already_checked_in');
    const ok = await makeup({ date: '2025-05-03', pay_with: 'points' });
    assert.equal(ok.statusCode, 201, ok.body);
    assert.equal(ok.json().streak, 5, 'days 1-5 are now unbroken');
    assert.equal(await balance(u), 25);
    expectError(await makeup({ date: '2025-05-03', pay_with: 'points' }), 409, 'checkin.makeup_limit');
    const cal = await t.inject({ method: 'GET', url: `/v1/users/${u}/checkins`, headers: sk() });
    assert.equal(cal.statusCode, 200, cal.body);
    const c = cal.json();
    assert.equal(c.month, '2025-05');
    assert.equal(c.streak, 5);
    assert.equal(c.checked_in_today, true);
    assert.deepEqual(c.makeups, { used: 1, left: 0, enabled: true });
    assert.deepEqual(
      c.days.slice(0, 6).map((d: { checked_in: boolean; kind: string | null; streak: number | null }) => [d.checked_in, d.kind, d.streak]),
      [
        [true, 'normal', 1],
        [true, 'normal', 2],
        [true, 'makeup', 3],
        [true, 'normal', 4],
        [true, 'normal', 5],
        [false, null, null],
      ],
    );
    assert.equal(c.days.length, 31);
    // The next day continues the restored streak.
    setClock('2025-05-06T02:00:00Z');
    assert.equal((await checkIn(u)).json().streak, 6);
  });

  it('pays a make-up with a card (a point type), one per make-up', async () => {
    assert.equal((await put('/v1/gamification/config', { checkin: { makeup: { max_per_month: 5 } } })).statusCode, 200);
    const u = 'carder';
    await identify(u, 'UTC');
    await t.services.points.earn(t.systemCtx(), A.appId, { userId: u, type: 'makeup_card', amount: 1, key: 'card-gift' });
    setClock('2025-06-10T12:00:00Z');
    await checkIn(u);
    const r = await t.inject({ method: 'POST', url: `/v1/users/${u}/checkins/makeup`, headers: sk(), payload: { date: '2025-06-09', pay_with: 'card' } });
    assert.equal(r.statusCode, 201, r.body);
    assert.equal(r.json().paid_with, 'card');
    assert.equal(r.json().streak, 2);
    assert.equal(await balance(u, 'makeup_card'), 0);
    expectError(await t.inject({ method: 'POST', url: `/v1/users/${u}/checkins/makeup`, headers: sk(), payload: { date: '2025-06-08', pay_with: 'card' } }), 409, 'points.insufficient_balance');
  });

  it('a user token checks in only its own user; disabled check-in is refused', async () => {
    const h = { ...bearer(A.publishableKey), 'x-user-token': await t.userToken(A, 'selfish') };
    expectError(await t.inject({ method: 'POST', url: '/v1/users/someone-else/checkins', headers: h }), 403, 'auth.wrong_user');
    assert.equal((await put('/v1/gamification/config', { checkin: { enabled: false } })).statusCode, 200);
    expectError(await t.inject({ method: 'POST', url: '/v1/users/selfish/checkins', headers: h }), 409, 'checkin.disabled');
    assert.equal((await put('/v1/gamification/config', {})).statusCode, 200);
  });

  it('configuration: defaults, validation naming the field, unknown point types refused', async () => {
    const cfg = (await t.inject({ method: 'GET', url: '/v1/gamification/config', headers: sk() })).json();
    assert.deepEqual(cfg.checkin.rewards, [10, 10, 15, 15, 20, 20, 50]);
    findIssue(expectError(await put('/v1/gamification/config', { checkin: { rewards: [] } }), 400, 'validation_failed'), 'body.checkin.rewards');
    findIssue(expectError(await put('/v1/gamification/config', { daily_reward: { min: 5, max: 1 } }), 400, 'validation_failed'), 'body.daily_reward.min');
    findIssue(expectError(await put('/v1/gamification/config', { timezone: 'Nowhere/City' }), 400, 'validation_failed'), 'body.timezone');
    findIssue(expectError(await put('/v1/gamification/config', { surprise: 1 }), 400, 'validation_failed'), 'body.surprise');
    const unknown = expectError(await put('/v1/gamification/config', { points_type: 'diamonds' }), 404, 'points.unknown_type');
    assert.equal(unknown.details?.field, 'body.points_type');
  });
});

describe('levels', () => {
  it('rise with growth, grant each level reward once, multiply check-in points; the periodic review lowers them', async () => {
    const ladder = {
      levels: [
        { level: 1, name: '青铜 Bronze', threshold: 0 },
        { level: 2, name: '白银 Silver', threshold: 100, benefits: { points_multiplier: 2, rewards: [{ type: 'points', amount: 500 }], perks: ['双倍签到积分'] } },
        { level: 3, name: '黄金 Gold', threshold: 300, benefits: { points_multiplier: 3 } },
      ],
    };
    assert.equal((await put('/v1/gamification/levels', ladder)).statusCode, 200);
    assert.equal((await put('/v1/gamification/config', { checkin: { rewards: [10] }, levels: { downgrade: 'periodic', review_days: 7 } })).statusCode, 200);
    const u = 'climber';
    const ups: unknown[] = [];
    const off = t.services.bus.subscribe('level.up', (e) => void (e.userId === u && ups.push([e.from, e.to])));
    await t.services.points.earn(t.systemCtx(), A.appId, { userId: u, type: 'growth', amount: 150, key: 'g-1' });
    await t.services.bus.drain();
    off();
    assert.deepEqual(ups, [[0, 2]]);
    const card = (await t.inject({ method: 'GET', url: `/v1/users/${u}/level`, headers: sk() })).json();
    assert.equal(card.level, 2);
    assert.equal(card.name, '白银 Silver');
    assert.deepEqual(card.next, { level: 3, name: '黄金 Gold', threshold: 300, remaining: 150 });
    assert.equal(await balance(u), 500, 'the level-2 reward');
    const ci = await checkIn(u);
    assert.equal(ci.json().points, 20, 'check-in points doubled at level 2');
    // Replaying growth (out-of-order events) never grants the reward twice.
    await t.services.gamification.levels.onGrowth(t.systemCtx(), A.appId, u, 150);
    assert.equal(await balance(u), 520);
    // Growth taken away, and the review is due: the level falls.
    await t.services.points.adjust(t.systemCtx(), A.appId, { userId: u, type: 'growth', amount: -100, reason: 'decay', key: 'g-decay' });
    assert.equal((await t.services.gamification.levels.review(t.systemCtx())).down, 0, 'not due yet');
    advance(8 * DAY);
    const downs: unknown[] = [];
    const off2 = t.services.bus.subscribe('level.down', (e) => void downs.push([e.from, e.to]));
    const rv = await t.services.gamification.levels.review(t.systemCtx());
    await t.services.bus.drain();
    off2();
    assert.ok(rv.down >= 1);
    assert.deepEqual(downs.filter((d) => JSON.stringify(d) === '[2,1]').length, 1);
    assert.equal((await t.inject({ method: 'GET', url: `/v1/users/${u}/level`, headers: sk() })).json().level, 1);
    // A user with no growth at all is at level 1, whose threshold is 0.
    const fresh = (await t.inject({ method: 'GET', url: '/v1/users/no-growth-yet/level', headers: sk() })).json();
    assert.deepEqual([fresh.level, fresh.name, fresh.next?.level], [1, '青铜 Bronze', 2]);
  });

  it('validates the ladder: numbering and rising thresholds, reward types', async () => {
    const bad = expectError(await put('/v1/gamification/levels', { levels: [{ level: 1, name: 'a', threshold: 10 }, { level: 2, name: 'b', threshold: 10 }] }), 400, 'validation_failed');
    findIssue(bad, 'body.levels.1.threshold');
    findIssue(expectError(await put('/v1/gamification/levels', { levels: [{ level: 2, name: 'a', threshold: 0 }] }), 400, 'validation_failed'), 'body.levels.0.level');
    const unknown = expectError(await put('/v1/gamification/levels', { levels: [{ level: 1, name: 'a', threshold: 0, benefits: { rewards: [{ type: 'gems', amount: 1 }] } }] }), 404, 'points.unknown_type');
    assert.equal(unknown.details?.field, 'body.levels.0.benefits.rewards.0.type');
  });
});

describe('abuse defence on check-in', () => {
  it('per-IP limits answer 429 with Retry-After and raise a flag; many accounts on one device are flagged; operators block', async () => {
    assert.equal((await put('/v1/gamification/config', { abuse: { checkin: { per_ip: { max: 2, window_seconds: 3600 } }, max_accounts_per_device: 2 } })).statusCode, 200);
    // Signed in at the real time (sessions expire by the database clock), then the clock is set.
    const admin = await t.newOperator(A.appId, 'admin');
    const oh = { ...bearer(admin.token), 'x-canyu-app': A.appId };
    setClock('2025-07-01T03:00:00Z');
    assert.equal((await checkIn('ip-1', {}, '203.0.113.9')).statusCode, 201);
    assert.equal((await checkIn('ip-2', {}, '203.0.113.9')).statusCode, 201);
    const over = await checkIn('ip-3', {}, '203.0.113.9');
    expectError(over, 429, 'gamification.limit_exceeded');
    assert.ok(Number(over.headers['retry-after']) > 0);
    assert.equal((await checkIn('ip-3', {}, '198.51.100.1')).statusCode, 201, 'another address is fine');
    for (const [i, u] of ['dev-1', 'dev-2', 'dev-3'].entries()) assert.equal((await checkIn(u, { 'x-device-id': 'phone-42' }, `192.0.2.${i + 1}`)).statusCode, 201);
    const fl = await t.inject({ method: 'GET', url: '/v1/gamification/flags?status=open', headers: oh });
    assert.equal(fl.statusCode, 200, fl.body);
    const flags = fl.json().data;
    const ip = flags.find((f: { kind: string }) => f.kind === 'limit_exceeded');
    assert.equal(ip.subject, 'ip:203.0.113.9');
    const dev = flags.find((f: { kind: string }) => f.kind === 'device_many_accounts');
    assert.equal(dev.subject, 'device:phone-42');
    assert.deepEqual(dev.user_ids, ['dev-1', 'dev-2', 'dev-3']);
    const resolved = await t.inject({ method: 'POST', url: `/v1/gamification/flags/${dev.id}/resolve`, headers: oh, payload: { action: 'block', note: '同一设备多账号' } });
    assert.equal(resolved.json().status, 'blocked');
    expectError(await t.inject({ method: 'POST', url: `/v1/gamification/flags/${dev.id}/resolve`, headers: oh, payload: { action: 'dismiss' } }), 404, 'gamification.flag_not_found');
    advance(DAY);
    expectError(await checkIn('dev-2', {}, '192.0.2.50'), 403, 'gamification.blocked');
    const blocks = (await t.inject({ method: 'GET', url: '/v1/gamification/blocks', headers: oh })).json().data;
    assert.equal(blocks.length, 3);
    assert.equal((await t.inject({ method: 'DELETE', url: '/v1/gamification/blocks/dev-2', headers: oh })).statusCode, 204);
    assert.equal((await checkIn('dev-2', {}, '192.0.2.51')).statusCode, 201);
    const audit = (await t.inject({ method: 'GET', url: `/v1/apps/${A.appId}/audit-log?action=gamification.flag.block`, headers: oh })).json().data;
    assert.equal(audit.length, 1);
    assert.equal((await put('/v1/gamification/config', {})).statusCode, 200);
  });
});
