// Flash sale (秒杀): purchase attempts against Canyu server processes on PostgreSQL alone and with
// the Redis gate, beside the same-run baselines: the bare Fastify route, and the naive way to sell
// stock — one row, `UPDATE … SET stock = stock - 1 WHERE stock > 0`, driven directly at 100
// clients. Attempts are POSTs with a JSON body, so their baseline is the bare Fastify POST of the
// same bodies and headers at the same connections. The servers run the bench's worker count (--workers). Every run checks that nothing was oversold and nobody exceeded their limit.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '../../packages/server/src/db/embedded.ts';
import { apiCall, type BenchEnv, type HttpResult, type Scenario } from '../lib.ts';

const root = path.resolve(import.meta.dirname, '..', '..');
const CONNECTIONS = 100;

async function startServer(env: BenchEnv, extra: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const { REDIS_URL: _drop, ...base } = process.env;
  // BENCH_SERVER_NODE_ARGS reaches these servers too (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, 'bin/canyu.js', 'start'], {
    cwd: root,
    env: { ...base, DATABASE_URL: env.databaseUrl, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', CANYU_BOOTSTRAP: 'false', CANYU_JOBS: 'false', CANYU_RATE_LIMIT_KEY: '10000000', CANYU_RATE_LIMIT_USER: '10000000', CANYU_DB_POOL: process.env.CANYU_DB_POOL ?? '20', CANYU_WORKERS: String(env.workers), ...extra },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + 60_000;
  for (;;) {
    if ((await fetch(`${url}/health`).then((r) => r.ok, () => false))) break;
    if (child.exitCode !== null || Date.now() > until) throw new Error(`flash-sale server did not start (${child.exitCode})`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url, child };
}

async function stopServer(s: { child: ChildProcess }): Promise<void> {
  if (s.child.exitCode !== null) return;
  const exited = new Promise((r) => s.child.once('exit', r));
  s.child.kill('SIGTERM');
  await exited;
}

const call = async (env: BenchEnv, method: string, url: string, body?: unknown) => (await apiCall(env, method, url, body)) as { id: string };

/** A running flash sale with one item per entry of `stocks`. */
async function sale(env: BenchEnv, stocks: number[], buckets?: number): Promise<string[]> {
  const now = Date.now();
  const window = { starts_at: new Date(now - 60_000).toISOString(), ends_at: new Date(now + 3 * 3600_000).toISOString() };
  const c = await call(env, 'POST', '/v1/campaigns', { kind: 'flash_sale', name: 'bench', ...window });
  const s = await call(env, 'POST', `/v1/campaigns/${c.id}/flash-sale/sessions`, window);
  const items: string[] = [];
  for (const stock of stocks) items.push((await call(env, 'POST', `/v1/flash-sale/sessions/${s.id}/items`, { product_id: `p-${stock}`, original_price: 1000, sale_price: 100, stock, per_user_limit: 1, reservation_ttl_seconds: 3600, ...(buckets ? { buckets } : {}) })).id);
  await call(env, 'POST', `/v1/campaigns/${c.id}/schedule`);
  return items;
}

/**
 * Zero oversell: reserved units never exceed the stock, stock rows agree, nobody is over the
 * limit, and the 201s counted are reservations (a timed load stops with up to one request per
 * connection still in flight: those may be reserved without their answer being counted).
 */
async function checkExact(env: BenchEnv, itemId: string, stock: number, answered201: number): Promise<number> {
  const r = await env.pool.query<{ units: number; left: number; over: number }>(
    `select (select coalesce(sum(qty), 0)::int from cm_fs_reservations where item_id = $1) as units,
            (select sum(remaining)::int from cm_fs_stock where item_id = $1) as left,
            (select count(*)::int from (select user_id from cm_fs_reservations where item_id = $1 group by user_id having sum(qty) > 1) x) as over`,
    [itemId],
  );
  const { units, left, over } = r.rows[0]!;
  if (units > stock || units + left !== stock || over > 0 || units < answered201 || units > answered201 + CONNECTIONS) throw new Error(`OVERSELL CHECK FAILED on ${itemId}: stock ${stock}, reserved ${units}, left ${left}, users over limit ${over}, 201 answers ${answered201}`);
  return units;
}

/** The bare Fastify POST of the same bodies (`{ user_id }`) and headers, at the same connections. */
function barePost(env: BenchEnv): Promise<HttpResult> {
  return env.http({ method: 'POST', target: env.bare, path: '/bare/echo', headers: env.auth.secret, body: (i) => ({ user_id: `bare-${i}` }), connections: CONNECTIONS });
}

function attempts(env: BenchEnv, target: string, itemId: string, tag: string, seconds?: number): Promise<HttpResult> {
  return env.http({
    method: 'POST',
    target,
    path: `/v1/flash-sale/items/${itemId}/attempts`,
    headers: env.auth.secret,
    body: (i) => ({ user_id: `${tag}-${i}` }),
    connections: CONNECTIONS,
    ...(seconds ? { seconds } : {}),
  });
}

const unexpected = (r: HttpResult) => Object.entries(r.status).filter(([code]) => code !== '201' && code !== '409');

async function naiveBaseline(env: BenchEnv): Promise<number> {
  await env.pool.query('create table if not exists bench_naive_stock (id int primary key, stock int not null)');
  await env.pool.query('insert into bench_naive_stock values (1, 100000000) on conflict (id) do update set stock = 100000000');
  const r = await env.sql({ clients: CONNECTIONS, run: (c) => c.query('update bench_naive_stock set stock = stock - 1 where id = 1 and stock > 0') });
  return r.opsPerSec;
}

async function redisReachable(url: string): Promise<boolean> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1000, enableOfflineQueue: false });
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

