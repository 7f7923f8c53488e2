// Experiments over HTTP on a real database: create, start, sticky assignment, exposures recorded
// once under races (announced once), holdout users told to show nothing, the report against
// goal events, the sample-ratio warning, and bad input.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, startTestApp, type Tenant, type TestApp } from '../../testing/app.ts';
import { expectError, findIssue } from '../../testing/http.ts';

let t: TestApp;
let A: Tenant;
const call = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) => t.inject({ method, url, headers: bearer(A.secretKey), ...(payload ? { payload } : {}) });
const ok = async (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) => {
  const r = await call(method, url, payload);
  assert.ok(r.statusCode < 300, `${method} ${url} → ${r.statusCode} ${r.body}`);
  return r.json();
};

before(async () => {
  t = await startTestApp();
  A = await t.newTenant('experiments');
});
after(() => t.close());

describe('experiments', () => {
  let exp: { id: string; key: string };

  it('creates a draft, starts it, and assigns every user the same arm every time', async () => {
    exp = await ok('POST', '/v1/experiments', {
      key: 'checkout-button',
      name: '结算按钮颜色',
      variants: [{ key: 'control' }, { key: 'green', weight: 1 }],
      holdout_percent: 10,
      target: { kind: 'campaign', id: 'cmp_x' },
      goal: { kind: 'conversion', event: 'order.paid', conditions: { amount: { gte: 100 } }, within_days: 7 },
    });
    expectError(await call('POST', '/v1/experiments/checkout-button/exposures', { user_id: 'u1' }), 409, 'experiments.not_running');
    await ok('POST', `/v1/experiments/${exp.id}/start`);
    const a1 = await ok('GET', '/v1/experiments/checkout-button/assignments/u1');
    for (let i = 0; i < 3; i++) assert.deepEqual(await ok('GET', `/v1/experiments/${exp.id}/assignments/u1`), a1);
    expectError(await call('PATCH', `/v1/experiments/${exp.id}`, { holdout_percent: 20 }), 409, 'experiments.locked');
    assert.equal((await ok('PATCH', `/v1/experiments/${exp.id}`, { name: 'Checkout button' })).name, 'Checkout button');
  });

  it('records the first exposure once under concurrent calls and announces it once; holdout users are not exposed', async () => {
    const rs = await Promise.all(Array.from({ length: 20 }, () => call('POST', `/v1/experiments/${exp.id}/exposures`, { user_id: 'racer' })));
    assert.ok(rs.every((r) => r.statusCode === 200));
    assert.equal(rs.filter((r) => r.json().first).length, 1);
    assert.equal(new Set(rs.map((r) => r.json().assigned_at)).size, 1);
    const logged = await t.database.pool.query(`select count(*)::int as n from ev_log where app_id = $1 and name = 'experiment.exposed' and payload->>'userId' = 'racer'`, [A.appId]);
    assert.equal(logged.rows[0].n, 1);
    // Find holdout users: they are recorded but must be shown nothing.
    let holdouts = 0;
    for (let i = 0; i < 200; i++) {
      const r = await ok('POST', `/v1/experiments/${exp.id}/exposures`, { user_id: `h${i}` });
      assert.equal(r.expose, !r.holdout);
      if (r.holdout) {
        holdouts++;
        assert.equal(r.variant, 'holdout');
        assert.equal((await ok('GET', `/v1/experiments/${exp.id}/assignments/h${i}`)).holdout, true);
      }
    }
    assert.ok(holdouts > 5 && holdouts < 40, `about 10% of 200: ${holdouts}`);
  });

  it('reports conversions per arm with the comparison to the control and no sample-ratio warning', async () => {
    // Every exposed user in "green" with an even number converts (amount 150); in control, every third; small orders never count.
    const arms = new Map<string, string>();
    for (let i = 0; i < 200; i++) arms.set(`h${i}`, (await ok('GET', `/v1/experiments/${exp.id}/assignments/h${i}`)).variant);
    const events: object[] = [];
    const want: Record<string, number> = { control: 0, green: 0, holdout: 0 };
    for (const [u, v] of arms) {
      const i = Number(u.slice(1));
      const converts = v === 'green' ? i % 2 === 0 : i % 3 === 0;
      if (converts) {
        events.push({ event_id: `o-${u}`, user_id: u, name: 'order.paid', properties: { amount: 150 } });
        want[v]!++;
      } else events.push({ event_id: `s-${u}`, user_id: u, name: 'order.paid', properties: { amount: 20 } });
    }
    await ok('POST', '/v1/events', { events });
    const r = await ok('GET', `/v1/experiments/${exp.id}/report`);
    const by = new Map((r.arms as { arm: string; users: number; conversions: number; vs_control: { p_value: number; difference: number } | null }[]).map((a) => [a.arm, a]));
    for (const k of ['control', 'green', 'holdout']) {
      // The 200 users above, and "racer" in one of the arms.
      const users = [...arms.values()].filter((v) => v === k).length;
      assert.ok(by.get(k)!.users === users || by.get(k)!.users === users + 1, k);
    }
    assert.equal(by.get('green')!.conversions, want.green);
    assert.equal(by.get('control')!.vs_control, null);
    assert.ok(by.get('green')!.vs_control!.difference > 0);
    assert.equal(r.sample_ratio.mismatch, false);
  });

  it('warns of a sample-ratio mismatch when the arms are exposed unevenly', async () => {
    const e = await ok('POST', '/v1/experiments', { key: 'srm', name: 'SRM', variants: [{ key: 'a' }, { key: 'b' }], goal: { kind: 'mean', event: 'order.paid', property: 'amount' } });
    await ok('POST', `/v1/experiments/${e.id}/start`);
    // The host shows the experiment to every "a" user but to only a third of "b" users (a bug the check exists for).
    for (let i = 0; i < 300; i++) {
      const v = (await ok('GET', `/v1/experiments/${e.id}/assignments/s${i}`)).variant;
      if (v === 'a' || i % 3 === 0) await ok('POST', `/v1/experiments/${e.id}/exposures`, { user_id: `s${i}` });
    }
    const r = await ok('GET', `/v1/experiments/${e.id}/report`);
    assert.equal(r.sample_ratio.mismatch, true, JSON.stringify(r.sample_ratio));
  });

  it('refuses bad input by field and unknown experiments', async () => {
    findIssue(expectError(await call('POST', '/v1/experiments', { key: 'x', name: 'x', variants: [{ key: 'a' }], goal: { kind: 'conversion', event: 'e' } }), 400, 'validation_failed'), 'body.variants');
    findIssue(expectError(await call('POST', '/v1/experiments', { key: 'x', name: 'x', variants: [{ key: 'a' }, { key: 'holdout' }], goal: { kind: 'conversion', event: 'e' } }), 400, 'validation_failed'), 'body.variants.1.key');
    findIssue(expectError(await call('POST', '/v1/experiments', { key: 'x', name: 'x', variants: [{ key: 'a' }, { key: 'b' }], holdout_percent: 80, goal: { kind: 'conversion', event: 'e' } }), 400, 'validation_failed'), 'body.holdout_percent');
    expectError(await call('POST', '/v1/experiments', { key: 'checkout-button', name: 'again', variants: [{ key: 'a' }, { key: 'b' }], goal: { kind: 'conversion', event: 'e' } }), 409, 'experiments.key_taken');
    expectError(await call('GET', '/v1/experiments/nope/report'), 404, 'experiments.not_found');
    const list = await ok('GET', '/v1/experiments?status=running&limit=1');
    assert.equal(list.data.length, 1);
    assert.ok(list.next_cursor);
  });
});
