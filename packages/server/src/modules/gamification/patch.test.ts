// PATCH semantics of every gamification resource: a field not sent never changes. Each resource
// is created with non-default values everywhere, then each patchable field is sent alone and every
// other field of the resource is compared with what it was.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, startTestApp, type Tenant, type TestApp } from '../../testing/app.ts';

let t: TestApp;
let A: Tenant;
const sk = () => bearer(A.secretKey);
type Json = Record<string, unknown>;

before(async () => {
  t = await startTestApp();
  A = await t.newTenant();
  for (const key of ['points', 'growth']) assert.equal((await t.inject({ method: 'PUT', url: `/v1/points/types/${key}`, headers: sk(), payload: { name: key } })).statusCode, 201);
});
after(() => t.close());

async function create(url: string, payload: Json): Promise<Json> {
  const r = await t.inject({ method: 'POST', url, headers: sk(), payload });
  assert.equal(r.statusCode, 201, r.body);
  return r.json();
}

/** Sends each change alone; the field takes the value sent and every other field stays as it was. */
async function patchEachField(url: string, read: () => Promise<Json>, changes: Json): Promise<void> {
  for (const [field, value] of Object.entries(changes)) {
    const prior = await read();
    const r = await t.inject({ method: 'PATCH', url, headers: sk(), payload: { [field]: value } });
    assert.equal(r.statusCode, 200, `PATCH {${field}}: ${r.body}`);
    const now = await read();
    assert.deepEqual(now[field], value, `PATCH {${field}} set it`);
    for (const k of Object.keys(prior)) {
      if (k === field || k === 'updated_at') continue;
      assert.deepEqual(now[k], prior[k], `PATCH {${field}} must not change ${k}`);
    }
  }
}

const get = (url: string, pick?: (j: Json) => Json) => async () => {
  const r = await t.inject({ method: 'GET', url, headers: sk() });
  assert.equal(r.statusCode, 200, r.body);
  return pick ? pick(r.json()) : r.json();
};

describe('PATCH changes only the fields sent', () => {
  it('PATCH /v1/tasks/{id}', async () => {
    const task = await create('/v1/tasks', { key: 'watch-5', name: 'Watch 5', description: 'd', period: 'daily', event: 'video.watched', conditions: { kind: 'long' }, target: 5, rewards: [{ type: 'points', amount: 3 }], group: 'newcomer', sort: 7, active: false });
    await patchEachField(`/v1/tasks/${task.id}`, get(`/v1/tasks/${task.id}`), {
      name: 'Watch five',
      description: null,
      conditions: { kind: 'short' },
      target: 9,
      rewards: [{ type: 'growth', amount: 2 }],
      group: null,
      sort: -3,
      active: true,
    });
  });

  it('PATCH /v1/badges/{id}', async () => {
    const badge = await create('/v1/badges', { key: 'fan', name: 'Fan', description: 'd', icon_url: 'https://example.com/a.png', criteria: { kind: 'manual' }, rewards: [{ type: 'points', amount: 5 }], active: false, sort: 4 });
    await patchEachField(`/v1/badges/${badge.id}`, get(`/v1/badges/${badge.id}`), {
      name: 'Super fan',
      description: null,
      icon_url: 'https://example.com/b.png',
      rewards: [],
      sort: 9,
      active: true,
    });
  });

  it('PATCH /v1/lotteries/{id} and /v1/lotteries/{id}/prizes/{prizeId}', async () => {
    const lot = await create('/v1/lotteries', {
      name: 'Wheel',
      description: 'd',
      cost_type: 'points',
      cost: 10,
      daily_limit: 3,
      budget: 1000,
      starts_at: '2030-01-01T00:00:00.000Z',
      ends_at: '2031-01-01T00:00:00.000Z',
      status: 'paused',
      prizes: [
        { name: 'Ten', kind: 'points', reward_type: 'points', reward_amount: 10, weight: 5, stock: 4, value: 10, sort: 3 },
        { name: 'Nothing', kind: 'none', weight: 95 },
      ],
    });
    const lottery = get(`/v1/lotteries/${lot.id}`, ({ prizes: _p, ...l }) => l);
    await patchEachField(`/v1/lotteries/${lot.id}`, lottery, {
      name: 'Big wheel',
      description: null,
      cost: 20,
      daily_limit: null,
      budget: 2000,
      starts_at: '2030-02-01T00:00:00.000Z',
      ends_at: null,
      status: 'active',
      cost_type: 'growth',
    });
    const prizeId = (lot.prizes as Json[])[0]!.id as string;
    const prize = get(`/v1/lotteries/${lot.id}`, (j) => (j.prizes as Json[]).find((p) => p.id === prizeId)!);
    await patchEachField(`/v1/lotteries/${lot.id}/prizes/${prizeId}`, prize, { name: 'Twenty', weight: 6, stock: null, value: 20, sort: -1 });
  });

  it('PATCH /v1/mall/items/{id} and /v1/mall/orders/{id}', async () => {
    const item = await create('/v1/mall/items', { name: 'Mug', description: 'd', image_url: 'https://example.com/m.png', kind: 'physical', price_type: 'points', price: 10, stock: 9, per_user_limit: 2, active: false, sort: 5 });
    await patchEachField(`/v1/mall/items/${item.id}`, get(`/v1/mall/items/${item.id}`), {
      name: 'Big mug',
      description: null,
      image_url: null,
      price: 12,
      stock: 8,
      per_user_limit: null,
      sort: 1,
      active: true,
    });
    await t.services.points.earn(t.systemCtx(), A.appId, { userId: 'patcher', type: 'points', amount: 100, key: 'patcher-gift' });
    const order = await create(`/v1/users/patcher/orders`, { item_id: item.id, shipping: { name: '张三', phone: '13800000000', address: '上海' } });
    const read = get(`/v1/mall/orders/${order.id}`);
    const prior = await read();
    const r = await t.inject({ method: 'PATCH', url: `/v1/mall/orders/${order.id}`, headers: sk(), payload: { status: 'shipped', tracking: 'SF1' } });
    assert.equal(r.statusCode, 200, r.body);
    const shipped = await read();
    for (const k of Object.keys(prior)) if (!['status', 'tracking', 'updated_at'].includes(k)) assert.deepEqual(shipped[k], prior[k], `shipping must not change ${k}`);
    // Completing without a tracking number keeps the one given when shipping.
    assert.equal((await t.inject({ method: 'PATCH', url: `/v1/mall/orders/${order.id}`, headers: sk(), payload: { status: 'completed' } })).statusCode, 200);
    assert.equal((await read()).tracking, 'SF1');
  });
});
