// Foundation figures: cold start and restart, authenticated GETs (and their scaling with
// --workers N against one worker), and event ingestion.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { freePort } from '../../packages/server/src/db/embedded.ts';
import { storeEventBatch } from '../../packages/server/src/modules/events/index.ts';
import type { BenchEnv, Scenario } from '../lib.ts';

const root = path.resolve(import.meta.dirname, '..', '..');

/** Spawns node with argv and resolves with the ms until `ready()` resolves; then stops it with SIGTERM. */
async function timeToReady(argv: string[], env: NodeJS.ProcessEnv, ready: (child: ReturnType<typeof spawn>) => Promise<void>): Promise<number> {
  const t0 = performance.now();
  // node itself, never npm (which may not be on PATH, and adds its own start-up to the figure).
  const child = spawn(process.execPath, argv, { cwd: root, env, stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    await ready(child);
    return performance.now() - t0;
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
}

async function servingOn(port: number): Promise<void> {
  const until = Date.now() + 120_000;
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) return;
    } catch {
      // not yet
    }
    if (Date.now() > until) throw new Error('Canyu did not serve within 120 s');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** `canyu start` (the compiled build) on a fresh data dir, then again on the same one. */
async function coldStart(env: BenchEnv) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'canyu-cold-'));
  fs.chmodSync(dataDir, 0o755);
  try {
    const { DATABASE_URL: _omit, ...rest } = process.env;
    const start = async () => {
      const port = await freePort();
      const childEnv = { ...rest, PORT: String(port), HOST: '127.0.0.1', CANYU_DATA_DIR: dataDir, LOG_LEVEL: 'warn', CANYU_WORKERS: String(env.workers) };
      return timeToReady(['bin/canyu.js', 'start'], childEnv, () => servingOn(port));
    };
    const cold = await start();
    const restart = await start();
    const bareMs = await timeToReady(['--import', 'tsx', 'bench/bare.ts'], { ...process.env, PORT: '0' }, (child) => new Promise((resolve) => readline.createInterface({ input: child.stdout! }).once('line', () => resolve())));
    const w = `${env.workers} worker${env.workers === 1 ? '' : 's'}`;
    env.report({ metric: `cold \`canyu start\` on a fresh data dir → serving, ${w}`, value: cold / 1000, unit: 's', baseline: { label: 'bare Fastify process start', value: bareMs / 1000 }, target: { max: 2 }, note: 'compiled build; creates the PostgreSQL cluster, migrates, bootstraps' });
    env.report({ metric: `restart on that data dir → serving, ${w}`, value: restart / 1000, unit: 's', baseline: { label: 'bare Fastify process start', value: bareMs / 1000 }, target: { max: 1 }, note: 'starts PostgreSQL on existing data, nothing to migrate' });
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

type Gets = { me: number; asUser: number; profile: number };

async function authenticatedGets(env: BenchEnv): Promise<Gets> {
  const identify = await fetch(`${env.canyu}/v1/users/bench-user`, {
    method: 'POST',
    headers: { ...env.auth.secret, 'content-type': 'application/json' },
    body: JSON.stringify({ traits: { plan: 'pro', city: '上海' }, timezone: 'Asia/Shanghai', locale: 'zh-CN' }),
  });
  if (!identify.ok) throw new Error(`identify failed: ${await identify.text()}`);
  const connections = 50;
  // The baseline gets the very request headers Canyu gets (the flash-sale baseline gets the same
  // bodies): the load generator builds and sends, and the HTTP parser reads, the same bytes, so
  // the ratio is what Canyu does with them (a user token is ~200 bytes more to send and parse).
  const bareJson = (headers: Record<string, string>) => ({ path: '/bare/json', target: env.bare, connections, headers });
  const ok = (what: string, r: { non2xx: number; errors: number; status: Record<string, number> }) => {
    if (r.non2xx > 0 || r.errors > 0) throw new Error(`${what}: non-2xx ${r.non2xx} / errors ${r.errors}: ${JSON.stringify(r.status)}`);
  };

  // Authentication, rate limiting, routing, serialisation: everything but a query.
  // Each measured in turns with bare Fastify (env.compare), so both see the same moments.
  const { canyu: me, baseline: bare } = await env.compare({ path: '/v1/me', headers: env.auth.secret, connections }, bareJson(env.auth.secret));
  ok('GET /v1/me', me);
  env.report({ metric: `GET /v1/me, secret key, ${connections} conns`, value: me.rps, unit: 'req/s', p99: me.p99, baseline: { label: 'bare Fastify JSON, same headers', value: bare.rps }, target: { minRatio: 0.6 } });

  // The same with an end-user token: an HMAC verification per request.
  const userHeaders = env.auth.user('bench-user');
  const { canyu: asUser, baseline: bare2 } = await env.compare({ path: '/v1/me', headers: userHeaders, connections }, bareJson(userHeaders));
  ok('GET /v1/me as user', asUser);
  env.report({ metric: `GET /v1/me, publishable key + user JWT, ${connections} conns`, value: asUser.rps, unit: 'req/s', p99: asUser.p99, baseline: { label: 'bare Fastify JSON, same headers', value: bare2.rps }, target: { minRatio: 0.6 } });

  // A database read: the profile, against bare Fastify running the same SQL on a plain pg pool.
  const { canyu: profile, baseline: bareSql } = await env.compare({ path: '/v1/users/bench-user', headers: env.auth.secret, connections }, { path: `/bare/user/${env.tenant.appId}/bench-user`, connections, target: env.bare, headers: env.auth.secret });
  ok('bare user', bareSql);
  ok('GET /v1/users/:id', profile);
  env.report({ metric: `GET /v1/users/:id, secret key, ${connections} conns`, value: profile.rps, unit: 'req/s', p99: profile.p99, baseline: { label: 'bare Fastify + same SQL, same headers', value: bareSql.rps }, target: { minRatio: 0.5 } });
  return { me: me.rps, asUser: asUser.rps, profile: profile.rps };
}

/** With --workers N: the same GETs on a 1-worker server (same database), reported as N ÷ 1. */
async function workerScaling(env: BenchEnv, withN: Gets) {
  if (env.workers === 1) return;
  const one = await env.startCanyu(1);
  try {
    const connections = 50;
    const run = async (path: string, headers: Record<string, string>) => {
      const r = await env.http({ path, headers, connections, target: one.url });
      if (r.non2xx > 0 || r.errors > 0) throw new Error(`1 worker ${path}: non-2xx ${r.non2xx} / errors ${r.errors}`);
      return r.rps;
    };
    const rows: [string, number, number][] = [
      ['GET /v1/me, secret key', withN.me, await run('/v1/me', env.auth.secret)],
      ['GET /v1/me, publishable key + user JWT', withN.asUser, await run('/v1/me', env.auth.user('bench-user'))],
      ['GET /v1/users/:id, secret key', withN.profile, await run('/v1/users/bench-user', env.auth.secret)],
    ];
    for (const [metric, n, single] of rows) {
      env.report({ metric: `scaling: ${metric}, ${env.workers} workers ÷ 1 worker`, value: n, unit: 'req/s', baseline: { label: '1 worker, same run', value: single }, note: `${(n / single).toFixed(2)}× on ${os.cpus().length} cores shared with PostgreSQL and the load generator` });
    }
  } finally {
    await one.stop();
  }
}

async function ingestion(env: BenchEnv) {
  const perRequest = 50;
  const connections = 64;
  const before = (await env.pool.query<{ n: number }>('select count(*)::int as n from ev_events where app_id = $1', [env.tenant.appId])).rows[0]!.n;
  const runId = Date.now().toString(36);
  const names = ['video.played', 'app.opened', 'item.viewed', 'cart.added'];
  const canyu = await env.http({
    method: 'POST',
    path: '/v1/events',
    headers: env.auth.secret,
    connections,
    body: (i) => ({
      events: Array.from({ length: perRequest }, (_, k) => ({
        event_id: `${runId}-${i}-${k}`,
        user_id: `u${(i * perRequest + k) % 10_000}`,
        name: names[k % names.length],
        properties: { k, source: 'bench' },
      })),
    }),
  });
  if (canyu.errors > 0 || canyu.non2xx > 0) env.log(`ingestion: ${canyu.non2xx} non-2xx, ${canyu.errors} errors: ${JSON.stringify(canyu.status)}`);
  const stored = (await env.pool.query<{ n: number }>('select count(*)::int as n from ev_events where app_id = $1', [env.tenant.appId])).rows[0]!.n - before;
  const acknowledged = (canyu.status['200'] ?? 0) * perRequest;
  if (stored < acknowledged) throw new Error(`lost events: ${acknowledged} acknowledged but ${stored} stored`);

  // Baseline: the very statement the server flushes with (storeEventBatch, events/store.ts: the INSERT
  // … unnest and, in the same statement, the analytics roll-ups and the event-log copy), driven
  // directly with batches as large as the server's flushes can be, at its flush concurrency (2).
  const flush = 5000;
  const direct = await env.sql({
    clients: 2,
    run: (c, i) => {
      const ts = new Date().toISOString();
      return storeEventBatch(c, Array.from({ length: flush }, (_, k) => ({ appId: env.tenant.appId, eventId: `d-${runId}-${i}-${k}`, userId: `u${k % 10_000}`, name: names[k % names.length]!, propertiesJson: JSON.stringify({ k, source: 'bench' }), ts })));
    },
  });
  const eventsPerSec = stored / canyu.seconds;
  env.report({
    metric: `events stored/s, ${perRequest} per request, ${connections} conns`,
    value: eventsPerSec,
    unit: 'events/s',
    p99: canyu.p99,
    baseline: { label: `same statement direct, ${flush}/batch`, value: direct.opsPerSec * flush },
    // The targets: 100,000 events/s with accept p99 <= 50 ms where there are >= 4 cores for
    // workers; on a smaller machine, >= 60% of the same statement driven directly.
    target: os.cpus().length >= 4 ? { min: 100_000, maxP99: 50 } : { minRatio: 0.6 },
    // More stored than acknowledged: requests still in flight when the load stopped were stored, not counted.
    note: `${stored.toLocaleString('en-US')} stored ${stored === acknowledged ? '=' : '≥'} acknowledged ${acknowledged.toLocaleString('en-US')}; ${canyu.status['429'] ?? 0} × 429`,
  });
}

const scenario: Scenario = {
  name: 'foundation',
  description: 'cold start and restart, authenticated GET vs bare Fastify (and N workers ÷ 1), event ingestion vs the same SQL',
  async run(env) {
    await coldStart(env);
    const gets = await authenticatedGets(env);
    await workerScaling(env, gets);
    await ingestion(env);
  },
};
export default scenario;
