// RFM classes and core users on hand-built data over HTTP and a real database: each of the eight
// classes with fixed thresholds, the same buyers by the median (with ties, a non-number amount,
// an old purchase, a non-buyer), the 2/8 selection recomputed by hand, the rule kinds that read
// them, the CSV of the seed users, bad input, and an erased user.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, startTestApp, type Tenant, type TestApp } from '../../../testing/app.ts';
import { expectError, findIssue } from '../../../testing/http.ts';

let t: TestApp;
let A: Tenant;
const DAY = 86_400_000;
const ago = (d: number) => new Date(Date.now() - d * DAY).toISOString();
const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) => t.inject({ method, url, headers: bearer(A.secretKey), ...(payload ? { payload } : {}) });
const ok = async (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) => {
  const r = await call(method, url, payload);
  assert.ok(r.statusCode < 300, `${method} ${url} → ${r.statusCode} ${r.body}`);
  return r.json();
};

// user → purchases (days ago, amount)
const BUYERS: Record<string, [number, unknown][]> = {
  iv: [[1, 400], [5, 400], [10, 400]],
  idv: [[2, 1500]],
  ik: [[100, 500], [120, 500], [200, 500]],
  ir: [[200, 2000]],
  gv: [[1, 10], [2, 10], [3, 10]],
  gd: [[3, 50]],
  gk: [[60, 20], [70, 20], [80, 20], [90, 20]],
  gr: [[300, 30]],
  odd: [[40, 'lots'], [45, 5]],
  old: [[400, 9999]],
};

before(async () => {
  t = await startTestApp();
  A = await t.newTenant('rfm');
  const events: object[] = [];
  let n = 0;
  for (const [u, orders] of Object.entries(BUYERS)) for (const [d, amount] of orders) events.push({ event_id: `o${n++}`, user_id: u, name: 'order.paid', properties: { amount }, timestamp: ago(d) });
  events.push({ event_id: 'v1', user_id: 'none', name: 'app.opened', timestamp: ago(1) });
  await ok('POST', '/v1/events', { events });
  for (const u of [...Object.keys(BUYERS), 'none']) await ok('POST', `/v1/users/${u}`, { traits: {} });
});
after(() => t.close());

type Summary = { buyers: number; thresholds: Record<string, number | null>; classes: { class: string; users: number; name: { 'zh-CN': string } }[] };
const classOf = async (u: string) => ((await ok('GET', `/v1/users/${u}/rfm`)) as { rfm: { class: string } | null }).rfm?.class ?? null;

