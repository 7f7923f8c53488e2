// Time-driven transitions with two Canyu servers on one database: each transition happens, is
// published and is announced by webhook exactly once, whichever server's tick gets there first —
// on a controllable clock with ticks raced by hand, and on real pg-boss jobs on both servers.
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { after, before, describe, it } from 'node:test';
import { buildApp } from '../../app.ts';
import { createJobs, type Jobs } from '../../jobs.ts';
import { startTestApp, type Tenant, type TestApp } from '../../testing/app.ts';
import { allowReceivers, startReceiver, type Receiver } from '../../testing/receiver.ts';
import { waitFor } from '../../testing/wait.ts';
import { api, iso, ok, testClock } from './test-helpers.ts';

const clock = testClock('2031-01-01T00:00:00Z');
const silent = { error() {}, info() {} };

let s1: TestApp;
let s2: TestApp;
let tenant: Tenant;
let rx: Receiver;

before(async () => {
  s1 = await startTestApp({ clock, config: allowReceivers });
  s2 = await startTestApp({ clock, database: s1.database, config: allowReceivers });
  tenant = await s1.newTenant();
  rx = await startReceiver();
  ok(await api(s1, tenant).post('/v1/webhooks/endpoints', { url: rx.url }), 201);
});
after(async () => {
  await rx.close();
  await s2.close();
  await s1.close();
});

const hooksOfType = (type: string) => rx.received.map((r) => JSON.parse(r.body) as { type: string; id: string; data: Record<string, unknown> }).filter((b) => b.type === type);

describe('two servers, controllable clock', () => {
  it('expires each timed-out reservation once and starts/ends the campaign once', async () => {
    const a = api(s1, tenant);
    const start = clock.t + 3600_000;
    const c = await a.campaign({ kind: 'flash_sale', name: 'two servers', starts_at: iso(start), ends_at: iso(start + 3600_000) });
    const s = ok<{ id: string }>(await a.post(`/v1/campaigns/${c.id}/flash-sale/sessions`, { starts_at: iso(start), ends_at: iso(start + 3600_000) }), 201);
    const item = ok<{ id: string }>(await a.post(`/v1/flash-sale/sessions/${s.id}/items`, { product_id: 'p', original_price: 100, sale_price: 10, stock: 40, reservation_ttl_seconds: 120 }), 201);
    ok(await a.post(`/v1/campaigns/${c.id}/schedule`));

    const events = { started: 0, ended: 0, released: 0 };
    const offs = [s1, s2].flatMap((s) => [
      s.services.bus.subscribe('campaign.started', (p) => void (p.campaignId === c.id && events.started++)),
      s.services.bus.subscribe('campaign.ended', (p) => void (p.campaignId === c.id && events.ended++)),
      s.services.bus.subscribe('flash_sale.released', (p) => void (p.itemId === item.id && events.released++)),
    ]);
    const tickBoth = async () => {
      await Promise.all([s1.services.campaigns.tick(), s2.services.campaigns.tick(), s1.services.campaigns.tick(), s2.services.campaigns.tick()]);
    };
    try {
      clock.t = start;
      await tickBoth();
      // 30 buyers, half through each server.
      for (let i = 0; i < 30; i++) ok(await api(i % 2 ? s2 : s1, tenant).post(`/v1/flash-sale/items/${item.id}/attempts`, { user_id: `u${i}` }), 201);
      clock.t += 119_000;
      await tickBoth();
      assert.equal(events.released, 0, 'nothing is due a second early');
      clock.t += 1_000;
      await tickBoth();
      await tickBoth();
      clock.t = start + 3600_000;
      await tickBoth();
      await Promise.all([s1.services.bus.drain(), s2.services.bus.drain(), s1.services.webhooks.idle(), s2.services.webhooks.idle()]);
      assert.deepEqual(events, { started: 1, ended: 1, released: 30 });
      const stock = await s1.database.pool.query<{ n: number }>('select sum(remaining)::int as n from cm_fs_stock where item_id = $1', [item.id]);
      assert.equal(stock.rows[0]!.n, 40, 'every unit came back exactly once');
      const expired = hooksOfType('flash_sale.reservation.expired').filter((h) => h.data.item_id === item.id);
      assert.equal(expired.length, 30);
      assert.equal(new Set(expired.map((h) => h.data.reservation_id)).size, 30);
      assert.equal(hooksOfType('campaign.started').filter((h) => h.data.campaign_id === c.id).length, 1);
      assert.equal(hooksOfType('campaign.ended').filter((h) => h.data.campaign_id === c.id).length, 1);
    } finally {
      offs.forEach((o) => o());
    }
  });
});

