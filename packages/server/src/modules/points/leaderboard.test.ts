// 积分排行榜 (GET /v1/points/leaderboard) on a generated ledger: every list and every user's rank
// is checked against an independent recomputation over the raw pt_entries rows, around the local
// midnights of the period's time zone; ties, balance ranking, erasure, auth and bad input.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, startTestApp, type Tenant, type TestApp } from '../../testing/app.ts';
import { expectError, findIssue } from '../../testing/http.ts';

// Fixed "now": Wednesday 2026-03-18 10:00 in Shanghai (02:00 UTC). Its ISO week began on Monday
// 2026-03-16 00:00 Shanghai = 2026-03-15 16:00 UTC; its month on 2026-02-28 16:00 UTC.
const NOW = Date.parse('2026-03-18T02:00:00Z');
let at = NOW;
const clock = { now: () => new Date(at) };
const TZ = 'Asia/Shanghai';

let t: TestApp;
let A: Tenant;
const sk = () => bearer(A.secretKey);
const get = (query: string, headers: Record<string, string> = sk()) => t.inject({ method: 'GET', url: `/v1/points/leaderboard?${query}`, headers });

type Board = { from: string | null; to: string | null; data: { rank: number; user_id: string; score: number }[]; me: { user_id: string; rank: number | null; score: number } | null };

/** Competition ranks (1, 2, 2, 4) of positive scores, highest first, ties by user id. */
function expected(scores: Map<string, number>, limit: number) {
  const sorted = [...scores].filter(([, s]) => s > 0).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const rankOf = (s: number) => 1 + sorted.filter(([, x]) => x > s).length;
  return { top: sorted.slice(0, limit).map(([u, s]) => ({ rank: rankOf(s), user_id: u, score: s })), rankOf };
}

/** Earned per user between two instants, recomputed from the raw ledger. */
async function earnedBetween(from: Date | null, to: Date | null): Promise<Map<string, number>> {
  const r = await t.services.points.history(t.systemCtx(), A.appId, { limit: 100_000 });
  const out = new Map<string, number>();
  for (const e of r) {
    if (e.type !== 'points' || e.amount <= 0 || (e.kind !== 'earn' && e.kind !== 'adjust')) continue;
    if (from && e.createdAt < from) continue;
    if (to && e.createdAt >= to) continue;
    out.set(e.userId, (out.get(e.userId) ?? 0) + e.amount);
  }
  return out;
}

before(async () => {
  t = await startTestApp({ clock });
  A = await t.newTenant();
  for (const key of ['points', 'growth']) {
    const r = await t.inject({ method: 'PUT', url: `/v1/points/types/${key}`, headers: sk(), payload: { name: key } });
    assert.equal(r.statusCode, 201, r.body);
  }
  const svc = t.services.points;
  const sys = t.systemCtx();
  let n = 0;
  const earn = async (userId: string, amount: number, when: number, type = 'points') => {
    at = when;
    await svc.earn(sys, A.appId, { userId, type, amount, key: `k${++n}` });
  };
  // Around the week's and today's local midnights: 1 ms before belongs to the earlier period.
  const weekStart = Date.parse('2026-03-15T16:00:00Z');
  const todayStart = Date.parse('2026-03-17T16:00:00Z');
  const monthStart = Date.parse('2026-02-28T16:00:00Z');
  await earn('edge', 1000, weekStart - 1); // last week (and this month)
  await earn('edge', 7, weekStart); // this week
  await earn('night', 50, todayStart - 1); // yesterday, this week
  await earn('night', 5, todayStart); // today
  await earn('old', 900, monthStart - 1); // last month only
  // A generated crowd over the last 40 days, with ties on purpose.
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let i = 0; i < 240; i++) {
    const user = `u${String(Math.floor(rnd() * 40)).padStart(2, '0')}`;
    await earn(user, [10, 20, 30, 50][Math.floor(rnd() * 4)]!, NOW - Math.floor(rnd() * 40 * 86_400_000));
  }
  // Spends, negative adjustments and another type never count as earned; positive adjustments do.
  at = NOW - 3_600_000;
  await svc.spend(sys, A.appId, { userId: 'u01', type: 'points', amount: 5, key: 'spend-1' });
  await svc.adjust(sys, A.appId, { userId: 'u02', type: 'points', amount: 15, reason: 'bonus', key: 'adj-1' });
  await svc.adjust(sys, A.appId, { userId: 'u03', type: 'points', amount: -5, reason: 'correction', key: 'adj-2' });
  await earn('growth-only', 100_000, NOW - 1000, 'growth');
  at = NOW;
});
after(() => t.close());

