// The funnel statement (store.ts funnelCounts / funnelDropoff) on hand-built event sequences, and
// its SQL reading of the rule condition language held to the JavaScript matcher case by case.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'drizzle-orm';
import { matchesConditions, type Conditions } from '../../lib/conditions.ts';
import { createTestDatabase, type TestDatabase } from '../../testing/db.ts';
import { conditionsSql } from '../../db/conditions.ts';
import { funnelCounts, funnelDropoff, type FunnelSpec } from './store.ts';

let d: TestDatabase;
before(async () => {
  d = await createTestDatabase();
  const { migrate } = await import('../../db/index.ts');
  await migrate(d.pool);
});
after(() => d.close());

let app = 0;
const T0 = Date.parse('2026-03-01T00:00:00Z');
/** Stores events (user, name, seconds after T0, properties) in this order (seq = arrival) for a fresh app. */
async function events(rows: [string, string, number, Record<string, unknown>?][]): Promise<string> {
  const appId = `funnel-${++app}-${Date.now()}`;
  for (const [i, [user, name, s, props]] of rows.entries()) {
    await d.pool.query(`insert into ev_events (app_id, event_id, user_id, name, properties, ts) values ($1, $2, $3, $4, $5, $6)`, [appId, `e${i}`, user, name, JSON.stringify(props ?? {}), new Date(T0 + s * 1000).toISOString()]);
  }
  return appId;
}
const steps = [{ event: 'view' }, { event: 'cart' }, { event: 'pay', where: { amount: { gte: 100 } } as Conditions }];
const spec = (windowS: number, s = steps): FunnelSpec => ({ steps: s, entryFrom: new Date(T0), entryTo: new Date(T0 + 1000 * 1000), windowMs: windowS * 1000, who: {} });
const users = async (appId: string, f: FunnelSpec) => (await funnelCounts(d.db, appId, f)).map((c) => c.users);

describe('funnel statement', () => {
  it('enters at the first step-1 event in the entry range and takes the earliest later match per step', async () => {
    const a = await events([['u', 'view', -5], ['u', 'view', 10], ['u', 'view', 20], ['u', 'cart', 30], ['u', 'cart', 40], ['u', 'pay', 50, { amount: 99 }], ['u', 'pay', 60, { amount: 100 }]]);
    assert.deepEqual(await users(a, spec(1000)), [1, 1, 1]);
    const c = await funnelCounts(d.db, a, spec(1000));
    assert.equal(c[1]!.median, 20, 'view at 10 (the first in range), cart at 30');
    assert.equal(c[2]!.median, 30, 'the first pay of 100 or more, at 60');
  });

  it('orders ties by arrival: a step stored before the previous one at the same instant does not follow it', async () => {
    assert.deepEqual(await users(await events([['u', 'cart', 10], ['u', 'view', 10]]), spec(1000)), [1, 0, 0]);
    assert.deepEqual(await users(await events([['u', 'view', 10], ['u', 'cart', 10]]), spec(1000)), [1, 1, 0]);
  });

  it('counts a step exactly at the end of the window, not one after; entry only within the entry range', async () => {
    assert.deepEqual(await users(await events([['u', 'view', 0], ['u', 'cart', 100]]), spec(100)), [1, 1, 0]);
    assert.deepEqual(await users(await events([['u', 'view', 0], ['u', 'cart', 101]]), spec(100)), [1, 0, 0]);
    assert.deepEqual(await users(await events([['u', 'view', 1000], ['u', 'cart', 1001]]), spec(100)), [0, 0, 0]);
  });

  it('uses one event for one step only', async () => {
    const same = [{ event: 'a' }, { event: 'a' }];
    assert.deepEqual(await users(await events([['u', 'a', 1]]), spec(100, same)), [1, 0]);
    assert.deepEqual(await users(await events([['u', 'a', 1], ['u', 'a', 2]]), spec(100, same)), [1, 1]);
  });

  it('medians like percentile_cont(0.5), and the drop-off list by user id with a cursor', async () => {
    const a = await events([
      ['a', 'view', 0], ['a', 'cart', 2],
      ['b', 'view', 0], ['b', 'cart', 4], ['b', 'pay', 5, { amount: 100 }],
      ['c', 'view', 0], ['c', 'cart', 6],
      ['d', 'view', 0], ['e', 'view', 0],
    ]);
    const c = await funnelCounts(d.db, a, spec(10_000));
    assert.deepEqual(c.map((x) => x.users), [5, 3, 1]);
    assert.equal(c[1]!.median, 4);
    const stop1 = await funnelDropoff(d.db, a, spec(10_000), 1, undefined, 10);
    assert.deepEqual(stop1.map((x) => x.userId), ['d', 'e']);
    assert.deepEqual((await funnelDropoff(d.db, a, spec(10_000), 2, 'a', 10)).map((x) => x.userId), ['c']);
    assert.equal(stop1[0]!.reachedAt.getTime(), T0);
  });
});