describe('two servers, refused attempts', () => {
  it('counts every refused purchase attempt once, by reason, whichever server refused it', async () => {
    const a = api(s1, tenant);
    const start = clock.t + 3600_000;
    const c = await a.campaign({ kind: 'flash_sale', name: 'rejections', starts_at: iso(start), ends_at: iso(start + 3600_000) });
    const s = ok<{ id: string }>(await a.post(`/v1/campaigns/${c.id}/flash-sale/sessions`, { starts_at: iso(start), ends_at: iso(start + 3600_000) }), 201);
    const item = ok<{ id: string }>(await a.post(`/v1/flash-sale/sessions/${s.id}/items`, { product_id: 'p', original_price: 100, sale_price: 10, stock: 5, per_user_limit: 1 }), 201);
    ok(await a.post(`/v1/campaigns/${c.id}/schedule`));
    const attempt = (i: number, user = `r${i}`) => api(i % 2 ? s2 : s1, tenant).post(`/v1/flash-sale/items/${item.id}/attempts`, { user_id: user });
    // Too early on both servers, then 40 buyers at once for 5 units, then a buyer who already holds one.
    const early = await Promise.all([attempt(0), attempt(1)]);
    clock.t = start;
    const rush = await Promise.all(Array.from({ length: 40 }, (_, i) => attempt(i)));
    const winner = rush.findIndex((r) => r.statusCode === 201);
    const again = await attempt(winner + 1, `r${winner}`);
    const refused: Record<string, number> = {};
    for (const r of [...early, ...rush, again]) {
      if (r.statusCode === 201) continue;
      const code = (r.json() as { error: { code: string } }).error.code;
      refused[code] = (refused[code] ?? 0) + 1;
    }
    assert.equal(rush.filter((r) => r.statusCode === 201).length, 5);
    assert.equal(refused['flash_sale.not_started'], 2);
    const total = Object.values(refused).reduce((x, n) => x + n, 0);
    assert.equal(total, 2 + 35 + 1);
    // Each server adds what it counted about every second: the report reaches exactly the refusals.
    type Details = { rejections: number; rejections_by_reason: Record<string, number> };
    const details = async () => ok<{ details: Details }>(await a.get(`/v1/campaigns/${c.id}/report`)).details;
    await waitFor('the counted refusals to reach the report', async () => (await details()).rejections === total);
    assert.deepEqual((await details()).rejections_by_reason, refused);
  });
});

describe('two servers, real jobs', () => {
  it('a reservation timeout fires once through pg-boss with both servers running jobs', { timeout: 90_000 }, async () => {
    const servers: { jobs: Jobs; app: FastifyInstance; released: string[] }[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const jobs = createJobs({ pool: s1.database.pool, log: silent, fast: true });
        const built = await buildApp({ config: s1.config, database: s1.database, logger: false, jobs });
        await built.app.ready();
        const released: string[] = [];
        built.services.bus.subscribe('flash_sale.released', (p) => void released.push(p.reservationId));
        servers.push({ jobs, app: built.app, released });
      }
      await Promise.all(servers.map((s) => s.jobs.start()));
      const app0 = servers[0]!.app;
      const h = { authorization: `Bearer ${tenant.secretKey}` };
      const now = Date.now();
      const create = async (url: string, payload: object) => {
        const res = await app0.inject({ method: 'POST', url, headers: h, payload });
        assert.ok(res.statusCode < 300, res.body);
        return res.json() as { id: string };
      };
      const c = await create('/v1/campaigns', { kind: 'flash_sale', name: 'jobs', starts_at: iso(now - 60_000), ends_at: iso(now + 3600_000) });
      const s = await create(`/v1/campaigns/${c.id}/flash-sale/sessions`, { starts_at: iso(now - 60_000), ends_at: iso(now + 3600_000) });
      const item = await create(`/v1/flash-sale/sessions/${s.id}/items`, { product_id: 'p', original_price: 100, sale_price: 10, stock: 5, reservation_ttl_seconds: 10 });
      await create(`/v1/campaigns/${c.id}/schedule`, {});
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await create(`/v1/flash-sale/items/${item.id}/attempts`, { user_id: `j${i}` })).id);
      // The serving server asked pg-boss for a tick at the expiry; either server may run it.
      await waitFor('the jobs to expire every reservation', async () => (await s1.database.pool.query<{ n: number }>(`select count(*)::int as n from cm_fs_reservations where item_id = $1 and status = 'held'`, [item.id])).rows[0]!.n === 0, { timeoutMs: 60_000, everyMs: 100 });
      // Each release was appended in the expiring transaction; the observers see it once the
      // server that appended it has read it back.
      const released = () => servers.flatMap((s) => s.released).filter((id) => ids.includes(id));
      await waitFor('the five released events', () => released().length >= 5, { timeoutMs: 30_000 });
      const all = servers.flatMap((s) => s.released).filter((id) => ids.includes(id));
      assert.equal(all.length, 5, `released events: ${JSON.stringify(servers.map((s) => s.released.length))}`);
      assert.equal(new Set(all).size, 5);
      const stock = await s1.database.pool.query<{ n: number }>('select sum(remaining)::int as n from cm_fs_stock where item_id = $1', [item.id]);
      assert.equal(stock.rows[0]!.n, 5);
    } finally {
      for (const s of servers) {
        await s.app.close();
        await s.jobs.stop();
      }
    }
  });
});

