// Users: identify merges, profiles read back, lists page, erasure is idempotent, apps never mix.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, startTestApp, type Tenant, type TestApp } from '../../testing/app.ts';
import { expectError, findIssue } from '../../testing/http.ts';

let t: TestApp;
let tenant: Tenant;

before(async () => {
  t = await startTestApp();
  tenant = await t.newTenant();
});
after(() => t.close());

const identify = (userId: string, payload: unknown, key = tenant.secretKey) => t.inject({ method: 'POST', url: `/v1/users/${encodeURIComponent(userId)}`, headers: bearer(key), payload: payload as object });
const get = (userId: string, key = tenant.secretKey) => t.inject({ method: 'GET', url: `/v1/users/${encodeURIComponent(userId)}`, headers: bearer(key) });

describe('identify', () => {
  it('creates a profile, then merges traits key by key; null removes a key', async () => {
    const a = await identify('张三', { traits: { plan: 'free', city: '上海', score: 1 }, timezone: 'Asia/Shanghai', locale: 'zh-cn' });
    assert.equal(a.statusCode, 200, a.body);
    assert.equal(a.json().created, true);
    assert.equal(a.json().locale, 'zh-CN');
    const b = await identify('张三', { traits: { plan: 'pro', city: null, nested: { x: [1, 2] } } });
    assert.equal(b.json().created, false);
    const p = (await get('张三')).json();
    assert.deepEqual(p.traits, { plan: 'pro', score: 1, nested: { x: [1, 2] } });
    assert.equal(p.timezone, 'Asia/Shanghai', 'timezone kept when not sent');
    assert.equal(p.user_id, '张三');
    assert.ok(Date.parse(p.updated_at) >= Date.parse(p.created_at));
  });

  it('an empty body creates an empty profile', async () => {
    const r = await identify('bare', {});
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(r.json().traits, {});
    assert.equal(r.json().timezone, null);
  });

  it('keeps every concurrent trait update (no lost merge)', async () => {
    await Promise.all(Array.from({ length: 60 }, (_, i) => identify('racer', { traits: { [`k${i}`]: i } })));
    const traits = (await get('racer')).json().traits as Record<string, number>;
    assert.equal(Object.keys(traits).length, 60);
    for (let i = 0; i < 60; i++) assert.equal(traits[`k${i}`], i);
  });

  it('names bad timezone, locale and traits', async () => {
    let err = expectError(await identify('u', { timezone: 'Mars/Olympus' }), 400, 'validation_failed');
    assert.match(findIssue(err, 'body.timezone').message, /IANA/);
    err = expectError(await identify('u', { locale: 'not a locale!' }), 400, 'validation_failed');
    findIssue(err, 'body.locale');
    err = expectError(await identify('u', { traits: [1, 2] }), 400, 'validation_failed');
    findIssue(err, 'body.traits');
    err = expectError(await identify('u', { traits: { big: 'x'.repeat(17 * 1024) } }), 400, 'validation_failed');
    findIssue(err, 'body.traits');
  });

  it('answers 404 users.not_found for a user never identified', async () => {
    const err = expectError(await get('nobody'), 404, 'users.not_found');
    assert.equal(err.details?.user_id, 'nobody');
  });
});

describe('list and erase', () => {
  it('lists users by id in pages without gaps or repeats', async () => {
    const ten = await t.newTenant();
    for (let i = 0; i < 23; i++) await identify(`user-${String(i).padStart(2, '0')}`, {}, ten.secretKey);
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await t.inject({ method: 'GET', url: `/v1/users?limit=10${cursor ? `&cursor=${cursor}` : ''}`, headers: bearer(ten.secretKey) });
      const body = res.json() as { data: { user_id: string }[]; next_cursor: string | null };
      ids.push(...body.data.map((u) => u.user_id));
      cursor = body.next_cursor;
    } while (cursor);
    assert.deepEqual(ids, Array.from({ length: 23 }, (_, i) => `user-${String(i).padStart(2, '0')}`));
  });

  it('erases a user idempotently and records it in the audit log', async () => {
    const ten = await t.newTenant();
    await identify('leaving', { traits: { a: 1 } }, ten.secretKey);
    const del = () => t.inject({ method: 'DELETE', url: '/v1/users/leaving', headers: bearer(ten.secretKey) });
    assert.equal((await del()).statusCode, 204);
    assert.equal((await del()).statusCode, 204);
    expectError(await get('leaving', ten.secretKey), 404, 'users.not_found');
    const log = await t.database.pool.query<{ action: string }>(`select action from au_log where app_id = $1 and target_id = 'leaving' order by id`, [ten.appId]);
    assert.deepEqual(
      log.rows.map((r) => r.action),
      ['user.create', 'user.delete', 'user.delete'],
    );
  });

  it('keeps apps apart: the same user id is two users', async () => {
    const a = await t.newTenant();
    const b = await t.newTenant();
    await identify('shared-id', { traits: { app: 'a' } }, a.secretKey);
    expectError(await get('shared-id', b.secretKey), 404, 'users.not_found');
    await identify('shared-id', { traits: { app: 'b' } }, b.secretKey);
    assert.equal((await get('shared-id', a.secretKey)).json().traits.app, 'a');
    const list = (await t.inject({ method: 'GET', url: '/v1/users', headers: bearer(b.secretKey) })).json() as { data: { traits: { app: string } }[] };
    assert.deepEqual(list.data.map((u) => u.traits.app), ['b']);
  });
});
