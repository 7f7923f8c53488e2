// Webhook delivery: deliveries per second and the delay from the enqueuing commit to receipt, to
// a receiver on 127.0.0.1 (the server runs with CANYU_WEBHOOK_ALLOW_PRIVATE=127.0.0.1), beside a
// baseline measured in the same run: the same receiver driven by direct keep-alive `fetch` calls.
//
// Deliveries are enqueued with the same INSERT and NOTIFY as webhooks.enqueue (in transactions of
// a few rows, as outboxes of real requests are), so the figures are those of the server's
// delivery worker: wake-up, batched SKIP LOCKED claims, signing, HTTP, batched recording.
//   - sustained: 600 deliveries/s for the load's length; p99 of commit → receipt;
//   - burst: N deliveries committed at once; N / (last receipt − commit).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { apiCall, type BenchEnv, type Scenario } from '../lib.ts';

type Receiver = { url: string; got: Map<string, number>; close(): Promise<void> };

async function startReceiver(): Promise<Receiver> {
  const got = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = Date.now();
      const id = String(req.headers['canyu-event-id'] ?? '');
      if (id && !got.has(id)) got.set(id, at);
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    got,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const call = apiCall;

const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : 0);

let seq = 0;

/** Enqueues `n` deliveries spread over the endpoints in one transaction, as webhooks.enqueue does. Returns their event ids and the commit time. */
async function enqueue(env: BenchEnv, endpoints: string[], n: number): Promise<{ ids: string[]; committedAt: number }> {
  const from = seq;
  seq += n;
  const ids = Array.from({ length: n }, (_, i) => `evt_bench_${from + i}`);
  const c = await env.pool.connect();
  try {
    await c.query('begin');
    await c.query(
      `insert into wh_deliveries (id, app_id, endpoint_id, event_id, event_type, payload, max_attempts, next_attempt_at)
       select 'whd_bench_' || g, $1, ($2::text[])[1 + g % cardinality($2::text[])], 'evt_bench_' || g, 'bench.tick',
              jsonb_build_object('id', 'evt_bench_' || g, 'type', 'bench.tick', 'app_id', $1::text, 'created_at', now(), 'data', jsonb_build_object('n', g, 'note', 'a webhook of ordinary size')),
              10, now()
         from generate_series($3::int, $4::int) g`,
      [env.tenant.appId, endpoints, from, from + n - 1],
    );
    await c.query(`select pg_notify('canyu_webhooks', '')`);
    await c.query('commit');
  } finally {
    c.release();
  }
  return { ids, committedAt: Date.now() };
}

async function waitAll(rx: Receiver, ids: string[], ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (ids.some((id) => !rx.got.has(id))) {
    if (Date.now() > until) throw new Error(`only ${ids.filter((id) => rx.got.has(id)).length} of ${ids.length} deliveries arrived within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function sustained(env: BenchEnv, rx: Receiver, endpoints: string[], rate: number) {
  const tickMs = 20;
  const perTick = Math.round((rate * tickMs) / 1000);
  const batches: { ids: string[]; committedAt: number }[] = [];
  const t0 = Date.now();
  const end = t0 + env.seconds * 1000;
  let next = t0;
  while (Date.now() < end) {
    batches.push(await enqueue(env, endpoints, perTick));
    next += tickMs;
    const wait = next - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  const all = batches.flatMap((b) => b.ids);
  await waitAll(rx, all, 60_000);
  const delays = batches.flatMap((b) => b.ids.map((id) => rx.got.get(id)! - b.committedAt)).sort((a, b) => a - b);
  const lastAt = Math.max(...all.map((id) => rx.got.get(id)!));
  return { count: all.length, perSecond: all.length / ((lastAt - t0) / 1000), p50: percentile(delays, 50), p99: percentile(delays, 99), max: delays.at(-1) ?? 0, offered: all.length / ((Date.now() - t0) / 1000) };
}

async function burst(env: BenchEnv, rx: Receiver, endpoints: string[], n: number) {
  const b = await enqueue(env, endpoints, n);
  await waitAll(rx, b.ids, 120_000);
  const times = b.ids.map((id) => rx.got.get(id)! - b.committedAt).sort((x, y) => x - y);
  return { perSecond: n / (times.at(-1)! / 1000), p99: percentile(times, 99) };
}

/** The same receiver driven directly: keep-alive fetch, the same body size, 64 in flight. */
async function direct(rx: Receiver, n: number): Promise<number> {
  const body = JSON.stringify({ id: 'evt_direct', type: 'bench.tick', app_id: 'app', created_at: new Date().toISOString(), data: { n: 1, note: 'a webhook of ordinary size' } });
  let i = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (i < n) {
        const k = i++;
        const r = await fetch(rx.url, { method: 'POST', headers: { 'content-type': 'application/json', 'canyu-event-id': `evt_direct_${k}` }, body });
        await r.text();
      }
    }),
  );
  return n / ((performance.now() - t0) / 1000);
}

const scenario: Scenario = {
  name: 'webhooks',
  description: 'webhook deliveries/s and commit → receipt delay to a local receiver, beside direct fetch to the same receiver',
  async run(env) {
    const rx = await startReceiver();
    try {
      const endpoints: string[] = [];
      for (let i = 0; i < 4; i++) endpoints.push(String((await call(env, 'POST', '/v1/webhooks/endpoints', { url: `${rx.url}?e=${i}`, event_types: ['bench.*'] })).id));
      // Warm-up: connections, JIT, prepared plans.
      const warm = await enqueue(env, endpoints, 200);
      await waitAll(rx, warm.ids, 30_000);

      const baselineN = env.quick ? 3000 : 10_000;
      const baseline = await direct(rx, baselineN);

      const rate = 600;
      const s = await sustained(env, rx, endpoints, rate);
      env.report({
        metric: `sustained ${rate}/s offered over 4 endpoints: delivered/s, p99 commit → receipt`,
        value: s.perSecond,
        unit: 'deliveries/s',
        p99: s.p99,
        baseline: { label: 'direct keep-alive fetch to the same receiver, 64 in flight', value: baseline },
        target: { min: 500, maxP99: 2000 },
        note: `${s.count} deliveries; delay p50 ${s.p50} ms, max ${s.max} ms`,
      });

      const n = env.quick ? 3000 : 10_000;
      const b = await burst(env, rx, endpoints, n);
      env.report({
        metric: `burst of ${n.toLocaleString('en-US')} committed at once: deliveries/s`,
        value: b.perSecond,
        unit: 'deliveries/s',
        baseline: { label: 'direct keep-alive fetch to the same receiver, 64 in flight', value: baseline },
        target: { min: 500 },
        note: `p99 commit → receipt ${b.p99} ms (a backlog drains in order)`,
      });
      const dup = await env.pool.query<{ n: number }>(`select count(*)::int as n from wh_attempts a join wh_deliveries d on d.id = a.delivery_id where d.app_id = $1`, [env.tenant.appId]);
      const total = await env.pool.query<{ n: number }>(`select count(*)::int as n from wh_deliveries where app_id = $1`, [env.tenant.appId]);
      env.log(`webhooks: ${total.rows[0]!.n} deliveries, ${dup.rows[0]!.n} attempts recorded`);
    } finally {
      await rx.close();
    }
  },
};
export default scenario;