describe('points leaderboard', () => {
  it('each period lists exactly the recomputed top and every user’s exact rank', async () => {
    const windows = {
      day: [new Date('2026-03-17T16:00:00Z'), new Date('2026-03-18T16:00:00Z'), '2026-03-18', '2026-03-19'],
      week: [new Date('2026-03-15T16:00:00Z'), new Date('2026-03-22T16:00:00Z'), '2026-03-16', '2026-03-23'],
      month: [new Date('2026-02-28T16:00:00Z'), new Date('2026-03-31T16:00:00Z'), '2026-03-01', '2026-04-01'],
      all: [null, null, null, null],
    } as const;
    for (const [period, [from, to, fromDay, toDay]] of Object.entries(windows)) {
      const scores = await earnedBetween(from, to);
      const want = expected(scores, 15);
      const board = (await get(`type=points&period=${period}&timezone=${encodeURIComponent(TZ)}&limit=15`)).json() as Board;
      assert.deepEqual(board.data, want.top, period);
      assert.equal(board.from, fromDay);
      assert.equal(board.to, toDay);
      assert.equal(board.me, null);
      for (const user of [...scores.keys(), 'nobody'].slice(-12)) {
        const me = (await get(`type=points&period=${period}&timezone=${encodeURIComponent(TZ)}&limit=1&user_id=${user}`)).json() as Board;
        const s = scores.get(user) ?? 0;
        assert.deepEqual(me.me, { user_id: user, score: s, rank: s > 0 ? want.rankOf(s) : null }, `${period} ${user}`);
      }
    }
    // The local-midnight edges: 'edge' earned 7 this week, 'night' 5 today.
    const week = (await get(`type=points&period=week&timezone=${encodeURIComponent(TZ)}&user_id=edge`)).json() as Board;
    assert.equal(week.me!.score, 7);
    const day = (await get(`type=points&period=day&timezone=${encodeURIComponent(TZ)}&user_id=night`)).json() as Board;
    assert.equal(day.me!.score, 5);
    // In UTC the same instants fall on other days: today (UTC) began at 00:00Z, after both.
    const utc = (await get('type=points&period=day&user_id=night')).json() as Board;
    assert.equal(utc.me!.score, 0);
    assert.equal(utc.me!.rank, null);
  });

  it('ties share a rank; ranking by balance; erased users leave the board', async () => {
    const B = await t.newTenant();
    const h = bearer(B.secretKey);
    await t.inject({ method: 'PUT', url: '/v1/points/types/coins', headers: h, payload: { name: 'coins' } });
    for (const [u, n] of [['a', 30], ['b', 20], ['c', 20], ['d', 10]] as const) {
      const r = await t.inject({ method: 'POST', url: `/v1/users/${u}/points/earn`, headers: h, payload: { type: 'coins', amount: n, idempotency_key: `e-${u}` } });
      assert.equal(r.statusCode, 201, r.body);
    }
    await t.inject({ method: 'POST', url: '/v1/users/a/points/spend', headers: h, payload: { type: 'coins', amount: 25, idempotency_key: 's-a' } });
    const earned = (await t.inject({ method: 'GET', url: '/v1/points/leaderboard?type=coins&period=all', headers: h })).json() as Board;
    assert.deepEqual(earned.data.map((r) => [r.rank, r.user_id, r.score]), [[1, 'a', 30], [2, 'b', 20], [2, 'c', 20], [4, 'd', 10]]);
    const balance = (await t.inject({ method: 'GET', url: '/v1/points/leaderboard?type=coins&period=all&rank_by=balance&user_id=a', headers: h })).json() as Board;
    assert.deepEqual(balance.data.map((r) => [r.rank, r.user_id, r.score]), [[1, 'b', 20], [1, 'c', 20], [3, 'd', 10], [4, 'a', 5]]);
    assert.deepEqual(balance.me, { user_id: 'a', rank: 4, score: 5 });
    assert.equal((await t.inject({ method: 'DELETE', url: '/v1/users/b', headers: h })).statusCode, 204);
    await t.services.bus.drain();
    const after = (await t.inject({ method: 'GET', url: '/v1/points/leaderboard?type=coins&period=week', headers: h })).json() as Board;
    assert.deepEqual(after.data.map((r) => [r.rank, r.user_id]), [[1, 'a'], [2, 'c'], [3, 'd']]);
  });

  it('a user token answers its own standing; a publishable key reads the list only', async () => {
    const token = await t.userToken(A, 'u05');
    const mine = (await get('type=points&period=all', { authorization: `Bearer ${A.publishableKey}`, 'x-user-token': token })).json() as Board;
    assert.equal(mine.me!.user_id, 'u05');
    expectError(await get('type=points&user_id=u06', { authorization: `Bearer ${A.publishableKey}`, 'x-user-token': token }), 403, 'auth.wrong_user');
    const pub = await get('type=points&limit=3', { authorization: `Bearer ${A.publishableKey}` });
    assert.equal(pub.statusCode, 200, pub.body);
    assert.equal((pub.json() as Board).data.length, 3);
    const refused = expectError(await get('type=points&user_id=u05', { authorization: `Bearer ${A.publishableKey}` }), 403, 'auth.forbidden');
    assert.equal(refused.details?.field, 'query.user_id');
  });

  it('bad input names the field', async () => {
    expectError(await get('type=nope'), 404, 'points.unknown_type');
    findIssue(expectError(await get('type=points&timezone=Mars%2FBase'), 400, 'validation_failed'), 'query.timezone');
    findIssue(expectError(await get('type=points&period=year'), 400, 'validation_failed'), 'query.period');
    findIssue(expectError(await get('type=points&limit=0'), 400, 'validation_failed'), 'query.limit');
    findIssue(expectError(await get('type=points&limit=101'), 400, 'validation_failed'), 'query.limit');
    findIssue(expectError(await get('type=points&user_id=a%00b'), 400, 'validation_failed'), 'query.user_id');
    findIssue(expectError(await get('type=points&rank_by=balance&period=week'), 400, 'validation_failed'), 'query.rank_by');
    findIssue(expectError(await get('period=week'), 400, 'validation_failed'), 'query.type');
    findIssue(expectError(await get('type=points&extra=1'), 400, 'validation_failed'), 'query.extra');
  });
});