describe('RFM', () => {
  it('fixed thresholds: each buyer in the class of their R, F, M', async () => {
    const s = (await ok('PUT', '/v1/segments/rfm/settings', { method: 'fixed', recency_days: 30, frequency: 3, monetary: 1000 })) as Summary;
    assert.equal(s.buyers, 9, 'the 400-day-old purchase is outside the window; the non-buyer has none');
    const want: Record<string, string> = { iv: 'important_value', idv: 'important_develop', ik: 'important_keep', ir: 'important_retain', gv: 'general_value', gd: 'general_develop', gk: 'general_keep', gr: 'general_retain', odd: 'general_retain' };
    for (const [u, c] of Object.entries(want)) assert.equal(await classOf(u), c, u);
    assert.equal(await classOf('old'), null);
    assert.equal(await classOf('none'), null);
    assert.deepEqual(s.classes.map((c) => c.users), [1, 1, 1, 1, 1, 1, 1, 2]);
    assert.equal(s.classes[0]!.name['zh-CN'], '重要价值客户');
    const odd = (await ok('GET', '/v1/users/odd/rfm')).rfm;
    assert.deepEqual([odd.frequency, odd.monetary], [2, 5], 'a non-number amount counts as an order of 0');
  });

  it('by the median: strictly better than the median of the buyers', async () => {
    const s = (await ok('PUT', '/v1/segments/rfm/settings', { method: 'quantile', quantile: 0.5 })) as Summary;
    // Recomputed by hand over the nine buyers.
    const rows = Object.entries(BUYERS)
      .filter(([u]) => u !== 'old')
      .map(([u, o]) => ({ u, r: Math.min(...o.map(([d]) => d)), f: o.length, m: o.reduce((x, [, a]) => x + (typeof a === 'number' ? a : 0), 0) }));
    const median = (xs: number[]) => {
      const v = [...xs].sort((a, b) => a - b);
      return v.length % 2 ? v[v.length >> 1]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
    };
    const [rt, ft, mt] = [median(rows.map((x) => x.r)), median(rows.map((x) => x.f)), median(rows.map((x) => x.m))];
    assert.equal(s.thresholds.frequency, ft);
    assert.equal(s.thresholds.monetary, mt);
    assert.ok(Math.abs(s.thresholds.recency_days! - rt) < 0.01, `${s.thresholds.recency_days} vs ${rt}`);
    const names: Record<string, string> = { TTT: 'important_value', TFT: 'important_develop', FTT: 'important_keep', FFT: 'important_retain', TTF: 'general_value', TFF: 'general_develop', FTF: 'general_keep', FFF: 'general_retain' };
    for (const x of rows) {
      const key = `${x.r < rt ? 'T' : 'F'}${x.f > ft ? 'T' : 'F'}${x.m > mt ? 'T' : 'F'}`;
      assert.equal(await classOf(x.u), names[key], `${x.u} ${key}`);
    }
    const page = await ok('GET', '/v1/segments/rfm/users?limit=4');
    const next = await ok('GET', `/v1/segments/rfm/users?limit=10&cursor=${encodeURIComponent(page.next_cursor)}`);
    assert.equal(page.data.length + next.data.length, 9);
    assert.ok(page.data.every((r: { r_score: number }) => r.r_score >= 1 && r.r_score <= 5));
  });

  it('a segment of important customers follows each computation', async () => {
    await ok('PUT', '/v1/segments/rfm/settings', { method: 'fixed', recency_days: 30, frequency: 3, monetary: 1000 });
    const seg = await ok('POST', '/v1/segments', { name: '重要客户', rules: { any: [{ kind: 'rfm_class', classes: ['important_value', 'important_develop'] }] } });
    const members = async () => ((await ok('GET', `/v1/segments/${seg.id}/members`)).data as { user_id: string }[]).map((m) => m.user_id).sort();
    assert.deepEqual(await members(), ['idv', 'iv']);
    await ok('PUT', '/v1/segments/rfm/settings', { method: 'fixed', recency_days: 30, frequency: 3, monetary: 20 });
    assert.deepEqual(await members(), ['gd', 'gv', 'idv', 'iv'], 'lower M threshold: recent small buyers become important');
  });

  it('refuses bad settings by field and answers 409 before setup', async () => {
    const fresh = await t.newTenant('rfm-fresh');
    const r = await t.inject({ method: 'GET', url: '/v1/segments/rfm', headers: bearer(fresh.secretKey) });
    expectError(r, 409, 'segments.not_configured');
    findIssue(expectError(await call('PUT', '/v1/segments/rfm/settings', { method: 'fixed', recency_days: 30 }), 400, 'validation_failed'), 'body.frequency');
    findIssue(expectError(await call('PUT', '/v1/segments/rfm/settings', { quantile: 1.5 }), 400, 'validation_failed'), 'body.quantile');
    findIssue(expectError(await call('POST', '/v1/segments', { name: 'x', rules: { all: [{ kind: 'rfm_class', classes: ['vip'] }] } }), 400, 'validation_failed'), 'body.rules.all.0.classes.0');
  });
});