describe('funnel statement against a reference walk', () => {
  it('enters at the first step-1 event that matches its filter, not the first of its name', async () => {
    const filtered = [{ event: 'view', where: { src: 'ad' } as Conditions }, { event: 'cart' }];
    const a = await events([['u', 'view', 1, { src: 'feed' }], ['u', 'cart', 2], ['u', 'view', 50, { src: 'ad' }], ['u', 'cart', 60]]);
    const c = await funnelCounts(d.db, a, spec(100, filtered));
    assert.deepEqual(c.map((x) => x.users), [1, 1]);
    assert.equal(c[1]!.median, 10, 'entered at 50 (the first ad view), the cart at 60 follows it');
    assert.deepEqual(await users(a, spec(5, filtered)), [1, 0], 'the cart at 2 is before the entry and does not count');
  });

  it('gives what walking each user’s events in (ts, arrival) order gives, on random sequences with ties', async () => {
    // A plain reading of the rules, in JavaScript: enter at the first step-1 match in the entry
    // range; each next step is the first later match no later than the window after entry.
    const fSteps = [{ event: 'view' }, { event: 'cart' }, { event: 'pay', where: { amount: { gte: 100 } } as Conditions }, { event: 'view' }];
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const rows: [string, string, number, Record<string, unknown>?][] = [];
    for (let i = 0; i < 600; i++) {
      const name = ['view', 'cart', 'pay', 'other'][rnd(4)]!;
      rows.push([`u${rnd(40)}`, name, rnd(60) * 20 - 100, name === 'pay' ? { amount: rnd(3) * 60 } : {}]);
    }
    const a = await events(rows);
    for (const windowS of [0, 40, 200, 10_000]) {
      const f = { ...spec(windowS, fSteps), entryTo: new Date(T0 + 600 * 1000) };
      const reached = fSteps.map(() => 0);
      for (const u of new Set(rows.map((r) => r[0]))) {
        const mine = rows.map((r, seq) => ({ r, seq })).filter((x) => x.r[0] === u).sort((x, y) => x.r[2] - y.r[2] || x.seq - y.seq);
        const match = (k: number, r: (typeof rows)[number]) => r[1] === fSteps[k]!.event && matchesConditions(fSteps[k]!.where ?? {}, r[3] ?? {});
        let at = mine.findIndex((x) => x.r[2] >= 0 && x.r[2] < 600 && match(0, x.r));
        if (at < 0) continue;
        const t1 = mine[at]!.r[2];
        reached[0]!++;
        for (let k = 1; k < fSteps.length; k++) {
          const next = mine.findIndex((x, i) => i > at && x.r[2] <= t1 + windowS && match(k, x.r));
          if (next < 0) break;
          reached[k]!++;
          at = next;
        }
      }
      assert.deepEqual(await users(a, f), reached, `window ${windowS} s`);
    }
  });
});

describe('conditions in SQL equal the JavaScript matcher', () => {
  const props: Record<string, unknown>[] = [
    {},
    { amount: 100 },
    { amount: 100.5 },
    { amount: '100' },
    { amount: null },
    { amount: true },
    { tag: 'summer sale' },
    { tag: ['a', 'b'] },
    { tag: [['a']] },
    { tag: 1 },
    { a: { b: { c: 3 } } },
    { a: { b: [1, 2] } },
    { a: [{ b: 1 }] },
    { a: 'x' },
    { ok: false },
    { 'dot.key': 1 },
  ];
  const conds: Conditions[] = [
    { amount: 100 },
    { amount: '100' },
    { amount: { eq: 100 } },
    { amount: { ne: 100 } },
    { amount: { in: [100, '100'] } },
    { amount: { nin: [100] } },
    { amount: { gt: 99.9 } },
    { amount: { gte: 100, lt: 100.5 } },
    { amount: { lte: 100 } },
    { amount: { exists: true } },
    { amount: { exists: false } },
    { tag: { contains: 'sale' } },
    { tag: { contains: 'a' } },
    { 'a.b.c': 3 },
    { 'a.b.c': { gte: 3 } },
    { 'a.b': { exists: true } },
    { 'a.b.0': { exists: true } },
    { 'a.0.b': 1 },
    { ok: false },
    { ok: { ne: true } },
    { 'dot.key': 1 },
    { amount: 100, tag: { exists: false } },
  ];
  it('for every pair of properties and conditions', async () => {
    const mismatches: string[] = [];
    for (const p of props) {
      for (const c of conds) {
        const r = await d.db.execute<{ ok: boolean }>(sql`select ${conditionsSql(c, sql`${JSON.stringify(p)}::jsonb`)} as ok`);
        const want = matchesConditions(c, p);
        if (r.rows[0]!.ok !== want) mismatches.push(`${JSON.stringify(p)} ${JSON.stringify(c)}: sql ${r.rows[0]!.ok}, js ${want}`);
      }
    }
    assert.deepEqual(mismatches, []);
  });
});