describe('two servers, the sold-out memory', () => {
  let m1: TestApp;
  let m2: TestApp;
  // A memory long enough that only the other server's word can clear it within the test.
  before(async () => {
    m1 = await startTestApp({ clock, database: s1.database, config: { flashSaleSoldOutMs: 600_000 } });
    m2 = await startTestApp({ clock, database: s1.database, config: { flashSaleSoldOutMs: 600_000 } });
  });
  after(async () => {
    await m2.close();
    await m1.close();
  });

  it('a unit released on one server is sold again on the other, which had remembered "sold out"', async () => {
    const a = api(m1, tenant);
    const b = api(m2, tenant);
    const start = clock.t - 60_000;
    const c = await a.campaign({ kind: 'flash_sale', name: 'memory', starts_at: iso(start), ends_at: iso(start + 7200_000) });
    const s = ok<{ id: string }>(await a.post(`/v1/campaigns/${c.id}/flash-sale/sessions`, { starts_at: iso(start), ends_at: iso(start + 7200_000) }), 201);
    const item = ok<{ id: string }>(await a.post(`/v1/flash-sale/sessions/${s.id}/items`, { product_id: 'p', original_price: 100, sale_price: 10, stock: 1 }), 201);
    ok(await a.post(`/v1/campaigns/${c.id}/schedule`));
    await Promise.all([m1.services.campaigns.tick(), m2.services.campaigns.tick()]);

    const held = ok<{ id: string }>(await a.post(`/v1/flash-sale/items/${item.id}/attempts`, { user_id: 'first' }), 201);
    // The second server finds the item empty and remembers it (for ten minutes here).
    const refused = await b.post(`/v1/flash-sale/items/${item.id}/attempts`, { user_id: 'second' });
    assert.equal(refused.statusCode, 409);
    assert.equal((refused.json() as { error: { code: string } }).error.code, 'flash_sale.sold_out');
    assert.equal((await b.post(`/v1/flash-sale/items/${item.id}/attempts`, { user_id: 'third' })).statusCode, 409);

    ok(await a.post(`/v1/flash-sale/reservations/${held.id}/release`, {}));
    // The first server's word reaches the second, which then asks the database again.
    const got = await waitFor(
      'the second server to sell the released unit',
      async () => {
        const r = await b.post(`/v1/flash-sale/items/${item.id}/attempts`, { user_id: 'third' });
        return r.statusCode === 201 ? r : null;
      },
      { timeoutMs: 10_000, everyMs: 50 },
    );
    assert.equal((got.json() as { user_id: string }).user_id, 'third');
    const units = await s1.database.pool.query<{ n: number }>(`select count(*)::int as n from cm_fs_reservations where item_id = $1 and status = 'held'`, [item.id]);
    assert.equal(units.rows[0]!.n, 1, 'one unit, held once');
  });
});