describe('core users (the 2/8 rule)', () => {
  let C: Tenant;
  const callC = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) => t.inject({ method, url, headers: bearer(C.secretKey), ...(payload ? { payload } : {}) });

  before(async () => {
    C = await t.newTenant('core');
    // u0..u9: user k is active on k+1 days (one event at noon each), for k+1 half-hours; u3 and u7 spend.
    const events: object[] = [];
    for (let k = 0; k < 10; k++) for (let d = 0; d <= k; d++) events.push({ event_id: `a${k}-${d}`, user_id: `u${k}`, name: 'app.opened', timestamp: new Date(Date.now() - (d + 1) * DAY).toISOString() });
    events.push({ event_id: 'p3', user_id: 'u3', name: 'order.paid', properties: { amount: 500 }, timestamp: ago(2) });
    events.push({ event_id: 'p7', user_id: 'u7', name: 'order.paid', properties: { amount: 100 }, timestamp: ago(2) });
    const r = await callC('POST', '/v1/events', { events });
    assert.equal(r.statusCode, 200, r.body);
  });

  it('ranks by the weighted percent ranks and flags the top 20%', async () => {
    const r = await callC('PUT', '/v1/segments/core/settings', { window_days: 30, top_percent: 20, weights: { frequency: 1, duration: 1, spend: 2 } });
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual({ users: r.json().users, core: r.json().core }, { users: 10, core: 2 });
    // By hand: percent_rank = (values strictly below) / (n - 1).
    const users = Array.from({ length: 10 }, (_, k) => {
      // The orders fall in a half-hour that already has an app.opened: no extra engaged time.
      return { u: `u${k}`, days: k + 1, secs: (k + 1) * 1800, spend: k === 3 ? 500 : k === 7 ? 100 : 0 };
    });
    const pr = (xs: number[], x: number) => xs.filter((y) => y < x).length / (xs.length - 1);
    const score = (x: (typeof users)[number]) => (pr(users.map((y) => y.days), x.days) + pr(users.map((y) => y.secs), x.secs) + 2 * pr(users.map((y) => y.spend), x.spend)) / 4;
    const want = [...users].sort((a, b) => score(b) - score(a) || (a.u < b.u ? -1 : 1));
    const got = (await callC('GET', '/v1/segments/core/users?limit=10')).json().data as { user_id: string; score: number; core: boolean; rank: number }[];
    assert.deepEqual(got.map((g) => g.user_id), want.map((w) => w.u));
    for (const g of got) assert.ok(Math.abs(g.score - score(users.find((u) => u.u === g.user_id)!)) < 1e-9);
    assert.deepEqual(got.filter((g) => g.core).map((g) => g.user_id), want.slice(0, 2).map((w) => w.u));
  });

  it('exports the top N as CSV (the seed users) and feeds core_user rules', async () => {
    const r = await callC('GET', '/v1/segments/core/users/export?top=3');
    assert.equal(r.statusCode, 200);
    const lines = r.body.slice(1).trim().split('\r\n');
    assert.deepEqual(lines[0], 'rank,user_id,core,score,active_days,active_seconds,spend');
    assert.equal(lines.length, 4);
    assert.equal(r.headers['x-total-rows'], '3');
    for (let k = 0; k < 10; k++) await callC('POST', `/v1/users/u${k}`, { traits: {} });
    const seg = (await callC('POST', '/v1/segments', { name: 'Core', rules: { all: [{ kind: 'core_user' }] } })).json();
    const core = ((await callC('GET', '/v1/segments/core/users?core_only=true')).json().data as { user_id: string }[]).map((u) => u.user_id).sort();
    const members = ((await callC('GET', `/v1/segments/${seg.id}/members`)).json().data as { user_id: string }[]).map((m) => m.user_id).sort();
    assert.deepEqual(members, core);
  });

  it('an erased user leaves RFM and the ranking', async () => {
    await callC('DELETE', '/v1/users/u9');
    await t.services.bus.drain();
    const got = (await callC('GET', '/v1/segments/core/users?limit=20')).json().data as { user_id: string }[];
    assert.ok(!got.some((g) => g.user_id === 'u9'));
  });
});
