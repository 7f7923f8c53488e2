// The flash-sale promise across real server processes: 5,000 concurrent buyers for 100 units,
// spread over 3 `canyu start` processes sharing one PostgreSQL → exactly 100 units reserved,
// nobody over their limit, every other buyer refused with sold_out or limit_reached. Run once on
// PostgreSQL alone and once with the Redis gate in front.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { startTestApp, type Tenant, type TestApp } from '../../../testing/app.ts';
import { poster, startServers } from '../../../testing/servers.ts';
import { api, iso, ok } from '../test-helpers.ts';

const REDIS_URL = process.env.CANYU_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const BUYERS = 5000;
const DISTINCT = 4000; // the first 1,000 users try twice
const UNITS = 100;

let t: TestApp;
let tenant: Tenant;

before(async () => {
  t = await startTestApp();
  tenant = await t.newTenant();
});
after(() => t.close());

async function redisUp(): Promise<boolean> {
  const r = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1000, enableOfflineQueue: false });
  r.on('error', () => {});
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

async function race(env: Record<string, string>) {
  const a = api(t, tenant);
  const now = Date.now();
  const c = await a.campaign({ kind: 'flash_sale', name: '5000 抢 100', starts_at: iso(now - 60_000), ends_at: iso(now + 3600_000) });
  const s = ok<{ id: string }>(await a.post(`/v1/campaigns/${c.id}/flash-sale/sessions`, { starts_at: iso(now - 60_000), ends_at: iso(now + 3600_000) }), 201);
  const item = ok<{ id: string }>(await a.post(`/v1/flash-sale/sessions/${s.id}/items`, { product_id: 'phone', original_price: 599900, sale_price: 99900, stock: UNITS, per_user_limit: 1 }), 201);
  ok(await a.post(`/v1/campaigns/${c.id}/schedule`));

  const cluster = await startServers(3, { DATABASE_URL: t.database.url, CANYU_DB_POOL: '10', ...env });
  const http = poster(64);
  try {
    const auth = { authorization: `Bearer ${tenant.secretKey}` };
    const answers = await Promise.all(
      Array.from({ length: BUYERS }, (_, i) => {
        const server = cluster.servers[i % 3]!;
        return http.post(`${server.url}/v1/flash-sale/items/${item.id}/attempts`, auth, { user_id: `buyer-${i % DISTINCT}` });
      }),
    );
    const tally = new Map<string, number>();
    const reserved = new Set<string>();
    for (const r of answers) {
      const key = r.status === 201 ? '201' : `${r.status} ${(r.json.error as { code?: string } | undefined)?.code ?? JSON.stringify(r.json).slice(0, 200)}`;
      tally.set(key, (tally.get(key) ?? 0) + 1);
      if (r.status === 201) reserved.add(r.json.id as string);
    }
    const summary = JSON.stringify(Object.fromEntries(tally));
    for (const k of tally.keys()) assert.match(k, /^(201|409 flash_sale\.(sold_out|limit_reached))$/, `unexpected answer ${k}: ${summary}`);
    assert.equal(tally.get('201'), UNITS, `exactly ${UNITS} reservations answered: ${summary}`);

    const db = await t.database.pool.query<{ units: number; rows: number; over: number; stock: number; counted: number }>(
      `select (select coalesce(sum(qty), 0)::int from cm_fs_reservations where item_id = $1) as units,
              (select count(*)::int from cm_fs_reservations where item_id = $1) as rows,
              (select count(*)::int from (select user_id from cm_fs_reservations where item_id = $1 group by user_id having sum(qty) > 1) x) as over,
              (select sum(remaining)::int from cm_fs_stock where item_id = $1) as stock,
              (select coalesce(sum(qty), 0)::int from cm_fs_user_counts where item_id = $1) as counted`,
      [item.id],
    );
    assert.deepEqual(db.rows[0], { units: UNITS, rows: UNITS, over: 0, stock: 0, counted: UNITS }, 'the database agrees: 100 units out, none left, nobody over the limit');
    const ids = await t.database.pool.query<{ id: string }>('select id from cm_fs_reservations where item_id = $1', [item.id]);
    assert.deepEqual(new Set(ids.rows.map((r) => r.id)), reserved, 'every 201 is a stored reservation and vice versa');
    return { item: item.id, tally };
  } finally {
    http.close();
    await cluster.stop();
  }
}

describe('5,000 buyers, 100 units, 3 server processes', () => {
  it('PostgreSQL only: exactly 100 reserved, nobody over the limit', { timeout: 180_000 }, async () => {
    await race({});
  });

  it('with the Redis gate: exactly 100 reserved, nobody over the limit, Redis agrees', { timeout: 180_000 }, async (ctx) => {
    if (!(await redisUp())) {
      ctx.skip(`no Redis at ${REDIS_URL}`);
      return;
    }
    const { item } = await race({ REDIS_URL });
    const r = new Redis(REDIS_URL);
    try {
      assert.equal(await r.get(`canyu:fs:{${item}}:stock`), '0');
      const users = await r.hgetall(`canyu:fs:{${item}}:users`);
      assert.equal(Object.keys(users).length, UNITS);
      assert.ok(Object.values(users).every((v) => v === '1'));
    } finally {
      r.disconnect();
    }
  });
});