async function measure(env: BenchEnv, label: string, server: string, naive: number, bare: HttpResult, targets: { reserveRatio?: number; bareRatio?: number }) {
  const run = `${label}-${Date.now().toString(36)}`;
  const [big, hundred, warm] = await sale(env, [10_000_000, 100, 10_000_000]);
  // A fresh server process: let the JIT and the connection pool warm up first.
  await attempts(env, server, warm!, `${run}-w`, 2);

  // While stock lasts: every attempt is a distinct buyer and succeeds.
  const buy = await attempts(env, server, big!, `${run}-b`);
  if (unexpected(buy).length > 0 || buy.errors > 0) throw new Error(`${label}: unexpected answers ${JSON.stringify(buy.status)}, ${buy.errors} errors`);
  const reserved = await checkExact(env, big!, 10_000_000, buy.status['201'] ?? 0);
  env.report({ metric: `${label}: successful reservations/s, ${CONNECTIONS} conns`, value: reserved / buy.seconds, unit: 'res/s', p99: buy.p99, baseline: { label: `naive single-row UPDATE, ${CONNECTIONS} clients`, value: naive }, ...(targets.reserveRatio ? { target: { minRatio: targets.reserveRatio } } : {}), note: `${reserved.toLocaleString('en-US')} reserved, 0 oversold` });

  // The spike: 100 units, buyers keep coming; nearly every answer is a refusal.
  const spike = await attempts(env, server, hundred!, `${run}-s`);
  if (unexpected(spike).length > 0 || spike.errors > 0) throw new Error(`${label}: unexpected answers ${JSON.stringify(spike.status)}, ${spike.errors} errors`);
  const sold = await checkExact(env, hundred!, 100, spike.status['201'] ?? 0);
  if (sold !== 100) throw new Error(`${label}: only ${sold} of 100 units sold during the spike`);
  env.report({
    metric: `${label}: attempts/s on a 100-unit item (sold out at once), ${CONNECTIONS} conns`,
    value: spike.rps,
    unit: 'req/s',
    p99: spike.p99,
    baseline: { label: 'bare Fastify POST, same bodies and headers', value: bare.rps },
    target: { maxP99: 50 },
    note: `${spike.requests.toLocaleString('en-US')} attempts: exactly 100 reserved, ${(spike.status['409'] ?? 0).toLocaleString('en-US')} refused; the first buyers' answers wait for the database`,
  });

  // Then the item stays sold out and buyers keep coming: every answer is a refusal from memory.
  const after = await attempts(env, server, hundred!, `${run}-a`);
  const refusedOnly = Object.keys(after.status).every((code) => code === '409');
  if (!refusedOnly || after.errors > 0) throw new Error(`${label}: a sold-out item answered ${JSON.stringify(after.status)}, ${after.errors} errors`);
  if ((await checkExact(env, hundred!, 100, 100)) !== 100) throw new Error(`${label}: the sold-out item changed`);
  env.report({
    metric: `${label}: sold-out attempts/s (the item above, sold out), ${CONNECTIONS} conns`,
    value: after.rps,
    unit: 'req/s',
    p99: after.p99,
    baseline: { label: 'bare Fastify POST, same bodies and headers', value: bare.rps },
    target: { ...(targets.bareRatio ? { minRatio: targets.bareRatio } : {}), maxP99: 25 },
    note: `${after.requests.toLocaleString('en-US')} refused, none reserved; the bare POST p99 was ${bare.p99} ms`,
  });
}

const scenario: Scenario = {
  name: 'flashsale',
  description: 'flash-sale attempts and reservations, PostgreSQL only and with the Redis gate, vs bare Fastify and a naive single-row UPDATE',
  async run(env) {
    const bare = await barePost(env);
    const naive = await naiveBaseline(env);
    const pgOnly = await startServer(env, {});
    try {
      await measure(env, 'PostgreSQL only', pgOnly.url, naive, bare, { reserveRatio: 3, bareRatio: 0.6 });
      // What the buckets buy: the same load on an item whose stock sits in one row.
      const [oneRow] = await sale(env, [10_000_000], 1);
      const one = await attempts(env, pgOnly.url, oneRow!, `one-${Date.now().toString(36)}`);
      const reservedOne = await checkExact(env, oneRow!, 10_000_000, one.status['201'] ?? 0);
      env.report({ metric: `PostgreSQL only, stock in 1 row instead of 32: reservations/s`, value: reservedOne / one.seconds, unit: 'res/s', p99: one.p99, baseline: { label: `naive single-row UPDATE, ${CONNECTIONS} clients`, value: naive }, note: 'comparison for the bucketed figure above' });
    } finally {
      await stopServer(pgOnly);
    }
    const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    if (!(await redisReachable(redisUrl))) {
      env.log(`flashsale: no Redis at ${redisUrl}; the Redis-gate figures are skipped`);
      return;
    }
    const withRedis = await startServer(env, { REDIS_URL: redisUrl });
    try {
      await measure(env, 'Redis gate', withRedis.url, naive, bare, { bareRatio: 0.6 });
    } finally {
      await stopServer(withRedis);
    }
  },
};
export default scenario;
