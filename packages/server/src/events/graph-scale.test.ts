// The event graph under pressure, through the HTTP API: one status change fanned out to 3,000
// voters (each messaged exactly once, the contact cap holding), and a server killed -9 between
// commit and handling (another server finishes, every like earns exactly once). Apart from
// graph.test.ts so each file stays well inside the runner's per-file limit.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, startTestApp, type Tenant, type TestApp } from '../testing/app.ts';
import { allowReceivers } from '../testing/receiver.ts';
import { createTestDatabase, type TestDatabase } from '../testing/db.ts';
import { startServers } from '../testing/servers.ts';

let t: TestApp;

before(async () => {
  t = await startTestApp({ config: allowReceivers });
});
after(async () => {
  await t.close();
});

const api = (tenant: Tenant) => async (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown) => {
  const res = await t.inject({ method, url, headers: bearer(tenant.secretKey), ...(payload === undefined ? {} : { payload: payload as object }) });
  assert.ok(res.statusCode < 300, `${method} ${url} → ${res.statusCode} ${res.body}`);
  return res.body ? (res.json() as Record<string, unknown>) : {};
};

describe('fan-out to a list at scale', () => {
  it('3,000 voters: each gets exactly one message, and the contact cap holds for those already messaged today', { timeout: 170_000 }, async () => {
    const ten = await t.newTenant();
    const call = api(ten);
    await call('POST', '/v1/messaging/templates', { key: 'status', category: 'service', content: { 'zh-CN': { title: '「{{title}}」有新进展', body: '.' }, en: { title: '"{{title}}" moved on', body: '.' } }, variables: { title: { sample: 'x' } } });
    await call('POST', '/v1/messaging/caps', { category: 'service', max: 1, period: 'day' });
    await call('POST', '/v1/messaging/rules', { event: 'feedback.post.status_changed', recipient: 'recipients', template: 'status', data: { title: 'title' } });
    const board = await call('POST', '/v1/feedback/boards', { name: 'Ideas' });
    const post = await call('POST', `/v1/feedback/boards/${board.id as string}/posts`, { user_id: 'author', title: 'Offline mode' });
    const N = 3000;
    for (let i = 0; i < N; i += 100) {
      await Promise.all(Array.from({ length: 100 }, (_, j) => call('POST', `/v1/feedback/posts/${post.id as string}/votes`, { user_id: `voter-${i + j}` })));
    }
    // 100 voters already had their one service message today: the cap keeps them from a second.
    for (let i = 0; i < 100; i++) await call('POST', '/v1/messaging/sends', { to: { user_id: `voter-${i}` }, content: { en: { title: 'earlier', body: '.' } }, category: 'service' });
    await call('POST', `/v1/feedback/posts/${post.id as string}/status`, { status: 'planned', note: 'On the roadmap' });
    await t.services.bus.drain(120_000);
    const rows = await t.database.pool.query<{ user_id: string; status: string; n: number }>(
      `select user_id, status, count(*)::int as n from ms_messages where app_id = $1 and title like '%Offline mode%' group by user_id, status`,
      [ten.appId],
    );
    const sent = rows.rows.filter((r) => r.status === 'sent');
    assert.ok(rows.rows.every((r) => r.n === 1), 'nobody twice');
    assert.equal(sent.length, N + 1 - 100, 'every voter and the author, minus the capped');
    assert.equal(rows.rows.filter((r) => r.status === 'capped').length, 100);
  });
});

describe('a crash between commit and handling', () => {
  let database: TestDatabase;
  before(async () => {
    database = await createTestDatabase();
  });
  after(async () => {
    await database.close();
  });

  it('kill -9 while likes are being handled: another server finishes them, every like earns exactly once', { timeout: 180_000 }, async () => {
    const env = { DATABASE_URL: database.url, CANYU_AUTH_FAILURES_PER_IP: '1000000' };
    const first = await startServers(1, env);
    try {
    const url = first.servers[0]!.url;
    // The app and its rule are made through the in-process test app on the same database.
    const local = await startTestApp({ database });
    const ten = await local.newTenant();
    const h = { ...bearer(ten.secretKey), 'content-type': 'application/json' };
    const post = (path: string, method: string, body: unknown) => fetch(`${url}${path}`, { method, headers: h, body: JSON.stringify(body) });
    assert.ok((await post('/v1/points/types/coins', 'PUT', { name: 'Coins', expiry: { kind: 'never' } })).ok);
    assert.equal((await post('/v1/points/rules', 'POST', { name: 'Like earns', source: 'domain', event: 'interaction.liked', type: 'coins', amount: 1 })).status, 201);
    await local.close();
    const N = 300;
    const users = 10;
    const likes = await Promise.all(Array.from({ length: N }, (_, i) => post(`/v1/subjects/video/v${Math.floor(i / users)}/like`, 'PUT', { user_id: `u${i % users}` })));
    assert.ok(likes.every((r) => r.status === 200));
    // Every like is committed; kill the server before its consumers can have handled them all.
    first.servers[0]!.child.kill('SIGKILL');
    await new Promise((r) => first.servers[0]!.child.once('exit', r));
    const second = await startServers(1, env);
    try {
      const url2 = second.servers[0]!.url;
      const balanceOf = async (u: string) => {
        const res = await fetch(`${url2}/v1/users/${u}/points`, { headers: h });
        const b = (await res.json()) as { data: { type: string; balance: number }[] };
        return b.data.find((x) => x.type === 'coins')?.balance ?? 0;
      };
      const total = async () => (await Promise.all(Array.from({ length: users }, (_, i) => balanceOf(`u${i}`)))).reduce((a, b) => a + b, 0);
      const until = Date.now() + 120_000;
      while ((await total()) < N && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
      // Each user liked N / users subjects once: exactly that many coins each, none twice.
      for (let i = 0; i < users; i++) assert.equal(await balanceOf(`u${i}`), N / users, `u${i}`);
    } finally {
      await second.stop();
    }
    } finally {
      await first.stop();
    }
  });
});
